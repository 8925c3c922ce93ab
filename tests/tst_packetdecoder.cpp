#include "pcapwriter.h"
#include "replay/packetdecoder.h"
#include "replay/tcpreassembler.h"

#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <pcap/pcap.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_set>

using namespace pcapgen;
using replay::DecodedPacket;
using replay::PacketKind;
using replay::ReassemblyCounts;
using replay::TcpReassembler;
using replay::Transport;
namespace linktype = replay::linktype;

namespace replay {
// QCOMPARE prints enum values through this (found by argument-dependent lookup).
char *toString(PacketKind kind)
{
    const char *name = "?";
    switch (kind) {
    case PacketKind::Payload:
        name = "Payload";
        break;
    case PacketKind::NoPayload:
        name = "NoPayload";
        break;
    case PacketKind::Fragment:
        name = "Fragment";
        break;
    case PacketKind::Truncated:
        name = "Truncated";
        break;
    case PacketKind::OtherProtocol:
        name = "OtherProtocol";
        break;
    case PacketKind::NotIp:
        name = "NotIp";
        break;
    case PacketKind::UnsupportedLink:
        name = "UnsupportedLink";
        break;
    }
    return qstrdup(name);
}
char *toString(Transport transport)
{
    return qstrdup(transport == Transport::Tcp ? "Tcp" : "Udp");
}
} // namespace replay

namespace {

QByteArray qb(const Bytes &bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

Bytes toBytes(const QByteArray &bytes)
{
    return Bytes(bytes.begin(), bytes.end());
}

QByteArray payloadOf(const DecodedPacket &packet)
{
    return QByteArray(reinterpret_cast<const char *>(packet.payload),
                      qsizetype(packet.payloadSize));
}

/// Decodes `frame` from a heap block of exactly its size, so AddressSanitizer reports any
/// read past the captured bytes; checks the invariants every outcome must keep.
DecodedPacket decodeExact(int linkType, const std::uint8_t *data, std::size_t size,
                          std::unique_ptr<std::uint8_t[]> *keep)
{
    // new[0] still gives a unique pointer that must not be read.
    keep->reset(new std::uint8_t[size]);
    if (size > 0)
        std::memcpy(keep->get(), data, size);
    const std::uint8_t *copy = keep->get();
    const DecodedPacket packet = replay::decodePacket(linkType, copy, size);
    if (packet.kind == PacketKind::Payload) {
        if (!packet.payload || packet.payloadSize == 0 || packet.payload < copy ||
            packet.payloadSize > size || packet.payload + packet.payloadSize > copy + size)
            qFatal("payload outside the captured bytes");
    } else if (packet.payloadSize != 0) {
        qFatal("payload size %zu for a packet without payload", packet.payloadSize);
    }
    if ((packet.kind == PacketKind::NotIp || packet.kind == PacketKind::UnsupportedLink) &&
        packet.source.family != 0)
        qFatal("a source address without an IP header");
    return packet;
}

const Bytes Text = bytes("hello, capture receiver");

Ipv4Header v4(std::uint8_t protocol = ipproto::Tcp)
{
    Ipv4Header header;
    header.protocol = protocol;
    return header;
}

Ipv6Header v6(std::uint8_t nextHeader = ipproto::Tcp, std::vector<Ipv6Extension> extensions = {})
{
    Ipv6Header header;
    header.nextHeader = nextHeader;
    header.extensions = std::move(extensions);
    return header;
}

Bytes tcp4(const Bytes &payload = Text)
{
    return ipv4(v4(), tcp({}, payload));
}

Bytes tcp6(const Bytes &payload = Text)
{
    return ipv6(v6(), tcp({}, payload));
}

Bytes udp4(const Bytes &payload = Text)
{
    return ipv4(v4(ipproto::Udp), udp({}, payload));
}

Bytes udp6(const Bytes &payload = Text)
{
    return ipv6(v6(ipproto::Udp), udp({}, payload));
}

Bytes arp()
{
    // Ethernet/IPv4 ARP request: 28 bytes.
    return Bytes{0, 1, 0x08, 0, 6, 4, 0, 1} + Bytes(6, 2) + Bytes{192, 0, 2, 7} + Bytes(6, 0) +
           Bytes{192, 0, 2, 1};
}

Bytes withByte(Bytes bytes, std::size_t offset, std::uint8_t value)
{
    bytes.at(offset) = value;
    return bytes;
}

Bytes first(const Bytes &bytes, std::size_t size)
{
    return Bytes(bytes.begin(), bytes.begin() + std::ptrdiff_t(size));
}

// Deterministic pseudo-random numbers (xorshift64*), so a failure reproduces.
struct Random
{
    std::uint64_t state;
    std::uint64_t next()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545f4914f6cdd1dULL;
    }
    std::size_t below(std::size_t bound) { return std::size_t(next() % bound); }
};

/// A flow's true bytes, 0, 1, … 255, 0, … from `first`: where a byte stands shows in it.
QByteArray truthOf(std::size_t size, std::uint8_t first = 0)
{
    return qb(sequence(size, first));
}

/// One segment fed to the reassembler: bytes [begin, end) of the flow's true bytes, sent with
/// sequence number isn + 1 + begin (or just the flags with no bytes when begin == end).
struct Segment
{
    std::size_t begin = 0;
    std::size_t end = 0;
    std::uint8_t flags = 0;
};

/// Feeds `segments` of `truth` (SYN first when `syn`) to a reassembler with the given bounds;
/// checks every delivered byte against the truth at the position the flow reports; returns
/// what was delivered, and the counts.
struct Reassembled
{
    QByteArray bytes;
    ReassemblyCounts counts;
    QByteArray beforeFinish; ///< what was delivered before finish()
};

Reassembled reassemble(const QByteArray &truth, std::uint32_t isn, bool syn,
                       const std::vector<Segment> &segments,
                       std::size_t maxPerFlow = TcpReassembler::defaultMaxHeldPerFlow)
{
    Reassembled result;
    // A flow captured without its SYN starts at the first segment with bytes.
    std::size_t base = 0;
    if (!syn) {
        for (const Segment &segment : segments) {
            if (segment.end > segment.begin) {
                base = segment.begin;
                break;
            }
        }
    }
    TcpReassembler reassembler(
        [&](const TcpReassembler::Flow &flow, const std::uint8_t *data, std::size_t size, bool) {
            const std::uint64_t at = base + flow.position();
            if (size == 0 || at + size > std::uint64_t(truth.size()) ||
                std::memcmp(truth.constData() + at, data, size) != 0)
                qFatal("delivered %zu bytes at %llu that are not the flow's bytes there", size,
                       (unsigned long long)at);
            result.bytes.append(reinterpret_cast<const char *>(data), qsizetype(size));
        },
        maxPerFlow, maxPerFlow * 4);
    replay::FlowKey key;
    key.sourcePort = 1;
    TcpReassembler::Flow &flow = reassembler.flow(key);
    if (syn)
        reassembler.segment(flow, isn, replay::tcpflags::Syn, nullptr, 0);
    for (const Segment &segment : segments)
        reassembler.segment(flow,
                            isn + 1 + std::uint32_t(segment.begin) -
                                ((segment.flags & replay::tcpflags::Syn) ? 1 : 0),
                            segment.flags,
                            reinterpret_cast<const std::uint8_t *>(truth.constData()) +
                                segment.begin,
                            segment.end - segment.begin);
    result.beforeFinish = result.bytes;
    reassembler.finish();
    result.counts = flow.counts;
    if (reassembler.heldMemory() != 0)
        qFatal("memory held after finish()");
    return result;
}

QByteArray ranges(const QByteArray &truth, std::vector<std::pair<int, int>> parts)
{
    QByteArray out;
    for (const auto &[begin, end] : parts)
        out += truth.mid(begin, end - begin);
    return out;
}

} // namespace

namespace replay {
char *toString(const ReassemblyCounts &counts)
{
    return qstrdup(QStringLiteral("{retransmitted %1, reordered %2, gaps %3, missing %4}")
                       .arg(counts.retransmittedBytes)
                       .arg(counts.reorderedSegments)
                       .arg(counts.gaps)
                       .arg(counts.missingBytes)
                       .toUtf8()
                       .constData());
}
} // namespace replay

namespace {} // namespace

class TestPacketDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decode_data()
    {
        QTest::addColumn<int>("linkType");
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<PacketKind>("kind");
        QTest::addColumn<QString>("source"); // empty: no source expected
        QTest::addColumn<Transport>("transport");
        QTest::addColumn<QByteArray>("payload");

        const QString s4 = QStringLiteral("192.0.2.7");
        const QString s6 = QStringLiteral("2001:db8::7");
        const QByteArray text = qb(Text);
        auto row = [](const char *name, int linkType, const Bytes &frame, PacketKind kind,
                      const QString &source = {}, Transport transport = Transport::Tcp,
                      const QByteArray &payload = {}) {
            QTest::newRow(name) << linkType << qb(frame) << kind << source << transport << payload;
        };
        const auto P = PacketKind::Payload;
        const auto Tcp = Transport::Tcp;
        const auto Udp = Transport::Udp;

        // Link types.
        row("ethernet ipv4 tcp", linktype::Ethernet, ethernet(tcp4()), P, s4, Tcp, text);
        row("ethernet ipv6 tcp", linktype::Ethernet, ethernet(tcp6()), P, s6, Tcp, text);
        row("ethernet 1 vlan", linktype::Ethernet, ethernet(tcp4(), {.vlanTags = {{}}}), P, s4, Tcp,
            text);
        row("ethernet 2 vlans (802.1ad + 802.1Q)", linktype::Ethernet,
            ethernet(tcp4(), {.vlanTags = {{VlanTag::Dot1ad, 100}, {VlanTag::Dot1Q, 10}}}), P, s4,
            Tcp, text);
        row("ethernet 2 vlans (0x9100 + 802.1Q), ipv6", linktype::Ethernet,
            ethernet(tcp6(), {.vlanTags = {{VlanTag::QinQ9100, 7}, {VlanTag::Dot1Q, 8}}}), P, s6,
            Tcp, text);
        row("ethernet 5 vlans", linktype::Ethernet,
            ethernet(udp4(), {.vlanTags = {{}, {}, {}, {}, {}}}), P, s4, Udp, text);
        row("ethernet vlan, arp", linktype::Ethernet,
            ethernet(arp(), {.etherType = ethertype::Arp, .vlanTags = {{}}}), PacketKind::NotIp);
        row("ethernet arp", linktype::Ethernet, ethernet(arp(), {.etherType = ethertype::Arp}),
            PacketKind::NotIp);
        row("ethernet lldp", linktype::Ethernet,
            ethernet(Bytes(40, 0), {.etherType = ethertype::Lldp}), PacketKind::NotIp);
        row("ethernet 802.3 length field", linktype::Ethernet,
            ethernet(Bytes(46, 0xaa), {.etherType = 46}), PacketKind::NotIp);
        row("ethernet ipv4 type, ipv6 packet", linktype::Ethernet,
            ethernet(tcp6(), {.etherType = ethertype::Ipv4}), PacketKind::NotIp);
        row("ethernet FCS after the packet", linktype::Ethernet,
            ethernet(tcp6() + Bytes{0xde, 0xad, 0xbe, 0xef}), P, s6, Tcp, text);

        row("sll ipv4", linktype::LinuxSll, sll(tcp4()), P, s4, Tcp, text);
        row("sll ipv6 udp", linktype::LinuxSll, sll(udp6()), P, s6, Udp, text);
        row("sll vlan ipv4", linktype::LinuxSll,
            sll(Bytes{0x00, 0x0a, 0x08, 0x00} + tcp4(), VlanTag::Dot1Q), P, s4, Tcp, text);
        row("sll arp", linktype::LinuxSll, sll(arp(), ethertype::Arp), PacketKind::NotIp);
        row("sll2 ipv4", linktype::LinuxSll2, sll2(tcp4()), P, s4, Tcp, text);
        row("sll2 ipv6", linktype::LinuxSll2, sll2(tcp6()), P, s6, Tcp, text);
        row("sll2 arp", linktype::LinuxSll2, sll2(arp(), ethertype::Arp), PacketKind::NotIp);

        row("raw ipv4", linktype::Raw, raw(tcp4()), P, s4, Tcp, text);
        row("raw ipv6", linktype::Raw, raw(tcp6()), P, s6, Tcp, text);
        row("raw 101 ipv4", linktype::RawLinkType, raw(udp4()), P, s4, Udp, text);
        row("raw 14 ipv6", linktype::RawOpenBsd, raw(udp6()), P, s6, Udp, text);
        row("raw version 5", linktype::Raw, withByte(tcp4(), 0, 0x55), PacketKind::NotIp);
        row("raw empty", linktype::Raw, Bytes{}, PacketKind::Truncated);
        row("228 ipv4", linktype::Ipv4, raw(tcp4()), P, s4, Tcp, text);
        row("228 with an ipv6 packet", linktype::Ipv4, raw(tcp6()), PacketKind::NotIp);
        row("229 ipv6", linktype::Ipv6, raw(tcp6()), P, s6, Tcp, text);
        row("229 with an ipv4 packet", linktype::Ipv6, raw(tcp4()), PacketKind::NotIp);

        row("null little-endian ipv4", linktype::Null, null(tcp4(), 2, ByteOrder::Little), P, s4,
            Tcp, text);
        row("null big-endian ipv4", linktype::Null, null(tcp4(), 2, ByteOrder::Big), P, s4, Tcp,
            text);
        row("null host-order ipv6 24", linktype::Null, null(tcp6(), 24), P, s6, Tcp, text);
        row("null little-endian ipv6 28", linktype::Null, null(tcp6(), 28, ByteOrder::Little), P,
            s6, Tcp, text);
        row("null big-endian ipv6 30", linktype::Null, null(tcp6(), 30, ByteOrder::Big), P, s6, Tcp,
            text);
        row("null family 0", linktype::Null, null(tcp4(), 0), PacketKind::NotIp);
        row("null family 7", linktype::Null, null(tcp4(), 7), PacketKind::NotIp);
        row("null family 0x01000002", linktype::Null, null(tcp4(), 0x01000002), PacketKind::NotIp);
        row("loop ipv4", linktype::Loop, loop(tcp4()), P, s4, Tcp, text);
        row("loop ipv6", linktype::Loop, loop(udp6()), P, s6, Udp, text);
        row("loop little-endian is wrong", linktype::Loop, null(tcp4(), 2, ByteOrder::Little),
            PacketKind::NotIp);

        row("unknown link 147", 147, raw(tcp4()), PacketKind::UnsupportedLink);
        row("PPP link 9", 9, raw(tcp4()), PacketKind::UnsupportedLink);
        row("negative link", -1, raw(tcp4()), PacketKind::UnsupportedLink);

        // IPv4.
        Ipv4Header options = v4();
        options.options = {0x01, 0x01, 0x94, 0x04, 0, 0}; // NOP NOP Router Alert (padded to 8)
        row("ipv4 options", linktype::Ethernet, ethernet(ipv4(options, tcp({}, Text))), P, s4, Tcp,
            text);
        options.options = Bytes(40, 0x01); // 40 NOPs: IHL 15
        options.protocol = ipproto::Udp;
        row("ipv4 40 bytes of options", linktype::Raw, ipv4(options, udp({}, Text)), P, s4, Udp,
            text);
        options.protocol = ipproto::Tcp;
        Ipv4Header dontFragment = v4();
        dontFragment.dontFragment = true;
        row("ipv4 DF", linktype::Ethernet, ethernet(ipv4(dontFragment, tcp({}, Text))), P, s4, Tcp,
            text);
        Ipv4Header fragmentHeader = v4();
        fragmentHeader.moreFragments = true;
        row("ipv4 MF", linktype::Ethernet, ethernet(ipv4(fragmentHeader, tcp({}, Text))),
            PacketKind::Fragment, s4);
        fragmentHeader.fragmentOffset = 185;
        row("ipv4 MF + offset", linktype::Ethernet, ethernet(ipv4(fragmentHeader, Text)),
            PacketKind::Fragment, s4);
        fragmentHeader.moreFragments = false;
        row("ipv4 last fragment", linktype::Raw, ipv4(fragmentHeader, Text), PacketKind::Fragment,
            s4);
        fragmentHeader.fragmentOffset = 1;
        fragmentHeader.protocol = ipproto::Udp;
        row("ipv4 offset 1 udp", linktype::Raw, ipv4(fragmentHeader, Text), PacketKind::Fragment,
            s4);
        row("ipv4 IHL 4", linktype::Raw, withByte(tcp4(), 0, 0x44), PacketKind::Truncated);
        row("ipv4 IHL 0", linktype::Raw, withByte(tcp4(), 0, 0x40), PacketKind::Truncated);
        Ipv4Header lengths = v4();
        lengths.totalLength = 19;
        row("ipv4 total length < header", linktype::Raw, ipv4(lengths, tcp({}, Text)),
            PacketKind::Truncated, s4);
        lengths.totalLength = 0;
        row("ipv4 total length 0", linktype::Raw, ipv4(lengths, tcp({}, Text)),
            PacketKind::Truncated, s4);
        options.options = Bytes(8, 0x01);
        options.totalLength = 24; // the options end past it
        row("ipv4 total length < IHL with options", linktype::Raw, ipv4(options, tcp({}, Text)),
            PacketKind::Truncated, s4);
        lengths.totalLength = std::uint16_t(20 + 20 + Text.size() + 1);
        row("ipv4 total length > captured", linktype::Raw, ipv4(lengths, tcp({}, Text)),
            PacketKind::Truncated, s4);
        lengths.totalLength = std::uint16_t(20 + 20 + Text.size() - 3);
        row("ipv4 total length bounds the payload", linktype::Raw, ipv4(lengths, tcp({}, Text)), P,
            s4, Tcp, text.chopped(3));
        row("ipv4 icmp", linktype::Ethernet,
            ethernet(ipv4(v4(ipproto::Icmp), Bytes{8, 0, 0, 0, 0, 1, 0, 1} + Text)),
            PacketKind::OtherProtocol, s4);
        row("ipv4 esp", linktype::Raw, ipv4(v4(ipproto::Esp), Bytes(32, 1)),
            PacketKind::OtherProtocol, s4);
        row("ipv4 igmp, no payload", linktype::Raw, ipv4(v4(2), {}), PacketKind::OtherProtocol, s4);
        row("snaplen cut ipv4", linktype::Ethernet, first(ethernet(tcp4(sequence(1400))), 96),
            PacketKind::Truncated, s4);

        // IPv6.
        const Bytes ext = tcp({}, Text);
        row("ipv6 hop-by-hop + routing + destination options", linktype::Ethernet,
            ethernet(
                ipv6(v6(ipproto::Tcp, {hopByHop(), routing(24), destinationOptions(16)}), ext)),
            P, s6, Tcp, text);
        row("ipv6 hop-by-hop + routing + destination options + AH", linktype::Ethernet,
            ethernet(ipv6(
                v6(ipproto::Tcp, {hopByHop(), routing(), destinationOptions(), authentication()}),
                ext)),
            P, s6, Tcp, text);
        row("ipv6 AH (ICV 20) + destination options, udp", linktype::Raw,
            ipv6(v6(ipproto::Udp, {authentication(20), destinationOptions()}), udp({}, Text)), P,
            s6, Udp, text);
        row("ipv6 large hop-by-hop (2048)", linktype::Raw,
            ipv6(v6(ipproto::Tcp, {hopByHop(2048)}), ext), P, s6, Tcp, text);
        row("ipv6 fragment", linktype::Ethernet,
            ethernet(ipv6(v6(ipproto::Tcp, {fragment(0, true)}), ext)), PacketKind::Fragment, s6);
        row("ipv6 hop-by-hop + fragment", linktype::Raw,
            ipv6(v6(ipproto::Udp, {hopByHop(), fragment(100, false)}), Text), PacketKind::Fragment,
            s6);
        row("ipv6 atomic fragment", linktype::Raw,
            ipv6(v6(ipproto::Tcp, {fragment(0, false)}), ext), PacketKind::Fragment, s6);
        row("ipv6 esp", linktype::Raw, ipv6(v6(ipproto::Esp), Bytes(32, 1)),
            PacketKind::OtherProtocol, s6);
        row("ipv6 destination options + esp", linktype::Raw,
            ipv6(v6(ipproto::Esp, {destinationOptions()}), Bytes(32, 1)), PacketKind::OtherProtocol,
            s6);
        row("ipv6 no next header", linktype::Raw,
            ipv6(v6(ipproto::NoNextHeader, {destinationOptions()}), {}), PacketKind::OtherProtocol,
            s6);
        row("ipv6 icmpv6", linktype::Raw,
            ipv6(v6(ipproto::Icmpv6), Bytes{128, 0, 0, 0, 0, 1, 0, 1} + Text),
            PacketKind::OtherProtocol, s6);
        Ipv6Header jumbo = v6(ipproto::Tcp, {hopByHop()});
        jumbo.payloadLength = 0;
        row("ipv6 payload length 0 (jumbogram)", linktype::Raw, ipv6(jumbo, ext),
            PacketKind::OtherProtocol, s6);
        Ipv6Header lengths6 = v6();
        lengths6.payloadLength = std::uint16_t(ext.size() + 1);
        row("ipv6 payload length > captured", linktype::Raw, ipv6(lengths6, ext),
            PacketKind::Truncated, s6);
        lengths6.payloadLength = std::uint16_t(ext.size() - 5);
        row("ipv6 payload length bounds the payload", linktype::Raw, ipv6(lengths6, ext), P, s6,
            Tcp, text.chopped(5));
        Ipv6Header shortChain = v6(ipproto::Tcp, {hopByHop(), destinationOptions(16)});
        shortChain.payloadLength = 20;
        row("ipv6 extension header past the payload length", linktype::Raw, ipv6(shortChain, ext),
            PacketKind::Truncated, s6);
        shortChain.payloadLength = 8;
        row("ipv6 payload length ends after an extension header", linktype::Raw,
            ipv6(shortChain, ext), PacketKind::Truncated, s6);
        row("snaplen cut ipv6", linktype::LinuxSll, first(sll(udp6(sequence(1000))), 68 + 16),
            PacketKind::Truncated, s6);

        // TCP.
        row("tcp SYN", linktype::Ethernet,
            ethernet(ipv4(v4(), tcp({.flags = tcpflag::Syn, .options = {2, 4, 5, 0xb4}}))),
            PacketKind::NoPayload, s4, Tcp);
        row("tcp bare ACK", linktype::Ethernet, ethernet(ipv4(v4(), tcp({.flags = tcpflag::Ack}))),
            PacketKind::NoPayload, s4, Tcp);
        row("tcp FIN ipv6", linktype::Raw, ipv6(v6(), tcp({.flags = tcpflag::Fin | tcpflag::Ack})),
            PacketKind::NoPayload, s6, Tcp);
        row("tcp options + payload", linktype::Ethernet,
            ethernet(ipv4(v4(), tcp({.options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}}, Text))), P,
            s4, Tcp, text);
        row("tcp 40 bytes of options", linktype::Raw,
            ipv6(v6(), tcp({.options = Bytes(40, 1)}, Text)), P, s6, Tcp, text);
        row("tcp data offset 4", linktype::Raw, ipv4(v4(), tcp({.dataOffset = 4}, Text)),
            PacketKind::Truncated, s4, Tcp);
        row("tcp data offset past the packet", linktype::Raw,
            ipv4(v4(), tcp({.dataOffset = 15}, Bytes(10, 0))), PacketKind::Truncated, s4, Tcp);
        Ipv4Header cutHeader = v4();
        cutHeader.totalLength = 20 + 19;
        row("tcp header cut by the ip length", linktype::Raw, ipv4(cutHeader, tcp({}, Text)),
            PacketKind::Truncated, s4, Tcp);

        // UDP.
        row("udp payload", linktype::Ethernet, ethernet(udp4()), P, s4, Udp, text);
        row("udp empty", linktype::Ethernet, ethernet(udp4({})), PacketKind::NoPayload, s4, Udp);
        row("udp empty ipv6", linktype::Raw, udp6({}), PacketKind::NoPayload, s6, Udp);
        row("udp length field < datagram", linktype::Raw,
            ipv4(v4(ipproto::Udp), udp({.length = 8 + 3}, Text)), P, s4, Udp, text.left(3));
        row("udp length field 8 with data after", linktype::Raw,
            ipv6(v6(ipproto::Udp), udp({.length = 8}, Text)), PacketKind::NoPayload, s6, Udp);
        row("udp length field > datagram", linktype::Raw,
            ipv4(v4(ipproto::Udp), udp({.length = std::uint16_t(8 + Text.size() + 1)}, Text)),
            PacketKind::Truncated, s4, Udp);
        row("udp length field 7", linktype::Raw, ipv4(v4(ipproto::Udp), udp({.length = 7}, Text)),
            PacketKind::Truncated, s4, Udp);
        Ipv4Header cutUdp = v4(ipproto::Udp);
        cutUdp.totalLength = 20 + 7;
        row("udp header cut by the ip length", linktype::Raw, ipv4(cutUdp, udp({}, Text)),
            PacketKind::Truncated, s4, Udp);

        // Short frames: the padding is not payload.
        row("ethernet padding, 1-byte tcp", linktype::Ethernet, ethernet(tcp4(bytes("x"))), P, s4,
            Tcp, QByteArray("x"));
        row("ethernet padding, 1-byte udp with vlan", linktype::Ethernet,
            ethernet(udp4(bytes("y")), {.vlanTags = {{}}}), P, s4, Udp, QByteArray("y"));
        row("ethernet padding, bare ack", linktype::Ethernet,
            ethernet(ipv4(v4(), tcp({.flags = tcpflag::Ack}))), PacketKind::NoPayload, s4, Tcp);
    }

    void decode()
    {
        QFETCH(int, linkType);
        QFETCH(QByteArray, frame);
        QFETCH(PacketKind, kind);
        QFETCH(QString, source);
        QFETCH(Transport, transport);
        QFETCH(QByteArray, payload);

        std::unique_ptr<std::uint8_t[]> keep;
        const Bytes data = toBytes(frame);
        const DecodedPacket packet = decodeExact(linkType, data.data(), data.size(), &keep);
        QCOMPARE(packet.kind, kind);
        if (!source.isEmpty())
            QCOMPARE(QString::fromStdString(packet.source.text()), source);
        if (kind == PacketKind::Payload || kind == PacketKind::NoPayload)
            QCOMPARE(packet.transport, transport);
        QCOMPARE(payloadOf(packet), payload);
    }

    void ethernetPadding()
    {
        Bytes frame = ethernet(tcp4(bytes("x")));
        QCOMPARE(frame.size(), std::size_t(60));
        // Whatever the padding holds (NICs do not always zero it), it is not payload.
        for (std::size_t i = 14 + 20 + 20 + 1; i < frame.size(); ++i)
            frame[i] = 0xaa;
        const DecodedPacket packet =
            replay::decodePacket(linktype::Ethernet, frame.data(), frame.size());
        QCOMPARE(packet.kind, PacketKind::Payload);
        QCOMPARE(payloadOf(packet), QByteArray("x"));
        QCOMPARE(packet.payload, frame.data() + 14 + 20 + 20);
    }

    // Every prefix of a frame, as a snap length or a damaged file would cut it: below the end
    // of the IP packet it is Truncated, from there on (link padding) the full result; and
    // never a read past the prefix (AddressSanitizer build).
    void everyPrefix_data()
    {
        QTest::addColumn<int>("linkType");
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("ipEnd"); // where the IP packet ends in the frame

        auto row = [](const char *name, int linkType, const Bytes &frame, std::size_t ipEnd) {
            QTest::newRow(name) << linkType << qb(frame) << int(ipEnd);
        };
        const Bytes t4 = tcp4();
        const Bytes t6 = tcp6();
        row("ethernet ipv4 tcp", linktype::Ethernet, ethernet(t4), 14 + t4.size());
        row("ethernet 2 vlans ipv6 tcp", linktype::Ethernet,
            ethernet(t6, {.vlanTags = {{VlanTag::Dot1ad, 1}, {}}}), 22 + t6.size());
        row("ethernet padded 1-byte tcp", linktype::Ethernet, ethernet(tcp4(bytes("x"))),
            14 + 20 + 20 + 1);
        row("ethernet padded bare ack", linktype::Ethernet,
            ethernet(ipv4(v4(), tcp({.flags = tcpflag::Ack}))), 14 + 20 + 20);
        row("ethernet padded empty udp", linktype::Ethernet, ethernet(udp4({})), 14 + 20 + 8);
        row("sll ipv4 udp", linktype::LinuxSll, sll(udp4()), 16 + udp4().size());
        row("sll vlan ipv6", linktype::LinuxSll, sll(Bytes{0, 1, 0x86, 0xdd} + t6, VlanTag::Dot1Q),
            20 + t6.size());
        row("sll2 ipv6 udp", linktype::LinuxSll2, sll2(udp6()), 20 + udp6().size());
        row("raw ipv4", linktype::Raw, t4, t4.size());
        row("raw ipv6", linktype::Raw, t6, t6.size());
        row("228", linktype::Ipv4, t4, t4.size());
        row("229", linktype::Ipv6, t6, t6.size());
        row("null", linktype::Null, null(t4), 4 + t4.size());
        row("loop", linktype::Loop, loop(t6), 4 + t6.size());
        Ipv4Header options = v4();
        options.options = Bytes(12, 1);
        const Bytes withOptions = ipv4(options, tcp({.options = Bytes(12, 1)}, Text));
        row("ipv4 + tcp options", linktype::Ethernet, ethernet(withOptions),
            14 + withOptions.size());
        const Bytes chain = ipv6(
            v6(ipproto::Tcp, {hopByHop(16), routing(), destinationOptions(), authentication()}),
            tcp({}, Text));
        row("ipv6 extension chain", linktype::Ethernet, ethernet(chain), 14 + chain.size());
        const Bytes frag = ipv6(v6(ipproto::Tcp, {hopByHop(), fragment()}), tcp({}, Text));
        row("ipv6 fragment", linktype::Raw, frag, frag.size());
        Ipv4Header mf = v4();
        mf.moreFragments = true;
        const Bytes frag4 = ipv4(mf, tcp({}, Text));
        row("ipv4 fragment", linktype::Raw, frag4, frag4.size());
        const Bytes icmp = ipv4(v4(ipproto::Icmp), Bytes(8, 0));
        row("ipv4 icmp (padded)", linktype::Ethernet, ethernet(icmp), 14 + icmp.size());
    }

    void everyPrefix()
    {
        QFETCH(int, linkType);
        QFETCH(QByteArray, frame);
        QFETCH(int, ipEnd);

        const Bytes data = toBytes(frame);
        std::unique_ptr<std::uint8_t[]> keep;
        const DecodedPacket full = decodeExact(linkType, data.data(), data.size(), &keep);
        QVERIFY(full.kind != PacketKind::Truncated);
        const QByteArray fullPayload = payloadOf(full);
        for (std::size_t size = 0; size < data.size(); ++size) {
            const DecodedPacket cut = decodeExact(linkType, data.data(), size, &keep);
            if (size < std::size_t(ipEnd)) {
                if (cut.kind != PacketKind::Truncated)
                    QFAIL(
                        qPrintable(QStringLiteral("prefix of %1 bytes: not Truncated").arg(size)));
            } else {
                QCOMPARE(cut.kind, full.kind);
                QCOMPARE(payloadOf(cut), fullPayload);
                QCOMPARE(cut.source, full.source);
            }
        }
    }

    // Random damage to valid frames, decoded at every supported link type: no crash, no read
    // past the end (AddressSanitizer), and the invariants decodeExact() checks.
    void randomDamage()
    {
        const std::vector<Bytes> frames = {
            ethernet(tcp4(), {.vlanTags = {{}, {}}}),
            ethernet(
                ipv6(v6(ipproto::Tcp, {hopByHop(), routing(), authentication()}), tcp({}, Text))),
            sll(udp6()),
            sll2(tcp4()),
            null(udp4()),
            ipv4(
                [] {
                    Ipv4Header h = v4();
                    h.options = Bytes(8, 1);
                    return h;
                }(),
                tcp({}, Text)),
        };
        const int linkTypes[] = {linktype::Null, linktype::Ethernet, linktype::Raw,
                                 linktype::Loop, linktype::LinuxSll, linktype::Ipv4,
                                 linktype::Ipv6, linktype::LinuxSll2};
        Random random{0x9e3779b97f4a7c15ULL};
        std::unique_ptr<std::uint8_t[]> keep;
        int payloads = 0;
        for (int round = 0; round < 20000; ++round) {
            Bytes frame = frames[random.below(frames.size())];
            const std::size_t flips = 1 + random.below(4);
            for (std::size_t i = 0; i < flips; ++i)
                frame[random.below(frame.size())] = std::uint8_t(random.next());
            const std::size_t size = random.below(frame.size() + 1);
            for (int linkType : linkTypes) {
                const DecodedPacket packet = decodeExact(linkType, frame.data(), size, &keep);
                payloads += packet.kind == PacketKind::Payload;
            }
        }
        QVERIFY(payloads > 0); // the damage left some frames whole
    }

    // Ports, sequence number, flags and destination: what the reassembly keys and orders by.
    void transportFields()
    {
        const Bytes segment4 =
            ipv4({.source = "192.0.2.7", .destination = "198.51.100.9"},
                 tcp({.sourcePort = 41234,
                      .destinationPort = 8080,
                      .sequence = 0xfffffff0u,
                      .flags = std::uint8_t(tcpflag::Ack | tcpflag::Psh | tcpflag::Fin)},
                     Text));
        DecodedPacket p = replay::decodePacket(linktype::Raw, segment4.data(), segment4.size());
        QCOMPARE(p.kind, PacketKind::Payload);
        QCOMPARE(QString::fromStdString(p.destination.text()), QStringLiteral("198.51.100.9"));
        QCOMPARE(p.sourcePort, std::uint16_t(41234));
        QCOMPARE(p.destinationPort, std::uint16_t(8080));
        QCOMPARE(p.sequence, 0xfffffff0u);
        QCOMPARE(int(p.tcpFlags & replay::tcpflags::Fin), int(replay::tcpflags::Fin));
        QCOMPARE(int(p.tcpFlags & replay::tcpflags::Syn), 0);

        Ipv6Header h6 = v6(ipproto::Tcp, {hopByHop()});
        h6.destination = "2001:db8::99";
        const Bytes syn6 = ipv6(
            h6,
            tcp({.sourcePort = 1, .destinationPort = 2, .sequence = 77, .flags = tcpflag::Syn}));
        p = replay::decodePacket(linktype::Raw, syn6.data(), syn6.size());
        QCOMPARE(p.kind, PacketKind::NoPayload);
        QCOMPARE(QString::fromStdString(p.destination.text()), QStringLiteral("2001:db8::99"));
        QCOMPARE(p.sequence, 77u);
        QCOMPARE(int(p.tcpFlags), int(tcpflag::Syn));
        QCOMPARE(p.destinationPort, std::uint16_t(2));

        const Bytes datagram =
            ipv4(v4(ipproto::Udp), udp({.sourcePort = 53, .destinationPort = 9}, Text));
        p = replay::decodePacket(linktype::Raw, datagram.data(), datagram.size());
        QCOMPARE(p.kind, PacketKind::Payload);
        QCOMPARE(p.sourcePort, std::uint16_t(53));
        QCOMPARE(p.destinationPort, std::uint16_t(9));
    }

    // The reassembly, case by case: what comes out, and what it says it repaired.
    void reassemblerCases()
    {
        const QByteArray t = truthOf(100);
        const std::uint8_t fin = replay::tcpflags::Fin;
        const std::uint8_t rst = replay::tcpflags::Rst;
        const std::uint8_t syn = replay::tcpflags::Syn;
        auto counts = [](std::uint64_t retransmitted, std::uint64_t reordered, std::uint64_t gaps,
                         std::uint64_t missing) {
            ReassemblyCounts c;
            c.retransmittedBytes = retransmitted;
            c.reorderedSegments = reordered;
            c.gaps = gaps;
            c.missingBytes = missing;
            return c;
        };
        struct Case
        {
            const char *name;
            std::uint32_t isn;
            bool syn;
            std::vector<Segment> segments;
            QByteArray expected;
            QByteArray beforeFinish; ///< what must be out before the end of the capture
            ReassemblyCounts counts;
            std::size_t maxPerFlow = TcpReassembler::defaultMaxHeldPerFlow;
        };
        const QByteArray lost = ranges(t, {{0, 20}, {40, 100}});
        const QByteArray bounded = ranges(t, {{0, 10}, {20, 30}, {40, 50}, {60, 70}});
        const QByteArray reset = ranges(t, {{0, 20}, {40, 60}});
        const std::vector<Case> cases = {
            {"in order", 1000, true, {{0, 40}, {40, 100}}, t, t, counts(0, 0, 0, 0)},
            {"whole retransmission",
             1000,
             true,
             {{0, 40}, {40, 70}, {40, 70}, {70, 100}},
             t,
             t,
             counts(30, 0, 0, 0)},
            {"partial overlaps",
             1000,
             true,
             {{0, 40}, {30, 70}, {60, 100}},
             t,
             t,
             counts(20, 0, 0, 0)},
            {"out-of-order pair",
             1000,
             true,
             {{0, 40}, {70, 100}, {40, 70}},
             t,
             t,
             counts(0, 1, 0, 0)},
            {"overlapping held segments",
             1000,
             true,
             {{0, 20}, {40, 60}, {50, 80}, {20, 40}, {80, 100}},
             t,
             t,
             counts(10, 2, 0, 0)},
            {"an in-order segment overlaps a held one",
             1000,
             true,
             {{0, 20}, {40, 60}, {20, 50}, {60, 100}},
             t,
             t,
             counts(10, 1, 0, 0)},
            {"lost segment: the gap is given up at the end",
             1000,
             true,
             {{0, 20}, {40, 60}, {60, 100}},
             lost,
             t.left(20),
             counts(0, 0, 1, 20)},
            {"sequence wrap",
             0xffffffd0u,
             true,
             {{0, 30}, {60, 100}, {30, 60}, {50, 70}},
             t,
             t,
             counts(20, 1, 0, 0)},
            {"captured mid-way (no SYN)",
             5000,
             false,
             {{30, 60}, {0, 30}, {60, 100}},
             t.mid(30),
             t.mid(30),
             counts(30, 0, 0, 0)},
            {"captured mid-way across the wrap",
             0xffffffe0u,
             false,
             {{10, 40}, {70, 100}, {40, 70}},
             t.mid(10),
             t.mid(10),
             counts(0, 1, 0, 0)},
            {"FIN ahead of a gap, then the gap fills",
             1000,
             true,
             {{0, 20}, {60, 100, fin}, {20, 60}},
             t,
             t,
             counts(0, 1, 0, 0)},
            {"RST gives the gap up",
             1000,
             true,
             {{0, 20}, {40, 60}, {60, 60, rst}, {20, 40}},
             reset,
             reset,
             counts(20, 0, 1, 20)},
            {"retransmitted SYN",
             1000,
             true,
             {{0, 50}, {0, 0, syn}, {50, 100}},
             t,
             t,
             counts(0, 0, 0, 0)},
            {"past the per-flow bound the first gap is given up",
             1000,
             true,
             {{0, 10}, {20, 30}, {40, 50}, {60, 70}, {10, 20}},
             bounded,
             ranges(t, {{0, 10}, {20, 30}}),
             counts(10, 0, 3, 30),
             3 * TcpReassembler::pieceCost + 15},
        };
        for (const Case &c : cases) {
            const Reassembled r = reassemble(t, c.isn, c.syn, c.segments, c.maxPerFlow);
            QVERIFY2(r.bytes == c.expected, c.name);
            QVERIFY2(r.beforeFinish == c.beforeFinish, c.name);
            if (!(r.counts == c.counts))
                QFAIL(qPrintable(QStringLiteral("%1: %2 instead of %3")
                                     .arg(QString::fromUtf8(c.name),
                                          QString::fromUtf8(replay::toString(r.counts)),
                                          QString::fromUtf8(replay::toString(c.counts)))));
        }
    }

    // Random segment orders, overlaps, duplicates and drops over several interleaved flows,
    // with small and default bounds, under AddressSanitizer: every byte delivered is the
    // flow's true byte at that position (so the output never exceeds the true bytes), every
    // byte fed is either delivered or counted as retransmitted, the held memory never passes
    // its bounds, and a flow that lost nothing (and was not bounded) comes out whole.
    void reassemblerRandomised()
    {
        Random random{0x243f6a8885a308d3ULL};
        std::uint64_t delivered = 0;
        std::uint64_t gaps = 0;
        std::uint64_t reordered = 0;
        for (int round = 0; round < 1500; ++round) {
            const bool small = random.below(3) == 0;
            const std::size_t maxPerFlow =
                small ? 1024 + random.below(8192) : TcpReassembler::defaultMaxHeldPerFlow;
            const std::size_t maxTotal = maxPerFlow * (1 + random.below(4));
            struct Flow
            {
                QByteArray truth;
                std::uint32_t isn = 0;
                bool syn = false;
                bool lossy = false; ///< a segment dropped or a RST sent
                bool started = false;
                std::size_t base = 0;
                std::uint64_t fed = 0;
                QByteArray out;
            };
            std::vector<Flow> flows(1 + random.below(4));
            struct Fed
            {
                std::size_t flow;
                std::size_t begin, end;
                std::uint8_t flags;
            };
            std::vector<std::vector<Fed>> perFlow(flows.size());
            for (std::size_t f = 0; f < flows.size(); ++f) {
                Flow &flow = flows[f];
                const std::size_t size = 1 + random.below(16000);
                flow.truth = truthOf(size, std::uint8_t(random.next()));
                flow.isn = random.below(4) == 0 ? std::uint32_t(0xffffffffu - random.below(20000))
                                                : std::uint32_t(random.next());
                flow.syn = random.below(4) != 0;
                const bool tiny = random.below(5) == 0;
                std::vector<Fed> &list = perFlow[f];
                for (std::size_t at = 0; at < size;) {
                    const std::size_t end = std::min(size, at + 1 + random.below(tiny ? 8 : 1500));
                    const bool last = end == size;
                    const std::uint8_t flags =
                        last && random.below(2) ? replay::tcpflags::Fin : std::uint8_t(0);
                    if (random.below(20) == 0 && !last) {
                        flow.lossy = true; // dropped
                    } else {
                        list.push_back({f, at, end, flags});
                    }
                    if (random.below(10) == 0) { // a retransmission, overlapping or not
                        const std::size_t b = at - std::min(at, random.below(200));
                        const std::size_t e = std::min(size, end + random.below(200));
                        list.push_back({f, b, e, std::uint8_t(0)});
                    }
                    at = end;
                }
                if (random.below(30) == 0 && !list.empty()) {
                    flow.lossy = true;
                    list.insert(list.begin() + std::ptrdiff_t(random.below(list.size())),
                                {f, 0, 0, replay::tcpflags::Rst});
                }
                // Out of order: near neighbours swapped, or now and then the whole flow mixed.
                const std::size_t window = random.below(8) == 0 ? list.size() : 1 + random.below(6);
                for (std::size_t i = 0; i + 1 < list.size(); ++i)
                    std::swap(list[i], list[i + random.below(std::min(window, list.size() - i))]);
            }
            // The flows interleaved, each in its own (disordered) order.
            std::vector<Fed> capture;
            std::vector<std::size_t> taken(flows.size(), 0);
            for (;;) {
                std::vector<std::size_t> open;
                for (std::size_t f = 0; f < flows.size(); ++f) {
                    if (taken[f] < perFlow[f].size())
                        open.push_back(f);
                }
                if (open.empty())
                    break;
                const std::size_t f = open[random.below(open.size())];
                capture.push_back(perFlow[f][taken[f]++]);
            }

            std::vector<TcpReassembler::Flow *> handles(flows.size());
            TcpReassembler reassembler(
                [&](const TcpReassembler::Flow &handle, const std::uint8_t *data, std::size_t size,
                    bool) {
                    Flow &flow = flows[std::size_t(handle.key.sourcePort)];
                    const std::uint64_t at = flow.base + handle.position();
                    if (size == 0 || at + size > std::uint64_t(flow.truth.size()) ||
                        std::memcmp(flow.truth.constData() + at, data, size) != 0)
                        qFatal("round %d: %zu bytes delivered at %llu are not the flow's", round,
                               size, (unsigned long long)at);
                    flow.out.append(reinterpret_cast<const char *>(data), qsizetype(size));
                },
                maxPerFlow, maxTotal);
            for (std::size_t f = 0; f < flows.size(); ++f) {
                replay::FlowKey key;
                key.sourcePort = std::uint16_t(f);
                handles[f] = &reassembler.flow(key);
                if (flows[f].syn) {
                    reassembler.segment(*handles[f], flows[f].isn, replay::tcpflags::Syn, nullptr,
                                        0);
                    flows[f].started = true;
                }
            }
            for (const Fed &segment : capture) {
                Flow &flow = flows[segment.flow];
                if (!flow.started && segment.end > segment.begin) {
                    flow.started = true;
                    flow.base = segment.begin;
                }
                flow.fed += segment.end - segment.begin;
                reassembler.segment(*handles[segment.flow],
                                    flow.isn + 1 + std::uint32_t(segment.begin), segment.flags,
                                    reinterpret_cast<const std::uint8_t *>(flow.truth.constData()) +
                                        segment.begin,
                                    segment.end - segment.begin);
                if (reassembler.heldMemory() > maxTotal)
                    QFAIL(qPrintable(QStringLiteral("round %1: %2 bytes held, bound %3")
                                         .arg(round)
                                         .arg(reassembler.heldMemory())
                                         .arg(maxTotal)));
                for (const TcpReassembler::Flow *handle : handles)
                    QVERIFY(handle->heldMemory <= maxPerFlow);
            }
            reassembler.finish();
            QCOMPARE(reassembler.heldMemory(), std::size_t(0));
            for (std::size_t f = 0; f < flows.size(); ++f) {
                const Flow &flow = flows[f];
                const ReassemblyCounts &c = handles[f]->counts;
                QVERIFY(std::uint64_t(flow.out.size()) <= std::uint64_t(flow.truth.size()));
                QCOMPARE(flow.fed, std::uint64_t(flow.out.size()) + c.retransmittedBytes);
                QCOMPARE(handles[f]->position(), std::uint64_t(flow.out.size()) + c.missingBytes);
                if (!flow.lossy && !small && flow.syn) {
                    if (flow.out != flow.truth)
                        QFAIL(qPrintable(QStringLiteral("round %1 flow %2: %3 of %4 bytes")
                                             .arg(round)
                                             .arg(f)
                                             .arg(flow.out.size())
                                             .arg(flow.truth.size())));
                    QCOMPARE(c.gaps, std::uint64_t(0));
                }
                delivered += std::uint64_t(flow.out.size());
                gaps += c.gaps;
                reordered += c.reorderedSegments;
            }
        }
        qInfo("delivered %llu bytes; %llu gaps given up, %llu segments reordered",
              (unsigned long long)delivered, (unsigned long long)gaps,
              (unsigned long long)reordered);
        QVERIFY(gaps > 0 && reordered > 0);
    }

    void linkTypes()
    {
        for (int linkType : {0, 1, 12, 14, 101, 108, 113, 228, 229, 276})
            QVERIFY2(replay::linkTypeSupported(linkType), qPrintable(QString::number(linkType)));
        for (int linkType : {-1, 9, 10, 105, 127, 147, 192, 1000})
            QVERIFY2(!replay::linkTypeSupported(linkType), qPrintable(QString::number(linkType)));
    }

    void sourceAddress()
    {
        const auto source = [](const Bytes &packet) {
            return replay::decodePacket(linktype::Raw, packet.data(), packet.size()).source;
        };
        Ipv4Header a = v4();
        a.source = "10.1.2.3";
        Ipv6Header b = v6();
        b.source = "fe80::1:2";
        Ipv6Header mapped = v6();
        mapped.source = "::ffff:10.1.2.3";
        const auto sa = source(ipv4(a, tcp({}, Text)));
        const auto sb = source(ipv6(b, tcp({}, Text)));
        const auto sm = source(ipv6(mapped, tcp({}, Text)));
        QCOMPARE(sa.family, AF_INET);
        QCOMPARE(sb.family, AF_INET6);
        QCOMPARE(QString::fromStdString(sa.text()), QStringLiteral("10.1.2.3"));
        QCOMPARE(QString::fromStdString(sb.text()), QStringLiteral("fe80::1:2"));
        QCOMPARE(QString::fromStdString(sm.text()), QStringLiteral("::ffff:10.1.2.3"));
        QVERIFY(replay::SourceAddress{}.text().empty());
        // An IPv4 address and its IPv4-mapped IPv6 form are different senders.
        QVERIFY(!(sa == sm));

        std::unordered_set<replay::SourceAddress, replay::SourceAddressHash> set;
        set.insert(sa);
        set.insert(sb);
        set.insert(sm);
        set.insert(source(ipv4(a, udp({}, Text))));
        QCOMPARE(set.size(), std::size_t(3));
        QCOMPARE(replay::SourceAddressHash{}(sa),
                 replay::SourceAddressHash{}(source(ipv4(a, udp({}, Text)))));
        // Neighbouring addresses spread over the buckets.
        std::unordered_set<std::size_t> hashes;
        for (int i = 0; i < 256; ++i) {
            Ipv4Header h = v4();
            h.source = "192.0.2." + std::to_string(i);
            hashes.insert(replay::SourceAddressHash{}(source(ipv4(h, tcp({}, Text)))));
        }
        QCOMPARE(hashes.size(), std::size_t(256));
    }

    // Writes captures with PcapWriter and reads them back with libpcap.
    void pcapRoundTrip_data()
    {
        QTest::addColumn<bool>("pcapng");
        QTest::addColumn<bool>("nanoseconds");
        QTest::addColumn<int>("linkType");
        for (bool ng : {false, true}) {
            for (bool nano : {false, true}) {
                for (int linkType :
                     {linktype::Ethernet, linktype::Raw, linktype::LinuxSll, linktype::LinuxSll2,
                      linktype::Null, linktype::Loop, linktype::Ipv4}) {
                    const QByteArray name = QByteArray(ng ? "pcapng" : "pcap") +
                                            (nano ? " ns" : " us") + " link " +
                                            QByteArray::number(linkType);
                    QTest::newRow(name.constData()) << ng << nano << linkType;
                }
            }
        }
    }

    void pcapRoundTrip()
    {
        QFETCH(bool, pcapng);
        QFETCH(bool, nanoseconds);
        QFETCH(int, linkType);

        struct Record
        {
            std::int64_t seconds;
            std::uint32_t nanos;
            Bytes frame;
            std::size_t originalLength;
            PacketKind kind;
            QByteArray payload;
        };
        const bool v4only = linkType == linktype::Ipv4;
        const Bytes big = tcp4(sequence(1000));
        const Bytes bigFrame = wrap(linkType, big);
        std::vector<Record> records = {
            {1700000000, 123456789, wrap(linkType, tcp4(bytes("abc"))), 0, PacketKind::Payload,
             "abc"},
            {1700000001, 1, wrap(linkType, v4only ? udp4(bytes("de")) : udp6(bytes("de"))), 0,
             PacketKind::Payload, "de"},
            {1700000001,
             999999999,
             wrap(linkType, ipv4(v4(), tcp({.flags = tcpflag::Syn}))),
             0,
             PacketKind::NoPayload,
             {}},
            // Cut by a snap length of 96: the file keeps 96 bytes of a longer packet.
            {1700000100,
             500000000,
             first(bigFrame, 96),
             bigFrame.size(),
             PacketKind::Truncated,
             {}},
            // Classic pcap stores seconds as a signed 32-bit number (libpcap reads them so):
            // its last second is in 2038; pcapng's 64-bit timestamp goes on (2100 here).
            {pcapng ? 4102444800 : 2147483647, 0, wrap(linkType, tcp4(sequence(1001, 7))), 0,
             PacketKind::Payload, qb(sequence(1001, 7))},
        };

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("capture")).toStdString();
        {
            PcapWriter writer(path, linkType,
                              pcapng ? PcapWriter::Format::PcapNg : PcapWriter::Format::Pcap,
                              nanoseconds);
            QVERIFY2(writer.isOpen(), writer.errorString().c_str());
            for (const Record &record : records) {
                QVERIFY(writer.add(record.seconds, record.nanos, record.frame,
                                   record.originalLength ? std::optional(record.originalLength)
                                                         : std::nullopt));
            }
            QVERIFY2(writer.close(), writer.errorString().c_str());
        }

        // Read at the file's own precision, and at microseconds through pcap_open_offline().
        for (bool readNano : {true, false}) {
            char error[PCAP_ERRBUF_SIZE] = {};
            pcap_t *pcap = readNano ? pcap_open_offline_with_tstamp_precision(
                                          path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error)
                                    : pcap_open_offline(path.c_str(), error);
            QVERIFY2(pcap, error);
            const auto closer = qScopeGuard([pcap] { pcap_close(pcap); });
            QCOMPARE(pcap_datalink(pcap), linkType);
            for (const Record &record : records) {
                pcap_pkthdr *header = nullptr;
                const u_char *data = nullptr;
                QCOMPARE(pcap_next_ex(pcap, &header, &data), 1);
                QCOMPARE(std::int64_t(header->ts.tv_sec), record.seconds);
                const std::uint32_t stored =
                    nanoseconds ? record.nanos : record.nanos / 1000 * 1000;
                QCOMPARE(std::uint32_t(header->ts.tv_usec), readNano ? stored : stored / 1000);
                QCOMPARE(std::size_t(header->caplen), record.frame.size());
                QCOMPARE(std::size_t(header->len),
                         record.originalLength ? record.originalLength : record.frame.size());
                QCOMPARE(qb(Bytes(data, data + header->caplen)), qb(record.frame));

                std::unique_ptr<std::uint8_t[]> keep;
                const DecodedPacket packet =
                    decodeExact(pcap_datalink(pcap), data, header->caplen, &keep);
                QCOMPARE(packet.kind, record.kind);
                QCOMPARE(payloadOf(packet), record.payload);
            }
            pcap_pkthdr *header = nullptr;
            const u_char *data = nullptr;
            QCOMPARE(pcap_next_ex(pcap, &header, &data), PCAP_ERROR_BREAK); // end of file
        }
    }

    // A file cut in the middle of a record: libpcap reads the whole records, then fails.
    void truncatedFile_data()
    {
        QTest::addColumn<bool>("pcapng");
        QTest::addColumn<int>("cutFromEnd");
        QTest::newRow("pcap, in the data") << false << 5;
        QTest::newRow("pcap, in the record header") << false << 100 + 16 - 3;
        QTest::newRow("pcapng, in the data") << true << 9;
        QTest::newRow("pcapng, in the block header") << true << 100 + 32 + 4 - 6;
    }

    void truncatedFile()
    {
        QFETCH(bool, pcapng);
        QFETCH(int, cutFromEnd);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("cut")).toStdString();
        const Bytes frame = raw(tcp4(sequence(100 - 20 - 20)));
        QCOMPARE(frame.size(), std::size_t(100));
        {
            PcapWriter writer(path, linktype::Raw,
                              pcapng ? PcapWriter::Format::PcapNg : PcapWriter::Format::Pcap);
            for (int i = 0; i < 3; ++i)
                QVERIFY(writer.add(std::chrono::seconds(1700000000 + i), frame));
            QVERIFY(writer.close());
        }
        const auto size = std::filesystem::file_size(path);
        QVERIFY(truncateFile(path, size - std::uint64_t(cutFromEnd)));
        QCOMPARE(std::filesystem::file_size(path), size - std::uint64_t(cutFromEnd));

        char error[PCAP_ERRBUF_SIZE] = {};
        pcap_t *pcap = pcap_open_offline(path.c_str(), error);
        QVERIFY2(pcap, error);
        const auto closer = qScopeGuard([pcap] { pcap_close(pcap); });
        pcap_pkthdr *header = nullptr;
        const u_char *data = nullptr;
        QCOMPARE(pcap_next_ex(pcap, &header, &data), 1);
        QCOMPARE(header->ts.tv_sec, time_t(1700000000));
        QCOMPARE(pcap_next_ex(pcap, &header, &data), 1);
        QCOMPARE(pcap_next_ex(pcap, &header, &data), PCAP_ERROR);
        QVERIFY2(QByteArray(pcap_geterr(pcap)).contains("truncated"), pcap_geterr(pcap));
    }

    void writerErrors()
    {
        PcapWriter pcap("/nonexistent-dir/x.pcap", linktype::Ethernet);
        QVERIFY(!pcap.isOpen());
        QVERIFY(!pcap.errorString().empty());
        PcapWriter ng("/nonexistent-dir/x.pcapng", linktype::Ethernet, PcapWriter::Format::PcapNg);
        QVERIFY(!ng.isOpen());
        QVERIFY(!ng.add(1, 0, Bytes{1}));
        QVERIFY(!ng.errorString().empty());
    }

    // The builders' checksums are right: an IPv4 header and a TCP/UDP segment sum to 0xffff.
    void checksums()
    {
        const auto foldSum = [](const std::uint8_t *data, std::size_t size, std::uint32_t sum) {
            for (std::size_t i = 0; i + 1 < size; i += 2)
                sum += (std::uint32_t(data[i]) << 8) | data[i + 1];
            if (size % 2)
                sum += std::uint32_t(data[size - 1]) << 8;
            while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
            return sum;
        };
        // The worked example of the IPv4 header checksum (Wikipedia, "Internet checksum").
        Ipv4Header known = v4(ipproto::Udp);
        known.source = "192.168.0.1";
        known.destination = "192.168.0.199";
        known.identification = 0;
        known.dontFragment = true;
        known.transportChecksum = false;
        const Bytes example = ipv4(known, Bytes(0x73 - 20, 0));
        QCOMPARE(qb(first(example, 20)).toHex(),
                 QByteArray("450000730000400040110000c0a80001c0a800c7").replace(20, 4, "b861"));

        Ipv4Header options = v4();
        options.options = {1, 1, 1};
        for (const Bytes &packet : {ipv4(options, tcp({}, Text)), udp4(bytes("odd"))}) {
            QCOMPARE(foldSum(packet.data(), std::size_t(packet[0] & 0xf) * 4, 0), 0xffffu);
            const std::size_t ihl = std::size_t(packet[0] & 0xf) * 4;
            const std::uint32_t pseudo =
                foldSum(packet.data() + 12, 8, 0) + packet[9] + std::uint32_t(packet.size() - ihl);
            QCOMPARE(foldSum(packet.data() + ihl, packet.size() - ihl, pseudo), 0xffffu);
        }
        for (const Bytes &packet : {tcp6(bytes("odd")), udp6()}) {
            const std::uint32_t pseudo =
                foldSum(packet.data() + 8, 32, 0) + packet[6] + std::uint32_t(packet.size() - 40);
            QCOMPARE(foldSum(packet.data() + 40, packet.size() - 40, pseudo), 0xffffu);
        }
    }
};

QTEST_GUILESS_MAIN(TestPacketDecoder)
#include "tst_packetdecoder.moc"

#include "replay/packetdecoder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace replay {

namespace {

// Protocol numbers and ethertypes, spelled out so this file needs no BSD-only headers.
constexpr std::uint16_t EtherTypeIpv4 = 0x0800;
constexpr std::uint16_t EtherTypeIpv6 = 0x86dd;
constexpr std::uint16_t EtherTypeVlan = 0x8100;    // 802.1Q
constexpr std::uint16_t EtherTypeQinQ = 0x88a8;    // 802.1ad service tag
constexpr std::uint16_t EtherTypeQinQOld = 0x9100; // pre-standard QinQ

constexpr std::uint8_t ProtoHopByHop = 0;
constexpr std::uint8_t ProtoTcp = 6;
constexpr std::uint8_t ProtoUdp = 17;
constexpr std::uint8_t ProtoRouting = 43;
constexpr std::uint8_t ProtoFragment = 44;
constexpr std::uint8_t ProtoAh = 51;
constexpr std::uint8_t ProtoDestinationOptions = 60;

constexpr std::size_t EthernetHeaderSize = 14;
constexpr std::size_t VlanTagSize = 4;
constexpr std::size_t SllHeaderSize = 16;
constexpr std::size_t Sll2HeaderSize = 20;
constexpr std::size_t LoopbackHeaderSize = 4;
constexpr std::size_t Ipv4MinHeaderSize = 20;
constexpr std::size_t Ipv6HeaderSize = 40;
constexpr std::size_t TcpMinHeaderSize = 20;
constexpr std::size_t UdpHeaderSize = 8;

/// A bounded view of bytes. Every read is checked against `size` by the caller through
/// has(); the accessors themselves assume it (they sit in the innermost loop).
struct Bytes
{
    const std::uint8_t *data = nullptr;
    std::size_t size = 0;

    /// True when [offset, offset + count) lies inside the view (no overflow for any input).
    bool has(std::size_t offset, std::size_t count) const
    {
        return offset <= size && count <= size - offset;
    }
    std::uint8_t u8(std::size_t offset) const { return data[offset]; }
    std::uint16_t be16(std::size_t offset) const
    {
        return std::uint16_t((unsigned(data[offset]) << 8) | data[offset + 1]);
    }
    std::uint32_t be32(std::size_t offset) const
    {
        return (std::uint32_t(data[offset]) << 24) | (std::uint32_t(data[offset + 1]) << 16) |
               (std::uint32_t(data[offset + 2]) << 8) | std::uint32_t(data[offset + 3]);
    }
    std::uint32_t le32(std::size_t offset) const
    {
        return std::uint32_t(data[offset]) | (std::uint32_t(data[offset + 1]) << 8) |
               (std::uint32_t(data[offset + 2]) << 16) | (std::uint32_t(data[offset + 3]) << 24);
    }
    /// The bytes [offset, offset + count); the caller checked has(offset, count).
    Bytes slice(std::size_t offset, std::size_t count) const { return {data + offset, count}; }
    /// The bytes from `offset` to the end; the caller checked offset <= size.
    Bytes from(std::size_t offset) const { return {data + offset, size - offset}; }
};

/// What the link layer carries next.
enum class Network { Ipv4, Ipv6, ByVersion, NotIp, Truncated };

struct LinkResult
{
    Network network = Network::NotIp;
    Bytes rest;
};

DecodedPacket outcome(PacketKind kind)
{
    DecodedPacket packet;
    packet.kind = kind;
    return packet;
}

Network networkForEtherType(std::uint16_t etherType)
{
    switch (etherType) {
    case EtherTypeIpv4:
        return Network::Ipv4;
    case EtherTypeIpv6:
        return Network::Ipv6;
    default:
        return Network::NotIp;
    }
}

bool isVlanTag(std::uint16_t etherType)
{
    return etherType == EtherTypeVlan || etherType == EtherTypeQinQ ||
           etherType == EtherTypeQinQOld;
}

/// The ethertype at `typeOffset`, followed by any number of VLAN tags (each: 2 bytes TCI, then
/// the next ethertype); the network header starts right after the last ethertype.
LinkResult etherTypeChain(Bytes frame, std::size_t typeOffset)
{
    if (!frame.has(typeOffset, 2))
        return {Network::Truncated, {}};
    std::uint16_t etherType = frame.be16(typeOffset);
    std::size_t offset = typeOffset + 2;
    // Each tag consumes 4 captured bytes, so this ends within capturedLength / 4 rounds.
    while (isVlanTag(etherType)) {
        if (!frame.has(offset, VlanTagSize))
            return {Network::Truncated, {}};
        etherType = frame.be16(offset + 2);
        offset += VlanTagSize;
    }
    return {networkForEtherType(etherType), frame.from(offset)};
}

/// BSD loopback address families: AF_INET is 2 everywhere, AF_INET6 differs by OS.
Network networkForLoopbackFamily(std::uint32_t family)
{
    switch (family) {
    case 2:
        return Network::Ipv4;
    case 24: // NetBSD, OpenBSD, BSD/OS
    case 28: // FreeBSD, DragonFly
    case 30: // macOS
        return Network::Ipv6;
    default:
        return Network::NotIp;
    }
}

LinkResult decodeLink(int linkType, Bytes frame)
{
    switch (linkType) {
    case linktype::Ethernet:
        if (!frame.has(0, EthernetHeaderSize))
            return {Network::Truncated, {}};
        return etherTypeChain(frame, 12);
    case linktype::LinuxSll:
        if (!frame.has(0, SllHeaderSize))
            return {Network::Truncated, {}};
        // libpcap puts a VLAN tag it reconstructs from the kernel's metadata after byte 14.
        return etherTypeChain(frame, 14);
    case linktype::LinuxSll2:
        if (!frame.has(0, Sll2HeaderSize))
            return {Network::Truncated, {}};
        return {networkForEtherType(frame.be16(0)), frame.from(Sll2HeaderSize)};
    case linktype::Raw:
    case linktype::RawLinkType:
    case linktype::RawOpenBsd:
        return {Network::ByVersion, frame};
    case linktype::Ipv4:
        return {Network::Ipv4, frame};
    case linktype::Ipv6:
        return {Network::Ipv6, frame};
    case linktype::Null: {
        if (!frame.has(0, LoopbackHeaderSize))
            return {Network::Truncated, {}};
        // Host byte order of the machine that captured: the family is small, so whichever
        // reading gives a value below 256 is the right one (0 in both is no family at all).
        const std::uint32_t little = frame.le32(0);
        const std::uint32_t big = frame.be32(0);
        const std::uint32_t family = little < 256 ? little : big < 256 ? big : 0;
        return {networkForLoopbackFamily(family), frame.from(LoopbackHeaderSize)};
    }
    case linktype::Loop:
        if (!frame.has(0, LoopbackHeaderSize))
            return {Network::Truncated, {}};
        return {networkForLoopbackFamily(frame.be32(0)), frame.from(LoopbackHeaderSize)};
    default:
        return {Network::NotIp, {}};
    }
}

/// The transport header and payload in `segment` (bounded by the IP length already);
/// `packet` holds the addresses.
DecodedPacket decodeTransport(std::uint8_t protocol, Bytes segment, DecodedPacket packet)
{
    if (protocol == ProtoTcp) {
        packet.transport = Transport::Tcp;
        if (!segment.has(0, TcpMinHeaderSize)) {
            packet.kind = PacketKind::Truncated;
            return packet;
        }
        const std::size_t headerSize = std::size_t(segment.u8(12) >> 4) * 4;
        if (headerSize < TcpMinHeaderSize || !segment.has(0, headerSize)) {
            packet.kind = PacketKind::Truncated;
            return packet;
        }
        packet.sourcePort = segment.be16(0);
        packet.destinationPort = segment.be16(2);
        packet.sequence = segment.be32(4);
        packet.tcpFlags = segment.u8(13);
        packet.payload = segment.data + headerSize;
        packet.payloadSize = segment.size - headerSize;
    } else if (protocol == ProtoUdp) {
        packet.transport = Transport::Udp;
        if (!segment.has(0, UdpHeaderSize)) {
            packet.kind = PacketKind::Truncated;
            return packet;
        }
        // The UDP length may be shorter than the IP payload (trailing bytes are not data),
        // never longer.
        const std::size_t length = segment.be16(4);
        if (length < UdpHeaderSize || length > segment.size) {
            packet.kind = PacketKind::Truncated;
            return packet;
        }
        packet.sourcePort = segment.be16(0);
        packet.destinationPort = segment.be16(2);
        packet.payload = segment.data + UdpHeaderSize;
        packet.payloadSize = length - UdpHeaderSize;
    } else {
        packet.kind = PacketKind::OtherProtocol;
        return packet;
    }
    if (packet.payloadSize == 0) {
        packet.payload = nullptr;
        packet.kind = PacketKind::NoPayload;
    } else {
        packet.kind = PacketKind::Payload;
    }
    return packet;
}

DecodedPacket decodeIpv4(Bytes ip)
{
    if (!ip.has(0, Ipv4MinHeaderSize))
        return outcome(PacketKind::Truncated);
    if ((ip.u8(0) >> 4) != 4)
        return outcome(PacketKind::NotIp);

    DecodedPacket packet;
    packet.source.family = AF_INET;
    std::memcpy(packet.source.bytes.data(), ip.data + 12, 4);
    packet.destination.family = AF_INET;
    std::memcpy(packet.destination.bytes.data(), ip.data + 16, 4);

    const std::size_t headerSize = std::size_t(ip.u8(0) & 0x0f) * 4;
    const std::size_t totalLength = ip.be16(2);
    // Also catches a header (options) longer than what was captured.
    if (headerSize < Ipv4MinHeaderSize || totalLength < headerSize || totalLength > ip.size) {
        packet.kind = PacketKind::Truncated;
        return packet;
    }
    const std::uint16_t fragment = ip.be16(6);
    const bool moreFragments = (fragment & 0x2000) != 0;
    const std::uint16_t fragmentOffset = fragment & 0x1fff;
    if (moreFragments || fragmentOffset != 0) {
        packet.kind = PacketKind::Fragment;
        return packet;
    }
    // The total length ends the packet: anything after it is link-layer padding.
    return decodeTransport(ip.u8(9), ip.slice(headerSize, totalLength - headerSize), packet);
}

DecodedPacket decodeIpv6(Bytes ip)
{
    if (!ip.has(0, Ipv6HeaderSize))
        return outcome(PacketKind::Truncated);
    if ((ip.u8(0) >> 4) != 6)
        return outcome(PacketKind::NotIp);

    DecodedPacket packet;
    packet.source.family = AF_INET6;
    std::memcpy(packet.source.bytes.data(), ip.data + 8, 16);
    packet.destination.family = AF_INET6;
    std::memcpy(packet.destination.bytes.data(), ip.data + 24, 16);

    const std::size_t payloadLength = ip.be16(4);
    if (payloadLength == 0) {
        // A jumbogram (or a Linux BIG TCP / GSO packet): its length is not in this header, so
        // a snap-length cut could not be told from the real end. Not decoded.
        packet.kind = PacketKind::OtherProtocol;
        return packet;
    }
    if (!ip.has(Ipv6HeaderSize, payloadLength)) {
        packet.kind = PacketKind::Truncated;
        return packet;
    }
    // The payload length ends the packet: anything after it is link-layer padding.
    const Bytes body = ip.slice(Ipv6HeaderSize, payloadLength);

    std::uint8_t next = ip.u8(6);
    std::size_t offset = 0;
    // Every extension header is at least 8 bytes and must fit in `body`, so this ends.
    for (;;) {
        std::size_t headerSize = 0;
        switch (next) {
        case ProtoTcp:
        case ProtoUdp:
            return decodeTransport(next, body.from(offset), packet);
        case ProtoHopByHop:
        case ProtoRouting:
        case ProtoDestinationOptions:
            if (!body.has(offset, 2)) {
                packet.kind = PacketKind::Truncated;
                return packet;
            }
            headerSize = (std::size_t(body.u8(offset + 1)) + 1) * 8;
            break;
        case ProtoAh:
            if (!body.has(offset, 2)) {
                packet.kind = PacketKind::Truncated;
                return packet;
            }
            headerSize = (std::size_t(body.u8(offset + 1)) + 2) * 4;
            break;
        case ProtoFragment:
            packet.kind = PacketKind::Fragment;
            return packet;
        default: // No Next Header (59), ESP (50), ICMPv6, Mobility, …
            packet.kind = PacketKind::OtherProtocol;
            return packet;
        }
        if (!body.has(offset, headerSize)) {
            packet.kind = PacketKind::Truncated;
            return packet;
        }
        next = body.u8(offset);
        offset += headerSize;
    }
}

} // namespace

std::string SourceAddress::text() const
{
    char buffer[INET6_ADDRSTRLEN] = {};
    if (family != AF_INET && family != AF_INET6)
        return {};
    if (!inet_ntop(family, bytes.data(), buffer, sizeof buffer))
        return {};
    return buffer;
}

std::size_t SourceAddressHash::operator()(const SourceAddress &address) const noexcept
{
    // FNV-1a over the family and the address bytes: cheap, and spreads /24 neighbours well.
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    auto mix = [&hash](std::uint8_t byte) {
        hash ^= byte;
        hash *= 0x100000001b3ULL;
    };
    mix(std::uint8_t(address.family));
    const std::size_t size = address.family == AF_INET ? 4 : address.bytes.size();
    for (std::size_t i = 0; i < size; ++i)
        mix(address.bytes[i]);
    return std::size_t(hash);
}

bool linkTypeSupported(int linkType)
{
    switch (linkType) {
    case linktype::Null:
    case linktype::Ethernet:
    case linktype::Raw:
    case linktype::RawOpenBsd:
    case linktype::RawLinkType:
    case linktype::Loop:
    case linktype::LinuxSll:
    case linktype::Ipv4:
    case linktype::Ipv6:
    case linktype::LinuxSll2:
        return true;
    default:
        return false;
    }
}

DecodedPacket decodePacket(int linkType, const std::uint8_t *data, std::size_t capturedLength)
{
    if (!linkTypeSupported(linkType))
        return outcome(PacketKind::UnsupportedLink);
    if (!data)
        capturedLength = 0;

    const LinkResult link = decodeLink(linkType, Bytes{data, capturedLength});
    switch (link.network) {
    case Network::Truncated:
        return outcome(PacketKind::Truncated);
    case Network::NotIp:
        return outcome(PacketKind::NotIp);
    case Network::Ipv4:
        return decodeIpv4(link.rest);
    case Network::Ipv6:
        return decodeIpv6(link.rest);
    case Network::ByVersion:
        if (!link.rest.has(0, 1))
            return outcome(PacketKind::Truncated);
        switch (link.rest.u8(0) >> 4) {
        case 4:
            return decodeIpv4(link.rest);
        case 6:
            return decodeIpv6(link.rest);
        default:
            return outcome(PacketKind::NotIp);
        }
    }
    return outcome(PacketKind::NotIp);
}

} // namespace replay

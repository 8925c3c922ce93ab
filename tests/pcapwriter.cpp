#include "pcapwriter.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace pcapgen {

namespace {

[[noreturn]] void fail(const std::string &message)
{
    (void)std::fprintf(stderr, "pcapgen: %s\n", message.c_str());
    std::abort();
}

void putBe16(Bytes &out, std::uint16_t value)
{
    out.push_back(std::uint8_t(value >> 8));
    out.push_back(std::uint8_t(value));
}

void putBe32(Bytes &out, std::uint32_t value)
{
    putBe16(out, std::uint16_t(value >> 16));
    putBe16(out, std::uint16_t(value));
}

void putLe16(Bytes &out, std::uint16_t value)
{
    out.push_back(std::uint8_t(value));
    out.push_back(std::uint8_t(value >> 8));
}

void putLe32(Bytes &out, std::uint32_t value)
{
    putLe16(out, std::uint16_t(value));
    putLe16(out, std::uint16_t(value >> 16));
}

void setBe16(Bytes &out, std::size_t offset, std::uint16_t value)
{
    out[offset] = std::uint8_t(value >> 8);
    out[offset + 1] = std::uint8_t(value);
}

void setLe32(Bytes &out, std::size_t offset, std::uint32_t value)
{
    for (int i = 0; i < 4; ++i)
        out[offset + std::size_t(i)] = std::uint8_t(value >> (8 * i));
}

void padTo(Bytes &out, std::size_t multiple)
{
    while (out.size() % multiple != 0)
        out.push_back(0);
}

template<std::size_t N>
std::array<std::uint8_t, N> parseAddress(int family, const std::string &text)
{
    std::array<std::uint8_t, N> address{};
    if (inet_pton(family, text.c_str(), address.data()) != 1)
        fail("not an " + std::string(family == AF_INET ? "IPv4" : "IPv6") + " address: " + text);
    return address;
}

// One's-complement sum of big-endian 16-bit words (RFC 1071), not yet folded.
std::uint32_t sum16(const std::uint8_t *data, std::size_t size, std::uint32_t sum = 0)
{
    for (std::size_t i = 0; i + 1 < size; i += 2)
        sum += (std::uint32_t(data[i]) << 8) | data[i + 1];
    if (size % 2 != 0)
        sum += std::uint32_t(data[size - 1]) << 8;
    return sum;
}

std::uint16_t fold(std::uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return std::uint16_t(~sum);
}

// Fills the TCP or UDP checksum of `segment` given the pseudo-header's address sum.
void fillTransportChecksum(std::uint8_t protocol, std::uint8_t *segment, std::size_t size,
                           std::uint32_t addressSum)
{
    std::size_t field = 0;
    if (protocol == ipproto::Tcp && size >= 20)
        field = 16;
    else if (protocol == ipproto::Udp && size >= 8)
        field = 6;
    else
        return;
    segment[field] = segment[field + 1] = 0;
    std::uint32_t sum =
        addressSum + protocol + std::uint32_t(size & 0xffff) + std::uint32_t(size >> 16);
    std::uint16_t checksum = fold(sum16(segment, size, sum));
    if (protocol == ipproto::Udp && checksum == 0)
        checksum = 0xffff; // 0 means "no checksum" in UDP
    segment[field] = std::uint8_t(checksum >> 8);
    segment[field + 1] = std::uint8_t(checksum);
}

std::uint16_t etherTypeOf(const Bytes &payload)
{
    if (!payload.empty() && (payload[0] >> 4) == 6)
        return ethertype::Ipv6;
    return ethertype::Ipv4;
}

Ipv6Extension optionsHeader(std::uint8_t type, std::size_t size)
{
    if (size < 8 || size % 8 != 0 || size > 2048)
        fail("IPv6 options header size must be a multiple of 8 in 8..2048");
    Ipv6Extension extension{type, Bytes(size, 0)};
    extension.header[1] = std::uint8_t(size / 8 - 1);
    // Fill the 6+ option bytes with one PadN option (Pad1 would do too, but PadN is usual).
    extension.header[2] = 1;
    extension.header[3] = std::uint8_t(size - 4);
    return extension;
}

} // namespace

Bytes bytes(std::string_view text)
{
    return Bytes(text.begin(), text.end());
}

Bytes sequence(std::size_t size, std::uint8_t first)
{
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i)
        out[i] = std::uint8_t(first + i);
    return out;
}

Bytes operator+(Bytes a, const Bytes &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Bytes tcp(const TcpHeader &header, const Bytes &payload)
{
    Bytes options = header.options;
    padTo(options, 4);
    if (options.size() > 40)
        fail("TCP options longer than 40 bytes");
    Bytes out;
    out.reserve(20 + options.size() + payload.size());
    putBe16(out, header.sourcePort);
    putBe16(out, header.destinationPort);
    putBe32(out, header.sequence);
    putBe32(out, header.acknowledgment);
    const std::uint8_t dataOffset =
        header.dataOffset.value_or(std::uint8_t(5 + options.size() / 4));
    out.push_back(std::uint8_t(dataOffset << 4));
    out.push_back(header.flags);
    putBe16(out, header.window);
    putBe16(out, 0); // checksum: ipv4()/ipv6()
    putBe16(out, 0); // urgent pointer
    return out + options + payload;
}

Bytes udp(const UdpHeader &header, const Bytes &payload)
{
    Bytes out;
    out.reserve(8 + payload.size());
    putBe16(out, header.sourcePort);
    putBe16(out, header.destinationPort);
    putBe16(out, header.length.value_or(std::uint16_t(8 + payload.size())));
    putBe16(out, 0); // checksum: ipv4()/ipv6()
    return out + payload;
}

Bytes ipv4(const Ipv4Header &header, const Bytes &payload)
{
    const auto source = parseAddress<4>(AF_INET, header.source);
    const auto destination = parseAddress<4>(AF_INET, header.destination);
    Bytes options = header.options;
    padTo(options, 4);
    if (options.size() > 40)
        fail("IPv4 options longer than 40 bytes");
    const std::size_t headerSize = 20 + options.size();

    Bytes out;
    out.reserve(headerSize + payload.size());
    out.push_back(std::uint8_t(0x40 | (headerSize / 4)));
    out.push_back(0); // DSCP/ECN
    putBe16(out, header.totalLength.value_or(std::uint16_t(headerSize + payload.size())));
    putBe16(out, header.identification);
    putBe16(out,
            std::uint16_t((header.dontFragment ? 0x4000 : 0) | (header.moreFragments ? 0x2000 : 0) |
                          (header.fragmentOffset & 0x1fff)));
    out.push_back(header.ttl);
    out.push_back(header.protocol);
    putBe16(out, 0); // header checksum, below
    out.insert(out.end(), source.begin(), source.end());
    out.insert(out.end(), destination.begin(), destination.end());
    out.insert(out.end(), options.begin(), options.end());
    setBe16(out, 10, fold(sum16(out.data(), out.size())));
    out.insert(out.end(), payload.begin(), payload.end());

    if (header.transportChecksum && !header.moreFragments && header.fragmentOffset == 0) {
        const std::uint32_t addressSum = sum16(source.data(), 4, sum16(destination.data(), 4));
        fillTransportChecksum(header.protocol, out.data() + headerSize, payload.size(), addressSum);
    }
    return out;
}

Ipv6Extension hopByHop(std::size_t size)
{
    return optionsHeader(ipproto::HopByHop, size);
}

Ipv6Extension destinationOptions(std::size_t size)
{
    return optionsHeader(ipproto::DestinationOptions, size);
}

Ipv6Extension routing(std::size_t size)
{
    if (size < 8 || size % 8 != 0 || size > 2048)
        fail("IPv6 Routing header size must be a multiple of 8 in 8..2048");
    Ipv6Extension extension{ipproto::Routing, Bytes(size, 0)};
    extension.header[1] = std::uint8_t(size / 8 - 1);
    extension.header[2] = 4; // routing type 4 (segment routing), segments left 0: ignorable
    return extension;
}

Ipv6Extension authentication(std::size_t icvSize)
{
    const std::size_t size = 12 + icvSize;
    if (size % 8 != 0 || size > 1028)
        fail("IPv6 AH size (12 + ICV) must be a multiple of 8");
    Ipv6Extension extension{ipproto::Ah, Bytes(size, 0)};
    extension.header[1] = std::uint8_t(size / 4 - 2);
    extension.header[6] = 1;  // SPI 256 (0 is reserved)
    extension.header[11] = 1; // sequence number 1
    return extension;
}

Ipv6Extension fragment(std::uint16_t offset, bool more, std::uint32_t identification)
{
    Ipv6Extension extension{ipproto::Fragment, {}};
    Bytes &out = extension.header;
    out.push_back(0); // next header, set by ipv6()
    out.push_back(0); // reserved
    putBe16(out, std::uint16_t((offset << 3) | (more ? 1 : 0)));
    putBe32(out, identification);
    return extension;
}

Bytes ipv6(const Ipv6Header &header, const Bytes &payload)
{
    const auto source = parseAddress<16>(AF_INET6, header.source);
    const auto destination = parseAddress<16>(AF_INET6, header.destination);

    Bytes chain;
    bool fragmented = false;
    for (std::size_t i = 0; i < header.extensions.size(); ++i) {
        Bytes extension = header.extensions[i].header;
        if (extension.empty())
            fail("empty IPv6 extension header");
        extension[0] =
            i + 1 < header.extensions.size() ? header.extensions[i + 1].type : header.nextHeader;
        fragmented = fragmented || header.extensions[i].type == ipproto::Fragment;
        chain = chain + extension;
    }
    const std::uint8_t first =
        header.extensions.empty() ? header.nextHeader : header.extensions.front().type;

    Bytes out;
    out.reserve(40 + chain.size() + payload.size());
    putBe32(out, 0x60000000u | (header.flowLabel & 0xfffff));
    putBe16(out, header.payloadLength.value_or(std::uint16_t(chain.size() + payload.size())));
    out.push_back(first);
    out.push_back(header.hopLimit);
    out.insert(out.end(), source.begin(), source.end());
    out.insert(out.end(), destination.begin(), destination.end());
    out.insert(out.end(), chain.begin(), chain.end());
    out.insert(out.end(), payload.begin(), payload.end());

    if (header.transportChecksum && !fragmented) {
        const std::uint32_t addressSum = sum16(source.data(), 16, sum16(destination.data(), 16));
        fillTransportChecksum(header.nextHeader, out.data() + 40 + chain.size(), payload.size(),
                              addressSum);
    }
    return out;
}

Bytes ethernet(const Bytes &payload, const EthernetOptions &options)
{
    Bytes out{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    for (const VlanTag &tag : options.vlanTags) {
        putBe16(out, tag.tpid);
        putBe16(out, std::uint16_t(tag.vlanId & 0x0fff));
    }
    putBe16(out, options.etherType.value_or(etherTypeOf(payload)));
    out = out + payload;
    if (options.padToMinimum && out.size() < 60)
        out.resize(60, 0);
    return out;
}

Bytes sll(const Bytes &payload, std::optional<std::uint16_t> protocol)
{
    Bytes out;
    putBe16(out, 0);                                      // packet type: to us
    putBe16(out, 1);                                      // ARPHRD_ETHER
    putBe16(out, 6);                                      // link-layer address length
    for (std::uint8_t b : {0x02, 0, 0, 0, 0, 0x01, 0, 0}) // address, padded to 8
        out.push_back(b);
    putBe16(out, protocol.value_or(etherTypeOf(payload)));
    return out + payload;
}

Bytes sll2(const Bytes &payload, std::optional<std::uint16_t> protocol)
{
    Bytes out;
    putBe16(out, protocol.value_or(etherTypeOf(payload)));
    putBe16(out, 0);  // reserved
    putBe32(out, 2);  // interface index
    putBe16(out, 1);  // ARPHRD_ETHER
    out.push_back(0); // packet type: to us
    out.push_back(6); // link-layer address length
    for (std::uint8_t b : {0x02, 0, 0, 0, 0, 0x01, 0, 0})
        out.push_back(b);
    return out + payload;
}

Bytes raw(const Bytes &payload)
{
    return payload;
}

Bytes null(const Bytes &payload, std::optional<std::uint32_t> family, ByteOrder order)
{
    const std::uint32_t value = family.value_or(etherTypeOf(payload) == ethertype::Ipv6 ? 24 : 2);
    if (order == ByteOrder::Host)
        order = std::endian::native == std::endian::little ? ByteOrder::Little : ByteOrder::Big;
    Bytes out;
    if (order == ByteOrder::Little)
        putLe32(out, value);
    else
        putBe32(out, value);
    return out + payload;
}

Bytes loop(const Bytes &payload, std::optional<std::uint32_t> family)
{
    return null(payload, family, ByteOrder::Big);
}

Bytes wrap(int linkType, const Bytes &packet)
{
    switch (linkType) {
    case 0:
        return null(packet);
    case 1:
        return ethernet(packet);
    case 108:
        return loop(packet);
    case 113:
        return sll(packet);
    case 276:
        return sll2(packet);
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
        return raw(packet);
    default:
        fail("wrap: no wrapper for link type " + std::to_string(linkType));
    }
}

// ---- PcapWriter --------------------------------------------------------------------------

PcapWriter::PcapWriter(const std::string &path, int linkType, Format format, bool nanoseconds,
                       std::uint32_t snapLength)
    : m_format(format)
    , m_nanoseconds(nanoseconds)
{
    if (format == Format::Pcap) {
        m_pcap = pcap_open_dead_with_tstamp_precision(linkType, int(snapLength),
                                                      nanoseconds ? PCAP_TSTAMP_PRECISION_NANO
                                                                  : PCAP_TSTAMP_PRECISION_MICRO);
        if (!m_pcap) {
            m_error = "pcap_open_dead failed";
            return;
        }
        m_dumper = pcap_dump_open(m_pcap, path.c_str());
        if (!m_dumper) {
            m_error = pcap_geterr(m_pcap);
            pcap_close(m_pcap);
            m_pcap = nullptr;
        }
        return;
    }

    m_file = std::fopen(path.c_str(), "wb");
    if (!m_file) {
        m_error = path + ": " + std::generic_category().message(errno);
        return;
    }
    // Section Header Block: byte-order magic, version 1.0, section length unknown (-1).
    Bytes shb;
    putLe32(shb, 0x0a0d0d0a);
    putLe32(shb, 28);
    putLe32(shb, 0x1a2b3c4d);
    putLe16(shb, 1);
    putLe16(shb, 0);
    putLe32(shb, 0xffffffff);
    putLe32(shb, 0xffffffff);
    putLe32(shb, 28);
    // Interface Description Block, with if_tsresol = 9 (10^-9 s) for nanoseconds.
    Bytes idb;
    putLe32(idb, 1);
    putLe32(idb, 0); // total length, below
    // The file holds LINKTYPE_ values; only DLT_RAW differs among the ones tests use.
    putLe16(idb, std::uint16_t(linkType == DLT_RAW ? 101 : linkType));
    putLe16(idb, 0);
    putLe32(idb, snapLength);
    if (nanoseconds) {
        putLe16(idb, 9); // if_tsresol
        putLe16(idb, 1);
        idb.push_back(9);
        padTo(idb, 4);
        putLe32(idb, 0); // opt_endofopt
    }
    putLe32(idb, 0);
    setLe32(idb, 4, std::uint32_t(idb.size()));
    setLe32(idb, idb.size() - 4, std::uint32_t(idb.size()));
    writeNg(shb);
    writeNg(idb);
}

PcapWriter::~PcapWriter()
{
    close();
}

bool PcapWriter::writeNg(const Bytes &block)
{
    if (!m_file)
        return false;
    if (std::fwrite(block.data(), 1, block.size(), m_file) != block.size()) {
        m_failed = true;
        m_error = std::string("write failed: ") + std::generic_category().message(errno);
        return false;
    }
    return true;
}

bool PcapWriter::add(std::int64_t seconds, std::uint32_t nanoseconds, const Bytes &data,
                     std::optional<std::size_t> originalLength)
{
    const std::uint32_t fraction = m_nanoseconds ? nanoseconds : nanoseconds / 1000;
    const auto wireLength = std::uint32_t(originalLength.value_or(data.size()));
    if (m_dumper) {
        pcap_pkthdr header{};
        header.ts.tv_sec = time_t(seconds);
        header.ts.tv_usec = suseconds_t(fraction); // nanoseconds in a nanosecond dump
        header.caplen = std::uint32_t(data.size());
        header.len = wireLength;
        pcap_dump(reinterpret_cast<u_char *>(m_dumper), &header, data.data());
        return true;
    }
    if (!m_file)
        return false;

    const std::uint64_t units =
        std::uint64_t(seconds) * (m_nanoseconds ? 1000000000ULL : 1000000ULL) + fraction;
    Bytes epb;
    putLe32(epb, 6);
    putLe32(epb, 0); // total length, below
    putLe32(epb, 0); // interface 0
    putLe32(epb, std::uint32_t(units >> 32));
    putLe32(epb, std::uint32_t(units));
    putLe32(epb, std::uint32_t(data.size()));
    putLe32(epb, wireLength);
    epb.insert(epb.end(), data.begin(), data.end());
    padTo(epb, 4);
    putLe32(epb, 0);
    setLe32(epb, 4, std::uint32_t(epb.size()));
    setLe32(epb, epb.size() - 4, std::uint32_t(epb.size()));
    return writeNg(epb);
}

bool PcapWriter::add(std::chrono::nanoseconds sinceEpoch, const Bytes &data,
                     std::optional<std::size_t> originalLength)
{
    const auto seconds = std::chrono::floor<std::chrono::seconds>(sinceEpoch);
    return add(seconds.count(), std::uint32_t((sinceEpoch - seconds).count()), data,
               originalLength);
}

bool PcapWriter::close()
{
    if (m_dumper) {
        if (pcap_dump_flush(m_dumper) != 0) {
            m_failed = true;
            m_error = "pcap_dump_flush failed";
        }
        pcap_dump_close(m_dumper);
        m_dumper = nullptr;
    }
    if (m_pcap) {
        pcap_close(m_pcap);
        m_pcap = nullptr;
    }
    if (m_file) {
        if (std::fclose(m_file) != 0 && !m_failed) {
            m_failed = true;
            m_error = std::string("close failed: ") + std::generic_category().message(errno);
        }
        m_file = nullptr;
    }
    return !m_failed;
}

bool truncateFile(const std::string &path, std::uint64_t size)
{
    std::error_code error;
    std::filesystem::resize_file(path, size, error);
    return !error;
}

} // namespace pcapgen

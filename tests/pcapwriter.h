#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pcap;
struct pcap_dumper;

/// Packet captures made by tests: frame builders from the transport layer down to the link
/// layer, and a writer for classic pcap (through libpcap) and pcapng (written here; libpcap
/// has no pcapng writer). Plain C++, no Qt, so any test or tool can use it.
///
///     using namespace pcapgen;
///     const Bytes frame = ethernet(ipv4({.source = "192.0.2.7", .destination = "192.0.2.1",
///                                        .protocol = ipproto::Tcp},
///                                       tcp({.flags = tcpflag::Ack | tcpflag::Psh}, bytes("hi"))),
///                                  {.vlanTags = {{VlanTag::Dot1Q, 10}}});
///     PcapWriter writer("x.pcapng", 1 /* Ethernet */, PcapWriter::Format::PcapNg, true);
///     writer.add(1700000000, 123456789, frame);
///
/// Builders abort the test program on impossible input (an address that does not parse):
/// that is a bug in the test, not a condition to handle.
///
/// Every member of the header structs has an initializer, so a designated initializer may
/// leave any of them out (GCC 12 warns about members without one).
namespace pcapgen {

using Bytes = std::vector<std::uint8_t>;

/// The bytes of `text` (no terminating NUL).
Bytes bytes(std::string_view text);
/// `size` bytes 0, 1, 2, … 255, 0, 1, … starting at `first`.
Bytes sequence(std::size_t size, std::uint8_t first = 0);
/// Concatenation.
Bytes operator+(Bytes a, const Bytes &b);

namespace ipproto {
constexpr std::uint8_t HopByHop = 0;
constexpr std::uint8_t Icmp = 1;
constexpr std::uint8_t Tcp = 6;
constexpr std::uint8_t Udp = 17;
constexpr std::uint8_t Routing = 43;
constexpr std::uint8_t Fragment = 44;
constexpr std::uint8_t Esp = 50;
constexpr std::uint8_t Ah = 51;
constexpr std::uint8_t Icmpv6 = 58;
constexpr std::uint8_t NoNextHeader = 59;
constexpr std::uint8_t DestinationOptions = 60;
} // namespace ipproto

namespace ethertype {
constexpr std::uint16_t Ipv4 = 0x0800;
constexpr std::uint16_t Arp = 0x0806;
constexpr std::uint16_t Ipv6 = 0x86dd;
constexpr std::uint16_t Lldp = 0x88cc;
} // namespace ethertype

namespace tcpflag {
constexpr std::uint8_t Fin = 0x01;
constexpr std::uint8_t Syn = 0x02;
constexpr std::uint8_t Rst = 0x04;
constexpr std::uint8_t Psh = 0x08;
constexpr std::uint8_t Ack = 0x10;
} // namespace tcpflag

// ---- transport -------------------------------------------------------------------------

struct TcpHeader
{
    std::uint16_t sourcePort = 40000;
    std::uint16_t destinationPort = 5000;
    std::uint32_t sequence = 1;
    std::uint32_t acknowledgment = 0;
    std::uint8_t flags = tcpflag::Ack | tcpflag::Psh;
    std::uint16_t window = 65535;
    /// TCP options, padded with End-of-Option-List zeros to a multiple of 4 bytes.
    Bytes options{};
    /// Data offset in 32-bit words; default: 5 + options. Set it to make malformed headers.
    std::optional<std::uint8_t> dataOffset{};
};

/// A TCP segment. Its checksum is filled in by ipv4()/ipv6(), which know the addresses.
Bytes tcp(const TcpHeader &header, const Bytes &payload = {});

struct UdpHeader
{
    std::uint16_t sourcePort = 40000;
    std::uint16_t destinationPort = 5000;
    /// The length field; default: 8 + payload. Set it to make malformed or short datagrams.
    std::optional<std::uint16_t> length{};
};

/// A UDP datagram. Its checksum is filled in by ipv4()/ipv6().
Bytes udp(const UdpHeader &header, const Bytes &payload = {});

// ---- network ---------------------------------------------------------------------------

struct Ipv4Header
{
    std::string source = "192.0.2.7";
    std::string destination = "192.0.2.1";
    std::uint8_t protocol = ipproto::Tcp;
    std::uint8_t ttl = 64;
    std::uint16_t identification = 1;
    bool dontFragment = false;
    bool moreFragments = false;
    /// In units of 8 bytes, as on the wire.
    std::uint16_t fragmentOffset = 0;
    /// IPv4 options, padded with End-of-Option-List zeros to a multiple of 4 (at most 40).
    Bytes options{};
    /// The total length field; default: header + payload. Set it to make malformed packets.
    std::optional<std::uint16_t> totalLength{};
    /// Fill in the TCP/UDP checksum of the payload (when it is an unfragmented TCP or UDP).
    bool transportChecksum = true;
};

/// An IPv4 packet with a correct header checksum.
Bytes ipv4(const Ipv4Header &header, const Bytes &payload);

/// One IPv6 extension header, complete; ipv6() sets its first byte (Next Header).
struct Ipv6Extension
{
    std::uint8_t type = ipproto::DestinationOptions;
    Bytes header{};
};

/// Hop-by-Hop / Destination Options header of `size` bytes (a multiple of 8, ≥ 8), padded
/// with Pad1/PadN options.
Ipv6Extension hopByHop(std::size_t size = 8);
Ipv6Extension destinationOptions(std::size_t size = 8);
/// A Routing header (type 0 … any: segments left 0) of `size` bytes (multiple of 8, ≥ 8).
Ipv6Extension routing(std::size_t size = 8);
/// An Authentication Header with an `icvSize`-byte ICV (12 + icvSize a multiple of 8).
Ipv6Extension authentication(std::size_t icvSize = 12);
/// A Fragment header: `offset` in units of 8 bytes, `more` = M flag.
Ipv6Extension fragment(std::uint16_t offset = 0, bool more = true,
                       std::uint32_t identification = 0x12345678);

struct Ipv6Header
{
    std::string source = "2001:db8::7";
    std::string destination = "2001:db8::1";
    /// The protocol after the last extension header.
    std::uint8_t nextHeader = ipproto::Tcp;
    std::uint8_t hopLimit = 64;
    std::uint32_t flowLabel = 0;
    /// Extension headers in order, between the fixed header and the payload.
    std::vector<Ipv6Extension> extensions{};
    /// The payload length field; default: extensions + payload. Set it for malformed packets.
    std::optional<std::uint16_t> payloadLength{};
    bool transportChecksum = true;
};

Bytes ipv6(const Ipv6Header &header, const Bytes &payload);

// ---- link ------------------------------------------------------------------------------

struct VlanTag
{
    static constexpr std::uint16_t Dot1Q = 0x8100;
    static constexpr std::uint16_t Dot1ad = 0x88a8;
    static constexpr std::uint16_t QinQ9100 = 0x9100;
    std::uint16_t tpid = Dot1Q;
    std::uint16_t vlanId = 1; ///< the 12-bit VLAN id; priority and DEI stay 0
};

struct EthernetOptions
{
    /// Default: IPv4 or IPv6 after the payload's version nibble.
    std::optional<std::uint16_t> etherType{};
    /// Outermost first.
    std::vector<VlanTag> vlanTags{};
    /// Pad with zeros to the 60-byte minimum frame (without FCS), as a NIC would.
    bool padToMinimum = true;
};

/// An Ethernet II frame (no FCS) from 02:00:00:00:00:01 to 02:00:00:00:00:02.
Bytes ethernet(const Bytes &payload, const EthernetOptions &options = {});

/// Linux cooked capture v1 (16-byte header, protocol at offset 14); protocol default after
/// the payload's version nibble.
Bytes sll(const Bytes &payload, std::optional<std::uint16_t> protocol = {});
/// Linux cooked capture v2 (20-byte header, protocol at offset 0).
Bytes sll2(const Bytes &payload, std::optional<std::uint16_t> protocol = {});
/// Raw IP: the packet itself.
Bytes raw(const Bytes &payload);

enum class ByteOrder { Little, Big, Host };

/// BSD loopback (DLT_NULL): a 4-byte address family in the capturing host's byte order.
/// Family default: 2 (AF_INET) or 24 (AF_INET6 on NetBSD/OpenBSD) after the version nibble.
Bytes null(const Bytes &payload, std::optional<std::uint32_t> family = {},
           ByteOrder order = ByteOrder::Host);
/// OpenBSD loopback (DLT_LOOP): the same, in network byte order.
Bytes loop(const Bytes &payload, std::optional<std::uint32_t> family = {});

/// `packet` (an IPv4 or IPv6 packet) in the link layer of `linkType` (a DLT value: 0, 1, 12,
/// 14, 101, 108, 113, 228, 229, 276), with the wrappers above and their defaults.
Bytes wrap(int linkType, const Bytes &packet);

// ---- files -----------------------------------------------------------------------------

/// Writes one capture file: classic pcap through libpcap's dumper, or pcapng (one section,
/// one interface, Enhanced Packet Blocks, little-endian). Closed by close() or the destructor.
class PcapWriter
{
public:
    enum class Format { Pcap, PcapNg };

    /// Opens `path` for writing; check isOpen() / errorString(). `linkType` is a DLT value as
    /// pcap_datalink() returns it (DLT_RAW 12 is stored as LINKTYPE_RAW 101, as libpcap does).
    /// `nanoseconds` selects the nanosecond pcap magic or an if_tsresol of 9 in pcapng.
    PcapWriter(const std::string &path, int linkType, Format format = Format::Pcap,
               bool nanoseconds = false, std::uint32_t snapLength = 262144);
    ~PcapWriter();
    PcapWriter(const PcapWriter &) = delete;
    PcapWriter &operator=(const PcapWriter &) = delete;

    bool isOpen() const { return m_dumper || m_file; }
    const std::string &errorString() const { return m_error; }

    /// Adds one record stamped `seconds` + `nanoseconds` since the epoch (truncated to
    /// microseconds in a microsecond file). `data` is what was captured; `originalLength`
    /// (default: data.size()) what was on the wire, larger for a snap-length cut.
    bool add(std::int64_t seconds, std::uint32_t nanoseconds, const Bytes &data,
             std::optional<std::size_t> originalLength = {});
    bool add(std::chrono::nanoseconds sinceEpoch, const Bytes &data,
             std::optional<std::size_t> originalLength = {});

    /// Flushes and closes; false if a write failed at any point.
    bool close();

private:
    bool writeNg(const Bytes &block);

    Format m_format;
    bool m_nanoseconds;
    pcap *m_pcap = nullptr;
    pcap_dumper *m_dumper = nullptr;
    std::FILE *m_file = nullptr;
    bool m_failed = false;
    std::string m_error;
};

/// Cuts the file at `path` to `size` bytes (a capture truncated mid-record); false on error.
bool truncateFile(const std::string &path, std::uint64_t size);

} // namespace pcapgen

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace replay {

/// A packet's source address: IPv4 (4 bytes used) or IPv6 (16). Comparable, hashable, so it
/// can key the map of streams.
struct SourceAddress
{
    int family = 0; ///< AF_INET or AF_INET6; 0 when none
    std::array<std::uint8_t, 16> bytes{};

    bool operator==(const SourceAddress &) const = default;
    /// "192.0.2.7" or "2001:db8::1".
    std::string text() const;
};

struct SourceAddressHash
{
    std::size_t operator()(const SourceAddress &address) const noexcept;
};

enum class Transport { Tcp, Udp };

/// The TCP flags the reassembly acts on (DecodedPacket::tcpFlags).
namespace tcpflags {
constexpr std::uint8_t Fin = 0x01;
constexpr std::uint8_t Syn = 0x02;
constexpr std::uint8_t Rst = 0x04;
} // namespace tcpflags

/// What one captured packet holds for the replay. Exactly one outcome per packet, so the
/// counts in the end summary add up to the packets read.
enum class PacketKind {
    Payload,         ///< TCP or UDP with payload bytes: addresses, ports, `payload`, …
    NoPayload,       ///< TCP or UDP without payload (SYN, bare ACK, FIN, empty datagram)
    Fragment,        ///< an IPv4 fragment or an IPv6 packet with a Fragment header: skipped
    Truncated,       ///< shorter than its headers claim (or cut by the snap length): skipped
    OtherProtocol,   ///< IP, but neither TCP nor UDP (ICMP, ESP, …)
    NotIp,           ///< ARP, LLDP, … : not IPv4 or IPv6
    UnsupportedLink, ///< a link type this decoder does not know
};

struct DecodedPacket
{
    PacketKind kind = PacketKind::NotIp;
    /// Set for Payload, NoPayload and Fragment; also for the other kinds whenever the IP
    /// header itself was read (family 0 otherwise).
    SourceAddress source;
    SourceAddress destination; ///< set whenever `source` is
    Transport transport = Transport::Tcp;
    /// Set for Payload and NoPayload (the transport header was read); 0 otherwise.
    std::uint16_t sourcePort = 0;
    std::uint16_t destinationPort = 0;
    std::uint32_t sequence = 0; ///< TCP: the sequence number of the first payload byte (or SYN)
    std::uint8_t tcpFlags = 0;  ///< TCP: the header's flags byte (tcpflags::Fin, Syn, Rst, …)
    const std::uint8_t *payload = nullptr; ///< points into the packet given to decodePacket
    std::size_t payloadSize = 0;
};

/// Link types (the DLT_ values libpcap's pcap_datalink() returns on Linux).
namespace linktype {
constexpr int Null = 0; ///< BSD loopback: 4-byte address family in host byte order
constexpr int Ethernet = 1;
constexpr int Raw = 12;          ///< raw IPv4/IPv6 (LINKTYPE_RAW 101 is mapped to this)
constexpr int RawOpenBsd = 14;   ///< OpenBSD's DLT_RAW, as found in captures made there
constexpr int RawLinkType = 101; ///< LINKTYPE_RAW, should a reader hand it through unmapped
constexpr int Loop = 108;        ///< OpenBSD loopback: 4-byte address family, network order
constexpr int LinuxSll = 113;
constexpr int Ipv4 = 228;
constexpr int Ipv6 = 229;
constexpr int LinuxSll2 = 276;
} // namespace linktype

/// True for the link types decodePacket() understands.
bool linkTypeSupported(int linkType);

/// Decodes one captured packet of link type `linkType`: `data` holds the `capturedLength`
/// bytes the capture stored. Handles Ethernet (with any number of 802.1Q / 802.1ad / QinQ
/// tags), Linux cooked (SLL, SLL2), raw IP, BSD/OpenBSD loopback; IPv4 (options) and IPv6
/// (Hop-by-Hop, Routing, Destination Options, AH skipped; Fragment → Fragment). The IP
/// header's own length bounds the payload, so link-layer padding (short Ethernet frames) is
/// never taken for payload. Never reads past `capturedLength`.
///
/// Choices where the wire allows several readings: a malformed length (IPv4 IHL < 5, total
/// length < header, TCP data offset < 5, UDP length < 8) counts as Truncated; the IP version
/// nibble must agree with what the link layer announced (else NotIp); an IPv6 payload length
/// of 0 (jumbogram, Linux BIG TCP) and No Next Header (59) count as OtherProtocol; any IPv6
/// Fragment header, even an atomic one (offset 0, no more fragments), counts as Fragment.
DecodedPacket decodePacket(int linkType, const std::uint8_t *data, std::size_t capturedLength);

} // namespace replay

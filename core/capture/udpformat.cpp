#include "core/capture/udpformat.h"

#include <QtEndian>

#include <cstring>

namespace capture::udpformat {

namespace {

constexpr quint32 pcapNanosecondMagic = 0xa1b23c4d;
constexpr quint32 linkTypeRaw = 101;
constexpr int ipv4HeaderSize = 20;
constexpr int ipv6HeaderSize = 40;
constexpr int udpHeaderSize = 8;

// An address as IPv4 (also a v4-mapped IPv6 one) or IPv6 bytes, and its port.
struct Endpoint
{
    bool v4 = true;
    unsigned char bytes[16] = {};
    quint16 port = 0; // network order
};

Endpoint endpointOf(const sockaddr_storage &sa)
{
    Endpoint e;
    if (sa.ss_family == AF_INET) {
        const auto *in = reinterpret_cast<const sockaddr_in *>(&sa);
        std::memcpy(e.bytes, &in->sin_addr, 4);
        e.port = in->sin_port;
    } else if (sa.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&sa);
        e.port = in6->sin6_port;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            std::memcpy(e.bytes, in6->sin6_addr.s6_addr + 12, 4);
        } else {
            e.v4 = false;
            std::memcpy(e.bytes, in6->sin6_addr.s6_addr, 16);
        }
    }
    return e;
}

quint32 sum16(const unsigned char *p, size_t n, quint32 sum = 0)
{
    for (; n > 1; p += 2, n -= 2)
        sum += quint32(p[0]) << 8 | p[1];
    if (n == 1)
        sum += quint32(p[0]) << 8;
    return sum;
}

quint16 fold(quint32 sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return quint16(~sum);
}

void put16(unsigned char *p, quint16 v)
{
    qToBigEndian(v, p);
}

} // namespace

qint64 recordSize(UdpFormat format, const Datagram &d)
{
    switch (format) {
    case UdpFormat::Raw:
        return d.truncated() ? 0 : d.captured;
    case UdpFormat::LengthPrefixed:
        return d.truncated() ? 0 : 4 + d.captured;
    case UdpFormat::Pcap:
        break;
    }
    const int ipSize = endpointOf(d.source).v4 ? ipv4HeaderSize : ipv6HeaderSize;
    return 16 + ipSize + udpHeaderSize + d.captured;
}

QString defaultNameTemplate(UdpFormat format, SplitMode split)
{
    const QString extension =
        format == UdpFormat::Pcap ? QStringLiteral(".pcap") : QStringLiteral(".bin");
    return (split == SplitMode::Connection ? QStringLiteral("udp_{port}_{ts}_{peer}_{peerport}")
                                           : QStringLiteral("udp_{port}_{ts}")) +
           extension;
}

QByteArray fileHeader(UdpFormat format)
{
    if (format != UdpFormat::Pcap)
        return {};
    QByteArray h(pcapHeaderSize, '\0');
    // Host order: readers tell the byte order by the magic.
    const quint32 magic = pcapNanosecondMagic;
    const quint16 major = 2;
    const quint16 minor = 4;
    const quint32 snapLength = 262144;
    const quint32 link = linkTypeRaw;
    std::memcpy(h.data(), &magic, 4);
    std::memcpy(h.data() + 4, &major, 2);
    std::memcpy(h.data() + 6, &minor, 2);
    std::memcpy(h.data() + 16, &snapLength, 4);
    std::memcpy(h.data() + 20, &link, 4);
    return h;
}

bool append(std::vector<char> *out, UdpFormat format, const Datagram &d, quint16 localPort)
{
    switch (format) {
    case UdpFormat::Raw:
        if (d.truncated())
            return false;
        out->insert(out->end(), d.data, d.data + d.captured);
        return true;
    case UdpFormat::LengthPrefixed: {
        if (d.truncated())
            return false;
        unsigned char length[4];
        qToBigEndian(quint32(d.captured), length);
        out->insert(out->end(), length, length + 4);
        out->insert(out->end(), d.data, d.data + d.captured);
        return true;
    }
    case UdpFormat::Pcap:
        break;
    }
    const Endpoint src = endpointOf(d.source);
    Endpoint dst = endpointOf(d.destination);
    dst.port = qToBigEndian(localPort);
    if (d.destination.ss_family == AF_UNSPEC || dst.v4 != src.v4) {
        dst.v4 = src.v4; // not known: the unspecified address of the sender's family
        std::memset(dst.bytes, 0, sizeof dst.bytes);
    }
    const int ipSize = src.v4 ? ipv4HeaderSize : ipv6HeaderSize;
    const qint64 headers = ipSize + udpHeaderSize;
    const quint32 udpLength = quint32(udpHeaderSize + d.length);

    const size_t start = out->size();
    out->resize(start + 16 + size_t(headers));
    auto *record = reinterpret_cast<unsigned char *>(out->data() + start);
    const quint32 fields[4] = {quint32(d.seconds), quint32(d.nanoseconds),
                               quint32(headers + d.captured), quint32(headers + d.length)};
    std::memcpy(record, fields, sizeof fields);
    unsigned char *ip = record + 16;
    unsigned char *udp = ip + ipSize;
    std::memset(ip, 0, size_t(headers));
    if (src.v4) {
        ip[0] = 0x45;
        put16(ip + 2, quint16(qMin<quint32>(ipv4HeaderSize + udpLength, 0xffff)));
        put16(ip + 6, 0x4000); // don't fragment
        ip[8] = 64;
        ip[9] = IPPROTO_UDP;
        std::memcpy(ip + 12, src.bytes, 4);
        std::memcpy(ip + 16, dst.bytes, 4);
        put16(ip + 10, fold(sum16(ip, ipv4HeaderSize)));
    } else {
        ip[0] = 0x60;
        put16(ip + 4, quint16(qMin<quint32>(udpLength, 0xffff)));
        ip[6] = IPPROTO_UDP;
        ip[7] = 64;
        std::memcpy(ip + 8, src.bytes, 16);
        std::memcpy(ip + 24, dst.bytes, 16);
    }
    std::memcpy(udp, &src.port, 2);
    std::memcpy(udp + 2, &dst.port, 2);
    put16(udp + 4, quint16(qMin<quint32>(udpLength, 0xffff)));
    if (!src.v4 && !d.truncated()) {
        // The pseudo-header (addresses, length, next header), the UDP header and the payload.
        quint32 sum = sum16(ip + 8, 32);
        sum += udpLength >> 16;
        sum += udpLength & 0xffff;
        sum += IPPROTO_UDP;
        sum = sum16(udp, udpHeaderSize, sum);
        sum = sum16(reinterpret_cast<const unsigned char *>(d.data), size_t(d.captured), sum);
        quint16 checksum = fold(sum);
        put16(udp + 6, checksum == 0 ? 0xffff : checksum);
    }
    out->insert(out->end(), d.data, d.data + d.captured);
    return true;
}

} // namespace capture::udpformat

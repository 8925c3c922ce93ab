#include "core/net/proxyprotocol.h"

#include "core/util/printable.h"

#include <QList>

#include <arpa/inet.h>

#include <cstring>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

constexpr char v2Signature[] = "\r\n\r\n\0\r\nQUIT\n"; // 12 bytes, NUL included
constexpr qsizetype v2SignatureLength = 12;
constexpr QByteArrayView v1Prefix("PROXY ");

// PP2 TLV types and the SSL TLV's client bits (doc/proxy-protocol.txt, 2.2).
constexpr quint8 pp2TypeSsl = 0x20;
constexpr quint8 pp2SubtypeSslCn = 0x22;
constexpr quint8 pp2ClientSsl = 0x01;
constexpr quint8 pp2ClientCertConn = 0x02;
constexpr quint8 pp2ClientCertSess = 0x04;

ProxyParseResult invalid(const QString &why)
{
    ProxyParseResult r;
    r.status = ProxyParseResult::Status::Invalid;
    r.error = why;
    return r;
}

ProxyParseResult complete(const ProxyHeader &header)
{
    ProxyParseResult r;
    r.status = ProxyParseResult::Status::Complete;
    r.header = header;
    return r;
}

QString shown(QByteArrayView bytes)
{
    return quotedValue(QString::fromLatin1(bytes.data(), bytes.size()));
}

quint16 be16(const char *p)
{
    return quint16((quint8(p[0]) << 8) | quint8(p[1]));
}

std::optional<quint16> v1Port(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 5)
        return std::nullopt;
    quint32 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + quint32(c - '0');
    }
    if (value > 65535)
        return std::nullopt;
    return quint16(value);
}

std::optional<QHostAddress> v1Address(QByteArrayView text, bool ipv6)
{
    // inet_pton, not QHostAddress: "1.2.3" or "010.1.1.1" are not the spec's dotted quads.
    const QByteArray z = text.toByteArray();
    if (ipv6) {
        in6_addr a{};
        if (::inet_pton(AF_INET6, z.constData(), &a) != 1)
            return std::nullopt;
        return QHostAddress(reinterpret_cast<const quint8 *>(&a));
    }
    in_addr a{};
    if (::inet_pton(AF_INET, z.constData(), &a) != 1)
        return std::nullopt;
    return QHostAddress(ntohl(a.s_addr));
}

ProxyParseResult parseV1(QByteArrayView bytes)
{
    // The line ends at its first CR, which must be followed by LF; a bare LF is no end. The
    // same rule for every prefix, so reading byte by byte decides as reading it whole.
    const qsizetype cr = bytes.indexOf('\r');
    const qsizetype lf = bytes.indexOf('\n');
    if (lf >= 0 && (cr < 0 || lf < cr))
        return invalid(u"PROXY v1 header: line ends without CR"_s);
    if (cr >= 0 && cr + 1 < bytes.size() && bytes[cr + 1] != '\n')
        return invalid(u"PROXY v1 header: CR not followed by LF"_s);
    const qsizetype end = cr >= 0 && cr + 1 < bytes.size() ? cr : -1;
    if (end < 0) {
        if (bytes.size() >= proxyV1MaxLength)
            return invalid(u"PROXY v1 header longer than %1 bytes"_s.arg(proxyV1MaxLength));
        return {};
    }
    const qsizetype length = end + 2;
    if (length > proxyV1MaxLength)
        return invalid(u"PROXY v1 header longer than %1 bytes"_s.arg(proxyV1MaxLength));
    const QByteArrayView line = bytes.first(end);
    ProxyHeader header;
    header.version = 1;
    header.length = length;
    const QList<QByteArrayView> parts = [&] {
        QList<QByteArrayView> out;
        qsizetype from = 0;
        while (true) {
            const qsizetype space = line.indexOf(' ', from);
            out.append(line.sliced(from, (space < 0 ? line.size() : space) - from));
            if (space < 0)
                return out;
            from = space + 1;
        }
    }();
    if (parts.size() >= 2 && parts[1] == "UNKNOWN")
        return complete(header); // the rest of the line is to be ignored
    if (parts.size() < 2 || (parts[1] != "TCP4" && parts[1] != "TCP6"))
        return invalid(u"PROXY v1 header: unknown protocol %1 (TCP4, TCP6 or UNKNOWN)"_s.arg(
            shown(parts.size() >= 2 ? parts[1] : QByteArrayView())));
    if (parts.size() != 6)
        return invalid(
            u"PROXY v1 header: %1 is not \"PROXY %2 source destination "
            "source-port destination-port\""_s.arg(shown(line), QString::fromLatin1(parts[1])));
    const bool ipv6 = parts[1] == "TCP6";
    const std::optional<QHostAddress> source = v1Address(parts[2], ipv6);
    const std::optional<QHostAddress> destination = v1Address(parts[3], ipv6);
    if (!source || !destination)
        return invalid(u"PROXY v1 header: %1 is not an %2 address"_s.arg(
            shown(source ? parts[3] : parts[2]), ipv6 ? u"IPv6"_s : u"IPv4"_s));
    const std::optional<quint16> sourcePort = v1Port(parts[4]);
    const std::optional<quint16> destinationPort = v1Port(parts[5]);
    if (!sourcePort || !destinationPort)
        return invalid(
            u"PROXY v1 header: %1 is not a port"_s.arg(shown(sourcePort ? parts[5] : parts[4])));
    header.hasAddresses = true;
    header.source = *source;
    header.destination = *destination;
    header.sourcePort = *sourcePort;
    header.destinationPort = *destinationPort;
    return complete(header);
}

// The SSL TLV: client bits, verify result, then sub-TLVs of which the CN is kept.
std::optional<QString> sslTlv(QByteArrayView value, QString *cn)
{
    if (value.size() < 5)
        return u"PROXY v2 SSL TLV shorter than 5 bytes"_s;
    const quint8 client = quint8(value[0]);
    const quint32 verify = (quint32(quint8(value[1])) << 24) | (quint32(quint8(value[2])) << 16) |
                           (quint32(quint8(value[3])) << 8) | quint32(quint8(value[4]));
    QByteArrayView rest = value.sliced(5);
    QString found;
    while (!rest.isEmpty()) {
        if (rest.size() < 3)
            return u"PROXY v2 SSL sub-TLV cut short"_s;
        const quint16 length = be16(rest.data() + 1);
        if (rest.size() < 3 + length)
            return u"PROXY v2 SSL sub-TLV runs past its TLV"_s;
        if (quint8(rest[0]) == pp2SubtypeSslCn)
            found = QString::fromUtf8(rest.sliced(3, length));
        rest = rest.sliced(3 + length);
    }
    const bool verifiedCertificate = (client & pp2ClientSsl) &&
                                     (client & (pp2ClientCertConn | pp2ClientCertSess)) &&
                                     verify == 0;
    if (verifiedCertificate)
        *cn = found;
    return std::nullopt;
}

ProxyParseResult parseV2(QByteArrayView bytes)
{
    if (bytes.size() < proxyV2FixedLength)
        return {};
    const quint8 versionCommand = quint8(bytes[12]);
    const quint8 familyTransport = quint8(bytes[13]);
    const qsizetype length = proxyV2FixedLength + be16(bytes.data() + 14);
    if ((versionCommand >> 4) != 2)
        return invalid(u"PROXY header of unknown version %1 (2 expected after the v2 "
                       "signature)"_s.arg(versionCommand >> 4));
    const int command = versionCommand & 0x0F;
    if (command > 1)
        return invalid(u"PROXY v2 header: unknown command %1"_s.arg(command));
    const int family = familyTransport >> 4;
    const int transport = familyTransport & 0x0F;
    if (family > 3 || transport > 2)
        return invalid(u"PROXY v2 header: unknown address family/transport 0x%1"_s.arg(
            familyTransport, 2, 16, QLatin1Char('0')));
    if (length > proxyV2MaxLength)
        return invalid(u"PROXY v2 header of %1 bytes, more than the %2 taken"_s.arg(length).arg(
            proxyV2MaxLength));
    if (bytes.size() < length)
        return {};

    ProxyHeader header;
    header.version = 2;
    header.length = length;
    header.local = command == 0;
    const QByteArrayView block = bytes.sliced(proxyV2FixedLength, length - proxyV2FixedLength);
    // Address block sizes: INET 12, INET6 36, UNIX 216 (doc/proxy-protocol.txt, 2.2).
    static constexpr qsizetype addressLength[] = {0, 12, 36, 216};
    const qsizetype addresses = addressLength[family];
    if (block.size() < addresses)
        return invalid(u"PROXY v2 header: %1 bytes for addresses that need %2"_s.arg(block.size())
                           .arg(addresses));
    const char *a = block.data();
    if (!header.local && (family == 1 || family == 2) && transport == 1) {
        header.hasAddresses = true;
        if (family == 1) {
            quint32 src = 0, dst = 0;
            std::memcpy(&src, a, 4);
            std::memcpy(&dst, a + 4, 4);
            header.source = QHostAddress(ntohl(src));
            header.destination = QHostAddress(ntohl(dst));
            header.sourcePort = be16(a + 8);
            header.destinationPort = be16(a + 10);
        } else {
            header.source = QHostAddress(reinterpret_cast<const quint8 *>(a));
            header.destination = QHostAddress(reinterpret_cast<const quint8 *>(a + 16));
            header.sourcePort = be16(a + 32);
            header.destinationPort = be16(a + 34);
        }
    }
    // LOCAL: "the receiver must ... discard the protocol block including the family"; TLVs
    // are only read after a known address block.
    if (header.local)
        return complete(header);
    QByteArrayView tlvs = block.sliced(addresses);
    while (!tlvs.isEmpty()) {
        if (tlvs.size() < 3)
            return invalid(u"PROXY v2 header: TLV cut short"_s);
        const quint16 tlvLength = be16(tlvs.data() + 1);
        if (tlvs.size() < 3 + tlvLength)
            return invalid(
                u"PROXY v2 header: TLV of %1 bytes runs past the header"_s.arg(tlvLength));
        if (quint8(tlvs[0]) == pp2TypeSsl) {
            if (const std::optional<QString> problem =
                    sslTlv(tlvs.sliced(3, tlvLength), &header.sslClientCn))
                return invalid(*problem);
        }
        tlvs = tlvs.sliced(3 + tlvLength);
    }
    return complete(header);
}

} // namespace

ProxyParseResult parseProxyHeader(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return {};
    const QByteArrayView signature(v2Signature, v2SignatureLength);
    if (bytes[0] == signature[0]) {
        const qsizetype n = std::min(bytes.size(), v2SignatureLength);
        if (bytes.first(n) != signature.first(n))
            return invalid(u"no PROXY protocol header: %1 is not the v2 signature"_s.arg(
                shown(bytes.first(n))));
        return parseV2(bytes);
    }
    const qsizetype n = std::min(bytes.size(), v1Prefix.size());
    if (bytes.first(n) != v1Prefix.first(n))
        return invalid(u"no PROXY protocol header: the connection starts with %1"_s.arg(
            shown(bytes.first(std::min<qsizetype>(bytes.size(), 16)))));
    if (bytes.size() <= v1Prefix.size())
        return {};
    return parseV1(bytes);
}

} // namespace capture

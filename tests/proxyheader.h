#pragma once

// PROXY protocol headers as a load balancer writes them (HAProxy's doc/proxy-protocol.txt),
// built byte by byte for the tests: v1 lines and v2 binary headers with TLVs.
#include <QByteArray>
#include <QHostAddress>
#include <QString>

namespace ProxyHeaderBuilder {

inline QByteArray v1(const QString &protocol, const QString &source, const QString &destination,
                     quint16 sourcePort, quint16 destinationPort)
{
    return QStringLiteral("PROXY %1 %2 %3 %4 %5\r\n")
        .arg(protocol, source, destination)
        .arg(sourcePort)
        .arg(destinationPort)
        .toLatin1();
}

inline const QByteArray &v2Signature()
{
    static const QByteArray sig("\r\n\r\n\0\r\nQUIT\n", 12);
    return sig;
}

inline void appendBe16(QByteArray *out, quint16 value)
{
    out->append(char(value >> 8));
    out->append(char(value & 0xFF));
}

inline QByteArray tlv(quint8 type, const QByteArray &value)
{
    QByteArray out;
    out.append(char(type));
    appendBe16(&out, quint16(value.size()));
    return out + value;
}

/// PP2_TYPE_SSL: client bits, verify (0 = verified), then sub-TLVs (e.g. the CN, 0x22).
inline QByteArray sslTlv(quint8 client, quint32 verify, const QByteArray &subTlvs)
{
    QByteArray value;
    value.append(char(client));
    value.append(char(verify >> 24));
    value.append(char((verify >> 16) & 0xFF));
    value.append(char((verify >> 8) & 0xFF));
    value.append(char(verify & 0xFF));
    return tlv(0x20, value + subTlvs);
}

/// A v2 header: `versionCommand` (0x21 PROXY, 0x20 LOCAL), `familyTransport` (0x11 TCP over
/// IPv4, 0x21 TCP over IPv6, 0x00 UNSPEC), the address block and TLVs as given.
inline QByteArray v2Raw(quint8 versionCommand, quint8 familyTransport, const QByteArray &block)
{
    QByteArray out = v2Signature();
    out.append(char(versionCommand));
    out.append(char(familyTransport));
    appendBe16(&out, quint16(block.size()));
    return out + block;
}

/// A v2 PROXY header for TCP from source:sourcePort to destination:destinationPort (both of
/// one family), followed by `tlvs`.
inline QByteArray v2(const QHostAddress &source, quint16 sourcePort,
                     const QHostAddress &destination, quint16 destinationPort,
                     const QByteArray &tlvs = {})
{
    QByteArray block;
    const bool ipv6 = source.protocol() == QAbstractSocket::IPv6Protocol;
    if (ipv6) {
        const Q_IPV6ADDR s = source.toIPv6Address();
        const Q_IPV6ADDR d = destination.toIPv6Address();
        block.append(reinterpret_cast<const char *>(s.c), 16);
        block.append(reinterpret_cast<const char *>(d.c), 16);
    } else {
        for (const quint32 a : {source.toIPv4Address(), destination.toIPv4Address()}) {
            block.append(char(a >> 24));
            block.append(char((a >> 16) & 0xFF));
            block.append(char((a >> 8) & 0xFF));
            block.append(char(a & 0xFF));
        }
    }
    appendBe16(&block, sourcePort);
    appendBe16(&block, destinationPort);
    return v2Raw(0x21, ipv6 ? 0x21 : 0x11, block + tlvs);
}

/// v2 LOCAL, as HAProxy sends with its health checks (check-send-proxy).
inline QByteArray v2Local()
{
    return v2Raw(0x20, 0x00, {});
}

} // namespace ProxyHeaderBuilder

// The PROXY protocol header parser (core/net/proxyprotocol): v1 and v2, IPv4 and IPv6, LOCAL,
// UNKNOWN/UNSPEC, TLVs and the SSL CN, every malformed form, and every header fed a byte at a
// time (every prefix is "need more" and belongs to the header; the stream behind is never
// counted in).

#include "core/net/proxyprotocol.h"
#include "proxyheader.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;
namespace P = ProxyHeaderBuilder;

Q_DECLARE_METATYPE(capture::ProxyHeader)

namespace {

ProxyHeader expected(int version, const QString &source, quint16 sourcePort,
                     const QString &destination, quint16 destinationPort, qsizetype length)
{
    ProxyHeader h;
    h.version = version;
    h.hasAddresses = true;
    h.source = QHostAddress(source);
    h.sourcePort = sourcePort;
    h.destination = QHostAddress(destination);
    h.destinationPort = destinationPort;
    h.length = length;
    return h;
}

ProxyHeader withoutAddresses(int version, qsizetype length, bool local = false)
{
    ProxyHeader h;
    h.version = version;
    h.length = length;
    h.local = local;
    return h;
}

} // namespace

class TestProxyProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valid_data();
    void valid();
    void byteByByte_data() { valid_data(); }
    void byteByByte();
    void invalid_data();
    void invalid();
    void invalidEarly();
};

void TestProxyProtocol::valid_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<ProxyHeader>("header");

    const QByteArray v1Tcp4 = P::v1(u"TCP4"_s, u"192.0.2.7"_s, u"127.0.0.1"_s, 40112, 5000);
    QTest::newRow("v1 TCP4") << v1Tcp4
                             << expected(1, u"192.0.2.7"_s, 40112, u"127.0.0.1"_s, 5000,
                                         v1Tcp4.size());
    const QByteArray v1Tcp6 = P::v1(u"TCP6"_s, u"2001:db8::7"_s, u"::1"_s, 65535, 0);
    QTest::newRow("v1 TCP6") << v1Tcp6
                             << expected(1, u"2001:db8::7"_s, 65535, u"::1"_s, 0, v1Tcp6.size());
    QTest::newRow("v1 UNKNOWN") << QByteArray("PROXY UNKNOWN\r\n") << withoutAddresses(1, 15);
    const QByteArray unknownFull("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n");
    QTest::newRow("v1 UNKNOWN with the rest ignored")
        << unknownFull << withoutAddresses(1, unknownFull.size());
    // The longest v1 line the spec allows: 107 bytes.
    const QByteArray longest = P::v1(u"TCP6"_s, u"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"_s,
                                     u"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"_s, 65535, 65535);
    QCOMPARE(longest.size(), 104); // "TCP6" with full addresses; UNKNOWN can reach 107
    QTest::newRow("v1 longest TCP6")
        << longest
        << expected(1, u"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"_s, 65535,
                    u"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"_s, 65535, 104);
    const QByteArray unknown107 = "PROXY UNKNOWN " + QByteArray(107 - 16, 'x') + "\r\n";
    QCOMPARE(unknown107.size(), 107);
    QTest::newRow("v1 107 bytes") << unknown107 << withoutAddresses(1, 107);

    const QByteArray v2Ipv4 =
        P::v2(QHostAddress(u"198.51.100.9"_s), 1234, QHostAddress(u"127.0.0.1"_s), 5001);
    QTest::newRow("v2 TCP over IPv4")
        << v2Ipv4 << expected(2, u"198.51.100.9"_s, 1234, u"127.0.0.1"_s, 5001, 28);
    const QByteArray v2Ipv6 =
        P::v2(QHostAddress(u"2001:db8::1"_s), 4321, QHostAddress(u"2001:db8::2"_s), 5002);
    QTest::newRow("v2 TCP over IPv6")
        << v2Ipv6 << expected(2, u"2001:db8::1"_s, 4321, u"2001:db8::2"_s, 5002, 52);
    QTest::newRow("v2 LOCAL") << P::v2Local() << withoutAddresses(2, 16, true);
    // LOCAL with an address block (HAProxy's checks send one): discarded, family and all.
    QTest::newRow("v2 LOCAL with addresses")
        << P::v2Raw(0x20, 0x11, QByteArray(12, '\x7f')) << withoutAddresses(2, 28, true);
    QTest::newRow("v2 UNSPEC") << P::v2Raw(0x21, 0x00, {}) << withoutAddresses(2, 16);
    QTest::newRow("v2 UNIX") << P::v2Raw(0x21, 0x31, QByteArray(216, 'u'))
                             << withoutAddresses(2, 16 + 216);
    QTest::newRow("v2 UDP over IPv4 keeps the real endpoints")
        << P::v2Raw(0x21, 0x12, QByteArray(12, '\1')) << withoutAddresses(2, 28);

    const QByteArray tlvs = P::tlv(0x01, "h2") + P::tlv(0x02, "example.org") +
                            P::tlv(0x04, QByteArray(10, '\0')) + P::tlv(0x05, "unique-id") +
                            P::tlv(0xE0, "custom") + P::tlv(0x30, {});
    const QByteArray withTlvs =
        P::v2(QHostAddress(u"203.0.113.5"_s), 80, QHostAddress(u"127.0.0.1"_s), 5003, tlvs);
    QTest::newRow("v2 TLVs skipped")
        << withTlvs << expected(2, u"203.0.113.5"_s, 80, u"127.0.0.1"_s, 5003, 28 + tlvs.size());

    const QByteArray cnTlv = P::sslTlv(0x01 | 0x02, 0,
                                       P::tlv(0x21, "TLSv1.3") + P::tlv(0x22, "sensor-17") +
                                           P::tlv(0x23, "TLS_AES_128_GCM_SHA256"));
    const QByteArray withCn =
        P::v2(QHostAddress(u"203.0.113.6"_s), 81, QHostAddress(u"127.0.0.1"_s), 5004, cnTlv);
    ProxyHeader cn = expected(2, u"203.0.113.6"_s, 81, u"127.0.0.1"_s, 5004, withCn.size());
    cn.sslClientCn = u"sensor-17"_s;
    QTest::newRow("v2 SSL CN, verified") << withCn << cn;
    const QByteArray unverified =
        P::v2(QHostAddress(u"203.0.113.6"_s), 81, QHostAddress(u"127.0.0.1"_s), 5004,
              P::sslTlv(0x01 | 0x02, 1, P::tlv(0x22, "sensor-17")));
    QTest::newRow("v2 SSL CN, not verified: not taken")
        << unverified << expected(2, u"203.0.113.6"_s, 81, u"127.0.0.1"_s, 5004, unverified.size());
    const QByteArray noCertificate =
        P::v2(QHostAddress(u"203.0.113.6"_s), 81, QHostAddress(u"127.0.0.1"_s), 5004,
              P::sslTlv(0x01, 0, P::tlv(0x22, "sensor-17")));
    QTest::newRow("v2 SSL without a client certificate: no CN")
        << noCertificate
        << expected(2, u"203.0.113.6"_s, 81, u"127.0.0.1"_s, 5004, noCertificate.size());
}

void TestProxyProtocol::valid()
{
    QFETCH(QByteArray, bytes);
    QFETCH(ProxyHeader, header);
    const ProxyParseResult result = parseProxyHeader(bytes);
    QCOMPARE(result.error, QString());
    QCOMPARE(result.status, ProxyParseResult::Status::Complete);
    QCOMPARE(result.header, header);
    QCOMPARE(result.header.length, bytes.size());
    // The stream behind the header is not the parser's: the same header, the same length.
    const QByteArray withStream = bytes + "stream bytes\r\n\r\n\0"_ba;
    const ProxyParseResult followed = parseProxyHeader(withStream);
    QCOMPARE(followed.status, ProxyParseResult::Status::Complete);
    QCOMPARE(followed.header, header);
}

void TestProxyProtocol::byteByByte()
{
    QFETCH(QByteArray, bytes);
    QFETCH(ProxyHeader, header);
    // As the receiver reads: every shorter prefix needs more (and so is all header).
    for (qsizetype n = 0; n < bytes.size(); ++n) {
        const ProxyParseResult r = parseProxyHeader(QByteArrayView(bytes).first(n));
        if (r.status != ProxyParseResult::Status::NeedMore)
            QFAIL(qPrintable(u"prefix of %1 bytes: %2"_s.arg(n).arg(r.error)));
    }
    QCOMPARE(parseProxyHeader(bytes).header, header);
}

void TestProxyProtocol::invalid_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");

    QTest::newRow("plain data") << QByteArray("hello, receiver\n") << u"no PROXY protocol header"_s;
    QTest::newRow("HTTP") << QByteArray("GET / HTTP/1.1\r\n\r\n") << u"'GET / HTTP/1.1"_s;
    QTest::newRow("TLS ClientHello")
        << QByteArray("\x16\x03\x01\x02\x00\x01", 6) << u"no PROXY protocol header"_s;
    QTest::newRow("lower case") << QByteArray("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")
                                << u"no PROXY protocol header"_s;
    QTest::newRow("v1 unknown protocol")
        << QByteArray("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n") << u"unknown protocol 'TCP5'"_s;
    QTest::newRow("v1 missing fields")
        << QByteArray("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n") << u"is not \"PROXY TCP4"_s;
    QTest::newRow("v1 extra field")
        << QByteArray("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n") << u"is not \"PROXY TCP4"_s;
    QTest::newRow("v1 double space")
        << QByteArray("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n") << u"is not \"PROXY TCP4"_s;
    QTest::newRow("v1 bad IPv4") << QByteArray("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n")
                                 << u"'1.2.3' is not an IPv4 address"_s;
    QTest::newRow("v1 IPv6 under TCP4")
        << QByteArray("PROXY TCP4 ::1 5.6.7.8 1 2\r\n") << u"'::1' is not an IPv4 address"_s;
    QTest::newRow("v1 IPv4 under TCP6")
        << QByteArray("PROXY TCP6 ::1 5.6.7.8 1 2\r\n") << u"'5.6.7.8' is not an IPv6 address"_s;
    QTest::newRow("v1 port too big")
        << QByteArray("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n") << u"'65536' is not a port"_s;
    QTest::newRow("v1 port not a number")
        << QByteArray("PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n") << u"'-2' is not a port"_s;
    QTest::newRow("v1 LF without CR")
        << QByteArray("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n") << u"line ends without CR"_s;
    QTest::newRow("v1 CR without LF")
        << QByteArray("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX") << u"CR not followed by LF"_s;
    QTest::newRow("v1 UNKNOWN with a bare LF before the end")
        << QByteArray("PROXY UNKNOWN x\ny\r\n") << u"line ends without CR"_s;
    QTest::newRow("v1 UNKNOWN with a bare CR before the end")
        << QByteArray("PROXY UNKNOWN x\ry\r\n") << u"CR not followed by LF"_s;
    QTest::newRow("v1 too long, no end")
        << "PROXY UNKNOWN " + QByteArray(200, 'x') << u"longer than 107 bytes"_s;
    QTest::newRow("v1 108 bytes") << "PROXY UNKNOWN " + QByteArray(108 - 16, 'x') + "\r\n"
                                  << u"longer than 107 bytes"_s;

    QTest::newRow("v2 signature broken")
        << QByteArray("\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x0c", 16) << u"not the v2 signature"_s;
    QTest::newRow("v2 version 1") << P::v2Raw(0x11, 0x11, QByteArray(12, '\0'))
                                  << u"unknown version 1"_s;
    QTest::newRow("v2 version 3") << P::v2Raw(0x31, 0x11, QByteArray(12, '\0'))
                                  << u"unknown version 3"_s;
    QTest::newRow("v2 command 2") << P::v2Raw(0x22, 0x11, QByteArray(12, '\0'))
                                  << u"unknown command 2"_s;
    QTest::newRow("v2 family 4") << P::v2Raw(0x21, 0x41, QByteArray(12, '\0'))
                                 << u"unknown address family/transport 0x41"_s;
    QTest::newRow("v2 transport 3")
        << P::v2Raw(0x21, 0x13, QByteArray(12, '\0')) << u"unknown address family/transport 0x13"_s;
    QTest::newRow("v2 IPv4 block too short")
        << P::v2Raw(0x21, 0x11, QByteArray(11, '\0')) << u"11 bytes for addresses that need 12"_s;
    QTest::newRow("v2 IPv6 block too short")
        << P::v2Raw(0x21, 0x21, QByteArray(12, '\0')) << u"12 bytes for addresses that need 36"_s;
    QTest::newRow("v2 TLV cut short")
        << P::v2Raw(0x21, 0x11, QByteArray(12, '\0') + QByteArray("\x04\x00", 2))
        << u"TLV cut short"_s;
    QTest::newRow("v2 TLV past the header")
        << P::v2Raw(0x21, 0x11, QByteArray(12, '\0') + QByteArray("\x04\x00\x09xyz", 6))
        << u"TLV of 9 bytes runs past the header"_s;
    QTest::newRow("v2 SSL TLV too short")
        << P::v2Raw(0x21, 0x11, QByteArray(12, '\0') + P::tlv(0x20, "abc"))
        << u"SSL TLV shorter than 5 bytes"_s;
    QTest::newRow("v2 SSL sub-TLV past its TLV")
        << P::v2Raw(0x21, 0x11, QByteArray(12, '\0') + P::tlv(0x20, "\x03\0\0\0\0\x22\x00\x09"_ba))
        << u"sub-TLV runs past its TLV"_s;
    QTest::newRow("v2 oversized") << P::v2Raw(0x21, 0x11, QByteArray(5000, '\0'))
                                  << u"of 5016 bytes, more than the 4096 taken"_s;
}

void TestProxyProtocol::invalid()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    const ProxyParseResult result = parseProxyHeader(bytes);
    QCOMPARE(result.status, ProxyParseResult::Status::Invalid);
    if (!result.error.contains(error))
        QFAIL(qPrintable(u"error %1 does not contain %2"_s.arg(result.error, error)));
}

void TestProxyProtocol::invalidEarly()
{
    // A stream that is not PROXY is refused with its first byte, not after a timeout.
    QCOMPARE(parseProxyHeader("G").status, ProxyParseResult::Status::Invalid);
    QCOMPARE(parseProxyHeader("PROX").status, ProxyParseResult::Status::NeedMore);
    QCOMPARE(parseProxyHeader("PROXI").status, ProxyParseResult::Status::Invalid);
    QCOMPARE(parseProxyHeader(QByteArray("\r\n\r\n\0\r\n", 7)).status,
             ProxyParseResult::Status::NeedMore);
    QCOMPARE(parseProxyHeader(QByteArray("\r\n\r\n\0\n", 6)).status,
             ProxyParseResult::Status::Invalid);
    // v2 knows its size from byte 16: an oversized header is refused before it is read.
    const QByteArray fixed = P::v2Raw(0x21, 0x11, QByteArray(5000, '\0')).first(16);
    QCOMPARE(parseProxyHeader(fixed).status, ProxyParseResult::Status::Invalid);
}

QTEST_GUILESS_MAIN(TestProxyProtocol)
#include "tst_proxyprotocol.moc"

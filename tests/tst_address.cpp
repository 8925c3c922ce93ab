// The address module (core/net/address): bind addresses, "address:port" endpoints and the
// CIDR networks of --allow, parsed and spelled.
#include "core/net/address.h"

#include <QTest>

using namespace capture;
using namespace Qt::Literals::StringLiterals;

class TestAddress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bindAddresses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("spelled"); // bindAddressText(); empty: invalid
        QTest::newRow("v4") << u"192.0.2.1"_s << u"192.0.2.1"_s;
        QTest::newRow("v4 any") << u"0.0.0.0"_s << u"0.0.0.0"_s;
        QTest::newRow("dual stack") << u"::"_s << u"::"_s;
        QTest::newRow("dual stack, bracketed") << u"[::]"_s << u"::"_s;
        QTest::newRow("v6") << u"::1"_s << u"[::1]"_s;
        QTest::newRow("v6 bracketed") << u"[2001:db8::1]"_s << u"[2001:db8::1]"_s;
        QTest::newRow("spaces around") << u" 10.0.0.1 "_s << u"10.0.0.1"_s;
        QTest::newRow("three parts") << u"1.2.3"_s << QString();
        QTest::newRow("one number") << u"16909060"_s << QString();
        QTest::newRow("octet too big") << u"1.2.3.256"_s << QString();
        QTest::newRow("host name") << u"localhost"_s << QString();
        QTest::newRow("empty") << u""_s << QString();
        QTest::newRow("empty brackets") << u"[]"_s << QString();
    }
    void bindAddresses()
    {
        QFETCH(QString, text);
        QFETCH(QString, spelled);
        const auto parsed = parseBindAddress(text);
        QCOMPARE(parsed.has_value(), !spelled.isEmpty());
        if (!parsed)
            return;
        QCOMPARE(bindAddressText(*parsed), spelled);
        QCOMPARE(parseBindAddress(bindAddressText(*parsed)), parsed); // reads back
    }

    void normalizedAddresses()
    {
        QCOMPARE(normalizedAddress(QHostAddress(u"::ffff:10.0.0.1"_s)),
                 QHostAddress(u"10.0.0.1"_s));
        QCOMPARE(normalizedAddress(QHostAddress(u"::1"_s)), QHostAddress(u"::1"_s));
        QCOMPARE(normalizedAddress(QHostAddress(u"192.0.2.1"_s)), QHostAddress(u"192.0.2.1"_s));
    }

    void endpointText_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("expected");
        QTest::newRow("v4") << u"127.0.0.1"_s << u"127.0.0.1:80"_s;
        QTest::newRow("v6") << u"::1"_s << u"[::1]:80"_s;
        QTest::newRow("mapped") << u"::ffff:10.0.0.1"_s << u"10.0.0.1:80"_s;
        QTest::newRow("dual-stack wildcard") << u"any"_s << u"[::]:80"_s;
        // The scope id's '%' once took the port's place ("[fe80::1%1]:80" came out
        // "[fe80::180]:%2").
        QTest::newRow("scope id") << u"fe80::1%1"_s << u"[fe80::1%1]:80"_s;
    }
    void endpointText()
    {
        QFETCH(QString, address);
        QFETCH(QString, expected);
        const QHostAddress host =
            address == u"any"_s ? QHostAddress(QHostAddress::Any) : QHostAddress(address);
        QCOMPARE(capture::endpointText(host, 80), expected);
    }

    void statusEndpoints_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("address"); // empty: invalid
        QTest::addColumn<int>("port");
        QTest::newRow("port only") << u"9100"_s << u"127.0.0.1"_s << 9100;
        QTest::newRow("v4") << u"0.0.0.0:9100"_s << u"0.0.0.0"_s << 9100;
        QTest::newRow("v6") << u"[::1]:80"_s << u"::1"_s << 80;
        QTest::newRow("no port") << u"127.0.0.1:"_s << QString() << 0;
        QTest::newRow("host name") << u"localhost:9100"_s << QString() << 0;
        QTest::newRow("port too big") << u"70000"_s << QString() << 0;
        QTest::newRow("empty") << u""_s << QString() << 0;
    }
    void statusEndpoints()
    {
        QFETCH(QString, text);
        QFETCH(QString, address);
        QFETCH(int, port);
        const auto parsed = parseStatusEndpoint(text);
        QCOMPARE(parsed.has_value(), !address.isEmpty());
        if (parsed) {
            QCOMPARE(parsed->first, QHostAddress(address));
            QCOMPARE(int(parsed->second), port);
        }
    }

    void allowEntries_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("normalised"); // empty: invalid
        QTest::newRow("v4 network") << u"10.0.0.0/8"_s << u"10.0.0.0/8"_s;
        QTest::newRow("v4 host bits") << u"10.1.2.3/8"_s << u"10.0.0.0/8"_s;
        QTest::newRow("v4 address") << u"192.0.2.7"_s << u"192.0.2.7/32"_s;
        QTest::newRow("v6 network") << u"2001:db8::/32"_s << u"2001:db8::/32"_s;
        QTest::newRow("v6 address") << u"::1"_s << u"::1/128"_s;
        QTest::newRow("v4-mapped network") << u"::ffff:10.0.0.0/104"_s << u"10.0.0.0/8"_s;
        // Found by fuzz_units_smoke: "::" is no IPv4-mapped address (Qt's toIPv4Address says
        // 0.0.0.0).
        QTest::newRow("v6 network at ::") << u"::1/124"_s << u"::/124"_s;
        QTest::newRow("v6 network at ::, again") << u"::/100"_s << u"::/100"_s;
        QTest::newRow("everyone v4") << u"0.0.0.0/0"_s << u"0.0.0.0/0"_s;
        QTest::newRow("prefix too long") << u"10.0.0.0/33"_s << QString();
        QTest::newRow("negative prefix") << u"10.0.0.0/-1"_s << QString();
        QTest::newRow("empty prefix") << u"10.0.0.0/"_s << QString();
        QTest::newRow("host name") << u"localhost"_s << QString();
        QTest::newRow("empty") << u""_s << QString();
    }
    void allowEntries()
    {
        QFETCH(QString, text);
        QFETCH(QString, normalised);
        const auto parsed = parseAllowEntry(text);
        QCOMPARE(parsed.has_value(), !normalised.isEmpty());
        if (parsed)
            QCOMPARE(allowEntryText(*parsed), normalised);
    }

    void peerMatching()
    {
        const QList<std::pair<QHostAddress, int>> allow{*parseAllowEntry(u"127.0.0.0/8"_s),
                                                        *parseAllowEntry(u"2001:db8::/32"_s)};
        QVERIFY(peerAllowed(allow, QHostAddress(u"127.0.0.1"_s)));
        QVERIFY(peerAllowed(allow, QHostAddress(u"::ffff:127.0.0.9"_s))); // via a :: socket
        QVERIFY(peerAllowed(allow, QHostAddress(u"2001:db8::5"_s)));
        QVERIFY(!peerAllowed(allow, QHostAddress(u"10.0.0.1"_s)));
        QVERIFY(!peerAllowed(allow, QHostAddress(u"::1"_s)));
        QVERIFY(peerAllowed({}, QHostAddress(u"10.0.0.1"_s)));
        const QList<std::pair<QHostAddress, int>> mapped{
            *parseAllowEntry(u"::ffff:10.0.0.0/104"_s)};
        QVERIFY(peerAllowed(mapped, QHostAddress(u"10.1.2.3"_s)));
        QVERIFY(peerAllowed(mapped, QHostAddress(u"::ffff:10.1.2.3"_s)));
        QVERIFY(!peerAllowed(mapped, QHostAddress(u"11.0.0.1"_s)));
    }
};

QTEST_GUILESS_MAIN(TestAddress)
#include "tst_address.moc"

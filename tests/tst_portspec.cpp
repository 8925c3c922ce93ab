#include "core/net/portspec.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using capture::parsePortSpec;

class TestPortSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valid_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QList<quint16>>("ports");
        QTest::newRow("single") << u"5000"_s << QList<quint16>{5000};
        QTest::newRow("range") << u"5000-5003"_s << QList<quint16>{5000, 5001, 5002, 5003};
        QTest::newRow("list") << u"5000,5002,6000-6002"_s
                              << QList<quint16>{5000, 5002, 6000, 6001, 6002};
        QTest::newRow("order kept") << u"7000,5000"_s << QList<quint16>{7000, 5000};
        QTest::newRow("spaces") << u" 5000 , 5001 - 5002 "_s << QList<quint16>{5000, 5001, 5002};
        QTest::newRow("one-port range") << u"6000-6000"_s << QList<quint16>{6000};
        QTest::newRow("lowest") << u"1"_s << QList<quint16>{1};
        QTest::newRow("highest") << u"65535"_s << QList<quint16>{65535};
        QTest::newRow("range to top") << u"65534-65535"_s << QList<quint16>{65534, 65535};
        QTest::newRow("leading zeros") << u"05000"_s << QList<quint16>{5000};
    }
    void valid()
    {
        QFETCH(QString, spec);
        QFETCH(QList<quint16>, ports);
        const auto result = parsePortSpec(spec);
        QVERIFY2(result.ok(), qPrintable(result.error));
        QCOMPARE(result.ports, ports);
    }

    void invalid_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("mentions"); // the message must name the bad value
        QTest::newRow("empty") << u""_s << u"empty port list"_s;
        QTest::newRow("blank") << u"   "_s << u"empty port list"_s;
        QTest::newRow("zero") << u"0"_s << u"'0'"_s;
        QTest::newRow("too big") << u"65536"_s << u"'65536'"_s;
        QTest::newRow("huge") << u"99999999999"_s << u"'99999999999'"_s;
        QTest::newRow("negative") << u"-5"_s << u"'-5'"_s;
        QTest::newRow("plus sign") << u"+5000"_s << u"'+5000'"_s;
        QTest::newRow("letters") << u"abc"_s << u"'abc'"_s;
        QTest::newRow("hex") << u"0x1388"_s << u"'0x1388'"_s;
        QTest::newRow("trailing comma") << u"5000,"_s << u"'5000,'"_s;
        QTest::newRow("leading comma") << u",5000"_s << u"',5000'"_s;
        QTest::newRow("double comma") << u"5000,,5001"_s << u"'5000,,5001'"_s;
        QTest::newRow("open range") << u"5000-"_s << u"'5000-'"_s;
        QTest::newRow("double dash") << u"5000--5001"_s << u"'5000--5001'"_s;
        QTest::newRow("three parts") << u"5000-5001-5002"_s << u"'5000-5001-5002'"_s;
        QTest::newRow("reversed") << u"5005-5000"_s << u"reversed"_s;
        QTest::newRow("past top") << u"65530-65540"_s << u"runs past 65535"_s;
        QTest::newRow("range from zero") << u"0-10"_s << u"'0-10'"_s;
        QTest::newRow("duplicate") << u"5000,5000"_s << u"duplicate port 5000"_s;
        QTest::newRow("overlap") << u"5000-5003,5002"_s << u"duplicate port 5002"_s;
        QTest::newRow("overlapping ranges") << u"1-10,10-20"_s << u"duplicate port 10"_s;
        QTest::newRow("decimal") << u"5000.5"_s << u"'5000.5'"_s;
    }
    void invalid()
    {
        QFETCH(QString, spec);
        QFETCH(QString, mentions);
        const auto result = parsePortSpec(spec);
        QVERIFY(!result.ok());
        QVERIFY(result.ports.isEmpty());
        QVERIFY2(result.error.contains(mentions), qPrintable(result.error));
        QVERIFY2(!result.error.contains(u'\n'), "errors are one line");
    }

    void wholeRange()
    {
        const auto result = parsePortSpec(u"1-65535"_s);
        QVERIFY(result.ok());
        QCOMPARE(result.ports.size(), 65535);
        QCOMPARE(result.ports.front(), quint16(1));
        QCOMPARE(result.ports.back(), quint16(65535));
    }

    void format_data()
    {
        QTest::addColumn<QList<quint16>>("ports");
        QTest::addColumn<QString>("text");
        QTest::newRow("none") << QList<quint16>{} << QString();
        QTest::newRow("one") << QList<quint16>{5000} << u"5000"_s;
        QTest::newRow("run") << QList<quint16>{5000, 5001, 5002} << u"5000-5002"_s;
        QTest::newRow("mixed") << QList<quint16>{5000, 5002, 6000, 6001}
                               << u"5000,5002,6000-6001"_s;
    }
    void format()
    {
        QFETCH(QList<quint16>, ports);
        QFETCH(QString, text);
        QCOMPARE(capture::formatPortSpec(ports), text);
        if (!ports.isEmpty())
            QCOMPARE(parsePortSpec(text).ports, ports); // round trip
    }
};

QTEST_GUILESS_MAIN(TestPortSpec)
#include "tst_portspec.moc"

#include "core/capture/filenaming.h"
#include "core/util/units.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

class TestFileNaming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void portFileName()
    {
        const QDateTime t(QDate(2026, 3, 7), QTime(9, 5, 1), Qt::LocalTime);
        QCOMPARE(FileNaming::portFileName(5000, t), u"stream_5000_20260307_090501.bin"_s);
    }

    void usesLocalTime()
    {
        const QDateTime local(QDate(2026, 12, 31), QTime(23, 59, 59), Qt::LocalTime);
        QCOMPARE(FileNaming::portFileName(1, local.toUTC()), u"stream_1_20261231_235959.bin"_s);
    }

    void connectionFileName_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ipv4") << u"192.0.2.10"_s
                              << u"stream_6000_20260307_090501_192.0.2.10_40000.bin"_s;
        QTest::newRow("loopback6") << u"::1"_s << u"stream_6000_20260307_090501_--1_40000.bin"_s;
        QTest::newRow("ipv6") << u"2001:db8::5"_s
                              << u"stream_6000_20260307_090501_2001-db8--5_40000.bin"_s;
        QTest::newRow("mapped v4")
            << u"::ffff:127.0.0.1"_s << u"stream_6000_20260307_090501_127.0.0.1_40000.bin"_s;
        QTest::newRow("scoped") << u"fe80::1%lo"_s
                                << u"stream_6000_20260307_090501_fe80--1_lo_40000.bin"_s;
    }
    void connectionFileName()
    {
        QFETCH(QString, peer);
        QFETCH(QString, expected);
        const QDateTime t(QDate(2026, 3, 7), QTime(9, 5, 1), Qt::LocalTime);
        const QString name = FileNaming::connectionFileName(6000, t, QHostAddress(peer), 40000);
        QCOMPARE(name, expected);
        for (const QChar c : name)
            QVERIFY2(c.isLetterOrNumber() || c == u'_' || c == u'-' || c == u'.',
                     qPrintable(u"unsafe character in "_s + name));
    }

    void numberedName_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("n");
        QTest::addColumn<QString>("expected");
        QTest::newRow("first") << u"stream_1_x.bin"_s << 1 << u"stream_1_x.bin"_s;
        QTest::newRow("second") << u"stream_1_x.bin"_s << 2 << u"stream_1_x_2.bin"_s;
        QTest::newRow("tenth") << u"stream_1_x.bin"_s << 10 << u"stream_1_x_10.bin"_s;
        QTest::newRow("no extension") << u"stream"_s << 3 << u"stream_3"_s;
        QTest::newRow("dotted peer") << u"s_1.2.3.4_5.bin"_s << 2 << u"s_1.2.3.4_5_2.bin"_s;
    }
    void numberedName()
    {
        QFETCH(QString, name);
        QFETCH(int, n);
        QFETCH(QString, expected);
        QCOMPARE(FileNaming::numberedName(name, n), expected);
    }

    void units_data()
    {
        QTest::addColumn<quint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << quint64(0) << u"0 B"_s;
        QTest::newRow("bytes") << quint64(1023) << u"1023 B"_s;
        QTest::newRow("kib") << quint64(1536) << u"1.50 KiB"_s;
        QTest::newRow("mib") << quint64(16 * 1024 * 1024) << u"16.0 MiB"_s;
        QTest::newRow("gib") << quint64(4) * 1024 * 1024 * 1024 << u"4.00 GiB"_s;
    }
    void units()
    {
        QFETCH(quint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(formatBytes(bytes), text);
    }

    void rates()
    {
        QCOMPARE(formatRate(0), u"0 B/s"_s);
        QCOMPARE(formatRate(999), u"999 B/s"_s);
        QCOMPARE(formatRate(1500), u"1.50 kB/s"_s);
        QCOMPARE(formatRate(2.5e9), u"2.50 GB/s"_s);
        QCOMPARE(formatRate(12.34e6), u"12.3 MB/s"_s);
        QCOMPARE(formatRate(250e3), u"250 kB/s"_s);
        QCOMPARE(formatDuration(1234), u"1.234 s"_s);
        QCOMPARE(formatDuration(125'000), u"2 min 05 s"_s);
        QCOMPARE(formatDuration(3'720'000), u"1 h 02 min"_s);
    }
};

QTEST_GUILESS_MAIN(TestFileNaming)
#include "tst_filenaming.moc"

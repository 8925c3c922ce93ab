#include "core/capture/filenaming.h"
#include "core/capture/nametemplate.h"
#include "core/util/units.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

class TestFileNaming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    /// The default templates' names: exactly those of the tool this program replaces.
    static QString defaultName(SplitMode split, quint16 port, const QDateTime &t,
                               const QString &peer = {}, quint16 peerPort = 0)
    {
        QString problem;
        const auto names = NameTemplate::parse(NameTemplate::defaultText(split), &problem);
        NameTemplate::Values values;
        values.port = port;
        values.time = t;
        values.peer = QHostAddress(peer);
        values.peerPort = peerPort;
        return names ? names->render(values) : problem;
    }

    void portFileName()
    {
        const QDateTime t(QDate(2026, 3, 7), QTime(9, 5, 1), Qt::LocalTime);
        QCOMPARE(defaultName(SplitMode::Port, 5000, t), u"stream_5000_20260307_090501.bin"_s);
    }

    void usesLocalTime()
    {
        const QDateTime local(QDate(2026, 12, 31), QTime(23, 59, 59), Qt::LocalTime);
        QCOMPARE(defaultName(SplitMode::Port, 1, local.toUTC()), u"stream_1_20261231_235959.bin"_s);
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
        const QString name = defaultName(SplitMode::Connection, 6000, t, peer, 40000);
        QCOMPARE(name, expected);
        for (const QChar c : name)
            QVERIFY2(c.isLetterOrNumber() || c == u'_' || c == u'-' || c == u'.',
                     qPrintable(u"unsafe character in "_s + name));
    }

    void templates_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("CODA style")
            << u"run_{run:06}/daq_{run}.dat{seq}"_s << u"run_000042/daq_42.dat3"_s;
        QTest::newRow("every field")
            << u"{host}/{date}/{time}_{port:06}_{peer}_{peerport}_{seq:03}_{ts}.bin"_s
            << u"%1/20260307/090501_005000_192.0.2.10_40000_003_20260307_090501.bin"_s;
        QTest::newRow("literal braces") << u"{{run}}_{run}"_s << u"{run}_42"_s;
        QTest::newRow("wide numbers are not cut") << u"{seq:01}"_s << u"3"_s;
    }
    void templates()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QString problem;
        const auto names = NameTemplate::parse(text, &problem);
        QVERIFY2(names, qPrintable(problem));
        NameTemplate::Values values;
        values.port = 5000;
        values.time = QDateTime(QDate(2026, 3, 7), QTime(9, 5, 1), Qt::LocalTime);
        values.run = 42;
        values.seq = 3;
        values.peer = QHostAddress(u"192.0.2.10"_s);
        values.peerPort = 40000;
        values.host = NameTemplate::shortHostName();
        QCOMPARE(names->render(values), expected.arg(values.host));
    }

    void badTemplates_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("problem");
        QTest::newRow("empty") << QString() << u"give a file name"_s;
        QTest::newRow("unknown") << u"x_{runnumber}.bin"_s << u"unknown placeholder {runnumber}"_s;
        QTest::newRow("unclosed") << u"x_{run.bin"_s << u"is not closed"_s;
        QTest::newRow("stray brace") << u"x_}run"_s << u"a '}' with no '{'"_s;
        QTest::newRow("width not zero-padded") << u"{run:6}"_s << u"bad width in {run:6}"_s;
        QTest::newRow("width too large") << u"{run:021}"_s << u"bad width in {run:021}"_s;
        QTest::newRow("width of a word") << u"{host:04}"_s << u"bad width in {host:04}"_s;
        QTest::newRow("absolute") << u"/data/{port}"_s << u"absolute path"_s;
        QTest::newRow("up") << u"../{port}"_s << u"contains '..'"_s;
        QTest::newRow("up inside") << u"a/../{port}"_s << u"contains '..'"_s;
        QTest::newRow("empty directory") << u"a//{port}"_s << u"empty directory name"_s;
        QTest::newRow("a directory only") << u"{port}/"_s << u"ends with '/'"_s;
    }
    void badTemplates()
    {
        QFETCH(QString, text);
        QFETCH(QString, problem);
        QString why;
        QVERIFY(!NameTemplate::parse(text, &why));
        QVERIFY2(why.contains(problem), qPrintable(why));
    }

    void templatesThatCouldClash_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("perConnection");
        QTest::addColumn<int>("ports");
        QTest::addColumn<QString>("problem");
        QTest::newRow("no {port}, several ports")
            << u"{run}_{seq}.bin"_s << false << 3 << u"without {port}, the files of the 3 ports"_s;
        QTest::newRow("no {port}, one port") << u"{run}_{seq}.bin"_s << false << 1 << QString();
        QTest::newRow("per connection without {peer} or {seq}")
            << u"{port}_{ts}.bin"_s << true << 1 << u"without {peer} or {seq}"_s;
        QTest::newRow("per connection with {seq}")
            << u"{port}_{seq}.bin"_s << true << 2 << QString();
        QTest::newRow("per connection with {peer}")
            << u"{port}_{peer}.bin"_s << true << 2 << QString();
        QTest::newRow("{peer} per port")
            << u"{port}_{peer}.bin"_s << false << 1 << u"{peer} names a connection's peer"_s;
        QTest::newRow("{peerport} per port") << u"{port}_{peerport}.bin"_s << false << 1
                                             << u"{peerport} names a connection's peer"_s;
        QTest::newRow("the defaults")
            << NameTemplate::defaultText(SplitMode::Port) << false << 9 << QString();
    }
    void templatesThatCouldClash()
    {
        QFETCH(QString, text);
        QFETCH(bool, perConnection);
        QFETCH(int, ports);
        QFETCH(QString, problem);
        QString why;
        const auto names = NameTemplate::parse(text, &why);
        QVERIFY2(names, qPrintable(why));
        const QString found =
            names->problemFor(perConnection ? SplitMode::Connection : SplitMode::Port, ports);
        if (problem.isEmpty())
            QVERIFY2(found.isEmpty(), qPrintable(found));
        else
            QVERIFY2(found.contains(problem), qPrintable(found));
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
        QTest::newRow("in a directory") << u"run_7/x.bin"_s << 2 << u"run_7/x_2.bin"_s;
        QTest::newRow("dotted directory, no extension") << u"v1.2/x"_s << 2 << u"v1.2/x_2"_s;
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

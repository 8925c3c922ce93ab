#include "core/config/commandline.h"
#include "core/config/optionchecks.h"
#include "core/util/printable.h"
#include "core/util/processlimits.h"
#include "core/util/units.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;
using namespace capture;
using Action = CommandLineResult::Action;

namespace {
CommandLineResult parse(const QStringList &args)
{
    return parseCommandLine(QStringList{u"capture-receiver"_s} + args);
}
} // namespace

class TestCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setApplicationName(u"capture-receiver"_s);
        QCoreApplication::setApplicationVersion(u"9.9.9"_s);
    }

    void defaults()
    {
        const auto r = parse({});
        QCOMPARE(r.action, Action::Run);
        const auto &o = r.options;
        QCOMPARE(o.settings.bindAddress, QHostAddress(QHostAddress::AnyIPv4));
        QCOMPARE(o.settings.ports, (QList<quint16>{5000, 5001, 5002}));
        QCOMPARE(o.settings.outputDir, u"output"_s);
        QCOMPARE(o.settings.split, SplitMode::Port);
        QCOMPARE(o.settings.drainTimeoutMs, 2000);
        QCOMPARE(o.summaryIntervalMs, 10000);
        QVERIFY(!o.noGui);
        QVERIFY(!o.portsGiven);
        QVERIFY(o.logFile.isEmpty());
        QVERIFY(o.givenOptions.isEmpty());
    }

    void compatibleForm()
    {
        const auto r = parse({u"--nogui"_s, u"127.0.0.1"_s, u"6000"_s, u"4"_s});
        QCOMPARE(r.action, Action::Run);
        QVERIFY(r.options.noGui);
        QVERIFY(r.options.portsGiven);
        QCOMPARE(r.options.settings.bindAddress, QHostAddress(u"127.0.0.1"_s));
        QCOMPARE(r.options.settings.ports, (QList<quint16>{6000, 6001, 6002, 6003}));
        QCOMPARE(r.options.givenOptions, (QSet<QString>{u"bind"_s, u"ports"_s}));
    }

    void compatibleFormUpToTopPort()
    {
        const auto r = parse({u"0.0.0.0"_s, u"65534"_s, u"2"_s});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.ports, (QList<quint16>{65534, 65535}));
    }

    void options()
    {
        const auto r = parse({u"-b"_s, u"::1"_s, u"-p"_s, u"7000,7002-7003"_s, u"-o"_s,
                              u"/tmp/x/y"_s, u"--split"_s, u"connection"_s, u"--stats-interval"_s,
                              u"0"_s, u"--drain-timeout"_s, u"0.5"_s, u"--log-file"_s,
                              u"/tmp/log.txt"_s, u"--nogui"_s});
        QCOMPARE(r.action, Action::Run);
        const auto &o = r.options;
        QCOMPARE(o.settings.bindAddress, QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(o.settings.ports, (QList<quint16>{7000, 7002, 7003}));
        QCOMPARE(o.settings.outputDir, u"/tmp/x/y"_s);
        QCOMPARE(o.settings.split, SplitMode::Connection);
        QCOMPARE(o.summaryIntervalMs, 0);
        QCOMPARE(o.settings.drainTimeoutMs, 500);
        QCOMPARE(o.logFile, u"/tmp/log.txt"_s);
        QVERIFY(o.noGui);
        QVERIFY(o.portsGiven);
        QCOMPARE(o.givenOptions,
                 (QSet<QString>{u"bind"_s, u"ports"_s, u"output"_s, u"split"_s, u"stats-interval"_s,
                                u"drain-timeout"_s, u"log-file"_s}));
    }

    void udpPorts()
    {
        // UDP alone: no TCP port (not even the default ones).
        auto r = parse({u"--udp-ports"_s, u"6000-6001"_s, u"--udp-format"_s, u"raw"_s,
                        u"--udp-buffer"_s, u"16M"_s});
        QCOMPARE(r.action, Action::Run);
        QVERIFY(r.options.portsGiven);
        QVERIFY(r.options.settings.ports.isEmpty());
        QCOMPARE(r.options.settings.udpPorts, (QList<quint16>{6000, 6001}));
        QCOMPARE(r.options.settings.udpFormat, UdpFormat::Raw);
        QCOMPARE(r.options.settings.udpBufferSize, 16 * 1024 * 1024);
        // A port may be in both lists.
        r = parse({u"-p"_s, u"6000"_s, u"--udp-ports"_s, u"6000"_s});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.ports, (QList<quint16>{6000}));
        QCOMPARE(r.options.settings.udpPorts, (QList<quint16>{6000}));
        QCOMPARE(r.options.settings.udpFormat, UdpFormat::Pcap);
        // The compatible form stays TCP.
        r = parse({u"127.0.0.1"_s, u"6000"_s, u"2"_s, u"--udp-ports"_s, u"7000"_s});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.ports, (QList<quint16>{6000, 6001}));
        QCOMPARE(r.options.settings.udpPorts, (QList<quint16>{7000}));
    }

    void bindAddresses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QHostAddress>("address");
        QTest::newRow("any v4") << u"0.0.0.0"_s << QHostAddress(QHostAddress::AnyIPv4);
        QTest::newRow("dual stack") << u"::"_s << QHostAddress(QHostAddress::Any);
        QTest::newRow("bracketed") << u"[::1]"_s << QHostAddress(QHostAddress::LocalHostIPv6);
        QTest::newRow("v6 global") << u"2001:db8::1"_s << QHostAddress(u"2001:db8::1"_s);
        QTest::newRow("long form")
            << u"--bind=127.0.0.1"_s << QHostAddress(QHostAddress::LocalHost);
    }
    void bindAddresses()
    {
        QFETCH(QString, text);
        QFETCH(QHostAddress, address);
        const auto r = text.startsWith(u"--"_s) ? parse({text}) : parse({u"--bind"_s, text});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.bindAddress, address);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown option") << QStringList{u"--bogus"_s} << u"bogus"_s;
        QTest::newRow("port 0") << QStringList{u"-p"_s, u"0"_s} << u"'0'"_s;
        QTest::newRow("port too big") << QStringList{u"-p"_s, u"65536"_s} << u"'65536'"_s;
        QTest::newRow("range past top")
            << QStringList{u"-p"_s, u"65530-65540"_s} << u"65530-65540"_s;
        QTest::newRow("reversed range") << QStringList{u"-p"_s, u"5005-5000"_s} << u"5005-5000"_s;
        QTest::newRow("duplicate")
            << QStringList{u"-p"_s, u"5000,5000"_s} << u"duplicate port 5000"_s;
        QTest::newRow("num_ports 0") << QStringList{u"127.0.0.1"_s, u"5000"_s, u"0"_s} << u"'0'"_s;
        QTest::newRow("num_ports text")
            << QStringList{u"127.0.0.1"_s, u"5000"_s, u"x"_s} << u"'x'"_s;
        QTest::newRow("num_ports sign")
            << QStringList{u"127.0.0.1"_s, u"5000"_s, u"+2"_s} << u"'+2'"_s;
        QTest::newRow("num_ports past top")
            << QStringList{u"127.0.0.1"_s, u"65535"_s, u"2"_s} << u"65535-65536"_s;
        QTest::newRow("base_port text")
            << QStringList{u"127.0.0.1"_s, u"abc"_s, u"1"_s} << u"'abc'"_s;
        QTest::newRow("base_port 0") << QStringList{u"127.0.0.1"_s, u"0"_s, u"1"_s} << u"'0'"_s;
        QTest::newRow("bad address")
            << QStringList{u"1.2.3.4.5"_s, u"5000"_s, u"1"_s} << u"'1.2.3.4.5'"_s;
        QTest::newRow("short address")
            << QStringList{u"1.2.3"_s, u"5000"_s, u"1"_s} << u"'1.2.3'"_s;
        QTest::newRow("host name") << QStringList{u"--bind"_s, u"localhost"_s} << u"'localhost'"_s;
        QTest::newRow("bad bind") << QStringList{u"--bind"_s, u"nonsense"_s} << u"'nonsense'"_s;
        QTest::newRow("bad v6") << QStringList{u"-b"_s, u"::g"_s} << u"'::g'"_s;
        QTest::newRow("positional with bind")
            << QStringList{u"127.0.0.1"_s, u"5000"_s, u"1"_s, u"--bind"_s, u"127.0.0.1"_s}
            << u"--bind"_s;
        QTest::newRow("positional with ports")
            << QStringList{u"127.0.0.1"_s, u"5000"_s, u"1"_s, u"-p"_s, u"6000"_s} << u"--ports"_s;
        QTest::newRow("two positionals")
            << QStringList{u"127.0.0.1"_s, u"5000"_s} << u"127.0.0.1 5000"_s;
        QTest::newRow("four positionals")
            << QStringList{u"127.0.0.1"_s, u"5000"_s, u"1"_s, u"extra"_s} << u"extra"_s;
        QTest::newRow("split") << QStringList{u"--split"_s, u"foo"_s} << u"'foo'"_s;
        QTest::newRow("stats negative") << QStringList{u"--stats-interval"_s, u"-1"_s} << u"'-1'"_s;
        QTest::newRow("stats text")
            << QStringList{u"--stats-interval"_s, u"often"_s} << u"'often'"_s;
        QTest::newRow("drain text") << QStringList{u"--drain-timeout"_s, u"abc"_s} << u"'abc'"_s;
        QTest::newRow("drain huge")
            << QStringList{u"--drain-timeout"_s, u"99999999"_s} << u"'99999999'"_s;
        QTest::newRow("missing value") << QStringList{u"--ports"_s} << u"ports"_s;
        QTest::newRow("empty output") << QStringList{u"-o"_s, u""_s} << u"--output"_s;
        QTest::newRow("empty log file") << QStringList{u"--log-file"_s, u""_s} << u"--log-file"_s;
        QTest::newRow("hash") << QStringList{u"--hash"_s, u"md5"_s} << u"'md5'"_s;
        QTest::newRow("udp-ports too big")
            << QStringList{u"--udp-ports"_s, u"70000"_s} << u"--udp-ports '70000'"_s;
        QTest::newRow("udp-ports duplicate")
            << QStringList{u"--udp-ports"_s, u"6000,6000"_s} << u"duplicate port 6000"_s;
        QTest::newRow("udp-format")
            << QStringList{u"--udp-format"_s, u"pcapng"_s} << u"--udp-format 'pcapng'"_s;
        QTest::newRow("udp-buffer small")
            << QStringList{u"--udp-buffer"_s, u"1K"_s} << u"--udp-buffer '1K'"_s;
        QTest::newRow("udp-buffer unit")
            << QStringList{u"--udp-buffer"_s, u"8Q"_s} << u"--udp-buffer '8Q'"_s;
        QTest::newRow("rotate-size 0") << QStringList{u"--rotate-size"_s, u"0"_s} << u"'0'"_s;
        QTest::newRow("rotate-size fraction")
            << QStringList{u"--rotate-size"_s, u"1.5G"_s} << u"'1.5G'"_s;
        QTest::newRow("rotate-size unit")
            << QStringList{u"--rotate-size"_s, u"10X"_s} << u"'10X'"_s;
        QTest::newRow("rotate-interval 0")
            << QStringList{u"--rotate-interval"_s, u"0"_s} << u"--rotate-interval '0'"_s;
        QTest::newRow("rotate-interval unit")
            << QStringList{u"--rotate-interval"_s, u"5x"_s} << u"'5x'"_s;
        QTest::newRow("max-files 0")
            << QStringList{u"--max-files"_s, u"0"_s} << u"--max-files '0'"_s;
        QTest::newRow("max-files text") << QStringList{u"--max-files"_s, u"many"_s} << u"'many'"_s;
        QTest::newRow("stop-after unit")
            << QStringList{u"--stop-after"_s, u"5x"_s} << u"--stop-after '5x'"_s;
        QTest::newRow("stop-after-bytes text")
            << QStringList{u"--stop-after-bytes"_s, u"lots"_s} << u"--stop-after-bytes 'lots'"_s;
        QTest::newRow("stop-after-files 0")
            << QStringList{u"--stop-after-files"_s, u"0"_s} << u"--stop-after-files '0'"_s;
        QTest::newRow("empty events") << QStringList{u"--events"_s, u""_s} << u"--events"_s;
        QTest::newRow("status text") << QStringList{u"--status"_s, u"web"_s} << u"'web'"_s;
        QTest::newRow("status port 0") << QStringList{u"--status"_s, u"0"_s} << u"--status '0'"_s;
        QTest::newRow("status bad address")
            << QStringList{u"--status"_s, u"1.2.3:9100"_s} << u"'1.2.3:9100'"_s;
        QTest::newRow("status v6 without brackets")
            << QStringList{u"--status"_s, u"::1:9100"_s} << u"'::1:9100'"_s;
        QTest::newRow("allow bad")
            << QStringList{u"--allow"_s, u"10.0.0.0/33"_s} << u"'10.0.0.0/33'"_s;
        QTest::newRow("allow host name")
            << QStringList{u"--allow"_s, u"10.0.0.0/8"_s, u"--allow"_s, u"example.org"_s}
            << u"'example.org'"_s;
        QTest::newRow("max-connections 0")
            << QStringList{u"--max-connections"_s, u"0"_s} << u"--max-connections '0'"_s;
        QTest::newRow("max-connections-per-port text")
            << QStringList{u"--max-connections-per-port"_s, u"few"_s} << u"'few'"_s;
        QTest::newRow("idle-timeout 0")
            << QStringList{u"--idle-timeout"_s, u"0"_s} << u"--idle-timeout '0'"_s;
        QTest::newRow("min-free-space unit")
            << QStringList{u"--min-free-space"_s, u"5Q"_s} << u"'5Q'"_s;
        QTest::newRow("status on a capture port")
            << QStringList{u"-p"_s, u"5000-5002"_s, u"--status"_s, u"5001"_s} << u"5001"_s;
        QTest::newRow("run negative") << QStringList{u"--run"_s, u"-1"_s} << u"--run '-1'"_s;
        QTest::newRow("run past 2^31-1")
            << QStringList{u"--run"_s, u"2147483648"_s} << u"--run '2147483648'"_s;
        QTest::newRow("name-template unknown placeholder")
            << QStringList{u"--name-template"_s, u"{port}_{runnr}.bin"_s} << u"{runnr}"_s;
        QTest::newRow("name-template bad width")
            << QStringList{u"--name-template"_s, u"{port}_{run:x}.bin"_s} << u"{run:x}"_s;
        QTest::newRow("name-template absolute")
            << QStringList{u"--name-template"_s, u"/tmp/{port}"_s} << u"absolute"_s;
        QTest::newRow("name-template up")
            << QStringList{u"--name-template"_s, u"../{port}.bin"_s} << u"'..'"_s;
        QTest::newRow("name-template without {port} on 3 ports")
            << QStringList{u"-p"_s, u"5000-5002"_s, u"--name-template"_s, u"{seq}.bin"_s}
            << u"without {port}"_s;
        QTest::newRow("name-template per connection without {peer} or {seq}")
            << QStringList{u"-p"_s,
                           u"5000"_s,
                           u"--split"_s,
                           u"connection"_s,
                           u"--name-template"_s,
                           u"{port}_{ts}.bin"_s}
            << u"without {peer} or {seq}"_s;
        QTest::newRow("name-template {peer} per port")
            << QStringList{u"-p"_s, u"5000"_s, u"--name-template"_s, u"{peer}.bin"_s}
            << u"{peer}"_s;
        QTest::newRow("on-file-closed unknown program")
            << QStringList{u"--on-file-closed"_s, u"no-such-program-here x"_s}
            << u"no program 'no-such-program-here'"_s;
        QTest::newRow("on-file-closed empty")
            << QStringList{u"--on-file-closed"_s, u"  "_s} << u"--on-file-closed"_s;
        QTest::newRow("hook-jobs 0") << QStringList{u"--hook-jobs"_s, u"0"_s} << u"--hook-jobs"_s;
        QTest::newRow("hook-queue text")
            << QStringList{u"--hook-queue"_s, u"lots"_s} << u"--hook-queue 'lots'"_s;
        QTest::newRow("hook-timeout unit")
            << QStringList{u"--hook-timeout"_s, u"5x"_s} << u"--hook-timeout '5x'"_s;
        QTest::newRow("done-dir the output itself")
            << QStringList{u"-o"_s, u"out"_s, u"--done-dir"_s, u"out/"_s}
            << u"output directory itself"_s;
        // A negative number in the positional form is a bad value, not an unknown option.
        QTest::newRow("num_ports negative")
            << QStringList{u"127.0.0.1"_s, u"17600"_s, u"-1"_s} << u"num_ports '-1'"_s;
        QTest::newRow("base_port negative")
            << QStringList{u"127.0.0.1"_s, u"-5"_s, u"3"_s} << u"base_port '-5'"_s;
        QTest::newRow("num_ports negative after options")
            << QStringList{u"--nogui"_s, u"-o"_s, u"out"_s, u"127.0.0.1"_s, u"17600"_s, u"-2"_s}
            << u"num_ports '-2'"_s;
        QTest::newRow("negative as a fourth argument")
            << QStringList{u"127.0.0.1"_s, u"17600"_s, u"2"_s, u"-1"_s} << u"'-1'"_s;
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const auto r = parse(args);
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(r.text.contains(mentions), qPrintable(r.text));
        QVERIFY2(!r.text.contains(u'\n'), qPrintable(r.text));
    }

    // An option that takes one value, given twice, is a mistake: nothing wins silently.
    void singleValueOptionGivenTwice_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("-p twice") << QStringList{u"-p"_s, u"17600"_s, u"-p"_s, u"17601"_s}
                                  << QStringList{u"--ports"_s, u"'17600'"_s, u"'17601'"_s};
        QTest::newRow("-o and --output") << QStringList{u"-o"_s, u"a"_s, u"--output"_s, u"b"_s}
                                         << QStringList{u"--output"_s, u"'a'"_s, u"'b'"_s};
        QTest::newRow("same value twice")
            << QStringList{u"--split"_s, u"port"_s, u"--split=port"_s} << QStringList{u"--split"_s};
        QTest::newRow("three times")
            << QStringList{u"--drain-timeout"_s, u"1"_s, u"--drain-timeout"_s, u"2"_s,
                           u"--drain-timeout"_s, u"3"_s}
            << QStringList{u"--drain-timeout"_s, u"'3'"_s};
        QTest::newRow("config twice") << QStringList{u"-c"_s, u"a.conf"_s, u"-c"_s, u"b.conf"_s}
                                      << QStringList{u"--config"_s, u"'b.conf'"_s};
    }
    void singleValueOptionGivenTwice()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        const auto r = parse(args);
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(!r.text.contains(u'\n'), qPrintable(r.text));
        for (const QString &m : mentions)
            QVERIFY2(r.text.contains(m), qPrintable(u"'%1' not in: %2"_s.arg(m, r.text)));
    }

    void allowStaysRepeatable()
    {
        const auto r = parse({u"--allow"_s, u"10.0.0.0/8"_s, u"--allow"_s, u"::1"_s});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        QCOMPARE(r.options.settings.allow.size(), 2);
    }

    void printableValues_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("printed");
        QTest::newRow("plain") << u"5000-5009"_s << u"5000-5009"_s;
        QTest::newRow("NUL") << QString::fromUtf8("a\0b", 3) << u"a\\x00b"_s;
        QTest::newRow("newline and tab") << u"a\nb\tc"_s << u"a\\x0ab\\x09c"_s;
        QTest::newRow("escape sequence") << u"\x1b[31mred"_s << u"\\x1b[31mred"_s;
        QTest::newRow("DEL and C1") << u"a\x7f\u0085"_s << u"a\\x7f\\x85"_s;
        QTest::newRow("line separator") << u"a\u2028b"_s << u"a\\u2028b"_s;
        QTest::newRow("lone surrogate") << QString(QChar(0xd800)) << u"\\ud800"_s;
        QTest::newRow("non-ASCII kept") << u"Grüße 😀"_s << u"Grüße 😀"_s;
        QTest::newRow("80 kept") << QString(80, u'x') << QString(80, u'x');
        QTest::newRow("81 cut") << QString(81, u'x') << QString(80, u'x') + u"\u2026"_s;
        QTest::newRow("a megabyte cut")
            << QString(1 << 20, u'9') << QString(80, u'9') + u"\u2026"_s;
    }
    void printableValues()
    {
        QFETCH(QString, text);
        QFETCH(QString, printed);
        QCOMPARE(printableValue(text), printed);
    }

    // Every value a message echoes is escaped and cut: one short line, whatever was given.
    void echoedValuesAreSafe_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString huge(1 << 20, u'7');
        QTest::newRow("huge port") << QStringList{u"-p"_s, huge} << u"'7777"_s;
        QTest::newRow("huge item in a port list")
            << QStringList{u"-p"_s, u"5000,x"_s + huge} << u"'x777"_s;
        QTest::newRow("huge duplicate in a port list")
            << QStringList{u"-p"_s, u"5000,5000,"_s + huge} << u"duplicate port 5000"_s;
        QTest::newRow("huge bind") << QStringList{u"--bind"_s, huge} << u"--bind '7777"_s;
        QTest::newRow("huge allow") << QStringList{u"--allow"_s, huge} << u"'7777"_s;
        QTest::newRow("control characters in bind")
            << QStringList{u"--bind"_s, u"1.2.3.4\x1b[2J\r"_s} << u"1.2.3.4\\x1b[2J\\x0d"_s;
        QTest::newRow("unknown option") << QStringList{u"--bo\agus"_s} << u"bo\\x07gus"_s;
        QTest::newRow("huge unknown option") << QStringList{u"--"_s + huge} << u"7777"_s;
        QTest::newRow("positional address")
            << QStringList{u"1.2.3\n"_s, u"5000"_s, u"1"_s} << u"'1.2.3\\x0a'"_s;
        QTest::newRow("huge num_ports")
            << QStringList{u"127.0.0.1"_s, u"5000"_s, huge} << u"num_ports '7777"_s;
        QTest::newRow("huge positional list")
            << QStringList{u"127.0.0.1"_s, huge} << u"127.0.0.1 7777"_s;
    }
    void echoedValuesAreSafe()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const auto r = parse(args);
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(r.text.contains(mentions), qPrintable(r.text.left(300)));
        QVERIFY2(r.text.size() < 400, qPrintable(r.text.left(300)));
        for (const QChar c : r.text)
            QVERIFY2(c.isPrint(), qPrintable(r.text.left(300)));
    }

    // Pausing until more than the whole volume is free would pause forever.
    void minFreeSpaceLargerThanTheVolume()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        struct statvfs fs
        {};
        QCOMPARE(::statvfs(QFile::encodeName(dir.path()).constData(), &fs), 0);
        const quint64 total = quint64(fs.f_blocks) * fs.f_frsize;
        const QString out = dir.filePath(u"not/yet/there"_s);
        const QString tooMuch = formatSizeSpec(total + (quint64(1) << 30));
        const auto r = parse({u"-o"_s, out, u"--min-free-space"_s, tooMuch});
        QCOMPARE(r.action, Action::UsageError);
        for (const QString &m : {u"--min-free-space '%1'"_s.arg(tooMuch), formatBytes(total)})
            QVERIFY2(r.text.contains(m), qPrintable(u"'%1' not in: %2"_s.arg(m, r.text)));
        QVERIFY(!QDir(out).exists());

        const auto fits = parse({u"-o"_s, out, u"--min-free-space"_s, u"1M"_s});
        QVERIFY2(fits.action == Action::Run, qPrintable(fits.text));
    }

    void tooManyPortsForFileLimit()
    {
        rlimit old{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &old), 0);
        rlimit small{256, 256};
        if (old.rlim_max < small.rlim_max)
            QSKIP("the hard open-files limit is already below 256");
        // Lowering the hard limit cannot be undone without privileges; run in a child instead.
        const pid_t pid = ::fork();
        QVERIFY(pid >= 0);
        if (pid == 0) {
            ::setrlimit(RLIMIT_NOFILE, &small);
            const auto tooMany = parse({u"-p"_s, u"10000-10099"_s});
            const auto fits = parse({u"-p"_s, u"10000-10049"_s});
            const bool ok = tooMany.action == Action::UsageError &&
                            tooMany.text.contains(u"100 ports"_s) &&
                            tooMany.text.contains(u"256"_s) && fits.action == Action::Run;
            // The settings panel shows the same check's words (one function for both).
            const bool same =
                tooMany.text == u"too many ports: 100 ports need at least 332 open files, but "
                                "this process may open at most 256 (ulimit -Hn)"_s &&
                portCountProblem(100) == tooMany.text && portCountProblem(50).isEmpty();
            ::_exit(ok && same ? 0 : 1);
        }
        int status = 0;
        QCOMPARE(::waitpid(pid, &status, 0), pid);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);
        QCOMPARE(openFilesNeeded(100), quint64(332));
    }

    void helpAndVersion()
    {
        const auto help = parse({u"--help"_s});
        QCOMPARE(help.action, Action::ShowHelp);
        QVERIFY(help.text.startsWith(u"Usage: capture-receiver"_s));
        for (const char *option : {"--nogui", "--bind", "--ports", "--output", "--split",
                                   "--stats-interval", "--drain-timeout", "--log-file", "--version",
                                   "--help", "<ip_address>", "<base_port>", "<num_ports>"})
            QVERIFY2(help.text.contains(QLatin1StringView(option)), option);
        const auto version = parse({u"--version"_s});
        QCOMPARE(version.action, Action::ShowVersion);
        QCOMPARE(version.text, u"capture-receiver 9.9.9"_s);
    }

    void newOptions()
    {
        const auto r = parse({u"--hash"_s, u"none"_s, u"--rotate-size"_s, u"512M"_s,
                              u"--rotate-interval"_s, u"1h"_s, u"--max-files"_s, u"24"_s,
                              u"--events"_s, u"-"_s, u"--status"_s, u"[::1]:9100"_s});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        const CaptureSettings &s = r.options.settings;
        QCOMPARE(s.hash, HashAlgorithm::None);
        QCOMPARE(s.rotateSize, quint64(512) << 20);
        QCOMPARE(s.rotateIntervalSec, 3600);
        QCOMPARE(s.maxFiles, 24);
        QCOMPARE(r.options.eventsFile, u"-"_s);
        QCOMPARE(r.options.statusAddress, QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(r.options.statusPort, quint16(9100));
        const auto limits =
            parse({u"--allow"_s, u"10.0.0.0/8"_s, u"--allow"_s, u"::1,192.0.2.1"_s,
                   u"--max-connections"_s, u"100"_s, u"--max-connections-per-port"_s, u"4"_s,
                   u"--idle-timeout"_s, u"2.5"_s, u"--min-free-space"_s, u"1G"_s});
        QVERIFY2(limits.action == Action::Run, qPrintable(limits.text));
        const CaptureSettings &l = limits.options.settings;
        QCOMPARE(l.allow.size(), 3);
        QCOMPARE(allowEntryText(l.allow[0]), u"10.0.0.0/8"_s);
        QCOMPARE(allowEntryText(l.allow[1]), u"::1/128"_s);
        QCOMPARE(l.maxConnections, 100);
        QCOMPARE(l.maxConnectionsPerPort, 4);
        QCOMPARE(l.idleTimeoutMs, 2500);
        QCOMPARE(l.minFreeSpace, quint64(1) << 30);
        const auto defaults = parse({});
        QCOMPARE(defaults.options.settings.hash, HashAlgorithm::Xxh128);
        QCOMPARE(defaults.options.settings.rotateSize, quint64(0));
        QCOMPARE(defaults.options.statusPort, quint16(0));
    }

    void sizes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes"); // -1: invalid
        QTest::newRow("plain") << u"1000"_s << qint64(1000);
        QTest::newRow("K") << u"64K"_s << qint64(65536);
        QTest::newRow("k lower") << u"64k"_s << qint64(65536);
        QTest::newRow("M") << u"512M"_s << qint64(512) * 1024 * 1024;
        QTest::newRow("GiB") << u"2GiB"_s << (qint64(2) << 30);
        QTest::newRow("GB") << u"2GB"_s << (qint64(2) << 30);
        QTest::newRow("T") << u"1T"_s << (qint64(1) << 40);
        QTest::newRow("zero") << u"0"_s << qint64(-1);
        QTest::newRow("fraction") << u"1.5G"_s << qint64(-1);
        QTest::newRow("negative") << u"-1M"_s << qint64(-1);
        QTest::newRow("unit") << u"10X"_s << qint64(-1);
        QTest::newRow("unit only") << u"M"_s << qint64(-1);
        QTest::newRow("dotless i") << u"1k\u0131b"_s << qint64(-1);
        QTest::newRow("overflow") << u"99999999999999T"_s << qint64(-1);
        QTest::newRow("too many digits") << u"1234567890123456789"_s << qint64(-1);
        QTest::newRow("empty") << u""_s << qint64(-1);
    }
    void sizes()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        const auto parsed = parseSize(text);
        QCOMPARE(parsed ? qint64(*parsed) : qint64(-1), bytes);
        if (parsed)
            QCOMPARE(parseSize(formatSizeSpec(*parsed)), parsed);
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("seconds"); // -1: invalid
        QTest::newRow("bare") << u"90"_s << qint64(90);
        QTest::newRow("s") << u"90s"_s << qint64(90);
        QTest::newRow("m") << u"15m"_s << qint64(900);
        QTest::newRow("h") << u"1h"_s << qint64(3600);
        QTest::newRow("d") << u"1d"_s << qint64(86400);
        QTest::newRow("zero") << u"0h"_s << qint64(-1);
        QTest::newRow("fraction") << u"1.5h"_s << qint64(-1);
        QTest::newRow("upper") << u"1H"_s << qint64(-1);
        QTest::newRow("unit") << u"5x"_s << qint64(-1);
        QTest::newRow("over a year") << u"367d"_s << qint64(-1);
        QTest::newRow("empty") << u""_s << qint64(-1);
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, seconds);
        const auto parsed = parseDurationSeconds(text);
        QCOMPARE(parsed.value_or(-1), seconds);
        if (parsed)
            QCOMPARE(parseDurationSeconds(formatDurationSpec(*parsed)), parsed);
    }

    void seconds_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("ms");
        QTest::newRow("zero") << u"0"_s << 0;
        QTest::newRow("int") << u"2"_s << 2000;
        QTest::newRow("fraction") << u"0.25"_s << 250;
        QTest::newRow("bad") << u"1e3"_s << -1;
        QTest::newRow("negative") << u"-2"_s << -1;
        QTest::newRow("too fine") << u"0.0001"_s << -1;
        QTest::newRow("empty") << u""_s << -1;
    }
    void seconds()
    {
        QFETCH(QString, text);
        QFETCH(int, ms);
        const auto parsed = parseSecondsToMs(text);
        QCOMPARE(parsed.value_or(-1), ms);
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"

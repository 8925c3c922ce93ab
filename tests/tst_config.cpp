#include "core/config/commandline.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::Literals::StringLiterals;
using namespace capture;
using Action = CommandLineResult::Action;

class TestConfig : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(content);
        return path;
    }

    /// A CA certificate made by openssl, for --ca-file.
    QByteArray caPem()
    {
        const QString cert = m_dir.filePath(u"made-ca.pem"_s);
        if (!QFile::exists(cert)) {
            QProcess openssl;
            openssl.start(u"openssl"_s,
                          {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                           u"-keyout"_s, m_dir.filePath(u"made-ca.key"_s), u"-out"_s, cert,
                           u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=capture-receiver-test-ca"_s});
            if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0)
                qFatal("openssl could not make a certificate");
        }
        QFile file(cert);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    static CommandLineResult parse(const QStringList &args)
    {
        return parseCommandLine(QStringList{u"capture-receiver"_s} + args);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setApplicationName(u"capture-receiver"_s);
        QVERIFY(m_dir.isValid());
    }

    void everyKeyFromTheFile()
    {
        const QString path = write(u"all.conf"_s, "; every key\n"
                                                  "bind=::1\n"
                                                  "ports=\"6000,6002-6003\"\n"
                                                  "output=/srv/capture\n"
                                                  "split=connection\n"
                                                  "stats-interval=30\n"
                                                  "drain-timeout=7.5\n"
                                                  "log-file=/var/log/cr.log\n"
                                                  "nogui=true\n");
        const auto r = parse({u"--config"_s, path});
        QCOMPARE(r.action, Action::Run);
        const auto &o = r.options;
        QCOMPARE(o.settings.bindAddress, QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(o.settings.ports, (QList<quint16>{6000, 6002, 6003}));
        QCOMPARE(o.settings.outputDir, u"/srv/capture"_s);
        QCOMPARE(o.settings.split, SplitMode::Connection);
        QCOMPARE(o.summaryIntervalMs, 30000);
        QCOMPARE(o.settings.drainTimeoutMs, 7500);
        QCOMPARE(o.logFile, u"/var/log/cr.log"_s);
        QVERIFY(o.noGui);
        QVERIFY(o.portsGiven); // ports from the file start a desktop capture at once too
        QCOMPARE(o.configFile, path);
    }

    void unquotedListsAndGeneralSection()
    {
        // QSettings reads an unquoted comma list as a list; it still means one port spec.
        const QString path = write(u"general.conf"_s, "[General]\nports=7000,7002\n");
        const auto r = parse({u"-c"_s, path});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.ports, (QList<quint16>{7000, 7002}));
    }

    void everyLongOptionIsAKey()
    {
        // Every long option that sets something must be accepted in the file, so a new
        // option cannot be forgotten: read them from --help.
        const QString help = parse({u"--help"_s}).text;
        static const QRegularExpression longOption(u"--([a-z][a-z-]+)"_s);
        QSet<QString> options;
        for (const auto &m : longOption.globalMatch(help))
            options.insert(m.captured(1));
        // --connect and its files choose another receiver to show, for one invocation: no
        // config file of a receiver should turn it into a window on another one.
        for (const QString &notSettings : {u"help"_s, u"help-all"_s, u"version"_s, u"config"_s,
                                           u"connect"_s, u"token-file"_s, u"ca-file"_s})
            options.remove(notSettings);
        const QStringList keys = configKeys();
        QCOMPARE(QSet<QString>(keys.begin(), keys.end()), options);
    }

    void eachKeyAccepted_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::newRow("bind") << u"bind"_s << u"127.0.0.1"_s;
        QTest::newRow("ports") << u"ports"_s << u"5000-5009"_s;
        QTest::newRow("output") << u"output"_s << u"out dir"_s;
        QTest::newRow("split") << u"split"_s << u"connection"_s;
        QTest::newRow("stats-interval") << u"stats-interval"_s << u"0"_s;
        QTest::newRow("drain-timeout") << u"drain-timeout"_s << u"0.25"_s;
        QTest::newRow("log-file") << u"log-file"_s << u"x.log"_s;
        QTest::newRow("nogui") << u"nogui"_s << u"no"_s;
        QTest::newRow("hash") << u"hash"_s << u"none"_s;
        QTest::newRow("rotate-size") << u"rotate-size"_s << u"512M"_s;
        QTest::newRow("rotate-interval") << u"rotate-interval"_s << u"1h"_s;
        QTest::newRow("udp-ports") << u"udp-ports"_s << u"6000-6003"_s;
        QTest::newRow("udp-format") << u"udp-format"_s << u"length-prefixed"_s;
        QTest::newRow("udp-buffer") << u"udp-buffer"_s << u"32M"_s;
        QTest::newRow("run") << u"run"_s << u"4711"_s;
        QTest::newRow("name-template") << u"name-template"_s << u"run_{run:06}/{port}_{seq}.dat"_s;
        QTest::newRow("done-dir") << u"done-dir"_s << u"done"_s;
        QTest::newRow("on-file-closed") << u"on-file-closed"_s << u"\"true --a 'b c'\""_s;
        QTest::newRow("hook-jobs") << u"hook-jobs"_s << u"4"_s;
        QTest::newRow("hook-queue") << u"hook-queue"_s << u"100"_s;
        QTest::newRow("hook-timeout") << u"hook-timeout"_s << u"10m"_s;
        QTest::newRow("stop-after") << u"stop-after"_s << u"8h"_s;
        QTest::newRow("stop-after-bytes") << u"stop-after-bytes"_s << u"100G"_s;
        QTest::newRow("stop-after-files") << u"stop-after-files"_s << u"1000"_s;
        QTest::newRow("max-files") << u"max-files"_s << u"24"_s;
        QTest::newRow("events") << u"events"_s << u"events.jsonl"_s;
        QTest::newRow("status") << u"status"_s << u"127.0.0.1:9100"_s;
        QTest::newRow("allow") << u"allow"_s << u"\"10.0.0.0/8, ::1\""_s;
        QTest::newRow("max-connections") << u"max-connections"_s << u"100"_s;
        QTest::newRow("max-connections-per-port") << u"max-connections-per-port"_s << u"4"_s;
        QTest::newRow("idle-timeout") << u"idle-timeout"_s << u"30"_s;
        QTest::newRow("min-free-space") << u"min-free-space"_s << u"10G"_s;
        QTest::newRow("handshake-timeout") << u"handshake-timeout"_s << u"2.5"_s;
        QTest::newRow("idle") << u"idle"_s << u"off"_s;
        QTest::newRow("proxy-protocol") << u"proxy-protocol"_s << u"off"_s;
        // A new key needs a row here (the TLS and token files: tst_tls, tst_remote; proxy-from,
        // which needs proxy-protocol: proxyKeysTogether).
        QCOMPARE(configKeys().size(), 42);
    }
    void eachKeyAccepted()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        // One file per row: QSettings caches a file it read unless its size or time changed.
        const QString path = write(key + u".conf"_s, (key + u'=' + value + u'\n').toUtf8());
        const auto r = parse({u"--config"_s, path});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        QVERIFY(r.options.givenOptions.contains(key) || key == u"nogui");
    }

    void proxyKeysTogether()
    {
        const QString path = write(u"proxy.conf"_s, "proxy-protocol=true\n"
                                                    "proxy-from=\"10.0.0.5, 10.0.1.0/24\"\n");
        const auto r = parse({u"--config"_s, path});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        QVERIFY(r.options.settings.proxyProtocol);
        QCOMPARE(r.options.settings.proxyFrom.size(), 2);
        // Alone, each is a usage error that says what the other is for.
        const auto alone =
            parse({u"--config"_s, write(u"proxy-alone.conf"_s, "proxy-protocol=yes\n")});
        QCOMPARE(alone.action, Action::UsageError);
        QVERIFY2(alone.text.contains(u"--proxy-protocol needs --proxy-from"_s),
                 qPrintable(alone.text));
    }

    void commandLineOverridesFile()
    {
        const QString path = write(u"base.conf"_s, "bind=127.0.0.1\nports=6000-6001\n"
                                                   "output=/from/file\nsplit=connection\n"
                                                   "drain-timeout=9\nnogui=false\n");
        // Options before or after --config: the command line wins either way.
        const auto r = parse(
            {u"-p"_s, u"7000"_s, u"--config"_s, path, u"--drain-timeout"_s, u"1"_s, u"--nogui"_s});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.ports, QList<quint16>{7000});
        QCOMPARE(r.options.settings.drainTimeoutMs, 1000);
        QVERIFY(r.options.noGui);
        QCOMPARE(r.options.settings.outputDir, u"/from/file"_s); // not on the command line
        QCOMPARE(r.options.settings.split, SplitMode::Connection);
        QCOMPARE(r.options.settings.bindAddress, QHostAddress(QHostAddress::LocalHost));

        // Neither: the defaults.
        const auto d = parse({u"--config"_s, write(u"empty.conf"_s, "; nothing set\n")});
        QCOMPARE(d.action, Action::Run);
        QCOMPARE(d.options.settings.ports, (QList<quint16>{5000, 5001, 5002}));
        QCOMPARE(d.options.settings.outputDir, u"output"_s);
        QVERIFY(!d.options.portsGiven);
    }

    void positionalFormOverridesFileBindAndPorts()
    {
        // The file's bind/ports are not "mixed" with the positional form: it overrides them.
        const QString path = write(u"pos.conf"_s, "bind=::\nports=6000\noutput=/x\n");
        const auto r = parse({u"--config"_s, path, u"127.0.0.1"_s, u"8000"_s, u"2"_s});
        QCOMPARE(r.action, Action::Run);
        QCOMPARE(r.options.settings.bindAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(r.options.settings.ports, (QList<quint16>{8000, 8001}));
        QCOMPARE(r.options.settings.outputDir, u"/x"_s);
    }

    void badFiles_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content"); // null: do not create the file
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("missing") << u"missing.conf"_s << QByteArray()
                                 << QStringList{u"missing.conf"_s, u"No such file"_s};
        QTest::newRow("directory")
            << u"adir"_s << QByteArray() << QStringList{u"adir"_s, u"not a regular file"_s};
        QTest::newRow("under a file")
            << u"plain/x.conf"_s << QByteArray() << QStringList{u"plain/x.conf"_s};
        QTest::newRow("unknown key") << u"k.conf"_s << QByteArray("ports=5000\nbogus=1\n")
                                     << QStringList{u"k.conf"_s, u"unknown key 'bogus'"_s};
        QTest::newRow("key in a section")
            << u"s.conf"_s << QByteArray("[capture]\nports=5000\n")
            << QStringList{u"s.conf"_s, u"unknown key 'capture/ports'"_s};
        QTest::newRow("not key=value") << u"g.conf"_s << QByteArray("ports=5000\njust words\n")
                                       << QStringList{u"g.conf"_s, u"line 2"_s, u"just words"_s};
        QTest::newRow("hash comment") << u"h.conf"_s << QByteArray("# note\nports=5000\n")
                                      << QStringList{u"h.conf"_s, u"line 1"_s, u"';'"_s};
        QTest::newRow("bad ports") << u"p.conf"_s << QByteArray("ports=abc\n")
                                   << QStringList{u"p.conf"_s, u"'ports'"_s, u"'abc'"_s};
        QTest::newRow("port 0") << u"p0.conf"_s << QByteArray("ports=0\n")
                                << QStringList{u"p0.conf"_s, u"'ports'"_s, u"'0'"_s};
        QTest::newRow("reversed") << u"pr.conf"_s << QByteArray("ports=6000-5000\n")
                                  << QStringList{u"'ports'"_s, u"reversed"_s};
        QTest::newRow("bad bind") << u"b.conf"_s << QByteArray("bind=nonsense\n")
                                  << QStringList{u"b.conf"_s, u"'bind'"_s, u"'nonsense'"_s};
        QTest::newRow("bad split") << u"sp.conf"_s << QByteArray("split=sometimes\n")
                                   << QStringList{u"'split'"_s, u"'sometimes'"_s};
        QTest::newRow("bad stats") << u"st.conf"_s << QByteArray("stats-interval=-1\n")
                                   << QStringList{u"'stats-interval'"_s, u"'-1'"_s};
        QTest::newRow("bad drain") << u"dr.conf"_s << QByteArray("drain-timeout=soon\n")
                                   << QStringList{u"'drain-timeout'"_s, u"'soon'"_s};
        QTest::newRow("empty output")
            << u"o.conf"_s << QByteArray("output=\n") << QStringList{u"'output'"_s};
        QTest::newRow("bad nogui") << u"n.conf"_s << QByteArray("nogui=maybe\n")
                                   << QStringList{u"'nogui'"_s, u"'maybe'"_s};
        QTest::newRow("bad value names its line")
            << u"l.conf"_s << QByteArray("; a comment\noutput=/x\n\nsplit=never\n")
            << QStringList{u"l.conf"_s, u"line 4"_s, u"'split'"_s, u"'never'"_s};
        // A key given twice is a mistake, not "the last one wins".
        QTest::newRow("key twice")
            << u"twice.conf"_s << QByteArray("ports=5000\noutput=/x\nports=5001\n")
            << QStringList{u"twice.conf"_s, u"line 3"_s, u"'ports'"_s, u"line 1"_s};
        QTest::newRow("key twice, same value")
            << u"same.conf"_s << QByteArray("split=port\nsplit=port\n")
            << QStringList{u"line 2"_s, u"'split'"_s};
        QTest::newRow("key twice, once in [General]")
            << u"gen.conf"_s << QByteArray("ports=5000\n[General]\nports = 5001\n")
            << QStringList{u"line 3"_s, u"'ports'"_s};
        QTest::newRow("connect is no key")
            << u"connect.conf"_s << QByteArray("connect=http://127.0.0.1:9100\n")
            << QStringList{u"connect.conf"_s, u"unknown key 'connect'"_s};
        QTest::newRow("allow twice")
            << u"allow.conf"_s << QByteArray("allow=10.0.0.0/8\nallow=::1\n")
            << QStringList{u"line 2"_s, u"'allow'"_s, u"comma"_s};
        // A NUL does not cut the message short.
        QTest::newRow("NUL in a value") << u"nul.conf"_s << QByteArray("split=con\0nection\n", 18)
                                        << QStringList{u"'split'"_s, u"con\\x00nection"_s};
    }
    void badFiles()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(QStringList, mentions);
        QString path = m_dir.filePath(name);
        if (name == u"adir")
            QVERIFY(QDir().mkpath(path));
        else if (name.startsWith(u"plain/"))
            write(u"plain"_s, "a file, not a directory");
        else if (!content.isNull())
            path = write(name, content);
        const auto r = parse({u"--config"_s, path});
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(!r.text.contains(u'\n'), qPrintable(r.text));
        for (const QString &m : mentions)
            QVERIFY2(r.text.contains(m), qPrintable(u"'%1' not in: %2"_s.arg(m, r.text)));
    }

    // --connect URL with --token-file and --ca-file: read and checked on the command line.
    void connectOptions()
    {
        const QString token = write(u"remote.token"_s, "0123456789abcdef0123\n");
        QVERIFY(QFile::setPermissions(token, QFile::ReadOwner | QFile::WriteOwner));
        const QString ca = write(u"ca.pem"_s, caPem());
        auto r = parse({u"--connect"_s, u"https://daq-node-7:9100"_s, u"--token-file"_s, token,
                        u"--ca-file"_s, ca, u"--log-file"_s, m_dir.filePath(u"x.log"_s)});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        QCOMPARE(r.options.connectUrl, QUrl(u"https://daq-node-7:9100"_s));
        QCOMPARE(r.options.connectToken, "0123456789abcdef0123"_ba);
        QCOMPARE(r.options.connectCaCertificates.size(), 1);
        r = parse({u"--connect"_s, u"http://127.0.0.1:9100/"_s});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        QVERIFY(r.options.connectToken.isEmpty());
        QVERIFY(!parse({}).options.connectUrl.isValid());
    }

    void connectUsageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mention");
        const QString url = u"http://127.0.0.1:9100"_s;
        QTest::newRow("not http") << QStringList{u"--connect"_s, u"ftp://x:1"_s} << u"http://"_s;
        QTest::newRow("no host") << QStringList{u"--connect"_s, u"9100"_s} << u"--connect"_s;
        QTest::newRow("a path") << QStringList{u"--connect"_s, u"http://x:9100/status"_s}
                                << u"only the scheme"_s;
        QTest::newRow("token without connect")
            << QStringList{u"--token-file"_s, u"TOKEN"_s} << u"go with --connect"_s;
        QTest::newRow("ca without https")
            << QStringList{u"--connect"_s, url, u"--ca-file"_s, u"CA"_s} << u"https://"_s;
        QTest::newRow("nogui") << QStringList{u"--connect"_s, url, u"--nogui"_s} << u"--nogui"_s;
        QTest::newRow("capture options")
            << QStringList{u"--connect"_s, url, u"-p"_s, u"5000"_s} << u"--ports"_s;
        QTest::newRow("status") << QStringList{u"--connect"_s, url, u"--status"_s, u"9101"_s}
                                << u"--status"_s;
        QTest::newRow("loose token file")
            << QStringList{u"--connect"_s, url, u"--token-file"_s, u"LOOSE"_s} << u"chmod 600"_s;
        QTest::newRow("no certificate")
            << QStringList{u"--connect"_s, u"https://x:1"_s, u"--ca-file"_s, u"NOTPEM"_s}
            << u"no PEM certificate"_s;
    }
    void connectUsageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mention);
        const QString token = write(u"remote.token"_s, "0123456789abcdef0123\n");
        QVERIFY(QFile::setPermissions(token, QFile::ReadOwner | QFile::WriteOwner));
        const QString loose = write(u"loose.token"_s, "0123456789abcdef0123\n");
        QVERIFY(QFile::setPermissions(loose, QFile::ReadOwner | QFile::WriteOwner |
                                                 QFile::ReadGroup | QFile::ReadOther));
        const QString ca = write(u"ca.pem"_s, caPem());
        const QString notPem = write(u"not.pem"_s, "just text\n");
        args.replaceInStrings(u"TOKEN"_s, token)
            .replaceInStrings(u"LOOSE"_s, loose)
            .replaceInStrings(u"NOTPEM"_s, notPem);
        args.replaceInStrings(QRegularExpression(u"^CA$"_s), ca);
        const auto r = parse(args);
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(r.text.contains(mention), qPrintable(r.text));
    }

    // The service reads the same file without the command line's overrides: a bad value in
    // it is an error even when the command line gives that option too.
    void badValueOverriddenOnTheCommandLine_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("ports") << QByteArray("output=/x\nports=abc\n")
                               << QStringList{u"-p"_s, u"7000"_s}
                               << QStringList{u"line 2"_s, u"'ports'"_s, u"'abc'"_s};
        QTest::newRow("positional form")
            << QByteArray("bind=nonsense\n") << QStringList{u"127.0.0.1"_s, u"7000"_s, u"1"_s}
            << QStringList{u"line 1"_s, u"'bind'"_s, u"'nonsense'"_s};
        QTest::newRow("nogui") << QByteArray("nogui=maybe\n") << QStringList{u"--nogui"_s}
                               << QStringList{u"line 1"_s, u"'nogui'"_s, u"'maybe'"_s};
        QTest::newRow("allow") << QByteArray("allow=10.0.0.0/33\n")
                               << QStringList{u"--allow"_s, u"::1"_s}
                               << QStringList{u"'allow'"_s, u"'10.0.0.0/33'"_s};
    }
    void badValueOverriddenOnTheCommandLine()
    {
        QFETCH(QByteArray, content);
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        const QString path =
            write(u"override-%1.conf"_s.arg(QString::fromLatin1(QTest::currentDataTag())), content);
        const auto r = parse(QStringList{u"--config"_s, path} + args);
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(!r.text.contains(u'\n'), qPrintable(r.text));
        for (const QString &m : QStringList{path} + mentions)
            QVERIFY2(r.text.contains(m), qPrintable(u"'%1' not in: %2"_s.arg(m, r.text)));
    }

    // A megabyte-long bad value, key or line is not echoed whole.
    void longValuesAreCut_data()
    {
        QTest::addColumn<QByteArray>("content");
        const QByteArray huge(1 << 20, 'x');
        QTest::newRow("value") << "ports=" + huge + "\n";
        QTest::newRow("value in a list") << "ports=\"5000," + huge + "\"\n";
        QTest::newRow("key") << huge + "=1\n";
        QTest::newRow("line") << "ports=5000\n" + huge + "\n";
    }
    void longValuesAreCut()
    {
        QFETCH(QByteArray, content);
        const QString path =
            write(u"long-%1.conf"_s.arg(QString::fromLatin1(QTest::currentDataTag())), content);
        const auto r = parse({u"--config"_s, path});
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(r.text.contains(path), qPrintable(r.text.left(300)));
        QVERIFY2(r.text.contains(u"xxx\u2026"_s), qPrintable(r.text.left(300)));
        QVERIFY2(r.text.size() < 700, qPrintable(r.text.left(300)));
    }

    void fifoIsRefusedWithoutBlocking()
    {
        const QString path = m_dir.filePath(u"fifo.conf"_s);
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
        const auto r = parse({u"--config"_s, path});
        QCOMPARE(r.action, Action::UsageError);
        QVERIFY2(r.text.contains(u"not a regular file"_s), qPrintable(r.text));
    }

    // A FIFO as the log or events file would block the start-up with no word.
    void specialFilesRefused_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("path"); // a FIFO is made for an empty one
        QTest::addColumn<bool>("inConfig");
        QTest::addColumn<QString>("kind");
        QTest::newRow("log FIFO") << u"log-file"_s << QString() << false << u"FIFO"_s;
        QTest::newRow("events FIFO") << u"events"_s << QString() << false << u"FIFO"_s;
        QTest::newRow("events FIFO in config") << u"events"_s << QString() << true << u"FIFO"_s;
        QTest::newRow("log device")
            << u"log-file"_s << u"/dev/zero"_s << false << u"character device"_s;
        QTest::newRow("log directory") << u"log-file"_s << u"/"_s << false << u"directory"_s;
    }
    void specialFilesRefused()
    {
        QFETCH(QString, option);
        QFETCH(QString, path);
        QFETCH(bool, inConfig);
        QFETCH(QString, kind);
        if (path.isEmpty()) {
            path = m_dir.filePath(u"fifo-%1"_s.arg(QString::fromLatin1(QTest::currentDataTag())));
            QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
        }
        const QStringList args =
            inConfig
                ? QStringList{u"--config"_s, write(u"special-%1.conf"_s.arg(QString::fromLatin1(
                                                       QTest::currentDataTag())),
                                                   (option + u'=' + path + u'\n').toUtf8())}
                : QStringList{u"--"_s + option, path};
        const auto r = parse(args);
        QCOMPARE(r.action, Action::UsageError);
        for (const QString &m : {option, u"'%1'"_s.arg(path), kind})
            QVERIFY2(r.text.contains(m), qPrintable(u"'%1' not in: %2"_s.arg(m, r.text)));
        // Standard output stays "-".
        if (option == u"events")
            QCOMPARE(parse({u"--events"_s, u"-"_s}).action, Action::Run);
    }

    void installedDefaultConfigParses()
    {
        // The commented default config shipped in installer/ must load as it is.
        const auto r = parse({u"--config"_s, QStringLiteral(CAPTURE_SOURCE_DIR) +
                                                 u"/installer/capture-receiver.conf"_s});
        QVERIFY2(r.action == Action::Run, qPrintable(r.text));
        QCOMPARE(r.options.settings.outputDir, u"/var/lib/capture-receiver"_s);
    }

    // The man page's OPTIONS section is made from --help (help2man, installer/CMakeLists.txt),
    // so it lists every option of the table. Its hand-written sections must agree with the
    // table too: the CONFIGURATION FILE section lists the config keys, and no section names an
    // option that is gone.
    void manPageAgreesWithOptionTable()
    {
        QFile file(QStringLiteral(CAPTURE_SOURCE_DIR) + u"/installer/capture-receiver.h2m"_s);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString page = QString::fromUtf8(file.readAll()).replace(u"\\-"_s, u"-"_s);

        const qsizetype start = page.indexOf(u"[CONFIGURATION FILE]"_s);
        QVERIFY(start >= 0);
        const QString section = page.mid(start, page.indexOf(u"\n["_s, start) - start);
        static const QRegularExpression keyLine(u"^\\.BR ([a-z-]+) [,.]$"_s,
                                                QRegularExpression::MultilineOption);
        QStringList listed;
        for (const auto &m : keyLine.globalMatch(section))
            listed.append(m.captured(1));
        QCOMPARE(listed, configKeys());

        // Every --name, except on the example lines that run other programs (systemctl).
        static const QRegularExpression otherProgram(u"^(systemctl|journalctl) .*$"_s,
                                                     QRegularExpression::MultilineOption);
        const QString ours = QString(page).remove(otherProgram);
        static const QRegularExpression longOption(u"--([a-z][a-z-]*)"_s);
        for (const auto &m : longOption.globalMatch(ours)) {
            const QString name = m.captured(1);
            QVERIFY2(findOption(name) || name == u"help" || name == u"version",
                     qPrintable(u"the man page names --%1, which is no option"_s.arg(name)));
        }
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"

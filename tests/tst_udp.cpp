// UDP (--udp-ports) against the real binary: a known sequence of datagrams recorded whole and
// in order in each --udp-format (pcap read back with tshark: count, source, payload), IPv4 and
// IPv6, per source with --split connection, drops counted exactly while the receiver is
// stopped (SIGSTOP) during a burst, rotation between datagrams, bad option values; and the
// batch reader's truncation path with slots smaller than a datagram.

#include "core/capture/udpformat.h"
#include "core/net/udpbatch.h"
#include "core/net/udpsocket.h"
#include "receiverprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>
#include <QtEndian>

#include <csignal>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;
using ReceiverProcess::Receiver;

namespace {

/// A UDP port on `host` that nothing is bound to right now.
quint16 freeUdpPort(const QString &host = u"127.0.0.1"_s)
{
    QUdpSocket socket;
    if (!socket.bind(QHostAddress(host), 0))
        return 0;
    return socket.localPort();
}

/// The test's datagrams: "seq NNNNNN " and pattern bytes, of sizes 11 to about 1,400.
QList<QByteArray> sequence(int count, quint64 seed = 1, int step = 197)
{
    QList<QByteArray> out;
    for (int i = 0; i < count; ++i) {
        QByteArray d = QByteArray("seq ") + QByteArray::number(i).rightJustified(6, '0') + ' ';
        d += patternData(seed + quint64(i), (i * step) % 1400);
        out.append(d);
    }
    return out;
}

/// Sends every datagram to host:port from a socket bound to `source` (port chosen by the
/// system); the source port in `sourcePort`. Returns an error, or nothing.
std::optional<QString> sendDatagrams(const QString &host, quint16 port,
                                     const QList<QByteArray> &datagrams, const QString &source = {},
                                     quint16 *sourcePort = nullptr)
{
    QUdpSocket socket;
    const QHostAddress to(host);
    const QHostAddress from = source.isEmpty() ? (to.protocol() == QAbstractSocket::IPv6Protocol
                                                      ? QHostAddress(QHostAddress::LocalHostIPv6)
                                                      : QHostAddress(QHostAddress::LocalHost))
                                               : QHostAddress(source);
    if (!socket.bind(from, 0))
        return u"cannot bind the sender to %1: %2"_s.arg(from.toString(), socket.errorString());
    if (sourcePort)
        *sourcePort = socket.localPort();
    for (const QByteArray &d : datagrams) {
        if (socket.writeDatagram(d, to, port) != d.size())
            return u"sendto failed: %1"_s.arg(socket.errorString());
    }
    return std::nullopt;
}

/// The datagrams of a length-prefixed file.
QList<QByteArray> lengthPrefixed(const QByteArray &file)
{
    QList<QByteArray> out;
    qsizetype at = 0;
    while (at + 4 <= file.size()) {
        const quint32 n = qFromBigEndian<quint32>(file.constData() + at);
        out.append(file.mid(at + 4, n));
        at += 4 + qsizetype(n);
    }
    return at == file.size() ? out : QList<QByteArray>{"<trailing bytes>"};
}

/// One decoded record of a pcap file, as tshark reads it.
struct Record
{
    QString source;
    quint16 sourcePort = 0;
    QByteArray payload;
};

/// Reads a pcap file with tshark: each record's source address, source port and payload. An
/// error (tshark failed, or said anything on stderr) in `error`.
QList<Record> readPcap(const QString &path, bool ipv6, QString *error)
{
    QProcess tshark;
    tshark.start(u"tshark"_s,
                 {u"-r"_s, path, u"-T"_s, u"fields"_s, u"-e"_s, ipv6 ? u"ipv6.src"_s : u"ip.src"_s,
                  u"-e"_s, u"udp.srcport"_s, u"-e"_s, u"udp.payload"_s});
    if (!tshark.waitForFinished(60000) || tshark.exitCode() != 0) {
        *error = u"tshark failed: "_s + QString::fromUtf8(tshark.readAllStandardError());
        return {};
    }
    const QByteArray err = tshark.readAllStandardError();
    if (err.contains("appears to have been cut short") || err.contains("isn't a capture file"))
        *error = QString::fromUtf8(err);
    QList<Record> out;
    for (const QByteArray &line : tshark.readAllStandardOutput().split('\n')) {
        if (line.isEmpty())
            continue;
        const QList<QByteArray> fields = line.split('\t');
        if (fields.size() != 3) {
            *error = u"unexpected tshark line: "_s + QString::fromUtf8(line);
            return {};
        }
        out.append({QString::fromUtf8(fields[0]), quint16(fields[1].toUInt()),
                    QByteArray::fromHex(QByteArray(fields[2]).replace(":", ""))});
    }
    return out;
}

/// The recorded files of `dir`, in the order the manifest lists them.
QStringList recordedFiles(const QString &dir)
{
    QStringList files;
    for (const QJsonObject &o : manifestRecords(dir, u"file"_s))
        files.append(QDir(dir).filePath(o.value(u"file"_s).toString()));
    return files;
}

/// The first port's entry of the receiver's /status (on 127.0.0.1:`statusPort`).
QJsonObject firstPortStatus(quint16 statusPort)
{
    return statusByCurl(statusPort).value(u"ports"_s).toArray().at(0).toObject();
}

qint64 manifestSum(const QString &dir, const QString &key)
{
    qint64 sum = 0;
    for (const QJsonObject &o : manifestRecords(dir, u"file"_s))
        sum += o.value(key).toInteger();
    return sum;
}

} // namespace

class TestUdp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo::exists(ReceiverProcess::receiverBinary()),
                 "build capture-receiver first");
        if (QStandardPaths::findExecutable(u"tshark"_s).isEmpty())
            QSKIP("tshark is not installed (install-deps --test installs it)");
    }

    void sequenceInEachFormat_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("host");
        QTest::newRow("pcap IPv4") << u"pcap"_s << u"127.0.0.1"_s;
        QTest::newRow("pcap IPv6") << u"pcap"_s << u"::1"_s;
        QTest::newRow("raw") << u"raw"_s << u"127.0.0.1"_s;
        QTest::newRow("length-prefixed") << u"length-prefixed"_s << u"127.0.0.1"_s;
    }
    void sequenceInEachFormat()
    {
        QFETCH(QString, format);
        QFETCH(QString, host);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freeUdpPort(host);
        QVERIFY(port != 0);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"--bind"_s, host, u"--udp-ports"_s, QString::number(port),
                           u"--udp-format"_s, format, u"-o"_s, u"out"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        QVERIFY(receiver.hasLine(u"receiving UDP on"_s));

        const QList<QByteArray> sent = sequence(500);
        quint16 sourcePort = 0;
        const auto problem = sendDatagrams(host, port, sent, {}, &sourcePort);
        QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());

        const QString out = tmp.filePath(u"out"_s);
        const QStringList files = recordedFiles(out);
        QCOMPARE(files.size(), 1);
        QCOMPARE(manifestSum(out, u"datagrams"_s), sent.size());
        QCOMPARE(manifestSum(out, u"udp_dropped"_s), 0);
        const QByteArray contents = readFile(files.first());
        if (format == u"raw") {
            QCOMPARE(contents, sent.join());
        } else if (format == u"length-prefixed") {
            QCOMPARE(lengthPrefixed(contents), sent);
        } else {
            QVERIFY(files.first().endsWith(u".pcap"_s));
            QString error;
            const QList<Record> records = readPcap(files.first(), host.contains(u':'), &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(records.size(), sent.size());
            for (qsizetype i = 0; i < records.size(); ++i) {
                QCOMPARE(QHostAddress(records[i].source), QHostAddress(host));
                QCOMPARE(records[i].sourcePort, sourcePort);
                QCOMPARE(records[i].payload, sent[i]);
            }
        }
    }

    void perSourceSplit()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freeUdpPort(u"0.0.0.0"_s);
        QVERIFY(port != 0);
        Receiver receiver(tmp.path(), {u"--nogui"_s, u"--bind"_s, u"0.0.0.0"_s, u"--udp-ports"_s,
                                       QString::number(port), u"--split"_s, u"connection"_s,
                                       u"-o"_s, u"out"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const QList<QByteArray> fromTwo = sequence(200, 2);
        const QList<QByteArray> fromThree = sequence(300, 3);
        // Interleaved: a few from one source, then a few from the other.
        QSet<QString> sources;
        for (int i = 0; i < 10; ++i) {
            quint16 sourcePort = 0;
            const auto a = sendDatagrams(u"127.0.0.1"_s, port, fromTwo.mid(i * 20, 20),
                                         u"127.0.0.2"_s, &sourcePort);
            QVERIFY2(!a, qPrintable(a.value_or(QString())));
            sources.insert(u"127.0.0.2:%1"_s.arg(sourcePort));
            const auto b = sendDatagrams(u"127.0.0.1"_s, port, fromThree.mid(i * 30, 30),
                                         u"127.0.0.3"_s, &sourcePort);
            QVERIFY2(!b, qPrintable(b.value_or(QString())));
            sources.insert(u"127.0.0.3:%1"_s.arg(sourcePort));
        }
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());

        // Each sender's socket has its own source port: one file per source address:port (20,
        // unless the system gave a later socket a port an earlier one had used).
        const QString out = tmp.filePath(u"out"_s);
        const QStringList files = recordedFiles(out);
        QCOMPARE(files.size(), sources.size());
        QVERIFY(sources.size() >= 15);
        QList<QByteArray> gotTwo;
        QList<QByteArray> gotThree;
        for (const QString &file : files) {
            QString error;
            const QList<Record> records = readPcap(file, false, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QVERIFY(!records.isEmpty());
            const bool two = records.first().source == u"127.0.0.2";
            QVERIFY2(QFileInfo(file).fileName().contains(two ? u"127.0.0.2"_s : u"127.0.0.3"_s),
                     qPrintable(file));
            for (const Record &r : records) {
                QCOMPARE(r.source, records.first().source);
                QCOMPARE(r.sourcePort, records.first().sourcePort);
                (two ? gotTwo : gotThree).append(r.payload);
            }
        }
        QCOMPARE(gotTwo, fromTwo);
        QCOMPARE(gotThree, fromThree);
    }

    void allowAndLimitsApplyToSenders()
    {
        // --allow judges each datagram's source; with --split connection the limits bound the
        // sources that have a file open. Refused datagrams are counted and logged, not written.
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freeUdpPort(u"0.0.0.0"_s);
        const quint16 status = freePorts(1).value(0);
        QVERIFY(port != 0 && status != 0);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"--bind"_s, u"0.0.0.0"_s, u"--udp-ports"_s,
                           QString::number(port), u"--split"_s, u"connection"_s, u"--allow"_s,
                           u"127.0.0.2,127.0.0.3"_s, u"--max-connections-per-port"_s, u"1"_s,
                           u"--status"_s, u"127.0.0.1:%1"_s.arg(status), u"-o"_s, u"out"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const QList<QByteArray> allowed = sequence(20, 4);
        for (const auto &[source, datagrams] :
             {std::pair{u"127.0.0.4"_s, sequence(10, 5)}, std::pair{u"127.0.0.2"_s, allowed},
              std::pair{u"127.0.0.3"_s, sequence(15, 6)}}) {
            const auto problem = sendDatagrams(u"127.0.0.1"_s, port, datagrams, source);
            QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
            QTest::qWait(1100); // refusals are logged at most once a second: a line for each
        }
        const auto udpPort = [status] { return firstPortStatus(status); };
        QTRY_COMPARE_WITH_TIMEOUT(udpPort().value(u"refused_over_limit"_s).toInteger(), 15, 10000);
        const QJsonObject p = udpPort();
        QCOMPARE(p.value(u"datagrams"_s).toInteger(), 20); // the refused are not "received"
        QCOMPARE(p.value(u"refused_not_allowed"_s).toInteger(), 10);
        QCOMPARE(p.value(u"refused_over_limit"_s).toInteger(), 15);
        QCOMPARE(p.value(u"connections"_s).toInteger(), 1); // one source has a file open
        const QByteArray metrics = getByCurl(status, u"/metrics"_s);
        const QByteArray label = "{port=\"" + QByteArray::number(port) + "\",reason=";
        QVERIFY2(metrics.contains(
                     QByteArray("capture_udp_refused_total" + label + "\"not_allowed\"} 10\n")) &&
                     metrics.contains(
                         QByteArray("capture_udp_refused_total" + label + "\"over_limit\"} 15\n")),
                 metrics.constData());
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());
        QVERIFY(receiver.hasLine(u"a datagram from 127.0.0.4:"_s));
        QVERIFY(receiver.hasLine(u"not in --allow"_s));
        QVERIFY(receiver.hasLine(u"--max-connections-per-port 1 reached"_s));
        QVERIFY(receiver.hasLine(u"more datagram(s) refused"_s));

        const QString out = tmp.filePath(u"out"_s);
        const QStringList files = recordedFiles(out);
        QCOMPARE(files.size(), 1);
        QString error;
        const QList<Record> records = readPcap(files.first(), false, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(records.size(), allowed.size());
        for (qsizetype i = 0; i < records.size(); ++i) {
            QCOMPARE(records[i].source, u"127.0.0.2"_s);
            QCOMPARE(records[i].payload, allowed[i]);
        }
    }

    void idleSourceFileCloses()
    {
        // --split connection --idle-timeout: a source silent that long has its file closed (one
        // file per source would otherwise grow without bound); its next datagram opens another.
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freeUdpPort();
        QVERIFY(port != 0);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"--bind"_s, u"127.0.0.1"_s, u"--udp-ports"_s,
                           QString::number(port), u"--split"_s, u"connection"_s, u"--udp-format"_s,
                           u"raw"_s, u"--idle-timeout"_s, u"1"_s, u"-o"_s, u"out"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        QUdpSocket sender; // one source address:port throughout
        QVERIFY(sender.bind(QHostAddress(QHostAddress::LocalHost), 0));
        const QList<QByteArray> first = sequence(10, 7);
        const QList<QByteArray> second = sequence(10, 8);
        for (const QByteArray &d : first)
            QCOMPARE(sender.writeDatagram(d, QHostAddress(QHostAddress::LocalHost), port),
                     d.size());
        const QString out = tmp.filePath(u"out"_s);
        QTRY_COMPARE_WITH_TIMEOUT(recordedFiles(out).size(), 1, 15000);
        for (const QByteArray &d : second)
            QCOMPARE(sender.writeDatagram(d, QHostAddress(QHostAddress::LocalHost), port),
                     d.size());
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());

        const QList<QJsonObject> records = manifestRecords(out, u"file"_s);
        QCOMPARE(records.size(), 2);
        const QJsonObject idle = records.first();
        QVERIFY2(idle.value(u"close_reason"_s).toString().contains(u"idle timeout"_s),
                 qPrintable(idle.value(u"close_reason"_s).toString()));
        QCOMPARE(idle.value(u"datagrams"_s).toInteger(), 10);
        QCOMPARE(records.last().value(u"close_reason"_s).toString(), u"stopped"_s);
        QCOMPARE(readFile(QDir(out).filePath(idle.value(u"file"_s).toString())), first.join());
        QCOMPARE(readFile(QDir(out).filePath(records.last().value(u"file"_s).toString())),
                 second.join());
    }

    void dropsCountedWhileStopped()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freeUdpPort();
        const quint16 status = freePorts(1).value(0);
        QVERIFY(port != 0 && status != 0);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"--bind"_s, u"127.0.0.1"_s, u"--udp-ports"_s,
                           QString::number(port), u"--udp-buffer"_s, u"64K"_s, u"--udp-format"_s,
                           u"length-prefixed"_s, u"-o"_s, u"out"_s, u"--events"_s,
                           u"events.jsonl"_s, u"--status"_s, u"127.0.0.1:%1"_s.arg(status)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const QList<QByteArray> first = sequence(50, 7, 13);
        QVERIFY(!sendDatagrams(u"127.0.0.1"_s, port, first));
        // The receiver stands still: its socket's buffer fills and the kernel drops the rest.
        QVERIFY(receiver.sendSignal(SIGSTOP));
        const QList<QByteArray> burst = sequence(3000, 8, 13);
        QVERIFY(!sendDatagrams(u"127.0.0.1"_s, port, burst));
        QVERIFY(receiver.sendSignal(SIGCONT));
        // A tick has seen the drops (SO_MEMINFO) before the next datagrams carry the same count
        // (SO_RXQ_OVFL): each drop is counted once.
        QVERIFY2(receiver.waitForLine(u"dropped by the kernel"_s), receiver.describe().constData());
        const QList<QByteArray> last = sequence(50, 9, 13);
        QVERIFY(!sendDatagrams(u"127.0.0.1"_s, port, last));
        const qint64 sent = first.size() + burst.size() + last.size();
        // While it runs, /status and /metrics account for every datagram sent.
        const auto udpPort = [status] { return firstPortStatus(status); };
        QTRY_COMPARE_WITH_TIMEOUT(udpPort().value(u"datagrams"_s).toInteger() +
                                      udpPort().value(u"udp_dropped"_s).toInteger(),
                                  sent, 10000);
        const qint64 droppedLive = udpPort().value(u"udp_dropped"_s).toInteger();
        const QByteArray metrics = getByCurl(status, u"/metrics"_s);
        QVERIFY2(metrics.contains(QByteArray("capture_udp_dropped_total{port=\"" +
                                             QByteArray::number(port) + "\"} " +
                                             QByteArray::number(droppedLive) + '\n')),
                 metrics.constData());
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());

        const QString out = tmp.filePath(u"out"_s);
        const qint64 recorded = manifestSum(out, u"datagrams"_s);
        const qint64 dropped = manifestSum(out, u"udp_dropped"_s);
        qInfo("sent %lld, recorded %lld, dropped %lld", sent, recorded, dropped);
        QVERIFY2(dropped > 0, "a 64K buffer should not take a 3,000-datagram burst");
        QCOMPARE(recorded + dropped, sent);
        QCOMPARE(dropped, droppedLive);
        // What was recorded is what was sent, in order, with the dropped ones left out.
        const QStringList files = recordedFiles(out);
        QCOMPARE(files.size(), 1);
        const QList<QByteArray> got = lengthPrefixed(readFile(files.first()));
        QCOMPARE(got.size(), recorded);
        const QList<QByteArray> all = first + burst + last;
        qsizetype at = 0;
        for (const QByteArray &d : got) {
            while (at < all.size() && all[at] != d)
                ++at;
            QVERIFY2(at < all.size(), "a recorded datagram is not in the sent order");
            ++at;
        }
        QCOMPARE(got.mid(0, first.size()), first);
        QCOMPARE(got.mid(got.size() - last.size()), last);
        QVERIFY(receiver.hasLine(u"dropped by the kernel"_s));
        // The stats event and the final summary say the same.
        QVERIFY(readFile(tmp.filePath(u"events.jsonl"_s))
                    .contains(QByteArray("\"udp_dropped\":" + QByteArray::number(dropped))));
        QVERIFY2(receiver.hasLine(u"final: port %1/udp: 1 file(s), %2 datagram(s), %3 dropped "
                                  "by the kernel, "_s.arg(port)
                                      .arg(recorded)
                                      .arg(dropped)),
                 receiver.describe().constData());
    }

    void rotationKeepsDatagramsWhole()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freeUdpPort();
        QVERIFY(port != 0);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"--bind"_s, u"127.0.0.1"_s, u"--udp-ports"_s,
                           QString::number(port), u"--rotate-size"_s, u"10K"_s, u"-o"_s, u"out"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        QList<QByteArray> sent;
        for (int i = 0; i < 100; ++i)
            sent.append(patternData(quint64(100 + i), 1000));
        QVERIFY(!sendDatagrams(u"127.0.0.1"_s, port, sent));
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());

        const QString out = tmp.filePath(u"out"_s);
        const QStringList files = recordedFiles(out);
        QVERIFY2(files.size() >= 10, qPrintable(files.join(u' ')));
        QList<QByteArray> got;
        for (const QString &file : files) {
            QVERIFY(QFileInfo(file).size() <= 10 * 1024);
            QCOMPARE(readFile(file).left(4), QByteArray::fromHex("4d3cb2a1")); // every file
            QString error;
            const QList<Record> records = readPcap(file, false, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            for (const Record &r : records)
                got.append(r.payload);
        }
        QCOMPARE(got, sent);
        QCOMPARE(manifestSum(out, u"datagrams"_s), sent.size());
    }

    void tcpAndUdpOnOnePort()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const quint16 port = freePort();
        QVERIFY(port != 0);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"--bind"_s, u"127.0.0.1"_s, u"-p"_s,
                           QString::number(port), u"--udp-ports"_s, QString::number(port),
                           u"--udp-format"_s, u"raw"_s, u"-o"_s, u"out"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        QVERIFY(receiver.hasLine(u"recording 2 port(s)"_s));
        const QByteArray stream = patternData(5, 100000);
        QVERIFY(!sendAll(port, stream));
        const QList<QByteArray> datagrams = sequence(20);
        QVERIFY(!sendDatagrams(u"127.0.0.1"_s, port, datagrams));
        QVERIFY2(receiver.stopProblem().isEmpty(), receiver.describe().constData());
        const QStringList files = recordedFiles(tmp.filePath(u"out"_s));
        QCOMPARE(files.size(), 2);
        QStringList names;
        for (const QString &file : files) {
            names.append(QFileInfo(file).fileName());
            const QByteArray contents = readFile(file);
            QVERIFY(contents == stream || contents == datagrams.join());
        }
        QVERIFY2(names.filter(u"udp_"_s).size() == 1, qPrintable(names.join(u' ')));
        // The final summary has a line for each: connections for TCP, datagrams for UDP.
        QVERIFY2(receiver.hasLine(
                     u"final: port %1: 1 file(s), 1 connection(s), 100000 bytes"_s.arg(port)),
                 receiver.describe().constData());
        QVERIFY2(receiver.hasLine(u"final: port %1/udp: 1 file(s), 20 datagram(s), 0 dropped by "
                                  "the kernel, %2 bytes of payload"_s.arg(port)
                                      .arg(datagrams.join().size())),
                 receiver.describe().constData());
    }

    void portTakenFailsTheStart()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        QUdpSocket taken;
        QVERIFY(taken.bind(QHostAddress::LocalHost, 0));
        Receiver receiver(tmp.path(), {u"--nogui"_s, u"--bind"_s, u"127.0.0.1"_s, u"--udp-ports"_s,
                                       QString::number(taken.localPort()), u"-o"_s, u"out"_s});
        QVERIFY(receiver.start());
        QVERIFY(receiver.waitForExit());
        QVERIFY(receiver.exitCode() != 0);
        QVERIFY2(receiver.hasLine(u"UDP: Address already in use"_s),
                 receiver.describe().constData());
    }

    void badValues_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("port") << QStringList{u"--udp-ports"_s, u"0"_s} << u"--udp-ports '0'"_s;
        QTest::newRow("format") << QStringList{u"--udp-format"_s, u"cap"_s}
                                << u"--udp-format 'cap'"_s;
        QTest::newRow("buffer") << QStringList{u"--udp-buffer"_s, u"3G"_s}
                                << u"--udp-buffer '3G'"_s;
    }
    void badValues()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        Receiver receiver(tmp.path(), QStringList{u"--nogui"_s} + args);
        QVERIFY(receiver.start());
        QVERIFY(receiver.waitForExit());
        QCOMPARE(receiver.exitCode(), 2);
        const QStringList lines = receiver.lines();
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().contains(mentions), qPrintable(lines.first()));
    }

    // A UDP payload is at most 65,507 (IPv4) or 65,527 (IPv6) bytes: the receiver's 64 KiB
    // slots never cut one. The path for a cut datagram is checked with slots of 100 bytes.
    void truncatedDatagramIsMarked()
    {
        QString error;
        const int fd = capture::openUdpSocket(QHostAddress::LocalHost, 0, &error);
        QVERIFY2(fd >= 0, qPrintable(error));
        const auto [address, port] = [fd] {
            sockaddr_in sa{};
            socklen_t length = sizeof sa;
            ::getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &length);
            return std::pair{sa.sin_addr.s_addr, ntohs(sa.sin_port)};
        }();
        Q_UNUSED(address);
        const QByteArray big = patternData(11, 300);
        const QByteArray small = patternData(12, 50);
        QVERIFY(!sendDatagrams(u"127.0.0.1"_s, port, {big, small}));
        capture::UdpBatch batch(4, 100);
        QCOMPARE(batch.read(fd, &error), 2);
        ::close(fd);
        const capture::Datagram &cut = batch.at(0);
        QVERIFY(cut.truncated());
        QCOMPARE(cut.length, 300);
        QCOMPARE(cut.captured, 100);
        QCOMPARE(QByteArray(cut.data, 100), big.left(100));
        QVERIFY(!batch.at(1).truncated());
        QVERIFY(cut.seconds > 0);

        // raw and length-prefixed cannot mark it: not written; pcap keeps its real length.
        std::vector<char> out;
        QVERIFY(!capture::udpformat::append(&out, capture::UdpFormat::Raw, cut, 9));
        QVERIFY(!capture::udpformat::append(&out, capture::UdpFormat::LengthPrefixed, cut, 9));
        QVERIFY(out.empty());
        QVERIFY(capture::udpformat::append(&out, capture::UdpFormat::Pcap, cut, 9));
        quint32 fields[4];
        memcpy(fields, out.data(), sizeof fields);
        QCOMPARE(fields[2], quint32(20 + 8 + 100)); // incl_len: what is there
        QCOMPARE(fields[3], quint32(20 + 8 + 300)); // orig_len: what was sent
    }
};

QTEST_GUILESS_MAIN(TestUdp)
#include "tst_udp.moc"

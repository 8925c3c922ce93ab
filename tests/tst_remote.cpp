// Remote operation against the real binary: GET /events (Server-Sent Events) on the --status
// port, read by curl and by a python3 client: events as they happen, Last-Event-ID replay, the
// gap event past the history, and a client that does not read dropped while a stream is
// recorded byte for byte.

#include "receiverprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;

namespace {

/// python3 sse.py PORT LAST_ID SECONDS: prints what /events sends until it has been quiet for
/// that long (with a Last-Event-ID header unless LAST_ID is -). Keep SECONDS under the 1 s
/// between stats events. python3 sse.py PORT stall FLAG:
/// connects with a tiny receive buffer, asks for /events and reads nothing until FLAG exists; then
/// reads to the end and prints "bytes N eof" when the server had closed the stream.
const char sseScript[] = "import os, socket, sys, time\n"
                         "port = int(sys.argv[1])\n"
                         "s = socket.socket()\n"
                         "if sys.argv[2] == 'stall':\n"
                         "    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
                         "s.connect(('127.0.0.1', port))\n"
                         "head = 'GET /events HTTP/1.1\\r\\nHost: x\\r\\n'\n"
                         "if sys.argv[2] not in ('-', 'stall'):\n"
                         "    head += 'Last-Event-ID: ' + sys.argv[2] + '\\r\\n'\n"
                         "s.sendall((head + '\\r\\n').encode())\n"
                         "if sys.argv[2] == 'stall':\n"
                         "    while not os.path.exists(sys.argv[3]):\n"
                         "        time.sleep(0.05)\n"
                         "    total = 0\n"
                         "    s.settimeout(30)\n"
                         "    try:\n"
                         "        while True:\n"
                         "            data = s.recv(65536)\n"
                         "            if not data:\n"
                         "                print('bytes', total, 'eof')\n"
                         "                break\n"
                         "            total += len(data)\n"
                         "    except ConnectionResetError:\n"
                         "        print('bytes', total, 'eof')\n"
                         "    except socket.timeout:\n"
                         "        print('bytes', total, 'open')\n"
                         "    sys.exit(0)\n"
                         "s.settimeout(30)\n"
                         "out = b''\n"
                         "try:\n"
                         "    while True:\n"
                         "        data = s.recv(65536)\n"
                         "        if not data:\n"
                         "            break\n"
                         "        out += data\n"
                         "        s.settimeout(float(sys.argv[3]))\n"
                         "except socket.timeout:\n"
                         "    pass\n"
                         "sys.stdout.write(out.decode())\n";

/// python3 many.py PORT N: N connections, one byte each, one after the other.
const char manyScript[] = "import socket, sys\n"
                          "for i in range(int(sys.argv[2])):\n"
                          "    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
                          "    s.sendall(b'x')\n"
                          "    s.close()\n";

QString writeScript(const QTemporaryDir &tmp, const QString &name, const char *text)
{
    const QString path = tmp.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) < 0)
        return {};
    return path;
}

struct Message
{
    qint64 id = -1; ///< -1 without an id line
    QString event;
    QJsonObject data;
};

/// The Server-Sent Events messages in `text` (comments skipped).
QList<Message> messages(const QByteArray &text)
{
    QList<Message> out;
    QList<QByteArray> blocks;
    for (qsizetype at = 0; at < text.size();) {
        qsizetype end = text.indexOf("\n\n", at);
        if (end < 0)
            end = text.size();
        blocks.append(text.mid(at, end - at));
        at = end + 2;
    }
    for (const QByteArray &block : std::as_const(blocks)) {
        Message m;
        bool any = false;
        for (const QByteArray &line : block.split('\n')) {
            if (line.startsWith("id: ")) {
                m.id = line.mid(4).toLongLong();
                any = true;
            } else if (line.startsWith("event: ")) {
                m.event = QString::fromUtf8(line.mid(7));
                any = true;
            } else if (line.startsWith("data: ")) {
                m.data = QJsonDocument::fromJson(line.mid(6)).object();
                any = true;
            }
        }
        if (any)
            out.append(m);
    }
    return out;
}

QByteArray runPython(const QStringList &arguments, int timeoutMs = 60000)
{
    QProcess p;
    p.start(u"python3"_s, arguments);
    if (!p.waitForStarted(10000) || !finishOrKill(p, timeoutMs))
        return "python3 did not finish: " + p.readAllStandardError();
    if (p.exitCode() != 0)
        return "python3 failed: " + p.readAllStandardOutput() + p.readAllStandardError();
    return p.readAllStandardOutput();
}

} // namespace

class TestRemote : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
        for (const QString &tool : {u"python3"_s, u"curl"_s, u"socat"_s})
            QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                     qPrintable(tool + u" is needed by this test"_s));
    }

    // curl -N follows a capture: the connection's and the file's events as they happen, a
    // stats event every second, ids increasing; a client that comes back with Last-Event-ID
    // gets exactly what came after it.
    void eventsAsTheyHappenAndReplay()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QString out = tmp.filePath(u"out"_s);
        Receiver receiver(tmp.path(), {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                                       QString::number(ports[0]), u"-o"_s, out, u"--status"_s,
                                       QString::number(ports[1]), u"--stats-interval"_s, u"0"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        QProcess curl;
        curl.start(u"curl"_s, {u"-sN"_s, u"--max-time"_s, u"4"_s,
                               u"http://127.0.0.1:%1/events"_s.arg(ports[1])});
        QVERIFY(curl.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(curl.bytesAvailable() > 0 || curl.state() != QProcess::Running,
                                 10000); // ": capture-receiver", the stream's first line
        const QByteArray data = patternData(31, 3 * 1024 * 1024);
        QVERIFY(!sendAll(ports[0], data));
        QVERIFY(finishOrKill(curl, 30000));
        const QList<Message> seen = messages(curl.readAllStandardOutput());
        QStringList kinds;
        for (const Message &m : seen)
            kinds.append(m.event);
        QVERIFY2(kinds.contains(u"connection_opened"_s), qPrintable(kinds.join(u' ')));
        QVERIFY2(kinds.contains(u"connection_closed"_s), qPrintable(kinds.join(u' ')));
        QVERIFY2(kinds.count(u"stats"_s) >= 2, qPrintable(kinds.join(u' ')));
        for (qsizetype i = 1; i < seen.size(); ++i)
            QCOMPARE(seen[i].id, seen[i - 1].id + 1);
        const auto closed = std::find_if(seen.begin(), seen.end(), [](const Message &m) {
            return m.event == u"connection_closed";
        });
        QCOMPARE(closed->data.value(u"bytes_received"_s).toInteger(), qint64(data.size()));

        // Back with the id of the first event seen: the rest of them, in order.
        const QString script = writeScript(tmp, u"sse.py"_s, sseScript);
        const QList<Message> replay = messages(runPython(
            {script, QString::number(ports[1]), QString::number(seen.first().id), u"0.6"_s}));
        QVERIFY(replay.size() >= seen.size() - 1);
        for (qsizetype i = 0; i + 1 < seen.size(); ++i) {
            QCOMPARE(replay[i].id, seen[i + 1].id);
            QCOMPARE(replay[i].event, seen[i + 1].event);
        }
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // Past the history's 10,000 events, a client coming back gets a gap event saying how many
    // it lost. Meanwhile a client that does not read is dropped, and a 256 MiB stream is
    // recorded byte for byte.
    void gapAndAClientThatDoesNotRead()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(3);
        const QString out = tmp.filePath(u"out"_s);
        Receiver receiver(tmp.path(),
                          {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                           u"%1,%2"_s.arg(ports[0]).arg(ports[1]), u"-o"_s, out, u"--status"_s,
                           QString::number(ports[2]), u"--stats-interval"_s, u"0"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QString sse = writeScript(tmp, u"sse.py"_s, sseScript);
        const QString many = writeScript(tmp, u"many.py"_s, manyScript);
        const QString flag = tmp.filePath(u"read-now"_s);
        QProcess stalled;
        stalled.start(u"python3"_s, {sse, QString::number(ports[2]), u"stall"_s, flag});
        QVERIFY(stalled.waitForStarted(10000));

        // 256 MiB on one port while 5,500 short connections to the other make 11,000 events.
        QProcess stream;
        const QString source = tmp.filePath(u"big.bin"_s);
        {
            QFile file(source);
            QVERIFY(file.open(QIODevice::WriteOnly));
            const QByteArray block = patternData(32, 1024 * 1024);
            for (int i = 0; i < 256; ++i)
                QVERIFY(file.write(block) == block.size());
        }
        stream.start(u"socat"_s,
                     {u"-u"_s, u"FILE:"_s + source, u"TCP:127.0.0.1:%1"_s.arg(ports[0])});
        QVERIFY(stream.waitForStarted(10000));
        const QByteArray manyOut = runPython({many, QString::number(ports[1]), u"5500"_s}, 180000);
        QVERIFY2(manyOut.isEmpty(), manyOut.constData());
        QVERIFY(finishOrKill(stream, 120000) && stream.exitCode() == 0);
        QVERIFY2(receiver.waitForLine(u"closed (peer closed): 268435456 bytes"_s, 60000),
                 receiver.describe());

        // The stalled client was dropped: once it reads, the stream ends.
        QVERIFY(writeDataFile(flag, "now"));
        QVERIFY(finishOrKill(stalled, 60000));
        const QByteArray stalledSaid = stalled.readAllStandardOutput();
        QVERIFY2(stalledSaid.trimmed().endsWith("eof"), stalledSaid.constData());

        // The first events are no longer kept.
        const QByteArray backText = runPython({sse, QString::number(ports[2]), u"1"_s, u"0.6"_s});
        const QList<Message> back = messages(backText);
        QVERIFY2(!back.isEmpty(), backText.left(2000).constData());
        QCOMPARE(back.first().event, u"gap"_s);
        QVERIFY2(back.first().data.value(u"lost"_s).toInteger() >= 1000,
                 QJsonDocument(back.first().data).toJson().constData());
        QCOMPARE(back.first().id, -1);
        QVERIFY(back.size() >= 10000);

        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
        QString recorded;
        for (const QJsonObject &line : manifestRecords(out, u"file"_s)) {
            if (line.value(u"port"_s).toInt() == ports[0])
                recorded = QDir(out).filePath(line.value(u"file"_s).toString());
        }
        QCOMPARE(fileXxh128(recorded), fileXxh128(source));
    }
};

QTEST_GUILESS_MAIN(TestRemote)
#include "tst_remote.moc"

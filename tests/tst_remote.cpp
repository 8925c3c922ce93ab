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
#include <QRandomGenerator>
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
/// reads to the end and prints "bytes N eof" when the server had closed the stream, or
/// "bytes N open" when it is still open 30 s later (keep-alive comments keep it busy).
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
                         "    end = time.monotonic() + 30\n"
                         "    try:\n"
                         "        while True:\n"
                         "            s.settimeout(max(0.01, end - time.monotonic()))\n"
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

/// What curl got: the status (0: no answer), the head, and the body as JSON when it is.
struct Answer
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    QJsonObject json;
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            if (line.toLower().startsWith(QByteArray(name.toLower() + ':')))
                return line.mid(name.size() + 1).trimmed();
        }
        return {};
    }
};

Answer parseAnswer(const QByteArray &out)
{
    Answer a;
    const qsizetype end = out.indexOf("\r\n\r\n");
    if (end < 0)
        return a;
    a.head = out.left(end);
    a.body = out.mid(end + 4);
    const QList<QByteArray> statusLine = a.head.left(a.head.indexOf('\r')).split(' ');
    a.status = statusLine.size() >= 2 ? statusLine[1].toInt() : 0;
    a.json = QJsonDocument::fromJson(a.body).object();
    return a;
}

/// curl -si [extra...] URL: one request and its answer.
Answer curl(const QString &url, const QStringList &extra = {})
{
    QProcess p;
    p.start(u"curl"_s, QStringList{u"-si"_s, u"--max-time"_s, u"30"_s} + extra + QStringList{url});
    if (!p.waitForStarted(10000) || !finishOrKill(p, 40000))
        return {};
    return parseAnswer(p.readAllStandardOutput());
}

/// curl -si -X POST with the token (none when empty) and a body (none when empty).
Answer post(quint16 port, const QString &path, const QString &token, const QByteArray &body = {})
{
    QStringList extra{u"-X"_s, u"POST"_s};
    if (!token.isEmpty())
        extra << u"-H"_s << u"Authorization: Bearer "_s + token;
    if (!body.isEmpty())
        extra << u"-H"_s << u"Content-Type: application/json"_s << u"--data-binary"_s
              << QString::fromUtf8(body);
    return curl(u"http://127.0.0.1:%1%2"_s.arg(port).arg(path), extra);
}

QString describeAnswer(const Answer &a)
{
    return QString::fromUtf8(a.head + "\n\n" + a.body);
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

    // Every control endpoint without a token, with a wrong one and with the right one; the
    // 409 cases; --idle and the keys from a config file; a stop that leaves the process idle
    // and a second start in it: two runs, two sets of files; SIGTERM ends it cleanly.
    void controlApi()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QString out = tmp.filePath(u"out"_s);
        const QByteArray token =
            "t0ken-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
        const QString tokenFile = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(tokenFile, token));
        const QString config = tmp.filePath(u"receiver.conf"_s);
        QVERIFY(
            writeDataFile(config, "control-token-file=" + tokenFile.toUtf8() + "\nidle=true\n"));
        Receiver receiver(tmp.path(), {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                                       QString::number(ports[0]), u"-o"_s, out, u"--status"_s,
                                       QString::number(ports[1]), u"--stats-interval"_s, u"0"_s,
                                       u"--config"_s, config});
        QVERIFY(receiver.start());
        QVERIFY2(receiver.waitForLine(u"idle (--idle)"_s), receiver.describe());
        const quint16 status = ports[1];
        QCOMPARE(curl(u"http://127.0.0.1:%1/status"_s.arg(status)).json.value(u"control"_s),
                 QJsonValue(true));
        QCOMPARE(curl(u"http://127.0.0.1:%1/status"_s.arg(status)).json.value(u"state"_s),
                 QJsonValue(u"stopped"_s));

        // No token, then a wrong one: 401 everywhere, nothing happens.
        for (const QString &path : {u"/api/capture/start"_s, u"/api/capture/stop"_s,
                                    u"/api/capture/rotate"_s, u"/api/run"_s}) {
            const Answer none = post(status, path, {}, "{\"run\": 1}");
            QCOMPARE(none.status, 401);
            QCOMPARE(none.header("WWW-Authenticate"), "Bearer realm=\"capture-receiver\""_ba);
            QCOMPARE(none.json.value(u"ok"_s), QJsonValue(false));
            const Answer wrong = post(status, path, u"not-the-token-at-all"_s, "{\"run\": 1}");
            QCOMPARE(wrong.status, 401);
            QVERIFY2(wrong.header("WWW-Authenticate").contains("invalid_token"),
                     qPrintable(describeAnswer(wrong)));
            QVERIFY(wrong.header("Set-Cookie").isEmpty());
            QVERIFY(wrong.header("Access-Control-Allow-Origin").isEmpty());
        }
        const Answer basic =
            curl(u"http://127.0.0.1:%1/api/capture/start"_s.arg(status),
                 {u"-X"_s, u"POST"_s, u"-u"_s, u"user:"_s + QString::fromUtf8(token)});
        QCOMPARE(basic.status, 401); // only Bearer
        QVERIFY2(receiver.waitForLine(u"with a wrong token from 127.0.0.1"_s), receiver.describe());
        QCOMPARE(curl(u"http://127.0.0.1:%1/status"_s.arg(status)).json.value(u"state"_s),
                 QJsonValue(u"stopped"_s));
        QCOMPARE(curl(u"http://127.0.0.1:%1/api/capture/stop"_s.arg(status)).status, 405);
        QCOMPARE(post(status, u"/api/nothing"_s, QString::fromUtf8(token)).status, 404);

        // The right token.
        const QString t = QString::fromUtf8(token);
        Answer a = post(status, u"/api/capture/stop"_s, t);
        QCOMPARE(a.status, 409);
        QVERIFY2(a.json.value(u"error"_s).toString().contains(u"stopped"_s), a.body.constData());
        QCOMPARE(post(status, u"/api/capture/rotate"_s, t).status, 409);
        for (const QByteArray bad : {"", "{}", "{\"run\": -1}", "{\"run\": 2147483648}",
                                     "{\"run\": 1.5}", "{\"run\": \"7\"}", "[7]", "run=7"}) {
            a = post(status, u"/api/run"_s, t, bad.isEmpty() ? QByteArray() : bad);
            QVERIFY2(a.status == 400, bad.constData());
        }
        a = post(status, u"/api/run"_s, t, "{\"run\": 41}"); // the next start's run
        QCOMPARE(a.status, 200);
        QCOMPARE(a.json.value(u"run_number"_s).toInteger(), 41);
        QCOMPARE(statusByCurl(status).value(u"run_number"_s).toInteger(), 41); // shown at once
        a = post(status, u"/api/capture/start"_s, t);
        QVERIFY2(a.status == 200, qPrintable(describeAnswer(a)));
        QCOMPARE(a.json.value(u"state"_s), QJsonValue(u"running"_s));
        QCOMPARE(a.json.value(u"run_number"_s).toInteger(), 41);
        QCOMPARE(post(status, u"/api/capture/start"_s, t).status, 409);
        const QByteArray first = patternData(41, 300000);
        QVERIFY(!sendAll(ports[0], first));
        QVERIFY2(receiver.waitForLine(u"closed (peer closed): 300000 bytes"_s),
                 receiver.describe());
        a = post(status, u"/api/capture/rotate"_s, t);
        QCOMPARE(a.status, 200);
        QVERIFY2(receiver.waitForLine(u"rotation (requested)"_s), receiver.describe());
        a = post(status, u"/api/run"_s, t, "{\"run\": 42}");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.json.value(u"run_number"_s).toInteger(), 42);
        QVERIFY2(receiver.waitForLine(u"new run 42 (after run 41)"_s), receiver.describe());
        a = post(status, u"/api/capture/stop"_s, t);
        QVERIFY2(a.status == 200, qPrintable(describeAnswer(a)));
        QCOMPARE(a.json.value(u"state"_s), QJsonValue(u"stopped"_s));
        QCOMPARE(a.json.value(u"bytes_written"_s).toInteger(), 300000);
        QVERIFY(receiver.isRunning()); // idle, still serving
        QCOMPARE(curl(u"http://127.0.0.1:%1/healthz"_s.arg(status)).status, 503);

        // Started again in the same process: a second run, its own files.
        a = post(status, u"/api/capture/start"_s, t);
        QVERIFY2(a.status == 200, qPrintable(describeAnswer(a)));
        QCOMPARE(a.json.value(u"run_number"_s).toInteger(), 42);
        const QByteArray second = patternData(42, 200000);
        QVERIFY(!sendAll(ports[0], second));
        QVERIFY2(receiver.waitForLine(u"closed (peer closed): 200000 bytes"_s),
                 receiver.describe());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
        QVERIFY(!receiver.stdErr().contains(token));
        QVERIFY(!receiver.stdOut().contains(token));

        QList<QString> runEvents;
        for (const QJsonObject &line : manifestRecords(out, u"run"_s))
            runEvents.append(line.value(u"event"_s).toString());
        QCOMPARE(runEvents, (QList<QString>{u"start"_s, u"stop"_s, u"start"_s, u"stop"_s}));
        QList<QByteArray> contents;
        for (const QJsonObject &line : manifestRecords(out, u"file"_s)) {
            if (line.value(u"bytes"_s).toInteger() > 0)
                contents.append(readFile(QDir(out).filePath(line.value(u"file"_s).toString())));
        }
        QCOMPARE(contents, (QList<QByteArray>{first, second}));
    }

    // Wrong tokens from one address get their answers later and later; while one is pending,
    // that address gets 429 whatever it sends. A right token afterwards works.
    void wrongTokensAreSlowedDown()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QString tokenFile = tmp.filePath(u"token"_s);
        const QString token = u"0123456789abcdef0123"_s;
        QVERIFY(writeTokenFile(tokenFile, token.toUtf8()));
        Receiver receiver(tmp.path(), {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                                       QString::number(ports[0]), u"-o"_s, tmp.filePath(u"out"_s),
                                       u"--status"_s, QString::number(ports[1]),
                                       u"--control-token-file"_s, tokenFile, u"--idle"_s});
        QVERIFY(receiver.start());
        QVERIFY2(receiver.waitForLine(u"idle (--idle)"_s), receiver.describe());
        for (int i = 0; i < 6; ++i) // up to the longest delay
            QCOMPARE(post(ports[1], u"/api/capture/start"_s, u"wrong"_s).status, 401);
        // Two at once: one is answered 401 after the delay, the other 429 at once.
        QProcess both;
        const QString url = u"http://127.0.0.1:%1/api/capture/start"_s.arg(ports[1]);
        both.start(u"curl"_s, {u"-s"_s, u"--parallel"_s, u"--parallel-immediate"_s, u"-X"_s,
                               u"POST"_s, u"-H"_s, u"Authorization: Bearer wrong"_s, u"-w"_s,
                               u"%{http_code}\n"_s, u"-o"_s, u"/dev/null"_s, url, u"-o"_s,
                               u"/dev/null"_s, url, u"-o"_s, u"/dev/null"_s, url});
        QVERIFY(both.waitForStarted(10000) && finishOrKill(both, 30000));
        QList<QByteArray> codes = both.readAllStandardOutput().trimmed().split('\n');
        std::sort(codes.begin(), codes.end());
        QCOMPARE(codes, (QList<QByteArray>{"401", "429", "429"}));
        QCOMPARE(post(ports[1], u"/api/capture/start"_s, token).status, 200);
        QVERIFY(receiver.waitForLine(u"with a wrong token from 127.0.0.1 (7 in a row)"_s));
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // A token file others may read, or one that is not one good token, is refused at start.
    void badTokenFilesRefused()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QString tokenFile = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(tokenFile, "0123456789abcdef0123"));
        const struct
        {
            QFile::Permissions permissions;
            QByteArray content;
            const char *expected;
        } cases[] = {
            {QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther, "0123456789abcdef0123\n",
             "readable or writable by group or others (mode 0604)"},
            {QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup, "0123456789abcdef0123\n",
             "(mode 0640)"},
            {QFile::ReadOwner | QFile::WriteOwner, "", "empty"},
            {QFile::ReadOwner | QFile::WriteOwner, "short\n", "the token has 5 characters"},
            {QFile::ReadOwner | QFile::WriteOwner, "0123456789abcdef0123\nmore\n",
             "more than one line"},
            {QFile::ReadOwner | QFile::WriteOwner, "0123456789 abcdef0123\n", "spaces"},
        };
        for (const auto &c : cases) {
            QFile::remove(tokenFile);
            QVERIFY(writeDataFile(tokenFile, c.content));
            QVERIFY(QFile::setPermissions(tokenFile, c.permissions));
            Receiver receiver(tmp.path(),
                              {u"--nogui"_s, u"-p"_s, QString::number(ports[0]), u"--status"_s,
                               QString::number(ports[1]), u"--control-token-file"_s, tokenFile});
            QVERIFY(receiver.start());
            QVERIFY(receiver.waitForExit());
            QCOMPARE(receiver.exitCode(), 2);
            const QByteArray err = receiver.stdErr();
            QVERIFY2(err.contains(QByteArray("invalid --control-token-file '" + tokenFile.toUtf8() +
                                             "': ")) &&
                         err.contains(c.expected) && err.count('\n') == 1,
                     err.constData());
        }
        for (const QStringList &args :
             {QStringList{u"--control-token-file"_s, tokenFile},
              QStringList{u"--status"_s, QString::number(ports[1]), u"--idle"_s}}) {
            Receiver receiver(tmp.path(), QStringList{u"--nogui"_s} + args);
            QVERIFY(receiver.start() && receiver.waitForExit());
            QCOMPARE(receiver.exitCode(), 2);
        }
    }

    // --status-tls-cert/--status-tls-key: /status, the control API and /events over HTTPS,
    // checked by curl --cacert; a client that speaks plain HTTP gets nothing.
    void statusOverHttps()
    {
        QTemporaryDir tmp;
        QProcess openssl;
        openssl.setWorkingDirectory(tmp.path());
        openssl.start(u"openssl"_s, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                                     u"-keyout"_s, u"key.pem"_s, u"-out"_s, u"cert.pem"_s,
                                     u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=capture-receiver-test"_s,
                                     u"-addext"_s, u"subjectAltName=IP:127.0.0.1"_s});
        QVERIFY(openssl.waitForStarted(10000) && finishOrKill(openssl, 60000));
        QCOMPARE(openssl.exitCode(), 0);
        const QList<quint16> ports = freePorts(2);
        const QString tokenFile = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(tokenFile, "0123456789abcdef0123"));
        Receiver receiver(
            tmp.path(), {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(ports[0]),
                         u"-o"_s, tmp.filePath(u"out"_s), u"--status"_s, QString::number(ports[1]),
                         u"--status-tls-cert"_s, tmp.filePath(u"cert.pem"_s), u"--status-tls-key"_s,
                         tmp.filePath(u"key.pem"_s), u"--control-token-file"_s, tokenFile});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        QVERIFY(receiver.hasLine(u"status: https://127.0.0.1:%1/status"_s.arg(ports[1])));
        const QString base = u"https://127.0.0.1:%1"_s.arg(ports[1]);
        const QStringList ca{u"--cacert"_s, tmp.filePath(u"cert.pem"_s)};
        Answer a = curl(base + u"/status"_s, ca);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.json.value(u"state"_s), QJsonValue(u"running"_s));
        QCOMPARE(curl(base + u"/status"_s).status, 0); // an unknown CA: curl refuses it
        a = curl(base + u"/api/capture/rotate"_s,
                 ca + QStringList{u"-X"_s, u"POST"_s, u"-H"_s,
                                  u"Authorization: Bearer 0123456789abcdef0123"_s});
        QCOMPARE(a.status, 200);
        a = curl(base + u"/events"_s, ca + QStringList{u"-N"_s, u"--max-time"_s, u"2"_s});
        QVERIFY2(a.status == 200 && a.body.startsWith(": capture-receiver\n\n") &&
                     a.body.contains("event: stats"),
                 qPrintable(describeAnswer(a)));
        QCOMPARE(curl(u"http://127.0.0.1:%1/status"_s.arg(ports[1])).status, 0);
        a = curl(base + u"/status"_s, ca); // still serving after the plain client
        QCOMPARE(a.status, 200);
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }
};

QTEST_GUILESS_MAIN(TestRemote)
#include "tst_remote.moc"

// Hostile clients against the real capture-receiver binary (--nogui): while one port records a
// stream, another takes a flood of 5,000 connect/close cycles and a slowloris of 1,000 silent
// connections. The stream's file must be complete, every file the flood made must be in the
// manifest, the limits (--max-connections-per-port, --idle-timeout) must hold and be counted in
// /status, and the receiver's memory must stay bounded.
//
// Every wait is bounded; no check depends on how fast anything runs.

#include "receiverprocess.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace {

constexpr int floodCycles = 5000;
constexpr int floodPayloadEvery = 5; // every 5th flood connection sends "flood <i>\n"
constexpr int slowlorisCount = 1000;
constexpr int perPortLimit = 500;
constexpr qsizetype streamSize = 64 * MiB;
constexpr qsizetype streamChunk = 64 * KiB;
constexpr int hostileTimeoutMs = 300000; // for the whole flood, slowloris and stream
constexpr int socketTimeoutSec = 30;     // any single connect or send of the clients

// VmHWM is a functional bound (nothing unbounded is kept per connection or per byte), far
// above what the receiver needs; the sanitizers' shadow memory and quarantine add their own.
#ifdef CAPTURE_SANITIZED
constexpr qint64 memoryBoundKiB = 1024 * 1024;
#else
constexpr qint64 memoryBoundKiB = 256 * 1024;
#endif

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

/// A blocking IPv4 loopback connection; connect and send are bounded by SO_SNDTIMEO.
int connectLoopback(quint16 port, QString *error)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = u"socket: "_s + errnoText();
        return -1;
    }
    const timeval timeout{socketTimeoutSec, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
        *error = u"connect to %1: %2"_s.arg(port).arg(errnoText());
        ::close(fd);
        return -1;
    }
    return fd;
}

quint16 localPort(int fd)
{
    sockaddr_in sa{};
    socklen_t length = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &length) != 0)
        return 0;
    return ntohs(sa.sin_port);
}

bool sendAllBytes(int fd, const char *data, qsizetype size)
{
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size_t(size), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= n;
    }
    return true;
}

QByteArray floodPayload(int cycle)
{
    return "flood " + QByteArray::number(cycle) + '\n';
}

/// The flood: sequential connect + close as fast as it goes; every floodPayloadEvery-th sends
/// a few bytes first. With a `gate`, the second half waits for it to open, and then each
/// connection also waits for the receiver to close its side: one connection at a time.
struct Flood
{
    std::atomic<int> done{0};
    int failed = 0;
    QString firstError;
    QList<quint16> clientPorts; ///< per cycle, 0 when the connect failed
};

void runFlood(quint16 port, Flood *flood, std::atomic<int> *progress, const std::atomic<bool> *gate,
              const std::atomic<bool> *cancel)
{
    flood->clientPorts.reserve(floodCycles);
    for (int i = 0; i < floodCycles && !cancel->load(); ++i) {
        while (gate && i == floodCycles / 2 && !gate->load() && !cancel->load())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        QString error;
        const int fd = connectLoopback(port, &error);
        if (fd < 0) {
            if (flood->failed++ == 0)
                flood->firstError = error;
            flood->clientPorts.append(0);
            flood->done.fetch_add(1);
            progress->fetch_add(1);
            continue;
        }
        flood->clientPorts.append(localPort(fd));
        if (i % floodPayloadEvery == 0) {
            // A refused connection (limit reached) may be reset under our send: not an error.
            const QByteArray payload = floodPayload(i);
            sendAllBytes(fd, payload.constData(), payload.size());
        }
        if (gate && i >= floodCycles / 2) {
            ::shutdown(fd, SHUT_WR);
            const timeval timeout{socketTimeoutSec, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
            char byte = 0;
            while (::recv(fd, &byte, 1, 0) > 0) {
            }
        }
        ::close(fd);
        flood->done.fetch_add(1);
        progress->fetch_add(1);
    }
}

/// The stream: `data` in chunks, each sent no earlier than the hostile clients got as far
/// through their work (or 100 ms later), so the stream runs alongside all of it and never
/// pauses for long (an idle timeout must not take it).
struct Stream
{
    std::atomic<bool> finished{false};
    std::atomic<qint64> sent{0};
    QString error;
};

void runStream(quint16 port, const QByteArray &data, const std::atomic<int> *progress,
               int progressTotal, Stream *stream, const std::atomic<bool> *cancel)
{
    QString error;
    const int fd = connectLoopback(port, &error);
    if (fd < 0) {
        stream->error = error;
        stream->finished = true;
        return;
    }
    const qsizetype chunks = (data.size() + streamChunk - 1) / streamChunk;
    for (qsizetype k = 0; k < chunks && !cancel->load(); ++k) {
        const double target = double(k) / double(chunks);
        for (int waited = 0;
             waited < 100 && !cancel->load() && double(progress->load()) / progressTotal < target;
             ++waited)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const qsizetype offset = k * streamChunk;
        const qsizetype size = qMin(streamChunk, data.size() - offset);
        if (!sendAllBytes(fd, data.constData() + offset, size)) {
            stream->error =
                u"send to %1 after %2 bytes: %3"_s.arg(port).arg(offset).arg(errnoText());
            break;
        }
        stream->sent = offset + size;
    }
    ::close(fd);
    stream->finished = true;
}

/// Silent client sockets, closed when this goes.
struct Slowloris
{
    std::vector<int> fds;
    QList<quint16> clientPorts;
    ~Slowloris() { closeAll(); }
    void closeAll()
    {
        for (const int fd : fds)
            ::close(fd);
        fds.clear();
    }
    /// How many of them the receiver has closed (EOF or reset: it never sends anything).
    int closedByPeer() const
    {
        std::vector<pollfd> polls;
        polls.reserve(fds.size());
        for (const int fd : fds)
            polls.push_back({fd, POLLIN | POLLRDHUP, 0});
        if (::poll(polls.data(), nfds_t(polls.size()), 0) < 0)
            return -1;
        return int(std::count_if(polls.begin(), polls.end(), [](const pollfd &p) {
            return (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
        }));
    }
};

/// GET /status through curl (bounded), parsed; the object of `port` in "ports".
struct PortStatus
{
    bool ok = false;
    QString error;
    qint64 connections = 0;
    qint64 connectionsTotal = 0;
    qint64 bytes = 0;
    qint64 refusedOverLimit = 0;
    qint64 idleClosed = 0;
    qint64 connectionsEmpty = 0;
};

PortStatus portStatus(quint16 statusPort, quint16 port)
{
    PortStatus result;
    QProcess curl;
    curl.setProcessEnvironment(headlessEnvironment());
    curl.start(u"curl"_s, {u"-sS"_s, u"--fail"_s, u"--max-time"_s, u"5"_s, u"--noproxy"_s, u"*"_s,
                           u"http://127.0.0.1:%1/status"_s.arg(statusPort)});
    // Waiting in the event loop keeps collecting the receiver's log: a full stderr pipe would
    // block the receiver's main thread, and with it the status server.
    const bool ended =
        curl.waitForStarted(startTimeoutMs) &&
        QTest::qWaitFor([&curl] { return curl.state() == QProcess::NotRunning; }, 20000);
    if (!ended || !finishOrKill(curl, 0) || curl.exitStatus() != QProcess::NormalExit ||
        curl.exitCode() != 0) {
        result.error =
            u"curl /status failed: "_s + QString::fromLocal8Bit(curl.readAllStandardError());
        return result;
    }
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(curl.readAllStandardOutput(), &parseError);
    if (!doc.isObject()) {
        result.error = u"/status is no JSON object: "_s + parseError.errorString();
        return result;
    }
    const QJsonArray ports = doc.object().value(u"ports"_s).toArray();
    for (const QJsonValue &value : ports) {
        const QJsonObject p = value.toObject();
        if (p.value(u"port"_s).toInt() != port)
            continue;
        for (const QString &key :
             {u"connections"_s, u"connections_total"_s, u"bytes"_s, u"refused_over_limit"_s,
              u"idle_closed"_s, u"connections_empty"_s}) {
            if (!p.contains(key)) {
                result.error = u"/status: port %1 has no \"%2\""_s.arg(port).arg(key);
                return result;
            }
        }
        result.connections = p.value(u"connections"_s).toInteger();
        result.connectionsTotal = p.value(u"connections_total"_s).toInteger();
        result.bytes = p.value(u"bytes"_s).toInteger();
        result.refusedOverLimit = p.value(u"refused_over_limit"_s).toInteger();
        result.idleClosed = p.value(u"idle_closed"_s).toInteger();
        result.connectionsEmpty = p.value(u"connections_empty"_s).toInteger();
        result.ok = true;
        return result;
    }
    result.error = u"/status lists no port %1"_s.arg(port);
    return result;
}

QString describeStatus(const PortStatus &s)
{
    if (!s.ok)
        return s.error;
    return u"connections %1, connections_total %2, bytes %3, refused_over_limit %4, "
           "idle_closed %5, connections_empty %6"_s.arg(s.connections)
               .arg(s.connectionsTotal)
               .arg(s.bytes)
               .arg(s.refusedOverLimit)
               .arg(s.idleClosed)
               .arg(s.connectionsEmpty);
}

/// "VmHWM:  1234 kB" of a process, in KiB; -1 when unreadable.
qint64 peakResidentKiB(qint64 pid)
{
    QFile status(u"/proc/%1/status"_s.arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

/// One manifest "file" record.
struct ManifestRecord
{
    qint64 bytes = -1;
    QByteArray xxh128;        ///< the default digest
    QStringList closeReasons; ///< of its connections
};

} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void floodAndSlowlorisWhileStreaming_data();
    void floodAndSlowlorisWhileStreaming();
};

void TestHostile::initTestCase()
{
    QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
    for (const QString &tool : {u"curl"_s, u"sh"_s}) {
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                 qPrintable(tool + u" is needed by this test and is not on PATH"_s));
    }
    // 1,000 silent sockets and the flood's in this process; the receiver (which inherits this
    // limit and raises its soft limit to the hard one) needs a socket and a file for each.
    constexpr rlim_t needed = 4096;
    rlimit limit{};
    QVERIFY(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
        qWarning("the hard open-files limit is %llu (ulimit -Hn); this test needs %llu",
                 static_cast<unsigned long long>(limit.rlim_max),
                 static_cast<unsigned long long>(needed));
        QSKIP("the hard open-files limit is too low for 1,000 silent connections (see above)");
    }
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            qWarning("cannot raise the open-files limit: %s", qPrintable(errnoText()));
            QSKIP("cannot raise the open-files limit (reason above)");
        }
    }
}

void TestHostile::floodAndSlowlorisWhileStreaming_data()
{
    QTest::addColumn<bool>("limited");
    QTest::newRow("no limits") << false;
    QTest::newRow("--idle-timeout 2 --max-connections-per-port 500") << true;
}

void TestHostile::floodAndSlowlorisWhileStreaming()
{
    QFETCH(bool, limited);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const QList<quint16> ports = TestSupport::freePorts(3);
    const quint16 a = ports[0]; // the flood and the slowloris
    const quint16 b = ports[1]; // the stream
    const quint16 statusPort = ports[2];

    QStringList arguments{u"--nogui"_s,
                          u"-b"_s,
                          u"127.0.0.1"_s,
                          u"-p"_s,
                          u"%1,%2"_s.arg(a).arg(b),
                          u"-o"_s,
                          out,
                          u"--split"_s,
                          u"connection"_s,
                          u"--stats-interval"_s,
                          u"0"_s,
                          u"--status"_s,
                          u"127.0.0.1:%1"_s.arg(statusPort)};
    if (limited)
        arguments << u"--idle-timeout"_s << u"2"_s << u"--max-connections-per-port"_s
                  << QString::number(perPortLimit);
    // sh writes its pid and execs the receiver: the same process, whose /proc entry we read.
    const QStringList wrapper{u"sh"_s, u"-c"_s, u"echo $$ > receiver.pid && exec \"$0\" \"$@\""_s};
    Receiver receiver(tmp.path(), arguments, wrapper);
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    QVERIFY2(receiver.waitForLine(u"status: http://127.0.0.1:%1/status"_s.arg(statusPort)),
             receiver.describe());
    const qint64 pid =
        TestSupport::readFile(tmp.filePath(u"receiver.pid"_s)).trimmed().toLongLong();
    QVERIFY2(pid > 0, "no pid from the wrapper");

    const QByteArray data = TestSupport::patternData(4242, streamSize);
    const QByteArray dataSha256 = TestSupport::sha256(data);
    const QByteArray dataXxh128 = TestSupport::xxh128(data);

    std::atomic<bool> cancel{false};
    // With the limit, the second half of the flood waits until the slowloris is all closed
    // and then goes one connection at a time: it is all recorded, whatever the timing. (A
    // fast flood may be turned away even with no slowloris: connections whose close the
    // receiver has not read yet count against the limit.)
    std::atomic<bool> slowlorisGone{false};
    std::atomic<int> progress{0}; // slowloris connections opened + flood cycles done
    constexpr int progressTotal = slowlorisCount + floodCycles;
    Stream stream;
    Flood flood;
    Slowloris slowloris;
    std::thread streamThread(runStream, b, std::cref(data), &progress, progressTotal, &stream,
                             &cancel);
    std::thread floodThread;
    // On every way out: the clients stop, the threads end before what they use goes away.
    auto joinClients = qScopeGuard([&] {
        cancel = true;
        if (floodThread.joinable())
            floodThread.join();
        if (streamThread.joinable())
            streamThread.join();
    });

    // 1. The slowloris: 1,000 connections to A, silent.
    for (int i = 0; i < slowlorisCount; ++i) {
        QString error;
        const int fd = connectLoopback(a, &error);
        QVERIFY2(fd >= 0, qPrintable(u"slowloris connection %1: %2"_s.arg(i).arg(error)));
        slowloris.fds.push_back(fd);
        slowloris.clientPorts.append(localPort(fd));
        ++progress;
    }
    // The receiver has taken them all: recording (no limits), or 500 recording and the rest
    // turned away (the limit).
    PortStatus status;
    QDeadlineTimer deadline(lineTimeoutMs);
    for (;;) {
        status = portStatus(statusPort, a);
        QVERIFY2(status.ok, qPrintable(status.error + QString::fromUtf8(receiver.describe())));
        if (status.connectionsTotal + status.refusedOverLimit >= slowlorisCount ||
            deadline.hasExpired())
            break;
        QTest::qWait(100);
    }
    if (!limited) {
        QVERIFY2(status.connectionsTotal == slowlorisCount && status.refusedOverLimit == 0,
                 qPrintable(describeStatus(status)));
    } else if (status.idleClosed == 0) {
        QVERIFY2(status.connectionsTotal == perPortLimit &&
                     status.refusedOverLimit == slowlorisCount - perPortLimit,
                 qPrintable(describeStatus(status)));
    } else {
        // The first idle timeouts (2 s) freed slots before the burst was all taken (a very
        // slow machine): more got in, but never more than 500 at once.
        QVERIFY2(status.connectionsTotal >= perPortLimit && status.connections <= perPortLimit &&
                     status.connectionsTotal + status.refusedOverLimit == slowlorisCount,
                 qPrintable(describeStatus(status)));
    }
    const qint64 slowlorisAccepted = status.connectionsTotal;

    // 2. The flood, while the slowloris stays open and the stream goes on.
    floodThread =
        std::thread(runFlood, a, &flood, &progress, limited ? &slowlorisGone : nullptr, &cancel);
    qint64 mostConnectionsOnA = 0;
    deadline = QDeadlineTimer(hostileTimeoutMs);
    int lastFloodDone = -1;
    while (!stream.finished || flood.done < floodCycles) {
        QVERIFY2(!deadline.hasExpired(),
                 qPrintable(u"the clients did not finish in %1 ms: flood %2 of %3, stream %4 of "
                            "%5 bytes"_s.arg(hostileTimeoutMs)
                                .arg(flood.done.load())
                                .arg(floodCycles)
                                .arg(stream.sent.load())
                                .arg(streamSize)));
        QVERIFY2(receiver.isRunning(), receiver.describe());
        if (limited && !slowlorisGone && slowloris.closedByPeer() == slowlorisCount)
            slowlorisGone = true;
        const int floodDone = flood.done;
        if (floodDone != lastFloodDone || stream.finished) {
            status = portStatus(statusPort, a);
            QVERIFY2(status.ok, qPrintable(status.error));
            mostConnectionsOnA = qMax(mostConnectionsOnA, status.connections);
            lastFloodDone = floodDone;
        }
        QTest::qWait(50);
    }
    floodThread.join();
    streamThread.join();
    QVERIFY2(stream.error.isEmpty(), qPrintable(stream.error));
    QCOMPARE(stream.sent.load(), streamSize);
    QVERIFY2(flood.failed == 0,
             qPrintable(u"%1 of %2 flood connects failed, the first: %3"_s.arg(flood.failed)
                            .arg(floodCycles)
                            .arg(flood.firstError)));
    QCOMPARE(flood.clientPorts.size(), floodCycles);

    // 3. The stream was read to its end; the receiver has accounted for every connection.
    QVERIFY2(receiver.waitForLine(
                 QRegularExpression(uR"( info port %1: connection from 127\.0\.0\.1:\d+ closed )"
                                    uR"(\(peer closed\): %2 bytes)"_s.arg(b)
                                        .arg(streamSize)),
                 clientTimeoutMs),
             receiver.describe());
    deadline = QDeadlineTimer(clientTimeoutMs);
    for (;;) {
        status = portStatus(statusPort, a);
        QVERIFY2(status.ok, qPrintable(status.error));
        const bool settled = limited ? status.connections == 0 &&
                                           status.connectionsTotal + status.refusedOverLimit ==
                                               slowlorisCount + floodCycles
                                     : status.connections == slowlorisCount &&
                                           status.connectionsTotal == slowlorisCount + floodCycles;
        if (settled || deadline.hasExpired())
            break;
        QTest::qWait(100);
    }
    QVERIFY2(limited ? status.connections == 0 : status.connections == slowlorisCount,
             qPrintable(describeStatus(status)));
    QCOMPARE(status.connectionsTotal + status.refusedOverLimit,
             qint64(slowlorisCount + floodCycles));
    const PortStatus settledA = status;
    if (limited) {
        QVERIFY2(mostConnectionsOnA <= perPortLimit,
                 qPrintable(
                     u"port %1 had %2 connections open at once"_s.arg(a).arg(mostConnectionsOnA)));
        // Every slowloris connection is closed by now: refused at once, or idle for 2 s.
        deadline = QDeadlineTimer(clientTimeoutMs);
        while (slowloris.closedByPeer() != slowlorisCount && !deadline.hasExpired())
            QTest::qWait(100);
        QCOMPARE(slowloris.closedByPeer(), slowlorisCount);
    } else {
        QCOMPARE(slowloris.closedByPeer(), 0); // nothing closes a silent connection unasked
    }

    // 4. Memory: the peak over the whole run, before the stop.
    const qint64 peakKiB = peakResidentKiB(pid);
    QVERIFY2(peakKiB > 0, "cannot read VmHWM of the receiver");
    qInfo("receiver VmHWM: %lld KiB (bound %lld KiB)", peakKiB, memoryBoundKiB);
    QVERIFY2(
        peakKiB < memoryBoundKiB,
        qPrintable(u"the receiver's peak resident size is %1 KiB, over %2 KiB"_s.arg(peakKiB).arg(
            memoryBoundKiB)));

    // 5. SIGTERM: the drain (without limits the 1,000 silent connections hold it until the
    // drain timeout), files closed, exit 0.
    QVERIFY2(receiver.sendSignal(SIGTERM), receiver.describe());
    QVERIFY2(receiver.waitForExit(), receiver.describe());
    QVERIFY2(receiver.exitedNormally() && receiver.exitCode() == 0, receiver.describe());
    slowloris.closeAll();
    if (!limited)
        QVERIFY2(receiver.hasLine(u"%1 connection(s) were still open at the drain timeout"_s.arg(
                     slowlorisCount)),
                 receiver.describe());
    QVERIFY2(!receiver.hasLine(QRegularExpression(u" error "_s)), receiver.describe());

    // 6. The files and the manifest.
    QHash<QString, ManifestRecord> manifest;
    const QList<QByteArray> manifestLines =
        TestSupport::readFile(QDir(out).filePath(u"manifest.jsonl"_s)).split('\n');
    QVERIFY(manifestLines.size() > 1);
    QVERIFY(manifestLines.last().isEmpty()); // every line complete
    int runLines = 0;
    for (qsizetype i = 0; i + 1 < manifestLines.size(); ++i) {
        const QJsonObject o = QJsonDocument::fromJson(manifestLines[i]).object();
        if (o.value(u"type"_s).toString() == u"run"_s) { // the run's start and stop
            ++runLines;
            continue;
        }
        QVERIFY2(o.value(u"type"_s).toString() == u"file"_s, manifestLines[i].constData());
        const QString file = o.value(u"file"_s).toString();
        QVERIFY2(!manifest.contains(file), qPrintable(u"listed twice: "_s + file));
        ManifestRecord record;
        record.bytes = o.value(u"bytes"_s).toInteger(-1);
        record.xxh128 = o.value(u"xxh128"_s).toString().toLatin1();
        for (const QJsonValue &c : o.value(u"connections"_s).toArray())
            record.closeReasons.append(c.toObject().value(u"close_reason"_s).toString());
        manifest.insert(file, record);
    }

    const QRegularExpression aName(
        uR"(^stream_%1_\d{8}_\d{6}_127\.0\.0\.1_(\d+)(_\d+)?\.bin$)"_s.arg(a));
    const QRegularExpression bName(uR"(^stream_%1_\d{8}_\d{6}_127\.0\.0\.1_\d+\.bin$)"_s.arg(b));
    const QStringList names = QDir(out).entryList(QDir::Files, QDir::Name);
    QStringList bFiles;
    QStringList aFiles;
    for (const QString &name : names) {
        if (name == u"manifest.jsonl"_s)
            continue;
        if (bName.match(name).hasMatch())
            bFiles.append(name);
        else if (aName.match(name).hasMatch())
            aFiles.append(name);
        else
            QFAIL(qPrintable(u"unexpected file in the output: "_s + name));
    }

    // The stream: complete, and the manifest agrees.
    QVERIFY2(bFiles.size() == 1, qPrintable(bFiles.join(u", "_s)));
    const QString bPath = QDir(out).filePath(bFiles.first());
    QCOMPARE(QFileInfo(bPath).size(), streamSize);
    QCOMPARE(TestSupport::fileSha256(bPath), dataSha256);
    QVERIFY2(manifest.contains(bFiles.first()), qPrintable(bFiles.first()));
    QCOMPARE(manifest.value(bFiles.first()).bytes, streamSize);
    QCOMPARE(manifest.value(bFiles.first()).xxh128, dataXxh128);
    QCOMPARE(manifest.value(bFiles.first()).closeReasons, QStringList{u"peer closed"_s});

    // Port A: one file per accepted connection that sent a byte, each listed with its size and
    // hash. The silent ones (the slowloris, most of the flood) made no file and are counted as
    // empty; the slowloris without limits are still open at this point (the drain closes them).
    QCOMPARE(qint64(aFiles.size()), settledA.connectionsTotal - settledA.connectionsEmpty -
                                        (limited ? 0 : slowlorisCount));
    QCOMPARE(qsizetype(manifest.size()), aFiles.size() + 1);
    QCOMPARE(runLines, 2);
    QHash<QByteArray, quint16> filePortByContent; // file content -> peer port
    for (const QString &name : std::as_const(aFiles)) {
        const QString path = QDir(out).filePath(name);
        const quint16 peerPort = quint16(aName.match(name).captured(1).toUInt());
        const QByteArray content = TestSupport::readFile(path);
        QVERIFY2(manifest.contains(name), qPrintable(u"not in the manifest: "_s + name));
        const ManifestRecord record = manifest.value(name);
        QVERIFY2(
            record.bytes == content.size() && record.xxh128 == TestSupport::xxh128(content),
            qPrintable(u"manifest disagrees with %1 (%2 bytes)"_s.arg(name).arg(content.size())));
        QVERIFY2(!content.isEmpty(), qPrintable(u"a file for a silent connection: "_s + name));
        QVERIFY2(record.closeReasons == QStringList{u"peer closed"_s},
                 qPrintable(name + u": "_s + record.closeReasons.join(u", "_s)));
        QVERIFY2(!filePortByContent.contains(content), content.constData());
        filePortByContent.insert(content, peerPort);
    }
    qInfo("port A: %lld files, at most %lld connections open; %s", qint64(aFiles.size()),
          mostConnectionsOnA, qPrintable(describeStatus(settledA)));
    // What the flood sent is in the file of the connection that sent it.
    int floodPayloads = 0;
    for (int i = 0; i < floodCycles; i += floodPayloadEvery) {
        const QByteArray payload = floodPayload(i);
        const auto it = filePortByContent.constFind(payload);
        if (it == filePortByContent.constEnd()) {
            // Refused over the limit; the second half came after the slowloris had gone.
            QVERIFY2(limited && i < floodCycles / 2,
                     qPrintable(u"no file holds flood connection %1's bytes"_s.arg(i)));
            continue;
        }
        QCOMPARE(*it, flood.clientPorts.at(i));
        ++floodPayloads;
    }
    QCOMPARE(qsizetype(floodPayloads), filePortByContent.size()); // and nothing else

    if (!limited) {
        QCOMPARE(settledA.idleClosed, 0);
        QCOMPARE(floodPayloads, floodCycles / floodPayloadEvery);
        QCOMPARE(settledA.connectionsEmpty, qint64(floodCycles - floodCycles / floodPayloadEvery));
    } else {
        // Every slowloris connection that got in was closed for its silence, and only those.
        QCOMPARE(settledA.idleClosed, slowlorisAccepted);
        QVERIFY2(settledA.refusedOverLimit >= slowlorisCount - slowlorisAccepted,
                 qPrintable(describeStatus(settledA)));
        // The second half of the flood came one at a time into free slots: all recorded.
        int secondHalfPayloads = 0;
        for (int i = floodCycles / 2; i < floodCycles; ++i)
            secondHalfPayloads += i % floodPayloadEvery == 0;
        QVERIFY2(floodPayloads >= secondHalfPayloads, qPrintable(describeStatus(settledA)));
    }
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"

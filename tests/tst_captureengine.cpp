#include "core/capture/capturecontroller.h"
#include "core/capture/filenaming.h"
#include "engineharness.h"
#include "testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <csignal>
#include <sys/resource.h>
#include <thread>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

/// Sends `data` to each port from its own thread, all at once; returns the errors.
QStringList sendConcurrently(const QList<std::pair<quint16, QByteArray>> &streams,
                             qsizetype chunk = 65536)
{
    std::vector<std::thread> threads;
    std::vector<std::optional<QString>> results(size_t(streams.size()));
    for (qsizetype i = 0; i < streams.size(); ++i) {
        threads.emplace_back([&, i] {
            results[size_t(i)] = TestSupport::sendAll(streams[i].first, streams[i].second, chunk);
        });
    }
    for (std::thread &t : threads)
        t.join();
    QStringList errors;
    for (const auto &r : results) {
        if (r)
            errors.append(*r);
    }
    return errors;
}

quint16 portOfFile(const QString &name)
{
    static const QRegularExpression re(u"^stream_(\\d+)_\\d{8}_\\d{6}"_s);
    const auto m = re.match(name);
    return m.hasMatch() ? quint16(m.captured(1).toUInt()) : 0;
}

/// Lowers the file-size limit of this process for the scope: writes past it fail with EFBIG.
class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        m_handler = std::signal(SIGXFSZ, SIG_IGN);
        ::getrlimit(RLIMIT_FSIZE, &m_old);
        rlimit limit = m_old;
        limit.rlim_cur = bytes;
        m_ok = ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
    }
    ~FileSizeLimit()
    {
        ::setrlimit(RLIMIT_FSIZE, &m_old);
        std::signal(SIGXFSZ, m_handler);
    }
    bool ok() const { return m_ok; }

private:
    rlimit m_old{};
    void (*m_handler)(int) = nullptr;
    bool m_ok = false;
};

} // namespace

class TestCaptureEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitConnectionManyPortsAndConnections()
    {
        constexpr int portCount = 8;
        constexpr int perPort = 4;
        constexpr qsizetype size = 16 * 1024 * 1024;
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(portCount);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Connection)));

        QList<std::pair<quint16, QByteArray>> streams;
        QHash<quint16, QSet<QByteArray>> expected;
        for (int p = 0; p < portCount; ++p) {
            for (int c = 0; c < perPort; ++c) {
                QByteArray data = TestSupport::patternData(quint64(p * 100 + c + 1), size);
                expected[ports[p]].insert(TestSupport::sha256(data));
                streams.append({ports[p], std::move(data)});
            }
        }
        const QStringList errors = sendConcurrently(streams);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), portCount * perPort, timeoutMs);

        const StopSummary summary = h.stop();
        QCOMPARE(summary.bytesReceived, quint64(portCount * perPort * size));
        QCOMPARE(summary.bytesWritten, summary.bytesReceived);
        QVERIFY(!summary.aborted);
        QCOMPARE(h.writeFailed.size(), 0);
        QCOMPARE(h.filesOpened.size(), portCount * perPort);
        QCOMPARE(h.filesClosed.size(), portCount * perPort);

        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), portCount * perPort);
        QHash<quint16, QSet<QByteArray>> actual;
        static const QRegularExpression name(
            u"^stream_\\d+_\\d{8}_\\d{6}_127\\.0\\.0\\.1_\\d+(_\\d+)?\\.bin$"_s);
        for (const QString &file : files) {
            QVERIFY2(name.match(file).hasMatch(), qPrintable(file));
            actual[portOfFile(file)].insert(TestSupport::fileSha256(dir.filePath(file)));
        }
        QCOMPARE(actual, expected);
        for (const ConnectionInfo &info : h.closedConnections()) {
            QCOMPARE(info.bytesReceived, quint64(size));
            QCOMPARE(info.bytesWritten, quint64(size));
            QCOMPARE(info.closeReason, u"peer closed"_s);
            QVERIFY(ports.contains(info.localPort));
            QVERIFY(QFile::exists(info.file));
        }
    }

    void splitPortConcatenatesSequentialConnections()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(2);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Port)));
        QByteArray all;
        for (int i = 0; i < 4; ++i) {
            const QByteArray part = TestSupport::patternData(quint64(40 + i), 300'000 + i * 1000);
            QCOMPARE(TestSupport::sendAll(ports[0], part, 4096), std::nullopt);
            QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), i + 1, timeoutMs);
            all += part;
        }
        QCOMPARE(h.filesOpened.size(), 1); // created at the first connection only
        h.stop();
        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), 1); // the idle port made no file
        static const QRegularExpression name(u"^stream_%1_\\d{8}_\\d{6}\\.bin$"_s.arg(ports[0]));
        QVERIFY2(name.match(files[0]).hasMatch(), qPrintable(files[0]));
        QCOMPARE(TestSupport::readFile(dir.filePath(files[0])), all);
        QCOMPARE(h.warnings.size(), 0);
    }

    void splitPortWarnsAboutConcurrentConnections()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Port)));
        QTcpSocket first;
        first.connectToHost(QHostAddress::LocalHost, ports[0]);
        QVERIFY(first.waitForConnected(timeoutMs));
        QTRY_COMPARE_WITH_TIMEOUT(h.opened.size(), 1, timeoutMs);
        QTcpSocket second;
        second.connectToHost(QHostAddress::LocalHost, ports[0]);
        QVERIFY(second.waitForConnected(timeoutMs));
        QTRY_COMPARE_WITH_TIMEOUT(h.warnings.size(), 1, timeoutMs);
        const QString warning = h.warnings.at(0).at(0).toString();
        QVERIFY2(warning.contains(QString::number(ports[0])) && warning.contains(u"interleave"_s),
                 qPrintable(warning));
        first.write("one");
        second.write("two");
        first.disconnectFromHost();
        second.disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs);
        h.stop();
        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), 1);
        const QByteArray content = TestSupport::readFile(dir.filePath(files[0]));
        QCOMPARE(content.size(), 6);
        QVERIFY(content.contains("one") && content.contains("two"));
    }

    void stopWhileDataInFlight()
    {
        constexpr int streamsCount = 6;
        constexpr qsizetype size = 8 * 1024 * 1024;
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(3);
        Harness h;
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Connection);
        settings.readBufferSize = 256 * 1024; // more data stays queued in the kernel
        QVERIFY(h.start(settings));

        QList<std::pair<quint16, QByteArray>> streams;
        QSet<QByteArray> expected;
        for (int i = 0; i < streamsCount; ++i) {
            QByteArray data = TestSupport::patternData(quint64(500 + i), size - i * 4099);
            expected.insert(TestSupport::sha256(data));
            streams.append({ports[i % ports.size()], std::move(data)});
        }
        // The senders write everything and close; stop is requested the moment they return,
        // while much of it is still in socket buffers on both sides.
        const QStringList errors = sendConcurrently(streams);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
        // One more sender that connects, sends and closes right before the stop: the engine
        // may not even have accepted it yet.
        const QByteArray late = TestSupport::patternData(999, 200'000);
        expected.insert(TestSupport::sha256(late));
        QCOMPARE(TestSupport::sendAll(ports[0], late), std::nullopt);
        const StopSummary summary = h.stop();

        QCOMPARE(summary.drainTimedOut, 0);
        QCOMPARE(summary.bytesWritten, summary.bytesReceived);
        QSet<QByteArray> actual;
        for (const QString &file : filesIn(dir.path()))
            actual.insert(TestSupport::fileSha256(dir.filePath(file)));
        QCOMPARE(actual, expected);
    }

    void drainTimeoutClosesSilentPeersKeepingTheirData()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Port);
        settings.drainTimeoutMs = 300;
        QVERIFY(h.start(settings));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, ports[0]);
        QVERIFY(client.waitForConnected(timeoutMs));
        const QByteArray data = TestSupport::patternData(5, 3 * 1024 * 1024);
        client.write(data);
        while (client.bytesToWrite() > 0)
            QVERIFY(client.waitForBytesWritten(timeoutMs));
        // The peer stays connected: the stop has to end by the drain timeout.
        const StopSummary summary = h.stop();
        QCOMPARE(summary.drainTimedOut, 1);
        QCOMPARE(summary.bytesWritten, quint64(data.size()));
        const QList<ConnectionInfo> closed = h.closedConnections();
        QCOMPARE(closed.size(), 1);
        QCOMPARE(closed[0].closeReason, u"drain timeout"_s);
        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), 1);
        QCOMPARE(TestSupport::readFile(dir.filePath(files[0])), data);
    }

    void abortKeepsWhatWasReadAndClosesFiles()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Port)));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, ports[0]);
        QVERIFY(client.waitForConnected(timeoutMs));
        client.write(QByteArray(100'000, 'a'));
        QVERIFY(client.waitForBytesWritten(timeoutMs));
        QTRY_VERIFY_WITH_TIMEOUT(
            !h.stats.isEmpty() && h.stats.last().at(0).value<StatsSnapshot>().totalBytes == 100'000,
            timeoutMs);
        h.controller.abort();
        QTRY_COMPARE_WITH_TIMEOUT(h.stopped.size(), 1, timeoutMs);
        const auto summary = h.stopped.at(0).at(0).value<StopSummary>();
        QVERIFY(summary.aborted);
        QCOMPARE(summary.bytesWritten, quint64(100'000));
        QCOMPARE(h.filesClosed.size(), 1);
        QCOMPARE(h.filesClosed.at(0).at(0).value<FileInfo>().state, FileInfo::State::Closed);
        QCOMPARE(TestSupport::readFile(dir.filePath(filesIn(dir.path()).at(0))).size(), 100'000);
    }

    void writeFailureStopsOnlyTheAffectedConnection()
    {
        constexpr rlim_t limit = 1024 * 1024;
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(2);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Port)));
        FileSizeLimit fileSizeLimit(limit);
        QVERIFY(fileSizeLimit.ok());

        const QByteArray tooMuch = TestSupport::patternData(1, 3 * limit);
        const QByteArray small = TestSupport::patternData(2, 200'000);
        // The failing receiver closes the connection, so the sender may see a reset.
        std::thread failing([&] { TestSupport::sendAll(ports[0], tooMuch); });
        QCOMPARE(TestSupport::sendAll(ports[1], small), std::nullopt);
        failing.join();
        QTRY_COMPARE_WITH_TIMEOUT(h.writeFailed.size(), 1, timeoutMs);
        const FileInfo failed = h.writeFailed.at(0).at(0).value<FileInfo>();
        QCOMPARE(failed.port, ports[0]);
        QCOMPARE(failed.state, FileInfo::State::Error);
        QVERIFY2(failed.error.contains(u"File too large"_s), qPrintable(failed.error));
        QCOMPARE(failed.bytes, quint64(limit));

        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs);
        bool sawFailure = false;
        for (const ConnectionInfo &info : h.closedConnections()) {
            if (info.localPort != ports[0])
                continue;
            sawFailure = true;
            QVERIFY2(info.closeReason.contains(u"write error"_s), qPrintable(info.closeReason));
            QCOMPARE(info.bytesWritten, quint64(limit));
            QVERIFY(info.bytesReceived > info.bytesWritten);
        }
        QVERIFY(sawFailure);

        // The other port keeps recording, and the failed port starts a new file.
        const QByteArray more = TestSupport::patternData(3, 100'000);
        QCOMPARE(TestSupport::sendAll(ports[1], more), std::nullopt);
        QCOMPARE(TestSupport::sendAll(ports[0], more), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 4, timeoutMs);
        const StopSummary summary = h.stop();
        QVERIFY(summary.bytesWritten < summary.bytesReceived);

        QByteArray portA1, portA2, portB;
        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), 3);
        for (const QString &file : files) {
            const QByteArray content = TestSupport::readFile(dir.filePath(file));
            if (portOfFile(file) == ports[1])
                portB = content;
            else if (content.size() == qsizetype(limit))
                portA1 = content;
            else
                portA2 = content;
        }
        QCOMPARE(portB, small + more);
        QCOMPARE(portA1, tooMuch.left(limit)); // everything before the fault is kept
        QCOMPARE(portA2, more);
    }

    void openFailureIsReported()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(u"out"_s);
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, out, SplitMode::Connection)));
        // The output directory is replaced by a plain file under us: it cannot be made again.
        QVERIFY(QDir(out).removeRecursively());
        QFile blocker(out);
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, ports[0]);
        QVERIFY(client.waitForConnected(timeoutMs));
        // The file is created with the first byte, so the failure shows when data comes.
        client.write("data");
        QVERIFY(client.waitForBytesWritten(timeoutMs));
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        const ConnectionInfo info = h.closedConnections().at(0);
        QVERIFY2(info.closeReason.contains(out) && info.closeReason.contains(u"Not a directory"_s),
                 qPrintable(info.closeReason));
        // Two errors: the directory (noticed before the file was made), then the connection.
        const QStringList errors = h.errorTexts();
        QCOMPARE(errors.size(), 2);
        QVERIFY2(errors[0].contains(u"output directory %1 was deleted"_s.arg(out)) &&
                     errors[0].contains(u"no file of this run was in it"_s) &&
                     errors[0].contains(u"not a directory"_s),
                 qPrintable(errors[0]));
        QVERIFY2(errors[1].contains(u"closed unread"_s), qPrintable(errors[1]));
        QVERIFY(client.state() == QAbstractSocket::UnconnectedState ||
                client.waitForDisconnected(timeoutMs));
        h.stop();
    }

    // The output directory renamed away and another made in its place: the files of the run
    // are not in the output directory any more. They are reported lost (in the new directory's
    // manifest too), the open file is closed and its connection goes on into a new one.
    void movedOutputDirectoryIsReported()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(u"out"_s);
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, out, SplitMode::Connection)));
        Client done(ports[0]);
        QVERIFY(done.ok() && done.send("first"));
        done.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.filesClosed.size(), 1, timeoutMs);
        Client going(ports[0]);
        QVERIFY(going.ok() && going.send("second, part 1;"));
        QTRY_COMPARE_WITH_TIMEOUT(h.filesOpened.size(), 2, timeoutMs);

        QVERIFY(QDir().rename(out, out + u".old"_s));
        QVERIFY(QDir().mkdir(out));
        QTRY_COMPARE_WITH_TIMEOUT(h.filesLost.size(), 2, timeoutMs);
        const QList<FileInfo> lost = h.lostFiles();
        for (const FileInfo &info : lost) {
            QCOMPARE(info.state, FileInfo::State::Lost);
            QCOMPARE(info.error, u"output directory moved or replaced"_s);
        }
        QCOMPARE(lost[0].bytes + lost[1].bytes,
                 quint64(strlen("first") + strlen("second, part 1;")));
        QVERIFY2(
            h.errorTexts().constFirst().contains(
                u"output directory %1 was moved or replaced during the run: the 2 file(s)"_s.arg(
                    out)),
            qPrintable(h.errorTexts().join(u'\n')));

        QVERIFY(going.send(" part 2"));
        going.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs);
        const StopSummary summary = h.stop();
        QCOMPARE(summary.filesLost, quint64(2));

        // The old files are where they were moved to, untouched; the new directory has the rest
        // of the stream and a manifest that lists the two lost files.
        QCOMPARE(filesIn(out + u".old"_s).size(), 2);
        const QStringList now = filesIn(out);
        QCOMPARE(now.size(), 1);
        QCOMPARE(TestSupport::readFile(QDir(out).filePath(now[0])), QByteArray(" part 2"));
        const QList<QByteArray> lines =
            TestSupport::readFile(QDir(out).filePath(u"manifest.jsonl"_s)).split('\n');
        int lostLines = 0;
        int fileLines = 0;
        for (const QByteArray &line : lines) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            lostLines += o.value(u"type"_s).toString() == u"lost"_s;
            fileLines += o.value(u"type"_s).toString() == u"file"_s;
        }
        QCOMPARE(lostLines, 2);
        QCOMPARE(fileLines, 1);
    }

    // A file deleted while it is written: reported lost, its connection goes on in a new file.
    void fileDeletedWhileWrittenIsReported()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(u"out"_s);
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, out, SplitMode::Port)));
        Client client(ports[0]);
        QVERIFY(client.ok() && client.send("before"));
        QTRY_COMPARE_WITH_TIMEOUT(h.filesOpened.size(), 1, timeoutMs);
        const QStringList files = filesIn(out);
        QCOMPARE(files.size(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(QFileInfo(QDir(out).filePath(files[0])).size(), 6, timeoutMs);
        QVERIFY(QFile::remove(QDir(out).filePath(files[0])));
        QTRY_COMPARE_WITH_TIMEOUT(h.filesLost.size(), 1, timeoutMs);
        QCOMPARE(h.lostFiles()[0].bytes, quint64(6));
        QCOMPARE(h.lostFiles()[0].error, u"deleted while it was written"_s);
        QVERIFY(client.send("after"));
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        const StopSummary summary = h.stop();
        QCOMPARE(summary.filesLost, quint64(1));
        const QStringList after = filesIn(out);
        QCOMPARE(after.size(), 1);
        QCOMPARE(TestSupport::readFile(QDir(out).filePath(after[0])), QByteArray("after"));
        QCOMPARE(h.errors.size(), 1);
    }

    void bindFailureReleasesEveryPort()
    {
        QTemporaryDir dir;
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
        const QList<quint16> free = TestSupport::freePorts(2);
        const QString out = dir.filePath(u"out"_s);
        Harness h;
        h.controller.start(
            settingsFor({free[0], occupier.serverPort(), free[1]}, out, SplitMode::Port));
        QTRY_COMPARE_WITH_TIMEOUT(h.startFailed.size(), 1, timeoutMs);
        QCOMPARE(h.started.size(), 0);
        const auto failures = h.startFailed.at(0).at(0).value<QList<ListenFailure>>();
        QCOMPARE(failures.size(), 1);
        QCOMPARE(failures[0].port, occupier.serverPort());
        QVERIFY2(failures[0].reason.contains(u"in use"_s), qPrintable(failures[0].reason));
        QVERIFY(!QFileInfo::exists(out)); // nothing created on disk
        QVERIFY(!h.controller.isActive());
        for (const quint16 port : free) {
            QTcpServer again;
            QVERIFY2(again.listen(QHostAddress::LocalHost, port), "a bound port was not released");
        }
    }

    void outputDirectoryCreatedWithParents()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(u"a/b/c"_s);
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, out, SplitMode::Port)));
        QVERIFY(QFileInfo(out).isDir());
        h.stop();

        // A file where the directory should be is a start-up error naming it.
        const QString blocked = dir.filePath(u"file"_s);
        QFile f(blocked);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        Harness h2;
        QVERIFY(!h2.start(settingsFor(ports, blocked + u"/sub"_s, SplitMode::Port)));
        const QString reason = h2.startFailed.at(0).at(1).toString();
        QVERIFY2(reason.contains(blocked), qPrintable(reason));
    }

    void dualStackAndIpv6FileNames()
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHostIPv6, 0))
            QSKIP("IPv6 loopback (::1) is not available in this environment");
        probe.close();
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Connection);
        settings.bindAddress = QHostAddress::Any;
        QVERIFY(h.start(settings));
        QCOMPARE(TestSupport::sendAll(ports[0], "over ipv4", 64, "127.0.0.1"), std::nullopt);
        QCOMPARE(TestSupport::sendAll(ports[0], "over ipv6", 64, "::1"), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs);
        h.stop();
        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), 2);
        QSet<QByteArray> contents;
        for (const QString &file : files) {
            const QByteArray content = TestSupport::readFile(dir.filePath(file));
            contents.insert(content);
            if (content == "over ipv6")
                QVERIFY2(file.contains(u"_--1_"_s), qPrintable(file));
            else
                QVERIFY2(file.contains(u"_127.0.0.1_"_s), qPrintable(file));
        }
        QCOMPARE(contents, (QSet<QByteArray>{"over ipv4", "over ipv6"}));
    }

    void snapshotsCarryPortsConnectionsAndRates()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(2);
        Harness h;
        QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Port)));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, ports[1]);
        QVERIFY(client.waitForConnected(timeoutMs));
        client.write(QByteArray(50'000, 'z'));
        QVERIFY(client.waitForBytesWritten(timeoutMs));
        StatsSnapshot seen;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                if (h.stats.isEmpty())
                    return false;
                seen = h.stats.last().at(0).value<StatsSnapshot>();
                return seen.totalBytes == 50'000;
            }(),
            timeoutMs);
        QCOMPARE(seen.ports.size(), 2);
        QCOMPARE(seen.ports[1].port, ports[1]);
        QCOMPARE(seen.ports[1].bytes, quint64(50'000));
        QCOMPARE(seen.ports[1].state, PortStats::State::Receiving);
        QCOMPARE(seen.ports[1].activeConnections, 1);
        QVERIFY(!seen.ports[1].currentFile.isEmpty());
        QCOMPARE(seen.ports[0].state, PortStats::State::Listening);
        QCOMPARE(seen.connections.size(), 1);
        QCOMPARE(seen.connections[0].localPort, ports[1]);
        QCOMPARE(seen.files.size(), 1);
        QCOMPARE(seen.activeConnections, 1);
        // Snapshots come periodically, not per read.
        const qsizetype before = h.stats.size();
        QTest::qWait(600);
        QVERIFY(h.stats.size() - before <= 6);
        client.disconnectFromHost();
        h.stop();
    }

    void udpSourcesInTheEngineThread()
    {
        // UDP in process (tsan runs this): two sources on a port with --split connection and
        // --idle-timeout, read and written in the engine thread while snapshots reach this
        // one; each source's file closes once it has been silent for the idle timeout.
        QTemporaryDir dir;
        QUdpSocket probe;
        QVERIFY(probe.bind(QHostAddress::LocalHost, 0));
        const quint16 port = probe.localPort();
        probe.close();
        CaptureSettings s = settingsFor({}, dir.path(), SplitMode::Connection);
        s.udpPorts = {port};
        s.udpFormat = UdpFormat::Raw;
        s.idleTimeoutMs = 1000;
        Harness h;
        QVERIFY(h.start(s));
        QUdpSocket a;
        QUdpSocket b;
        QVERIFY(a.bind(QHostAddress::LocalHost, 0) && b.bind(QHostAddress::LocalHost, 0));
        QByteArray fromA;
        QByteArray fromB;
        // a sends 10 datagrams every 100 ms for 2 s (never silent for 1 s); b only for 0.5 s.
        for (int i = 0; i < 200; ++i) {
            const QByteArray da = "a" + QByteArray::number(i) + QByteArray(100, 'x');
            const QByteArray db = "b" + QByteArray::number(i);
            QCOMPARE(a.writeDatagram(da, QHostAddress::LocalHost, port), da.size());
            fromA += da;
            if (i < 50) {
                QCOMPARE(b.writeDatagram(db, QHostAddress::LocalHost, port), db.size());
                fromB += db;
            }
            if (i % 10 == 9)
                QTest::qWait(100);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!h.stats.isEmpty() &&
                                     h.controller.lastSnapshot().ports.value(0).datagrams == 250,
                                 timeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(h.filesClosed.size(), 2, timeoutMs); // both fell silent
        const PortStats udp = h.controller.lastSnapshot().ports.value(0);
        QCOMPARE(udp.protocol, PortStats::Protocol::Udp);
        QCOMPARE(udp.idleClosed, quint64(2));
        const StopSummary summary = h.stop();
        QCOMPARE(summary.ports.value(0).datagrams, quint64(250));
        QCOMPARE(summary.bytesWritten, quint64(fromA.size() + fromB.size()));
        QStringList contents;
        for (const QString &name : QDir(dir.path()).entryList({u"udp_*"_s}, QDir::Files))
            contents.append(QString::fromLatin1(TestSupport::readFile(dir.filePath(name))));
        contents.sort();
        QCOMPARE(contents, (QStringList{QString::fromLatin1(fromA), QString::fromLatin1(fromB)}));
    }

    void restartAfterStop()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        for (int run = 0; run < 3; ++run) {
            QVERIFY(h.start(settingsFor(ports, dir.path(), SplitMode::Connection)));
            h.started.clear();
            QCOMPARE(TestSupport::sendAll(ports[0], QByteArray::number(run)), std::nullopt);
            QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), run + 1, timeoutMs);
            h.stop();
        }
        QCOMPARE(filesIn(dir.path()).size(), 3);
    }

    /// The controller owns the run state and the last snapshot: front ends read them from it
    /// instead of keeping their own copies.
    void controllerOwnsRunStateAndLastSnapshot()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        Harness h;
        QSignalSpy states(&h.controller, &Receiver::stateChanged);
        QCOMPARE(h.controller.state(), RunState::Idle);
        QCOMPARE(runStateName(h.controller.state()), u"stopped"_s);
        QVERIFY(!h.controller.isActive());

        h.controller.start(settingsFor(ports, dir.path(), SplitMode::Connection));
        QCOMPARE(h.controller.state(), RunState::Starting); // at once, before the engine runs
        QVERIFY(h.controller.isActive());
        QTRY_COMPARE_WITH_TIMEOUT(h.controller.state(), RunState::Running, timeoutMs);
        QCOMPARE(TestSupport::sendAll(ports[0], "0123456789"), std::nullopt);
        QTRY_VERIFY_WITH_TIMEOUT(h.controller.lastSnapshot().totalBytes == 10, timeoutMs);
        const StatsSnapshot delivered = h.stats.last().at(0).value<StatsSnapshot>();
        QCOMPARE(h.controller.lastSnapshot().time, delivered.time); // the one last delivered
        QCOMPARE(h.controller.lastSnapshot().uptimeMs, delivered.uptimeMs);

        h.controller.stop();
        QCOMPARE(h.controller.state(), RunState::Stopping); // at once
        QVERIFY(h.controller.isActive());
        QTRY_COMPARE_WITH_TIMEOUT(h.stopped.size(), 1, timeoutMs);
        QCOMPARE(h.controller.state(), RunState::Idle);
        QVERIFY(!h.controller.isActive());
        QCOMPARE(h.controller.lastSnapshot().totalBytes, quint64(10)); // kept after the stop

        QList<RunState> seen;
        for (const QList<QVariant> &args : std::as_const(states))
            seen.append(args.at(0).value<RunState>());
        QCOMPARE(seen, (QList<RunState>{RunState::Starting, RunState::Running, RunState::Stopping,
                                        RunState::Idle}));

        // A start that cannot listen: Failed (not active) until the next start.
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
        states.clear();
        h.controller.start(settingsFor({occupier.serverPort()}, dir.path(), SplitMode::Port));
        QTRY_COMPARE_WITH_TIMEOUT(h.startFailed.size(), 1, timeoutMs);
        QCOMPARE(h.controller.state(), RunState::Failed);
        QCOMPARE(runStateName(RunState::Failed), u"failed"_s);
        QVERIFY(!h.controller.isActive());
        QCOMPARE(states.size(), 2); // Starting, Failed
    }

    void newRunAndHooksThroughTheController()
    {
        // The engine thread runs the commands and numbers the runs; the controller hands on
        // what they report. Two files (the second after a new run, sub-directories from the
        // template), each closed file's command once, the last one's after the stop, and the
        // run number everywhere it belongs.
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        const QString log = dir.filePath(u"hooks.log"_s);
        CaptureSettings s = settingsFor({port}, dir.filePath(u"out"_s), SplitMode::Port);
        s.run = 41;
        s.nameTemplate = u"run{run}/{port}_{seq}.bin"_s;
        s.onFileClosed = u"sh -c 'echo \"$CAPTURE_RUN $0\" >> %1'"_s.arg(log);
        Harness h;
        QSignalSpy runChanged(h.controller.events(), &CaptureEvents::runChanged);
        QSignalSpy hookFinished(h.controller.events(), &CaptureEvents::hookFinished);
        QSignalSpy hooksIdle(h.controller.events(), &CaptureEvents::hooksIdle);
        QVERIFY(h.start(s));
        QCOMPARE(h.controller.runNumber(), 41);
        const QByteArray first = TestSupport::patternData(61, 70000);
        const QByteArray second = TestSupport::patternData(62, 50000);
        Client client(port);
        QVERIFY(client.ok() && client.send(first));
        QTRY_COMPARE_WITH_TIMEOUT(h.filesOpened.size(), 1, timeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(h.controller.lastSnapshot().totalBytes, quint64(first.size()),
                                  timeoutMs);
        h.controller.newRun();
        QTRY_COMPARE_WITH_TIMEOUT(runChanged.size(), 1, timeoutMs);
        QCOMPARE(h.controller.runNumber(), 42);
        QCOMPARE(h.filesClosed.size(), 1);
        QVERIFY(client.send(second));
        QTRY_COMPARE_WITH_TIMEOUT(h.controller.lastSnapshot().totalBytes,
                                  quint64(first.size() + second.size()), timeoutMs);
        // A run number set from outside (a run-control system): rotation, then that number;
        // one out of range is refused and the run stays.
        QSignalSpy errors(h.controller.events(), &CaptureEvents::errorRaised);
        h.controller.setRun(7);
        QTRY_COMPARE_WITH_TIMEOUT(runChanged.size(), 2, timeoutMs);
        QCOMPARE(runChanged.at(1).at(0).toLongLong(), 7);
        QCOMPARE(runChanged.at(1).at(1).toLongLong(), 42);
        QCOMPARE(h.controller.runNumber(), 7);
        QCOMPARE(h.filesClosed.size(), 2);
        h.controller.setRun(qint64(std::numeric_limits<qint32>::max()) + 1);
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, timeoutMs);
        QVERIFY2(errors.at(0).at(0).toString().contains(u"run 7 stays"_s),
                 qPrintable(errors.at(0).at(0).toString()));
        QCOMPARE(h.controller.runNumber(), 7);
        QCOMPARE(h.filesClosed.size(), 2); // no rotation for it
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.closedConnections().size(), 1, timeoutMs);
        const StopSummary summary = h.stop();
        QCOMPARE(summary.runNumber, 7);
        QTRY_COMPARE_WITH_TIMEOUT(hookFinished.size(), 2, timeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!hooksIdle.isEmpty(), timeoutMs); // once more after the stop
        for (const QList<QVariant> &args : hookFinished)
            QVERIFY2(args.at(0).value<HookResult>().succeeded(),
                     qPrintable(args.at(0).value<HookResult>().outcome()));
        const QString out = dir.filePath(u"out"_s);
        const QString a = QDir(out).filePath(u"run41/%1_1.bin"_s.arg(port));
        const QString b = QDir(out).filePath(u"run42/%1_1.bin"_s.arg(port));
        QCOMPARE(TestSupport::readFile(a), first);
        QCOMPARE(TestSupport::readFile(b), second);
        QCOMPARE(TestSupport::readFile(log), (u"41 %1\n42 %2\n"_s.arg(a, b)).toUtf8());
        // The final figures count both commands once they have ended.
        QTRY_COMPARE_WITH_TIMEOUT(h.controller.lastSnapshot().hooksSucceeded, quint64(2),
                                  timeoutMs);
    }
};

QTEST_GUILESS_MAIN(TestCaptureEngine)
#include "tst_captureengine.moc"

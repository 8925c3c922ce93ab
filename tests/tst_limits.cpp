// Who may connect and how much: --allow, --max-connections(-per-port), --idle-timeout,
// --min-free-space and the output-directory link check, through the engine.
#include "core/manifest/manifest.h"
#include "engineharness.h"
#include "testsupport.h"

#include <QTemporaryDir>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace capture;

namespace {

PortStats portStats(const Harness &h, quint16 port)
{
    const StatsSnapshot last = h.stats.last().at(0).value<StatsSnapshot>();
    for (const PortStats &p : last.ports) {
        if (p.port == port)
            return p;
    }
    return {};
}

} // namespace

class TestLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { registerCaptureMetaTypes(); }

    // A peer outside --allow is closed at accept: counted, logged, no file, no connection.
    void allowRefusesOthers()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(2);
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Connection);
        settings.allow = {*parseAllowEntry(u"192.0.2.0/24"_s)};
        Harness h;
        QVERIFY(h.start(settings));
        for (int i = 0; i < 3; ++i) {
            Client c(ports[0]);
            QVERIFY(c.ok());
            c.send("refused data");
            QVERIFY(c.closedByPeer(10000));
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            !h.stats.isEmpty() && portStats(h, ports[0]).refusedNotAllowed == 3, timeoutMs);
        QCOMPARE(h.opened.size(), 0);
        QCOMPARE(filesIn(dir.path()).size(), 0);
        QVERIFY(!h.warnings.isEmpty()); // logged (at most one line a second per port)
        QVERIFY(h.warnings.first().at(0).toString().contains(u"not in --allow"_s));
        const StopSummary summary = h.stop();
        QCOMPARE(summary.bytesReceived, quint64(0));

        // And one that is in the list gets through.
        QTemporaryDir dir2;
        settings.outputDir = dir2.path();
        settings.allow = {*parseAllowEntry(u"127.0.0.0/8"_s)};
        Harness h2;
        QVERIFY(h2.start(settings));
        QCOMPARE(TestSupport::sendAll(ports[1], "welcome"), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h2.closed.size(), 1, timeoutMs);
        h2.stop();
        QCOMPARE(filesIn(dir2.path()).size(), 1);
    }

    // --proxy-protocol in the engine (ThreadSanitizer covers this one): the header's client is
    // the connection's peer, the balancer its "via"; a connection without a header is closed
    // and counted, a LOCAL one that sends nothing makes no file.
    void proxyProtocolPeers()
    {
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Connection);
        settings.proxyProtocol = true;
        settings.proxyFrom = {*parseAllowEntry(u"127.0.0.1"_s)};
        settings.handshakeTimeoutMs = 5000;
        Harness h;
        QVERIFY(h.start(settings));
        QCOMPARE(
            TestSupport::sendAll(ports[0], "PROXY TCP4 192.0.2.7 127.0.0.1 40112 5000\r\nbehind"),
            std::nullopt);
        QCOMPARE(TestSupport::sendAll(ports[0], QByteArray("\r\n\r\n\0\r\nQUIT\n\x20\0\0\0", 16)),
                 std::nullopt);
        {
            Client c(ports[0]);
            QVERIFY(c.ok());
            c.send("no header at all");
            QVERIFY(c.closedByPeer(10000));
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!h.stats.isEmpty() && portStats(h, ports[0]).proxyFailed == 1,
                                 timeoutMs);
        ConnectionInfo proxied, local;
        for (const ConnectionInfo &c : h.closedConnections())
            (c.via.isEmpty() ? local : proxied) = c;
        QCOMPARE(local.bytesReceived, quint64(0)); // the balancer's own: no file
        QCOMPARE(local.peerAddress, QHostAddress(u"127.0.0.1"_s));
        QCOMPARE(proxied.peerText(), u"192.0.2.7:40112"_s);
        QVERIFY(proxied.via.startsWith(u"127.0.0.1:"_s));
        QCOMPARE(proxied.bytesReceived, quint64(6));
        h.stop();
        QCOMPARE(filesIn(dir.path()).size(), 1);
    }

    void connectionLimits_data()
    {
        QTest::addColumn<bool>("perPort");
        QTest::newRow("--max-connections-per-port") << true;
        QTest::newRow("--max-connections") << false;
    }
    // Beyond the limit new connections are closed at once; those already recording are not
    // disturbed, and a slot that frees up is used again.
    void connectionLimits()
    {
        QFETCH(bool, perPort);
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(2);
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Connection);
        (perPort ? settings.maxConnectionsPerPort : settings.maxConnections) = 2;
        settings.drainTimeoutMs = 500; // clients stay open through the stop
        Harness h;
        QVERIFY(h.start(settings));
        auto first = std::make_unique<Client>(ports[0]);
        // The second open connection: on the same port, or (total limit) on the other one.
        Client second(perPort ? ports[0] : ports[1]);
        QVERIFY(first->ok() && second.ok());
        QTRY_COMPARE_WITH_TIMEOUT(h.opened.size(), 2, timeoutMs);
        QVERIFY(first->send("one"));

        Client third(ports[0]);
        QVERIFY(third.ok());
        QVERIFY(third.closedByPeer(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!h.stats.isEmpty() && portStats(h, ports[0]).refusedOverLimit == 1,
                                 timeoutMs);
        if (!perPort) { // the other port is full too, in all
            Client fourth(ports[1]);
            QVERIFY(fourth.closedByPeer(10000));
        }
        QCOMPARE(h.opened.size(), 2);
        QVERIFY(second.send("two"));
        QVERIFY(!first->closedByPeer(200)); // untouched

        first.reset(); // a slot frees up
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        Client again(ports[0]);
        QVERIFY(again.ok());
        QTRY_COMPARE_WITH_TIMEOUT(h.opened.size(), 3, timeoutMs);
        QVERIFY(!again.closedByPeer(200));
        QVERIFY(again.send("3"));
        const StopSummary summary = h.stop();
        QCOMPARE(summary.bytesWritten, quint64(7));
        QCOMPARE(filesIn(dir.path()).size(), 3);
    }

    // Clients that come one after another never exceed the limit, even when the receiver has
    // not yet read the end of the previous ones before it accepts the next (Qt accepts a
    // whole backlog at once): none may be refused.
    void sequentialClientsAreNotRefused()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, dir.path(), SplitMode::Connection);
        settings.maxConnectionsPerPort = 2;
        Harness h;
        QVERIFY(h.start(settings));
        for (int i = 0; i < 300; ++i)
            QCOMPARE(TestSupport::sendAll(port, QByteArray::number(i)), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 300, timeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!h.stats.isEmpty(), timeoutMs);
        QCOMPARE(portStats(h, port).refusedOverLimit, quint64(0));
        h.stop();
        QCOMPARE(filesIn(dir.path()).size(), 300);
    }

    // A connection silent for --idle-timeout is closed with that reason; what it sent before
    // is in its file. A connection that keeps talking stays.
    void idleTimeout()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, dir.path(), SplitMode::Connection);
        settings.idleTimeoutMs = 1000;
        settings.drainTimeoutMs = 500; // the talker stays open through the stop
        Harness h;
        QVERIFY(h.start(settings));
        Client quiet(port);
        Client talker(port);
        QVERIFY(quiet.ok() && talker.ok());
        QVERIFY(quiet.send("before the silence"));
        for (int i = 0; i < 8; ++i) { // 2 s of talk, a message every 250 ms
            QVERIFY(talker.send("tick"));
            QTest::qWait(250);
        }
        QVERIFY(quiet.closedByPeer(10000));
        QVERIFY(!talker.closedByPeer(0));
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        const ConnectionInfo closed = h.closedConnections().at(0);
        QCOMPARE(closed.closeReason, u"idle timeout"_s);
        QCOMPARE(closed.bytesWritten, quint64(18));
        QTRY_VERIFY_WITH_TIMEOUT(portStats(h, port).idleClosed == 1, timeoutMs);
        h.stop();
        QVERIFY(verifyDirectory(dir.path(), [](const VerifyResult &) {}).passed());
    }

    // Less free space than --min-free-space: reading pauses (the sender is held back by TCP),
    // resumes when space returns, and every byte arrives. Needs a small tmpfs: root only.
    void minFreeSpacePausesReading()
    {
        if (::geteuid() != 0)
            QSKIP("mounting a small tmpfs needs root; --min-free-space is not tested here");
        QTemporaryDir mountPoint;
        if (::mount("tmpfs", QFile::encodeName(mountPoint.path()).constData(), "tmpfs", 0,
                    "size=16m") != 0) {
            qWarning("mount tmpfs: %s", strerror(errno));
            QSKIP("cannot mount a tmpfs (reason above); --min-free-space is not tested here");
        }
        auto unmount = qScopeGuard(
            [&] { ::umount2(QFile::encodeName(mountPoint.path()).constData(), MNT_DETACH); });
        const QString out = mountPoint.filePath(u"out"_s);
        const QString filler = mountPoint.filePath(u"filler"_s);
        { // leave 6 MiB free
            QFile f(filler);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.write(QByteArray(10 * 1024 * 1024, 'f')) == 10 * 1024 * 1024);
        }
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, out, SplitMode::Port);
        settings.minFreeSpace = 4 * 1024 * 1024;
        Harness h;
        QVERIFY(h.start(settings));
        const QByteArray data = TestSupport::patternData(77, 4 * 1024 * 1024);
        std::optional<QString> sendResult = u"not finished"_s;
        std::thread sender([&] { sendResult = TestSupport::sendAll(port, data); });
        // Some 2 MiB go in, then the free space falls under 4 MiB and reading stops.
        QTRY_VERIFY_WITH_TIMEOUT(!h.stats.isEmpty() &&
                                     h.stats.last().at(0).value<StatsSnapshot>().pausedForSpace,
                                 timeoutMs);
        QVERIFY(std::any_of(h.warnings.cbegin(), h.warnings.cend(), [](const QList<QVariant> &w) {
            return w.at(0).toString().contains(u"reading paused"_s);
        }));
        const quint64 atPause = h.stats.last().at(0).value<StatsSnapshot>().totalBytes;
        QVERIFY2(atPause < quint64(data.size()), "everything arrived before the pause");
        QTest::qWait(1000);
        QVERIFY(h.stats.last().at(0).value<StatsSnapshot>().totalBytes < quint64(data.size()));
        QVERIFY(QFile::remove(filler)); // space returns
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        sender.join();
        QCOMPARE(sendResult, std::nullopt);
        QVERIFY(std::any_of(h.warnings.cbegin(), h.warnings.cend(), [](const QList<QVariant> &w) {
            return w.at(0).toString().contains(u"reading resumed"_s);
        }));
        const StopSummary summary = h.stop();
        QCOMPARE(summary.bytesWritten, quint64(data.size()));
        QCOMPARE(TestSupport::readFile(QDir(out).filePath(filesIn(out).at(0))), data);
    }

    // A stop while reading is paused for space reads nothing more: what the volume cannot take
    // stays unread in the kernel, the drain ends at its timeout, and the summary (and an error)
    // says how many connections were closed with unread data. Nothing fails to be written.
    void drainRespectsFreeSpacePause()
    {
        if (::geteuid() != 0)
            QSKIP("mounting a small tmpfs needs root; --min-free-space is not tested here");
        QTemporaryDir mountPoint;
        if (::mount("tmpfs", QFile::encodeName(mountPoint.path()).constData(), "tmpfs", 0,
                    "size=16m") != 0) {
            qWarning("mount tmpfs: %s", strerror(errno));
            QSKIP("cannot mount a tmpfs (reason above); --min-free-space is not tested here");
        }
        auto unmount = qScopeGuard(
            [&] { ::umount2(QFile::encodeName(mountPoint.path()).constData(), MNT_DETACH); });
        const QString out = mountPoint.filePath(u"out"_s);
        { // leave 6 MiB free
            QFile f(mountPoint.filePath(u"filler"_s));
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.write(QByteArray(10 * 1024 * 1024, 'f')) == 10 * 1024 * 1024);
        }
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, out, SplitMode::Port);
        settings.minFreeSpace = 4 * 1024 * 1024;
        settings.drainTimeoutMs = 1000;
        Harness h;
        QVERIFY(h.start(settings));
        const QByteArray data = TestSupport::patternData(78, 8 * 1024 * 1024);
        std::thread sender([&] { TestSupport::sendAll(port, data); });
        auto joinSender = qScopeGuard([&] { sender.join(); });
        QTRY_VERIFY_WITH_TIMEOUT(!h.stats.isEmpty() &&
                                     h.stats.last().at(0).value<StatsSnapshot>().pausedForSpace,
                                 timeoutMs);
        QTest::qWait(300); // a snapshot after the pause took effect
        const quint64 atPause = h.stats.last().at(0).value<StatsSnapshot>().totalBytes;
        const StopSummary summary = h.stop();
        QCOMPARE(summary.leftUnreadForSpace, 1);
        QVERIFY(summary.bytesLeftUnread > 0);
        QCOMPARE(summary.bytesReceived, atPause); // the drain read nothing more
        QCOMPARE(summary.bytesWritten, summary.bytesReceived);
        QCOMPARE(h.writeFailed.size(), 0);
        QVERIFY(std::any_of(h.errors.cbegin(), h.errors.cend(), [](const QList<QVariant> &e) {
            return e.at(0).toString().contains(u"left unread"_s);
        }));
        const QList<ConnectionInfo> closed = h.closedConnections();
        QCOMPARE(closed.size(), 1);
        QVERIFY2(closed.at(0).closeReason.contains(u"left unread"_s),
                 qPrintable(closed.at(0).closeReason));
        QVERIFY(verifyDirectory(out, [](const VerifyResult &) {}).passed());
        QCOMPARE(TestSupport::readFile(QDir(out).filePath(filesIn(out).at(0))),
                 data.left(qsizetype(atPause)));
    }

    // An output directory that is a symbolic link owned by another user is refused.
    void foreignSymlinkRefused()
    {
        if (::geteuid() != 0)
            QSKIP("making a link owned by another user needs root; not tested here");
        QTemporaryDir dir;
        const QString target = dir.filePath(u"target"_s);
        const QString link = dir.filePath(u"link"_s);
        QVERIFY(QDir().mkdir(target));
        QVERIFY(QFile::link(target, link));
        QVERIFY(::lchown(QFile::encodeName(link).constData(), 65534, 65534) == 0);
        Harness h;
        h.controller.start(settingsFor({TestSupport::freePort()}, link, SplitMode::Port));
        QTRY_COMPARE_WITH_TIMEOUT(h.startFailed.size(), 1, timeoutMs);
        QVERIFY2(h.startFailed.at(0).at(1).toString().contains(u"symbolic link owned by another"_s),
                 qPrintable(h.startFailed.at(0).at(1).toString()));
        QVERIFY(QDir(target).isEmpty());

        // One's own link is fine.
        QVERIFY(::lchown(QFile::encodeName(link).constData(), ::geteuid(), ::getegid()) == 0);
        Harness mine;
        QVERIFY(mine.start(settingsFor({TestSupport::freePort()}, link, SplitMode::Port)));
        mine.stop();
    }
};

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_limits.moc"

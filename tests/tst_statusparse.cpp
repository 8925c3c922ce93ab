#include "core/capture/settingsjson.h"
#include "core/manifest/record.h"
#include "core/observe/statsjson.h"
#include "core/remote/statusparse.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

/// A /status answer made with the builders StatusService uses, as text.
QByteArray statusText(const StatsSnapshot &s, const CaptureSettings &settings, RunState state,
                      double uptime)
{
    QJsonArray ports;
    for (const PortStats &p : s.ports)
        ports.append(portStatusJson(p));
    QJsonArray connections;
    for (const ConnectionInfo &c : s.connections)
        connections.append(connectionStatusJson(c));
    QJsonArray files;
    for (const FileInfo &f : s.files)
        files.append(openFileStatusJson(f));
    const QJsonObject status{{u"version"_s, u"9.8.7"_s},
                             {u"uptime_s"_s, uptime},
                             {u"instance"_s, u"5eed"_s},
                             {u"state"_s, runStateName(state)},
                             {u"run_number"_s, s.runNumber},
                             {u"control"_s, true},
                             {u"capture_uptime_s"_s, double(s.uptimeMs) / 1000.0},
                             {u"settings"_s, settingsJson(settings)},
                             {u"ports"_s, ports},
                             {u"connections"_s, connections},
                             {u"open_files"_s, files},
                             {u"totals"_s, totalsJson(s)},
                             {u"reading_paused_for_space"_s, s.pausedForSpace}};
    return QJsonDocument(status).toJson(QJsonDocument::Indented);
}

} // namespace

// RemoteReceiver's reading of /status and the events: each struct made into JSON by the
// receiver's own builders and read back is the struct again.
class TestStatusParse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statusRoundTrip()
    {
        const QDateTime opened = QDateTime::currentDateTime().addSecs(-30);
        StatsSnapshot s;
        s.uptimeMs = 30250;
        PortStats p;
        p.port = 5000;
        p.state = PortStats::State::Receiving;
        p.activeConnections = 2;
        p.totalConnections = 7;
        p.bytes = 123456789012;
        p.rate = 1048576.5;
        p.currentFile = u"/data/out/stream_5000.bin"_s;
        p.files = 3;
        p.refusedNotAllowed = 4;
        p.refusedOverLimit = 5;
        p.idleClosed = 6;
        p.tlsFailed = 8;
        p.emptyConnections = 9;
        p.refusedProxyUntrusted = 17;
        p.proxyFailed = 18;
        PortStats failed;
        failed.port = 5001;
        failed.state = PortStats::State::Error;
        failed.error = u"Address already in use"_s;
        s.ports = {p, failed};
        ConnectionInfo c4;
        c4.id = 42;
        c4.peerAddress = QHostAddress(u"192.0.2.7"_s);
        c4.peerPort = 40112;
        c4.localPort = 5000;
        c4.opened = opened;
        c4.bytesReceived = 1000;
        c4.bytesWritten = 900;
        c4.rate = 12.5;
        c4.file = u"/data/out/stream_5000.bin"_s;
        c4.tlsSubject = u"CN=client"_s;
        c4.via = u"10.0.0.5:51234"_s;
        ConnectionInfo c6;
        c6.id = 43;
        c6.peerAddress = QHostAddress(u"2001:db8::1"_s);
        c6.peerPort = 1;
        c6.localPort = 5000;
        c6.opened = opened.addMSecs(1);
        s.connections = {c4, c6};
        FileInfo f;
        f.path = u"/data/out/stream_5000.bin"_s;
        f.port = 5000;
        f.bytes = 900;
        f.opened = opened;
        s.files = {f};
        s.totalBytes = 123456789012;
        s.totalRate = 1048576.5;
        s.activeConnections = 2;
        s.totalConnections = 7;
        s.filesClosed = 10;
        s.writeErrors = 11;
        s.filesLost = 12;
        s.manifestErrors = 13;
        s.manifestLinesPending = 14;
        s.refusedNotAllowed = 4;
        s.refusedOverLimit = 5;
        s.idleClosed = 6;
        s.tlsFailed = 8;
        s.emptyConnections = 9;
        s.refusedProxyUntrusted = 17;
        s.proxyFailed = 18;
        s.pausedForSpace = true;
        s.runNumber = 1207;
        s.hooksSucceeded = 15;
        s.hooksFailed = 16;
        s.hooksDropped = 17;
        s.hooksPending = 18;
        s.handOffErrors = 19;

        CaptureSettings settings;
        settings.bindAddress = QHostAddress(u"127.0.0.1"_s);
        settings.ports = {5000, 5001, 5002, 6000};
        settings.outputDir = u"/data/out"_s;
        settings.doneDir = u"/data/done"_s;
        settings.split = SplitMode::Connection;
        settings.run = 1200;
        settings.nameTemplate = u"run{run:06}/{port}_{seq}.dat"_s;
        settings.hash = HashAlgorithm::Sha256;
        settings.rotateSize = 1 << 30;
        settings.rotateIntervalSec = 3600;
        settings.maxFiles = 5;
        settings.onFileClosed = u"/bin/true"_s;
        settings.hookJobs = 3;
        settings.hookQueue = 99;
        settings.hookTimeoutSec = 7;
        settings.stopAfterSec = 8;
        settings.stopAfterBytes = 9;
        settings.stopAfterFiles = 10;
        settings.drainTimeoutMs = 11;
        settings.allow = {{QHostAddress(u"10.0.0.0"_s), 8}, {QHostAddress(u"::1"_s), 128}};
        settings.maxConnections = 12;
        settings.maxConnectionsPerPort = 13;
        settings.idleTimeoutMs = 14;
        settings.minFreeSpace = 15;
        settings.proxyProtocol = true;
        settings.proxyFrom = {{QHostAddress(u"10.0.0.5"_s), 32}};

        QString error;
        const auto status = parseStatus(statusText(s, settings, RunState::Stopping, 61.25), &error);
        QVERIFY2(status, qPrintable(error));
        QCOMPARE(status->version, u"9.8.7"_s);
        QCOMPARE(status->uptimeSeconds, 61.25);
        QCOMPARE(status->instance, u"5eed"_s);
        QCOMPARE(status->state, RunState::Stopping);
        QCOMPARE(status->runNumber, 1207);
        QVERIFY(status->control);
        QCOMPARE(status->snapshot.ports, s.ports);
        QCOMPARE(status->snapshot.connections, s.connections);
        QCOMPARE(status->snapshot.files, s.files);
        StatsSnapshot back = status->snapshot;
        back.time = s.time;
        QCOMPARE(back, s); // the totals too

        const CaptureSettings &r = status->settings;
        QCOMPARE(r.bindAddress, settings.bindAddress);
        QCOMPARE(r.ports, settings.ports);
        QCOMPARE(r.outputDir, settings.outputDir);
        QCOMPARE(r.doneDir, settings.doneDir);
        QCOMPARE(r.split, settings.split);
        QCOMPARE(r.run, settings.run);
        QCOMPARE(r.nameTemplate, settings.nameTemplate);
        QCOMPARE(r.hash, settings.hash);
        QCOMPARE(r.rotateSize, settings.rotateSize);
        QCOMPARE(r.rotateIntervalSec, settings.rotateIntervalSec);
        QCOMPARE(r.maxFiles, settings.maxFiles);
        QCOMPARE(r.onFileClosed, settings.onFileClosed);
        QCOMPARE(r.hookJobs, settings.hookJobs);
        QCOMPARE(r.hookQueue, settings.hookQueue);
        QCOMPARE(r.hookTimeoutSec, settings.hookTimeoutSec);
        QCOMPARE(r.stopAfterSec, settings.stopAfterSec);
        QCOMPARE(r.stopAfterBytes, settings.stopAfterBytes);
        QCOMPARE(r.stopAfterFiles, settings.stopAfterFiles);
        QCOMPARE(r.drainTimeoutMs, settings.drainTimeoutMs);
        QCOMPARE(r.allow, settings.allow);
        QCOMPARE(r.maxConnections, settings.maxConnections);
        QCOMPARE(r.maxConnectionsPerPort, settings.maxConnectionsPerPort);
        QCOMPARE(r.idleTimeoutMs, settings.idleTimeoutMs);
        QCOMPARE(r.minFreeSpace, settings.minFreeSpace);
        QCOMPARE(r.proxyProtocol, settings.proxyProtocol);
        QCOMPARE(r.proxyFrom, settings.proxyFrom);
        QVERIFY(!r.tls);
    }

    // The default name template is spelled out in /status and read back as "none given".
    void defaultsRoundTrip()
    {
        const CaptureSettings defaults;
        const CaptureSettings back = settingsFromJson(settingsJson(defaults));
        QVERIFY(back.nameTemplate.isEmpty());
        QCOMPARE(back.ports, defaults.ports);
        QCOMPARE(back.split, defaults.split);
        QCOMPARE(back.hash, defaults.hash);
        QCOMPARE(back.bindAddress, defaults.bindAddress);
    }

    void stopSummaryAndHookRoundTrip()
    {
        StopSummary s;
        s.ports = {PortSummary{5000, 2, 3, 1, 400, 300}, PortSummary{5001, 0, 0, 0, 0, 0}};
        s.bytesReceived = 400;
        s.bytesWritten = 300;
        s.drainTimedOut = 4;
        s.manifestErrors = 5;
        s.leftUnreadForSpace = 6;
        s.bytesLeftUnread = 7000;
        s.filesLost = 8;
        s.aborted = true;
        s.uptimeMs = 9001;
        s.stopCondition = u"--stop-after-files 2: 2 files closed"_s;
        s.runNumber = 12;
        s.hooksPending = 3;
        QCOMPARE(stopSummaryFromJson(stopSummaryJson(s)), s);

        HookResult h;
        h.file = u"/data/a.bin"_s;
        h.port = 5000;
        h.runNumber = 4;
        h.exitCode = 3;
        h.exitedNormally = true;
        h.output = u"last words"_s;
        h.durationMs = 77;
        QCOMPARE(hookResultFromJson(hookResultJson(h)), h);
        HookResult killed = h;
        killed.exitCode = -1;
        killed.exitedNormally = false;
        killed.timedOut = true;
        killed.error = u"killed by signal 9 after --hook-timeout 300 s"_s;
        QCOMPARE(hookResultFromJson(hookResultJson(killed)), killed);
    }

    void states()
    {
        for (auto state : {RunState::Idle, RunState::Starting, RunState::Running,
                           RunState::Stopping, RunState::Failed})
            QCOMPARE(runStateFromName(runStateName(state)), std::optional<RunState>(state));
        QCOMPARE(runStateFromName(u"sleeping"_s), std::nullopt);
        QString error;
        QVERIFY(!parseStatus("not json", &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!parseStatus("{\"state\":\"dancing\"}", &error));
    }

    // The events' fields (eventstream.cpp) read back.
    void eventFields()
    {
        const QDateTime time = QDateTime::currentDateTime();
        const QJsonObject closed{{u"id"_s, 3},
                                 {u"port"_s, 5000},
                                 {u"peer"_s, u"[::1]:4000"_s},
                                 {u"file"_s, u"/o/a.bin"_s},
                                 {u"reason"_s, u"peer closed"_s},
                                 {u"bytes_received"_s, 10},
                                 {u"bytes_written"_s, 9},
                                 {u"duration_ms"_s, 1500},
                                 {u"time"_s, manifestTime(time)}};
        const ConnectionInfo c = connectionFromEventJson(closed, true);
        QCOMPARE(c.id, 3u);
        QCOMPARE(c.localPort, 5000);
        QCOMPARE(c.peerAddress, QHostAddress(u"::1"_s));
        QCOMPARE(c.peerPort, 4000);
        QCOMPARE(c.closed, time);
        QCOMPARE(c.durationMs(), 1500);
        QCOMPARE(c.closeReason, u"peer closed"_s);
        QCOMPARE(c.bytesWritten, 9u);

        const QJsonObject fileClosed{{u"file"_s, u"/o/a.bin"_s},
                                     {u"port"_s, 5000},
                                     {u"run_number"_s, 8},
                                     {u"bytes"_s, 10},
                                     {u"xxh128"_s, u"0123456789abcdef0123456789abcdef"_s},
                                     {u"reason"_s, u"rotation (size)"_s},
                                     {u"state"_s, u"closed"_s},
                                     {u"time"_s, manifestTime(time)}};
        const FileInfo f = fileFromEventJson(u"file_closed"_s, fileClosed);
        QCOMPARE(f.path, u"/o/a.bin"_s);
        QCOMPARE(f.runNumber, 8);
        QCOMPARE(f.bytes, 10u);
        QCOMPARE(f.digest,
                 (FileDigest{HashAlgorithm::Xxh128, u"0123456789abcdef0123456789abcdef"_s}));
        QCOMPARE(f.closeReason, u"rotation (size)"_s);
        QCOMPARE(f.state, FileInfo::State::Closed);
        QCOMPARE(f.closed, time);
        QCOMPARE(fileFromEventJson(u"write_error"_s, {{u"error"_s, u"disk full"_s}}).error,
                 u"disk full"_s);
        QCOMPARE(fileFromEventJson(u"file_lost"_s, {{u"reason"_s, u"gone"_s}}).state,
                 FileInfo::State::Lost);
    }
};

QTEST_GUILESS_MAIN(TestStatusParse)
#include "tst_statusparse.moc"

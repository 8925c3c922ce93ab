#include "core/capture/captureengine.h"

#include "core/capture/captureevents.h"
#include "core/capture/donedirectory.h"
#include "core/capture/filesink.h"
#include "core/capture/freespacemonitor.h"
#include "core/capture/hookrunner.h"
#include "core/capture/listeners.h"
#include "core/capture/nametemplate.h"
#include "core/capture/portfiles.h"
#include "core/capture/portlistener.h"
#include "core/capture/runcounters.h"
#include "core/capture/rundirectory.h"
#include "core/capture/settingsjson.h"
#include "core/capture/udpformat.h"
#include "core/net/udpbatch.h"
#include "core/util/hashworker.h"
#include "core/util/logging.h"
#include "core/util/pathchecks.h"
#include "core/util/units.h"

#include <QDir>
#include <QTimer>

#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace capture {

/// The owners of one run, each with one job; the listeners get them as RunParts.
struct CaptureEngine::Run
{
    explicit Run(const CaptureSettings &s)
        : settings(s)
        , readBuffer(size_t(qMax<qint64>(s.readBufferSize, 64 * 1024)))
        // Off the engine thread (SHA-256): one pool worker per file being written; else inline.
        , hashPool(hashesOffThread(s.hash) ? std::make_unique<HashPool>(readBuffer.size())
                                           : nullptr)
        , freeSpace(s.outputDir, s.minFreeSpace)
        , directory(manifest, counters, events)
    {
        counters.runNumber = s.run;
    }

    RunParts parts()
    {
        return {&readBuffer,      &counters,
                &manifest,        hashPool.get(),
                &spareDescriptor, &freeSpace,
                &directory,       &events,
                &names,           settings.doneDir.isEmpty() ? nullptr : &doneDir};
    }

    CaptureSettings settings;
    std::vector<char> readBuffer;
    RunCounters counters;
    ManifestWriter manifest;
    std::unique_ptr<HashPool> hashPool;
    DescriptorReserve spareDescriptor;
    FreeSpaceMonitor freeSpace;
    CaptureEvents events;
    RunDirectory directory;
    NameTemplate names;                 ///< --name-template, checked by start()
    NameTemplate udpNames;              ///< the UDP ports' (the same when --name-template is given)
    std::unique_ptr<UdpBatch> udpBatch; ///< the UDP ports' read slots, shared (one thread)
    DoneDirectory doneDir;              ///< --done-dir, opened by start() when set
};

CaptureEngine::CaptureEngine(QObject *parent)
    : QObject(parent)
    , m_ports(std::make_unique<Listeners>())
    , m_hooks(new HookRunner(this))
{
    connect(m_hooks, &HookRunner::finished, &m_events, &CaptureEvents::hookFinished);
    // After the stop, the last files' commands still end: their counts amend the final figures.
    connect(m_hooks, &HookRunner::finished, this, [this] {
        if (m_state != State::Idle || !m_final.time.isValid())
            return;
        addHookCounts(&m_final);
        Q_EMIT m_events.statsUpdated(m_final);
    });
    connect(m_hooks, &HookRunner::idle, &m_events, &CaptureEvents::hooksIdle);
}

CaptureEngine::~CaptureEngine()
{
    if (m_state != State::Idle)
        abort();
    teardown();
}

void CaptureEngine::start(const CaptureSettings &settings)
{
    if (m_state != State::Idle) {
        Q_EMIT m_events.startFailed({}, u"a capture is already running"_s);
        return;
    }
    if (settings.ports.isEmpty() && settings.udpPorts.isEmpty()) {
        Q_EMIT m_events.startFailed({}, u"no ports to listen on"_s);
        return;
    }

    // The command line and the window check the template first; this is the last guard.
    QString problem;
    std::optional<NameTemplate> names = NameTemplate::forCapture(
        settings.nameTemplate, settings.split, int(settings.ports.size()), &problem);
    if (!names) {
        Q_EMIT m_events.startFailed(
            {}, u"invalid name template '%1': %2"_s.arg(settings.nameTemplate, problem));
        return;
    }

    std::optional<NameTemplate> udpNames = NameTemplate::forCapture(
        settings.nameTemplate.isEmpty()
            ? udpformat::defaultNameTemplate(settings.udpFormat, settings.split)
            : settings.nameTemplate,
        settings.split, int(settings.udpPorts.size()), &problem);
    if (!udpNames) {
        Q_EMIT m_events.startFailed(
            {}, u"invalid name template '%1': %2"_s.arg(settings.nameTemplate, problem));
        return;
    }

    m_run = std::make_unique<Run>(settings);
    m_run->names = std::move(*names);
    m_run->udpNames = std::move(*udpNames);
    connect(&m_run->freeSpace, &FreeSpaceMonitor::warningRaised, &m_run->events,
            &CaptureEvents::warningRaised);
    connect(&m_run->directory, &RunDirectory::lost, this,
            &CaptureEngine::closeFilesOfLostDirectory);
    m_run->events.forwardTo(&m_events);

    // Every port is bound before anything else happens, so a failure leaves no trace.
    if (!settings.udpPorts.isEmpty())
        m_run->udpBatch = std::make_unique<UdpBatch>();
    RunParts udpParts = m_run->parts();
    udpParts.names = &m_run->udpNames;
    const QList<ListenFailure> failures =
        m_ports->bind(m_run->settings, m_run->parts(), udpParts, m_run->udpBatch.get(), this);
    if (!failures.isEmpty()) {
        teardown();
        Q_EMIT m_events.startFailed(failures, QString());
        return;
    }

    QString error;
    const QString outputDir = settings.outputDir.isEmpty() ? u"."_s : settings.outputDir;
    m_run->manifest.setReporter([this](ManifestWriter::Severity severity, const QString &m) {
        if (severity == ManifestWriter::Severity::Error)
            Q_EMIT m_events.errorRaised(m);
        else
            Q_EMIT m_events.warningRaised(m);
    });
    if (!checkOutputDirectoryLinks(QDir::cleanPath(outputDir), &error) ||
        !m_run->directory.open(QDir::cleanPath(outputDir), &error) ||
        (!settings.doneDir.isEmpty() &&
         !m_run->doneDir.open(outputDir, settings.doneDir, &error)) ||
        !m_run->manifest.open(outputDir, &error)) {
        teardown();
        Q_EMIT m_events.startFailed({}, error);
        return;
    }
    m_run->directory.warnAboutLeftovers();
    m_runId = newRunId();
    m_run->directory.startRecord(
        manifestRunStartLine(m_runId, QDateTime::currentDateTime(), settingsJson(settings)));

    for (PortListener *listener : m_ports->tcp())
        connect(listener, &PortListener::sessionFinished, this, &CaptureEngine::onSessionFinished);

    m_state = State::Running;
    m_final = {};
    m_aborted = false;
    m_stopCondition.clear();
    if (settings.stopAfterSec > 0) {
        m_stopAfterTimer = new QTimer(this);
        m_stopAfterTimer->setSingleShot(true);
        m_stopAfterTimer->setTimerType(Qt::PreciseTimer); // never before the time
        connect(m_stopAfterTimer, &QTimer::timeout, this, [this] {
            stopBecause(
                u"--stop-after %1 s: the run lasted that long"_s.arg(m_run->settings.stopAfterSec));
        });
        m_stopAfterTimer->start(std::chrono::seconds(settings.stopAfterSec));
    }
    // --on-file-closed: each file's command, once its manifest line is written.
    m_hooks->configure(settings.onFileClosed, settings.hookJobs, settings.hookQueue,
                       settings.hookTimeoutSec);
    if (!settings.onFileClosed.isEmpty())
        connect(&m_run->events, &CaptureEvents::fileClosed, this, [this](const FileInfo &info) {
            if (!m_hooks->fileClosed(info))
                Q_EMIT m_events.errorRaised(
                    u"--on-file-closed: %1 commands are waiting already (--hook-queue); not "
                    "run for %2"_s.arg(m_hooks->maxWaiting())
                        .arg(info.path));
        });
    if (settings.stopAfterFiles > 0) {
        // Checked as each file closes; the stop itself runs once the close is done.
        connect(&m_run->events, &CaptureEvents::fileClosed, this, [this] {
            if (m_run->counters.filesClosed >= quint64(m_run->settings.stopAfterFiles))
                QMetaObject::invokeMethod(
                    this,
                    [this] {
                        stopBecause(u"--stop-after-files %1: %2 files closed"_s
                                        .arg(m_run->settings.stopAfterFiles)
                                        .arg(m_run->counters.filesClosed));
                    },
                    Qt::QueuedConnection);
        });
    }
    m_drainTimedOut = 0;
    m_manifestCheckedMs = 0;
    m_uptime.start();
    m_sinceTick.start();
    m_statsTimer = new QTimer(this);
    m_statsTimer->setTimerType(Qt::PreciseTimer);
    m_statsTimer->setInterval(qMax(10, settings.snapshotIntervalMs));
    connect(m_statsTimer, &QTimer::timeout, this, &CaptureEngine::onTick);
    m_statsTimer->start();
    m_run->freeSpace.check(); // a capture that starts short of space starts paused

    m_ports->start(settings.bindAddress, &m_events);
    Q_EMIT m_events.started();
}

void CaptureEngine::stopBecause(const QString &why)
{
    if (m_state != State::Running || !m_stopCondition.isEmpty())
        return;
    m_stopCondition = why;
    stop();
}

void CaptureEngine::checkStopConditions(quint64 bytesReceived)
{
    const CaptureSettings &s = m_run->settings;
    if (s.stopAfterBytes > 0 && bytesReceived >= s.stopAfterBytes)
        stopBecause(
            u"--stop-after-bytes %1: %2 bytes received"_s.arg(s.stopAfterBytes).arg(bytesReceived));
}

void CaptureEngine::stop()
{
    if (m_state != State::Running)
        return;
    m_state = State::Draining;
    m_ports->stopAccepting();
    qCDebug(lcCore) << "stop: draining" << activeSessions() << "connection(s)";

    const int open = activeSessions();
    const int timeoutMs = m_run->settings.drainTimeoutMs;
    Q_EMIT m_events.drainStarted(open, timeoutMs);
    if (open == 0) {
        finishStop();
        return;
    }
    m_drainTimer = new QTimer(this);
    m_drainTimer->setSingleShot(true);
    connect(m_drainTimer, &QTimer::timeout, this, &CaptureEngine::onDrainTimeout);
    m_drainTimer->start(qMax(0, timeoutMs));
}

void CaptureEngine::abort()
{
    if (m_state == State::Idle)
        return;
    m_aborted = true;
    m_state = State::Draining;
    m_ports->closeAtOnce();
    if (m_state != State::Idle)
        finishStop();
}

void CaptureEngine::onDrainTimeout()
{
    if (m_state != State::Draining)
        return;
    m_drainTimedOut = activeSessions();
    qCDebug(lcCore) << "drain timeout:" << m_drainTimedOut << "connection(s) still open";
    m_ports->finishSessions(u"drain timeout"_s, true);
    if (m_state != State::Idle)
        finishStop();
}

void CaptureEngine::onSessionFinished()
{
    if (m_state == State::Draining && !m_aborted && activeSessions() == 0 &&
        (!m_drainTimer || m_drainTimer->isActive()))
        finishStop();
}

int CaptureEngine::activeSessions() const
{
    return m_ports->activeSessions();
}

void CaptureEngine::finishStop()
{
    if (m_state == State::Idle)
        return;
    if (m_drainTimer) {
        m_drainTimer->stop();
        m_drainTimer->deleteLater();
        m_drainTimer = nullptr;
    }
    // Sessions still open here were asked to finish; make sure none is left behind.
    m_ports->finishSessions(u"stopped"_s, false);
    m_ports->closeFiles();
    m_run->directory.check(); // even when no file closed since it went

    const StatsSnapshot last = makeSnapshot(double(m_sinceTick.restart()) / 1000.0);
    m_final = last;
    Q_EMIT m_events.statsUpdated(last);

    StopSummary summary;
    summary.aborted = m_aborted;
    summary.drainTimedOut = m_drainTimedOut;
    summary.filesLost = m_run->counters.filesLost;
    summary.leftUnreadForSpace = m_run->counters.leftUnreadConnections;
    summary.bytesLeftUnread = m_run->counters.leftUnreadBytes;
    if (summary.leftUnreadForSpace > 0)
        Q_EMIT m_events.errorRaised(
            u"stop: %1 connection(s) closed with %2 left unread, because the "
            "output volume was at its --min-free-space margin"_s.arg(summary.leftUnreadForSpace)
                .arg(formatBytes(summary.bytesLeftUnread)));
    summary.uptimeMs = m_uptime.elapsed();
    summary.stopCondition = m_stopCondition;
    summary.runNumber = m_run->counters.runNumber;
    summary.hooksPending = m_hooks->pending();
    m_ports->addTo(&summary);
    // The run's record closes; then the last try for manifest lines kept pending, and those
    // still unwritten go to the log in full.
    QJsonObject figures{{u"bytes_received"_s, qint64(summary.bytesReceived)},
                        {u"bytes_written"_s, qint64(summary.bytesWritten)},
                        {u"files_lost"_s, qint64(summary.filesLost)},
                        {u"aborted"_s, summary.aborted},
                        {u"uptime_ms"_s, summary.uptimeMs},
                        {u"run_number"_s, summary.runNumber}};
    if (!summary.stopCondition.isEmpty())
        figures.insert(u"stop_condition"_s, summary.stopCondition);
    m_run->directory.appendToManifest(
        manifestRunStopLine(m_runId, QDateTime::currentDateTime(), figures));
    m_run->manifest.check();
    const QList<QByteArray> unwritten = m_run->manifest.pendingLines();
    if (!unwritten.isEmpty()) {
        Q_EMIT m_events.errorRaised(
            u"stop: %1 manifest line(s) could not be written to %2; here they "
            "are"_s.arg(unwritten.size())
                .arg(m_run->manifest.path()));
        for (const QByteArray &line : unwritten)
            Q_EMIT m_events.errorRaised(
                u"manifest line not written: %1"_s.arg(QString::fromUtf8(line.trimmed())));
    }
    summary.manifestErrors = m_run->counters.manifestErrors + int(unwritten.size()) +
                             int(m_run->manifest.linesNotRewritten());
    m_state = State::Idle;
    teardown();
    m_run->manifest.close();
    Q_EMIT m_events.stopped(summary);
}

void CaptureEngine::teardown()
{
    if (m_stopAfterTimer) {
        m_stopAfterTimer->stop();
        m_stopAfterTimer->deleteLater();
        m_stopAfterTimer = nullptr;
    }
    if (m_statsTimer) {
        m_statsTimer->stop();
        m_statsTimer->deleteLater();
        m_statsTimer = nullptr;
    }
    m_ports->clear(this);
    if (m_run)
        // What listeners being deleted report is not passed on.
        QObject::disconnect(&m_run->events, nullptr, &m_events, nullptr);
    // The run's owners (read buffer, settings, …) are kept until the next start: sessions
    // that are being deleted later may still refer to them.
}

void CaptureEngine::rotate()
{
    if (m_state != State::Running)
        return;
    for (PortFiles *files : m_ports->files())
        files->closeOpenFiles(u"rotation (requested)"_s);
}

void CaptureEngine::newRun()
{
    if (m_state != State::Running)
        return;
    setRun(m_run->counters.runNumber + 1);
}

void CaptureEngine::setRun(qint64 run)
{
    if (m_state != State::Running)
        return;
    const qint64 previous = m_run->counters.runNumber;
    if (run < 0 || run > std::numeric_limits<qint32>::max()) {
        Q_EMIT m_events.errorRaised(
            u"new run: %1 is not a run number (0 to %2); run %3 stays"_s.arg(run)
                .arg(std::numeric_limits<qint32>::max())
                .arg(previous));
        return;
    }
    for (PortFiles *files : m_ports->files())
        files->closeOpenFiles(u"rotation (new run)"_s);
    m_run->counters.runNumber = run;
    Q_EMIT m_events.runChanged(run, previous);
}

void CaptureEngine::closeFilesOfLostDirectory(const QString &reason)
{
    for (PortFiles *files : m_ports->files()) {
        files->closeOpenFiles(reason); // their files are recorded in the run's directory
        files->forgetClosedFiles();
    }
}

void CaptureEngine::onTick()
{
    if (m_state != State::Idle) {
        m_run->freeSpace.check();
        m_run->directory.check();
        for (PortFiles *files : m_ports->files())
            files->closeDeletedFiles();
        // Once a second: a deleted manifest is recreated, pending lines are retried.
        if (m_uptime.elapsed() >= m_manifestCheckedMs + 1000) {
            m_manifestCheckedMs = m_uptime.elapsed();
            m_run->manifest.check();
        }
    }
    const StatsSnapshot snapshot = makeSnapshot(double(m_sinceTick.restart()) / 1000.0);
    Q_EMIT m_events.statsUpdated(snapshot);
    if (m_state == State::Running) {
        quint64 received = 0;
        for (const PortStats &port : snapshot.ports)
            received += port.bytes;
        checkStopConditions(received);
    }
}

void CaptureEngine::addHookCounts(StatsSnapshot *snapshot) const
{
    snapshot->hooksSucceeded = m_hooks->succeeded();
    snapshot->hooksFailed = m_hooks->failed();
    snapshot->hooksDropped = m_hooks->dropped();
    snapshot->hooksPending = m_hooks->pending();
}

StatsSnapshot CaptureEngine::makeSnapshot(double seconds)
{
    StatsSnapshot snapshot;
    snapshot.time = QDateTime::currentDateTime();
    snapshot.uptimeMs = m_uptime.isValid() ? m_uptime.elapsed() : 0;
    if (m_run) {
        snapshot.filesClosed = m_run->counters.filesClosed;
        snapshot.writeErrors = m_run->counters.writeErrors;
        snapshot.filesLost = m_run->counters.filesLost;
        snapshot.pausedForSpace = m_run->freeSpace.isPaused();
        snapshot.manifestErrors =
            quint64(m_run->counters.manifestErrors) + m_run->manifest.linesNotRewritten();
        snapshot.manifestLinesPending = quint64(m_run->manifest.pendingCount());
        snapshot.runNumber = m_run->counters.runNumber;
        snapshot.handOffErrors = m_run->counters.handOffErrors;
    }
    addHookCounts(&snapshot);
    m_ports->addTo(&snapshot, seconds);
    return snapshot;
}

} // namespace capture

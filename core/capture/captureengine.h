#pragma once

#include "core/capture/captureevents.h"
#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/manifest/manifest.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>

class QTimer;

namespace capture {

class HookRunner;

class Listeners;

/// The capture engine: one PortListener (QTcpServer) per TCP port and one UdpListener per UDP
/// port (Listeners), all in the thread this object
/// lives in. Driven by queued calls from CaptureController; reports only through events()
/// whose signals carry plain values. Statistics leave it as one StatsSnapshot per period, never per
/// read.
class CaptureEngine : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Running, Draining };
    Q_ENUM(State)

    explicit CaptureEngine(QObject *parent = nullptr);
    ~CaptureEngine() override;

    State state() const { return m_state; }
    /// Where the engine reports, living in its thread: a run's parts report through it while
    /// the run lasts (what listeners being deleted after it report is not passed on).
    CaptureEvents *events() { return &m_events; }

public Q_SLOTS:
    /// Binds every port, then creates the output directory, then accepts connections.
    /// Emits started() or startFailed(); on failure nothing stays bound.
    void start(const capture::CaptureSettings &settings);
    /// Graceful stop: stop accepting, read what peers already sent until they close or the
    /// drain timeout passes, close the files, emit stopped().
    void stop();
    /// Immediate stop: keep what was already read, close the files, emit stopped().
    void abort();
    /// Closes every open file ("rotation (requested)") while running; otherwise nothing.
    void rotate();
    /// While running: closes every open file ("rotation (new run)") and adds one to the run
    /// number (runChanged()); no connection is dropped.
    void newRun();
    /// As newRun(), with the run number `run` (0 to 2147483647, as --run; it may be the same
    /// or lower than now).
    void setRun(qint64 run);

private:
    void onTick();
    /// A stop condition was met (`why`): a graceful stop, as stop(), that says why.
    void stopBecause(const QString &why);
    void checkStopConditions(quint64 bytesReceived);
    /// The output directory was deleted, moved or replaced during the run (`reason`): the open
    /// files are closed (lost with it), --max-files forgets the closed ones.
    void closeFilesOfLostDirectory(const QString &reason);
    void onSessionFinished();
    void onDrainTimeout();
    void finishStop();
    int activeSessions() const;
    /// The --on-file-closed counts, into `snapshot`.
    void addHookCounts(StatsSnapshot *snapshot) const;
    StatsSnapshot makeSnapshot(double seconds);
    void teardown();

    CaptureEvents m_events{this};
    State m_state = State::Idle;
    struct Run;
    /// What one run owns; kept until the next start (sessions deleted later may refer to it).
    std::unique_ptr<Run> m_run;
    std::unique_ptr<Listeners> m_ports; ///< the run's TCP and UDP ports
    QTimer *m_statsTimer = nullptr;
    QTimer *m_drainTimer = nullptr;
    QElapsedTimer m_uptime;
    QElapsedTimer m_sinceTick;
    int m_drainTimedOut = 0;
    QString m_runId;                // this run's id in the manifest
    qint64 m_manifestCheckedMs = 0; // uptime of the last manifest check (once a second)
    bool m_aborted = false;
    QString m_stopCondition; // why the run stops by itself, once a condition was met
    QTimer *m_stopAfterTimer = nullptr;
    HookRunner *m_hooks;   ///< --on-file-closed; outlives runs (a run's last files' commands)
    StatsSnapshot m_final; ///< the last run's final figures (hook counts amended after it)
};

} // namespace capture

#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/manifest/manifest.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>

class QTimer;

namespace capture {

class PortListener;

/// The capture engine: one PortListener (QTcpServer) per port, all in the thread this object
/// lives in. Driven by queued calls from CaptureController; reports only through signals that
/// carry plain values. Statistics leave it as one StatsSnapshot per period, never per read.
class CaptureEngine : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Running, Draining };
    Q_ENUM(State)

    explicit CaptureEngine(QObject *parent = nullptr);
    ~CaptureEngine() override;

    State state() const { return m_state; }

public Q_SLOTS:
    /// Binds every port, then creates the output directory, then accepts connections.
    /// Emits started() or startFailed(); on failure nothing stays bound.
    void start(const capture::CaptureSettings &settings);
    /// Graceful stop: stop accepting, read what peers already sent until they close or the
    /// drain timeout passes, close the files, emit stopped().
    void stop();
    /// Immediate stop: keep what was already read, close the files, emit stopped().
    void abort();

Q_SIGNALS:
    void listening(const QHostAddress &address, quint16 port);
    void started();
    /// `failures` lists ports that could not be bound; `reason` is set for other faults.
    void startFailed(const QList<capture::ListenFailure> &failures, const QString &reason);
    void connectionOpened(const capture::ConnectionInfo &info);
    /// The connection's first byte reached its file (info.file); an empty connection has none.
    void connectionRecording(const capture::ConnectionInfo &info);
    void connectionClosed(const capture::ConnectionInfo &info);
    void fileOpened(const capture::FileInfo &info);
    void fileClosed(const capture::FileInfo &info);
    /// A closed file was deleted to keep --max-files.
    void fileDeleted(const capture::FileInfo &info);
    /// A file of this run is gone (State::Lost, `error` says why): its directory was deleted,
    /// moved or replaced, or it was deleted while it was written.
    void fileLost(const capture::FileInfo &info);
    void writeFailed(const capture::FileInfo &info);
    void warningRaised(const QString &message);
    void errorRaised(const QString &message);
    void drainStarted(int openConnections, int timeoutMs);
    void statsUpdated(const capture::StatsSnapshot &snapshot);
    void stopped(const capture::StopSummary &summary);

private:
    void onTick();
    /// The output directory was deleted, moved or replaced during the run (`reason`): the open
    /// files are closed (lost with it), --max-files forgets the closed ones.
    void closeFilesOfLostDirectory(const QString &reason);
    void onSessionFinished();
    void onDrainTimeout();
    void finishStop();
    int activeSessions() const;
    StatsSnapshot makeSnapshot(double seconds);
    void teardown();

    State m_state = State::Idle;
    struct Run;
    /// What one run owns; kept until the next start (sessions deleted later may refer to it).
    std::unique_ptr<Run> m_run;
    QList<PortListener *> m_listeners;
    QTimer *m_statsTimer = nullptr;
    QTimer *m_drainTimer = nullptr;
    QElapsedTimer m_uptime;
    QElapsedTimer m_sinceTick;
    int m_drainTimedOut = 0;
    QString m_runId;                // this run's id in the manifest
    qint64 m_manifestCheckedMs = 0; // uptime of the last manifest check (once a second)
    bool m_aborted = false;
};

} // namespace capture

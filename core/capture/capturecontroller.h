#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QObject>
#include <QThread>

namespace capture {

class CaptureEngine;

/// The engine's thread. Once its event loop has ended (and deferred deletes have run), it
/// frees what OpenSSL keeps for the thread, such as the TLS ports' random generators: QThread's
/// wait() returns before a thread's exit handlers have run, so OpenSSL's own clean-up could
/// still be under way when the process ends.
class EngineThread : public QThread
{
protected:
    void run() override;
};

/// The main-thread face of the engine. Owns the worker thread and the CaptureEngine in it;
/// every call becomes a queued call and every engine signal arrives here queued, so the
/// caller (desktop window or console) can never slow the capture down.
class CaptureController : public QObject
{
    Q_OBJECT

public:
    explicit CaptureController(QObject *parent = nullptr);
    /// Stops a running capture at once (files are closed properly) and ends the thread.
    ~CaptureController() override;

    /// True from start() until stopped() or startFailed() has been delivered.
    bool isActive() const { return m_active; }
    /// The settings of the current (or last) start().
    CaptureSettings settings() const { return m_settings; }

public Q_SLOTS:
    void start(const capture::CaptureSettings &settings);
    void stop();
    void abort();

Q_SIGNALS:
    void listening(const QHostAddress &address, quint16 port);
    void started();
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
    EngineThread m_thread;
    CaptureEngine *m_engine = nullptr;
    bool m_active = false;
    CaptureSettings m_settings;
};

} // namespace capture

#pragma once

#include "core/capture/capturetypes.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>

namespace capture {

/// Everything a capture reports, declared once. The parts of a run emit into their run's
/// object (`Q_EMIT events->fileOpened(info)`), the engine into its own; the engine's object
/// receives the run's for as long as the run lasts (forwardTo), and a Receiver hands its
/// front ends one of these (Receiver::events()), in the front ends' thread.
class CaptureEvents : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    /// Passes every signal of this object on to the same signal of `to` (a signal-to-signal
    /// connection each; queued when `to` lives in another thread). QObject::disconnect(this,
    /// nullptr, to, nullptr) ends it.
    void forwardTo(CaptureEvents *to) const;

Q_SIGNALS:
    void listening(const QHostAddress &address, quint16 port);
    /// A UDP port (--udp-ports) is bound and read.
    void listeningUdp(const QHostAddress &address, quint16 port);
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
    /// The run number changed while running (New run): files opened from now on carry `run`.
    void runChanged(qint64 run, qint64 previous);
    /// An --on-file-closed command ended.
    void hookFinished(const capture::HookResult &result);
    /// No --on-file-closed command is waiting or running any more (after some were).
    void hooksIdle();
};

} // namespace capture

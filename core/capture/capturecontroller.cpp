#include "core/capture/capturecontroller.h"

#include "core/capture/captureengine.h"
#include "core/util/sha256.h"

#include <QCoreApplication>

namespace capture {

void EngineThread::run()
{
    exec();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    releaseCryptoThreadState();
}

CaptureController::CaptureController(QObject *parent)
    : Receiver(parent)
{
    registerCaptureMetaTypes();
    m_thread.setObjectName(QStringLiteral("capture-engine"));
    m_engine = new CaptureEngine;
    m_engine->moveToThread(&m_thread);

    // The engine's signals are this receiver's: forwarded as they are, except those that
    // move the run state or the last snapshot, which are taken in first.
    using E = CaptureEngine;
    connect(m_engine, &E::listening, this, &Receiver::listening);
    connect(m_engine, &E::started, this, [this] {
        setState(RunState::Running);
        Q_EMIT started();
    });
    connect(m_engine, &E::startFailed, this,
            [this](const QList<ListenFailure> &failures, const QString &reason) {
                setState(RunState::Failed);
                Q_EMIT startFailed(failures, reason);
            });
    connect(m_engine, &E::connectionOpened, this, &Receiver::connectionOpened);
    connect(m_engine, &E::connectionRecording, this, &Receiver::connectionRecording);
    connect(m_engine, &E::connectionClosed, this, &Receiver::connectionClosed);
    connect(m_engine, &E::fileOpened, this, &Receiver::fileOpened);
    connect(m_engine, &E::fileClosed, this, &Receiver::fileClosed);
    connect(m_engine, &E::fileDeleted, this, &Receiver::fileDeleted);
    connect(m_engine, &E::fileLost, this, &Receiver::fileLost);
    connect(m_engine, &E::writeFailed, this, &Receiver::writeFailed);
    connect(m_engine, &E::warningRaised, this, &Receiver::warningRaised);
    connect(m_engine, &E::errorRaised, this, &Receiver::errorRaised);
    connect(m_engine, &E::drainStarted, this, [this](int openConnections, int timeoutMs) {
        setState(RunState::Stopping);
        Q_EMIT drainStarted(openConnections, timeoutMs);
    });
    connect(m_engine, &E::statsUpdated, this, [this](const StatsSnapshot &snapshot) {
        m_last = snapshot;
        Q_EMIT statsUpdated(snapshot);
    });
    connect(m_engine, &E::stopped, this, [this](const StopSummary &summary) {
        setState(RunState::Idle);
        Q_EMIT stopped(summary);
    });

    m_thread.start();
}

CaptureController::~CaptureController()
{
    // The engine's sockets and timers belong to the worker thread: destroy it there.
    CaptureEngine *engine = m_engine;
    m_engine = nullptr;
    engine->disconnect(this);
    QMetaObject::invokeMethod(
        engine, [engine] { delete engine; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void CaptureController::setState(RunState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void CaptureController::start(const CaptureSettings &settings)
{
    m_settings = settings;
    setState(RunState::Starting);
    QMetaObject::invokeMethod(
        m_engine, [engine = m_engine, settings] { engine->start(settings); }, Qt::QueuedConnection);
}

void CaptureController::stop()
{
    // From Starting the engine still starts first (the calls are queued in order) and says
    // so with started() and drainStarted().
    if (m_state == RunState::Running)
        setState(RunState::Stopping);
    QMetaObject::invokeMethod(m_engine, &CaptureEngine::stop, Qt::QueuedConnection);
}

void CaptureController::abort()
{
    QMetaObject::invokeMethod(m_engine, &CaptureEngine::abort, Qt::QueuedConnection);
}

} // namespace capture

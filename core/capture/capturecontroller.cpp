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

    // The engine's events are this receiver's, passed on as they are. Those that move the run
    // state or the last snapshot are taken in first: these connections are made before the
    // forwarding ones, so their queued calls run first.
    using E = CaptureEvents;
    const CaptureEvents *engineEvents = m_engine->events();
    connect(engineEvents, &E::started, this, [this] { setState(RunState::Running); });
    connect(engineEvents, &E::startFailed, this, [this] { setState(RunState::Failed); });
    connect(engineEvents, &E::drainStarted, this, [this] { setState(RunState::Stopping); });
    connect(engineEvents, &E::statsUpdated, this,
            [this](const StatsSnapshot &snapshot) { m_last = snapshot; });
    connect(engineEvents, &E::stopped, this, [this] { setState(RunState::Idle); });
    connect(engineEvents, &E::runChanged, this, [this](qint64 run) { m_runNumber = run; });
    engineEvents->forwardTo(&m_events);

    m_thread.start();
}

CaptureController::~CaptureController()
{
    // The engine's sockets and timers belong to the worker thread: destroy it there.
    CaptureEngine *engine = m_engine;
    m_engine = nullptr;
    engine->events()->disconnect(); // nothing more reaches this thread
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
    m_runNumber = settings.run;
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

void CaptureController::rotate()
{
    QMetaObject::invokeMethod(m_engine, &CaptureEngine::rotate, Qt::QueuedConnection);
}

void CaptureController::newRun()
{
    QMetaObject::invokeMethod(m_engine, &CaptureEngine::newRun, Qt::QueuedConnection);
}

void CaptureController::setRun(qint64 run)
{
    QMetaObject::invokeMethod(
        m_engine, [engine = m_engine, run] { engine->setRun(run); }, Qt::QueuedConnection);
}

} // namespace capture

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
    : QObject(parent)
{
    registerCaptureMetaTypes();
    m_thread.setObjectName(QStringLiteral("capture-engine"));
    m_engine = new CaptureEngine;
    m_engine->moveToThread(&m_thread);

    connect(m_engine, &CaptureEngine::listening, this, &CaptureController::listening);
    connect(m_engine, &CaptureEngine::started, this, &CaptureController::started);
    connect(m_engine, &CaptureEngine::startFailed, this,
            [this](const QList<ListenFailure> &failures, const QString &reason) {
                m_active = false;
                Q_EMIT startFailed(failures, reason);
            });
    connect(m_engine, &CaptureEngine::connectionOpened, this, &CaptureController::connectionOpened);
    connect(m_engine, &CaptureEngine::connectionRecording, this,
            &CaptureController::connectionRecording);
    connect(m_engine, &CaptureEngine::connectionClosed, this, &CaptureController::connectionClosed);
    connect(m_engine, &CaptureEngine::fileOpened, this, &CaptureController::fileOpened);
    connect(m_engine, &CaptureEngine::fileClosed, this, &CaptureController::fileClosed);
    connect(m_engine, &CaptureEngine::fileDeleted, this, &CaptureController::fileDeleted);
    connect(m_engine, &CaptureEngine::fileLost, this, &CaptureController::fileLost);
    connect(m_engine, &CaptureEngine::writeFailed, this, &CaptureController::writeFailed);
    connect(m_engine, &CaptureEngine::warningRaised, this, &CaptureController::warningRaised);
    connect(m_engine, &CaptureEngine::errorRaised, this, &CaptureController::errorRaised);
    connect(m_engine, &CaptureEngine::drainStarted, this, &CaptureController::drainStarted);
    connect(m_engine, &CaptureEngine::statsUpdated, this, &CaptureController::statsUpdated);
    connect(m_engine, &CaptureEngine::stopped, this, [this](const StopSummary &summary) {
        m_active = false;
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

void CaptureController::start(const CaptureSettings &settings)
{
    m_active = true;
    m_settings = settings;
    QMetaObject::invokeMethod(
        m_engine, [engine = m_engine, settings] { engine->start(settings); }, Qt::QueuedConnection);
}

void CaptureController::stop()
{
    QMetaObject::invokeMethod(m_engine, &CaptureEngine::stop, Qt::QueuedConnection);
}

void CaptureController::abort()
{
    QMetaObject::invokeMethod(m_engine, &CaptureEngine::abort, Qt::QueuedConnection);
}

} // namespace capture

#pragma once

#include "core/capture/receiver.h"

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

/// The receiver in this process: the main-thread face of the engine. Owns the worker thread
/// and the CaptureEngine in it; every call becomes a queued call and every engine signal
/// arrives here queued (in events()), so the caller (desktop window or console) can never slow the
/// capture down. It owns the run state and the last snapshot, so no front end keeps its own copy.
class CaptureController : public Receiver
{
    Q_OBJECT

public:
    explicit CaptureController(QObject *parent = nullptr);
    /// Stops a running capture at once (files are closed properly) and ends the thread.
    ~CaptureController() override;

    RunState state() const override { return m_state; }
    CaptureSettings settings() const override { return m_settings; }
    StatsSnapshot lastSnapshot() const override { return m_last; }
    qint64 runNumber() const override { return m_runNumber; }
    const CaptureEvents *events() const override { return &m_events; }

public Q_SLOTS:
    void start(const capture::CaptureSettings &settings) override;
    void stop() override;
    void abort() override;
    void rotate() override;
    void newRun() override;
    void setRun(qint64 run) override;

private:
    void setState(RunState state);

    EngineThread m_thread;
    CaptureEngine *m_engine = nullptr;
    CaptureEvents m_events{this};
    RunState m_state = RunState::Idle;
    CaptureSettings m_settings;
    StatsSnapshot m_last;
    qint64 m_runNumber = 0;
};

} // namespace capture

#pragma once

#include "core/capture/capturecontroller.h"
#include "core/config/commandline.h"
#include "core/observe/eventlog.h"

#include <QObject>

#include <memory>

class SignalWatcher;

namespace capture {
class EventStream;
class StatusService;
} // namespace capture

/// What both front ends (the desktop window and the headless runner) share, made once: the
/// receiver (the capture controller of this process), its log lines on the console (and
/// --log-file), --events, --status, and SIGINT/SIGTERM — the first asks to stop gracefully,
/// any later one to stop at once — and SIGUSR1, which rotates every open file. A front end is
/// handed receiver() and follows stopRequested(); it never makes a controller of its own.
class Application : public QObject
{
    Q_OBJECT

public:
    enum ExitCode { Success = 0, Failure = 1, Usage = 2 };
    enum class FrontEnd { Headless, Desktop };

    Application(capture::CommandLineOptions options, FrontEnd frontEnd, QObject *parent = nullptr);
    ~Application() override;

    /// Opens the --events file, if one was given. False with a one-line reason naming it.
    bool openEvents(QString *error);
    /// Serves --status, if asked for. False with a one-line reason naming the address.
    bool startStatus(QString *error);
    /// Turns SIGINT/SIGTERM into stopRequested() and SIGUSR1 into a rotation (a warning if
    /// the handlers cannot be set).
    void watchSignals();

    capture::Receiver *receiver() { return &m_controller; }
    const capture::CommandLineOptions &options() const { return m_options; }

Q_SIGNALS:
    /// SIGINT or SIGTERM arrived: stop gracefully, or at once (`immediately`) when it is the
    /// second or later one. The desktop window also quits once stopped.
    void stopRequested(bool immediately);

private:
    void onSignal(int signal);

    capture::CommandLineOptions m_options;
    FrontEnd m_frontEnd;
    capture::CaptureController m_controller;
    capture::CaptureEventLog m_consoleLog{&m_controller};
    std::unique_ptr<capture::EventStream> m_events;
    std::unique_ptr<capture::StatusService> m_status;
    SignalWatcher *m_signals = nullptr;
    int m_signalCount = 0;
};

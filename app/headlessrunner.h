#pragma once

#include "core/capture/capturecontroller.h"
#include "core/config/commandline.h"
#include "core/observe/eventlog.h"

#include <QHash>
#include <QObject>
#include <QTimer>

class SignalWatcher;

/// Headless mode: runs a capture from the command-line options, writes one log line per
/// event, a periodic summary, and a final summary, and ends on SIGINT/SIGTERM.
class HeadlessRunner : public QObject
{
    Q_OBJECT

public:
    enum ExitCode { Success = 0, Failure = 1, Usage = 2 };

    explicit HeadlessRunner(capture::CommandLineOptions options, QObject *parent = nullptr);
    ~HeadlessRunner() override;

    /// Installs the signal handlers and starts the capture.
    void start();

    capture::CaptureController *controller() { return &m_controller; }

Q_SIGNALS:
    void finished(int exitCode);

private:
    void onSignal(int signal);
    void printSummary();

    capture::CommandLineOptions m_options;
    capture::CaptureController m_controller;
    capture::CaptureEventLog m_log{&m_controller};
    SignalWatcher *m_signals = nullptr;
    QTimer m_summaryTimer;
    capture::StatsSnapshot m_last;
    QHash<quint16, quint64> m_bytesAtLastSummary;
    qint64 m_uptimeAtLastSummary = 0;
    int m_signalCount = 0;
    int m_writeFailures = 0;
    int m_errors = 0;
};

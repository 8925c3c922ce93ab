#pragma once

#include "core/capture/receiver.h"
#include "core/config/commandline.h"

#include <QHash>
#include <QObject>
#include <QTimer>

/// Headless mode: runs a capture from the command-line options on the receiver it is handed,
/// writes a periodic summary, and says with finished() how the run ended (the exit code).
class HeadlessRunner : public QObject
{
    Q_OBJECT

public:
    HeadlessRunner(capture::Receiver *receiver, capture::CommandLineOptions options,
                   QObject *parent = nullptr);
    ~HeadlessRunner() override;

    /// Starts the capture; with --idle, checks that every port can be listened on and waits
    /// for the control API's start.
    void start();
    /// Stops it: gracefully, or at once with `immediately`; then finished(). (With the control
    /// API on, a stop that does not come from here leaves the process up, idle.)
    void stop(bool immediately);

Q_SIGNALS:
    /// The process should end: 0 clean, 1 (Application::Failure) a start failure or anything
    /// lost in any run.
    void finished(int exitCode);

private:
    void printSummary();
    /// Ends the process once the last --on-file-closed commands are done.
    void finishWhenHooksIdle();
    int exitCode() const;
    /// --idle: what stops a start before it begins (a port in use...); empty when none.
    QString portsProblem() const;

    capture::Receiver *m_receiver;
    capture::CommandLineOptions m_options;
    QTimer m_summaryTimer;
    QHash<quint16, quint64> m_bytesAtLastSummary;
    qint64 m_uptimeAtLastSummary = 0;
    int m_writeFailures = 0;
    int m_errors = 0;
    bool m_lost = false;        ///< a run did not write every byte it received
    bool m_controlled = false;  ///< the control API is on: a stop leaves the process up
    bool m_ending = false;      ///< SIGINT/SIGTERM: finished() once stopped
    bool m_everStarted = false; ///< a start went through (a later failure is the API's)
    int m_hooksPending = 0;     ///< of the last run, until hooksIdle
};

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

    /// Starts the capture.
    void start();
    /// Stops it: gracefully, or at once with `immediately`.
    void stop(bool immediately);

Q_SIGNALS:
    /// The run ended: 0 clean, 1 (Application::Failure) a start failure or anything lost.
    void finished(int exitCode);

private:
    void printSummary();

    capture::Receiver *m_receiver;
    capture::CommandLineOptions m_options;
    QTimer m_summaryTimer;
    QHash<quint16, quint64> m_bytesAtLastSummary;
    qint64 m_uptimeAtLastSummary = 0;
    int m_writeFailures = 0;
    int m_errors = 0;
};

#include "app/headlessrunner.h"

#include "app/consolelog.h"
#include "app/signalwatcher.h"
#include "core/util/units.h"

#include <QLoggingCategory>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

Q_LOGGING_CATEGORY(lcHeadless, "capture.headless", QtInfoMsg)

HeadlessRunner::HeadlessRunner(CommandLineOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    connect(&m_log, &CaptureEventLog::entryAdded, this, &ConsoleLog::write);
    connect(&m_controller, &CaptureController::started, this, [this] {
        if (m_options.summaryIntervalMs > 0)
            m_summaryTimer.start();
    });
    connect(&m_controller, &CaptureController::startFailed, this,
            [this] { Q_EMIT finished(Failure); });
    connect(&m_controller, &CaptureController::writeFailed, this, [this] { ++m_writeFailures; });
    // Errors during the run (a connection closed because no file could be created for it, a
    // manifest line not written) make the run unclean, like write failures.
    connect(&m_controller, &CaptureController::errorRaised, this, [this] { ++m_errors; });
    connect(&m_controller, &CaptureController::statsUpdated, this,
            [this](const StatsSnapshot &snapshot) { m_last = snapshot; });
    connect(&m_controller, &CaptureController::stopped, this, [this](const StopSummary &summary) {
        m_summaryTimer.stop();
        // Bytes not written, a sender turned away, or files the manifest does not vouch for.
        const bool lost =
            summary.bytesWritten < summary.bytesReceived || m_writeFailures > 0 || m_errors > 0;
        Q_EMIT finished(lost ? Failure : Success);
    });

    m_summaryTimer.setInterval(m_options.summaryIntervalMs);
    connect(&m_summaryTimer, &QTimer::timeout, this, &HeadlessRunner::printSummary);
}

HeadlessRunner::~HeadlessRunner() = default;

void HeadlessRunner::start()
{
    m_signals = new SignalWatcher(this);
    if (!m_signals->install())
        qCWarning(lcHeadless).noquote()
            << u"cannot install signal handlers: %1"_s.arg(m_signals->errorString());
    connect(m_signals, &SignalWatcher::signalReceived, this, &HeadlessRunner::onSignal);
    m_controller.start(m_options.settings);
}

void HeadlessRunner::onSignal(int signal)
{
    ++m_signalCount;
    if (m_signalCount == 1) {
        qCInfo(lcHeadless).noquote()
            << u"%1 received: stopping (send it again to stop at once)"_s.arg(
                   SignalWatcher::signalName(signal));
        m_controller.stop();
    } else {
        qCWarning(lcHeadless).noquote()
            << u"%1 received again: stopping at once, closing files"_s.arg(
                   SignalWatcher::signalName(signal));
        m_controller.abort();
    }
}

void HeadlessRunner::printSummary()
{
    const qint64 elapsedMs = m_last.uptimeMs - m_uptimeAtLastSummary;
    QStringList parts;
    for (const PortStats &port : std::as_const(m_last.ports)) {
        const quint64 before = m_bytesAtLastSummary.value(port.port);
        const quint64 delta = port.bytes - before;
        m_bytesAtLastSummary.insert(port.port, port.bytes);
        if (delta == 0 && port.activeConnections == 0)
            continue;
        const double rate = elapsedMs > 0 ? double(delta) * 1000.0 / double(elapsedMs) : 0;
        parts.append(u"%1: %2 (%3, %4 conn)"_s.arg(port.port)
                         .arg(formatBytes(port.bytes), formatRate(rate))
                         .arg(port.activeConnections));
    }
    m_uptimeAtLastSummary = m_last.uptimeMs;
    const QString active = parts.isEmpty() ? u"no port active"_s : parts.join(u", "_s);
    qCInfo(lcHeadless).noquote() << u"summary: %1; total %2, %3 open / %4 connections"_s
                                        .arg(active, formatBytes(m_last.totalBytes))
                                        .arg(m_last.activeConnections)
                                        .arg(m_last.totalConnections);
}

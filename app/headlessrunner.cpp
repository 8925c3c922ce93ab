#include "app/headlessrunner.h"

#include "app/application.h"
#include "core/util/units.h"

#include <QLoggingCategory>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

Q_LOGGING_CATEGORY(lcHeadless, "capture.headless", QtInfoMsg)

HeadlessRunner::HeadlessRunner(Receiver *receiver, CommandLineOptions options, QObject *parent)
    : QObject(parent)
    , m_receiver(receiver)
    , m_options(std::move(options))
{
    connect(receiver->events(), &CaptureEvents::started, this, [this] {
        if (m_options.summaryIntervalMs > 0)
            m_summaryTimer.start();
    });
    connect(receiver->events(), &CaptureEvents::startFailed, this,
            [this] { Q_EMIT finished(Application::Failure); });
    connect(receiver->events(), &CaptureEvents::writeFailed, this, [this] { ++m_writeFailures; });
    // Errors during the run (a connection closed because no file could be created for it, a
    // manifest line not written) make the run unclean, like write failures.
    connect(receiver->events(), &CaptureEvents::errorRaised, this, [this] { ++m_errors; });
    connect(receiver->events(), &CaptureEvents::stopped, this, [this](const StopSummary &summary) {
        m_summaryTimer.stop();
        // Bytes not written, a sender turned away, or files the manifest does not vouch for.
        const bool lost =
            summary.bytesWritten < summary.bytesReceived || m_writeFailures > 0 || m_errors > 0;
        const int code = lost ? Application::Failure : Application::Success;
        if (summary.hooksPending == 0) {
            Q_EMIT finished(code);
            return;
        }
        // The last files' --on-file-closed commands run before the process ends (each
        // bounded by --hook-timeout).
        connect(m_receiver->events(), &CaptureEvents::hooksIdle, this,
                [this, code] { Q_EMIT finished(code); });
    });

    m_summaryTimer.setInterval(m_options.summaryIntervalMs);
    connect(&m_summaryTimer, &QTimer::timeout, this, &HeadlessRunner::printSummary);
}

HeadlessRunner::~HeadlessRunner() = default;

void HeadlessRunner::start()
{
    m_receiver->start(m_options.settings);
}

void HeadlessRunner::stop(bool immediately)
{
    if (immediately)
        m_receiver->abort();
    else
        m_receiver->stop();
}

void HeadlessRunner::printSummary()
{
    const StatsSnapshot last = m_receiver->lastSnapshot();
    const qint64 elapsedMs = last.uptimeMs - m_uptimeAtLastSummary;
    QStringList parts;
    for (const PortStats &port : std::as_const(last.ports)) {
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
    m_uptimeAtLastSummary = last.uptimeMs;
    const QString active = parts.isEmpty() ? u"no port active"_s : parts.join(u", "_s);
    qCInfo(lcHeadless).noquote() << u"summary: %1; total %2, %3 open / %4 connections"_s
                                        .arg(active, formatBytes(last.totalBytes))
                                        .arg(last.activeConnections)
                                        .arg(last.totalConnections);
}

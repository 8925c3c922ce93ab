#include "app/headlessrunner.h"

#include "app/application.h"
#include "core/net/address.h"
#include "core/net/listensocket.h"
#include "core/util/units.h"

#include <QLoggingCategory>

#include <unistd.h>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

Q_LOGGING_CATEGORY(lcHeadless, "capture.headless", QtInfoMsg)

HeadlessRunner::HeadlessRunner(Receiver *receiver, CommandLineOptions options, QObject *parent)
    : QObject(parent)
    , m_receiver(receiver)
    , m_options(std::move(options))
    , m_controlled(!m_options.controlToken.isEmpty())
{
    connect(receiver->events(), &CaptureEvents::started, this, [this] {
        m_everStarted = true;
        if (m_options.summaryIntervalMs > 0)
            m_summaryTimer.start();
    });
    connect(receiver->events(), &CaptureEvents::startFailed, this, [this] {
        // A start through the control API that fails is that request's answer.
        if (!m_controlled || !m_everStarted || m_ending) {
            m_lost = true;
            Q_EMIT finished(Application::Failure);
        }
    });
    connect(receiver->events(), &CaptureEvents::writeFailed, this, [this] { ++m_writeFailures; });
    // Errors during the run (a connection closed because no file could be created for it, a
    // manifest line not written) make the run unclean, like write failures.
    connect(receiver->events(), &CaptureEvents::errorRaised, this, [this] { ++m_errors; });
    connect(receiver->events(), &CaptureEvents::stopped, this, [this](const StopSummary &summary) {
        m_summaryTimer.stop();
        // Bytes not written, a sender turned away, or files the manifest does not vouch for.
        m_lost = m_lost || summary.bytesWritten < summary.bytesReceived;
        m_hooksPending = summary.hooksPending;
        if (m_controlled && !m_ending) {
            qCInfo(lcHeadless).noquote()
                << u"idle: the capture stopped; status and control stay up until SIGTERM"_s;
            return;
        }
        finishWhenHooksIdle();
    });
    connect(receiver->events(), &CaptureEvents::hooksIdle, this, [this] {
        m_hooksPending = 0;
        if (m_ending && !m_receiver->isActive())
            Q_EMIT finished(exitCode());
    });

    m_summaryTimer.setInterval(m_options.summaryIntervalMs);
    connect(&m_summaryTimer, &QTimer::timeout, this, &HeadlessRunner::printSummary);
}

HeadlessRunner::~HeadlessRunner() = default;

void HeadlessRunner::start()
{
    if (!m_options.idle) {
        m_receiver->start(m_options.settings);
        return;
    }
    if (const QString problem = portsProblem(); !problem.isEmpty()) {
        qCCritical(lcHeadless).noquote() << problem;
        Q_EMIT finished(Application::Failure);
        return;
    }
    m_everStarted = true; // a failing start from now on is the control API's to report
    qCInfo(lcHeadless).noquote() << u"idle (--idle): %1 port(s) free to listen on; the capture "
                                    "starts on POST /api/capture/start"_s.arg(
                                        m_options.settings.ports.size());
}

void HeadlessRunner::stop(bool immediately)
{
    m_ending = true;
    if (!m_receiver->isActive()) {
        finishWhenHooksIdle();
        return;
    }
    if (immediately)
        m_receiver->abort();
    else
        m_receiver->stop();
}

void HeadlessRunner::finishWhenHooksIdle()
{
    m_ending = true;
    // The last files' --on-file-closed commands run before the process ends (each bounded by
    // --hook-timeout); hooksIdle() ends it then.
    if (m_hooksPending == 0)
        Q_EMIT finished(exitCode());
}

int HeadlessRunner::exitCode() const
{
    const bool lost = m_lost || m_writeFailures > 0 || m_errors > 0;
    return lost ? Application::Failure : Application::Success;
}

QString HeadlessRunner::portsProblem() const
{
    const CaptureSettings &s = m_options.settings;
    for (const quint16 port : s.ports) {
        QString reason;
        const int fd = openListeningSocket(s.bindAddress, port, &reason);
        if (fd < 0)
            return u"cannot listen on %1: %2"_s.arg(endpointText(s.bindAddress, port), reason);
        ::close(fd);
    }
    return {};
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

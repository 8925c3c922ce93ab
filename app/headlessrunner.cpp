#include "headlessrunner.h"

#include "filenaming.h"
#include "signalwatcher.h"
#include "units.h"

#include <QDir>
#include <QLoggingCategory>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

Q_LOGGING_CATEGORY(lcHeadless, "capture.headless", QtInfoMsg)

namespace {
QString fileDescription(const FileInfo &info)
{
    return u"%1 (%2 bytes, %3)"_s.arg(info.path).arg(info.bytes).arg(formatBytes(info.bytes));
}
} // namespace

HeadlessRunner::HeadlessRunner(CommandLineOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    connect(&m_controller, &CaptureController::listening, this,
            [](const QHostAddress &address, quint16 port) {
                qCInfo(lcHeadless).noquote()
                    << u"listening on %1"_s.arg(FileNaming::endpointText(address, port));
            });
    connect(&m_controller, &CaptureController::started, this, &HeadlessRunner::onStarted);
    connect(&m_controller, &CaptureController::startFailed, this, &HeadlessRunner::onStartFailed);
    connect(&m_controller, &CaptureController::connectionOpened, this,
            &HeadlessRunner::onConnectionOpened);
    connect(&m_controller, &CaptureController::connectionClosed, this,
            &HeadlessRunner::onConnectionClosed);
    connect(&m_controller, &CaptureController::fileOpened, this, &HeadlessRunner::onFileOpened);
    connect(&m_controller, &CaptureController::fileClosed, this, &HeadlessRunner::onFileClosed);
    connect(&m_controller, &CaptureController::writeFailed, this, &HeadlessRunner::onWriteFailed);
    connect(&m_controller, &CaptureController::warningRaised, this,
            [](const QString &message) { qCWarning(lcHeadless).noquote() << message; });
    connect(&m_controller, &CaptureController::errorRaised, this,
            [](const QString &message) { qCCritical(lcHeadless).noquote() << message; });
    connect(&m_controller, &CaptureController::drainStarted, this, [](int open, int timeoutMs) {
        if (open > 0)
            qCInfo(lcHeadless).noquote()
                << u"no longer accepting; reading what %1 open connection(s) already "
                   "sent, for up to %2"_s.arg(open)
                       .arg(formatDuration(timeoutMs));
    });
    connect(&m_controller, &CaptureController::statsUpdated, this,
            [this](const StatsSnapshot &snapshot) { m_last = snapshot; });
    connect(&m_controller, &CaptureController::stopped, this, &HeadlessRunner::onStopped);

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

void HeadlessRunner::onStarted()
{
    const CaptureSettings &s = m_options.settings;
    qCInfo(lcHeadless).noquote() << u"recording %1 port(s) into %2 (split by %3)"_s
                                        .arg(s.ports.size())
                                        .arg(QDir(s.outputDir).absolutePath(),
                                             splitModeName(s.split));
    if (m_options.summaryIntervalMs > 0)
        m_summaryTimer.start();
}

void HeadlessRunner::onStartFailed(const QList<ListenFailure> &failures, const QString &reason)
{
    const QHostAddress &address = m_options.settings.bindAddress;
    for (const ListenFailure &failure : failures)
        qCCritical(lcHeadless).noquote() << u"cannot listen on %1: %2"_s.arg(
            FileNaming::endpointText(address, failure.port), failure.reason);
    if (!reason.isEmpty())
        qCCritical(lcHeadless).noquote() << reason;
    if (!failures.isEmpty())
        qCCritical(lcHeadless).noquote()
            << u"%1 of %2 port(s) could not be bound; nothing is listening"_s.arg(failures.size())
                   .arg(m_options.settings.ports.size());
    Q_EMIT finished(Failure);
}

void HeadlessRunner::onConnectionOpened(const ConnectionInfo &info)
{
    qCInfo(lcHeadless).noquote() << u"port %1: connection from %2 opened, writing to %3"_s
                                        .arg(info.localPort)
                                        .arg(info.peerText(), info.file);
}

void HeadlessRunner::onConnectionClosed(const ConnectionInfo &info)
{
    QString line =
        u"port %1: connection from %2 closed (%3): %4 bytes (%5) in %6"_s.arg(info.localPort)
            .arg(info.peerText(), info.closeReason)
            .arg(info.bytesReceived)
            .arg(formatBytes(info.bytesReceived), formatDuration(info.durationMs()));
    if (info.bytesWritten < info.bytesReceived) {
        line +=
            u"; %1 bytes received but not written"_s.arg(info.bytesReceived - info.bytesWritten);
        qCWarning(lcHeadless).noquote() << line;
        return;
    }
    qCInfo(lcHeadless).noquote() << line;
}

void HeadlessRunner::onFileOpened(const FileInfo &info)
{
    qCInfo(lcHeadless).noquote() << u"port %1: file opened: %2"_s.arg(info.port).arg(info.path);
}

void HeadlessRunner::onFileClosed(const FileInfo &info)
{
    if (info.state == FileInfo::State::Error)
        qCWarning(lcHeadless).noquote()
            << u"port %1: file closed after an error (%2): %3"_s.arg(info.port).arg(
                   info.error, fileDescription(info));
    else
        qCInfo(lcHeadless).noquote()
            << u"port %1: file closed: %2"_s.arg(info.port).arg(fileDescription(info));
}

void HeadlessRunner::onWriteFailed(const FileInfo &info)
{
    ++m_writeFailures;
    qCCritical(lcHeadless).noquote()
        << u"port %1: write error on %2: %3; the file keeps the %4 bytes written before"_s
               .arg(info.port)
               .arg(info.path, info.error)
               .arg(info.bytes);
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

void HeadlessRunner::onStopped(const StopSummary &summary)
{
    m_summaryTimer.stop();
    for (const PortSummary &port : summary.ports) {
        qCInfo(lcHeadless).noquote()
            << u"final: port %1: %2 file(s), %3 connection(s), %4 bytes (%5)"_s.arg(port.port)
                   .arg(port.files)
                   .arg(port.connections)
                   .arg(port.bytesWritten)
                   .arg(formatBytes(port.bytesWritten));
    }
    const quint64 lost = summary.bytesReceived - summary.bytesWritten;
    QString total = u"final: total %1 bytes (%2) written in %3"_s.arg(summary.bytesWritten)
                        .arg(formatBytes(summary.bytesWritten), formatDuration(summary.uptimeMs));
    if (summary.drainTimedOut > 0)
        total += u"; %1 connection(s) were still open at the drain timeout and were closed"_s.arg(
            summary.drainTimedOut);
    if (lost > 0) {
        total += u"; %1 bytes received but not written (see the write errors above)"_s.arg(lost);
        qCCritical(lcHeadless).noquote() << total;
    } else {
        qCInfo(lcHeadless).noquote() << total;
    }
    Q_EMIT finished(lost > 0 || m_writeFailures > 0 ? Failure : Success);
}

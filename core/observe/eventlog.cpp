#include "core/observe/eventlog.h"

#include "core/capture/receiver.h"
#include "core/net/address.h"
#include "core/util/units.h"

#include <QDir>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
QString fileDescription(const FileInfo &info)
{
    return u"%1 (%2 bytes, %3)"_s.arg(info.path).arg(info.bytes).arg(formatBytes(info.bytes));
}
} // namespace

CaptureEventLog::CaptureEventLog(Receiver *receiver, QObject *parent)
    : QObject(parent)
    , m_receiver(receiver)
{
    using C = CaptureEvents;
    const CaptureEvents *events = receiver->events();
    connect(events, &C::listening, this, [this](const QHostAddress &address, quint16 port) {
        add(Level::Info, u"listening on %1"_s.arg(endpointText(address, port)));
    });
    connect(events, &C::listeningUdp, this, [this](const QHostAddress &address, quint16 port) {
        add(Level::Info, u"receiving UDP on %1"_s.arg(endpointText(address, port)));
    });
    connect(events, &C::started, this, &CaptureEventLog::onStarted);
    connect(events, &C::startFailed, this, &CaptureEventLog::onStartFailed);
    // A connection is logged (info) with its first byte, which names its file: one that closes
    // without sending anything (port scans, health checks, nc -z) is only at debug level.
    const auto openedLine = [](const ConnectionInfo &info) {
        return u"port %1: connection from %2%3 opened"_s.arg(info.localPort)
            .arg(info.peerViaText(), info.tlsSubject.isEmpty()
                                         ? QString()
                                         : u" (TLS client "_s + info.tlsSubject + u')');
    };
    connect(events, &C::connectionOpened, this, [this, openedLine](const ConnectionInfo &info) {
        add(Level::Debug, openedLine(info));
    });
    connect(events, &C::connectionRecording, this, [this, openedLine](const ConnectionInfo &info) {
        add(Level::Info, openedLine(info) + u", writing to "_s + info.file);
    });
    connect(events, &C::connectionClosed, this, &CaptureEventLog::onConnectionClosed);
    connect(events, &C::fileOpened, this, [this](const FileInfo &info) {
        add(Level::Info, u"port %1: file opened: %2"_s.arg(info.port).arg(info.path));
    });
    connect(events, &C::fileClosed, this, &CaptureEventLog::onFileClosed);
    connect(events, &C::fileDeleted, this, [this](const FileInfo &info) {
        add(Level::Info,
            u"port %1: deleted the oldest file %2 to keep --max-files %3"_s.arg(info.port)
                .arg(info.path)
                .arg(m_receiver->settings().maxFiles));
    });
    connect(events, &C::writeFailed, this, [this](const FileInfo &info) {
        add(Level::Error,
            u"port %1: write error on %2: %3; the file keeps the %4 bytes written before"_s
                .arg(info.port)
                .arg(info.path, info.error)
                .arg(info.bytes));
    });
    connect(events, &C::warningRaised, this,
            [this](const QString &message) { add(Level::Warning, message); });
    connect(events, &C::errorRaised, this,
            [this](const QString &message) { add(Level::Error, message); });
    connect(events, &C::drainStarted, this, [this](int open, int timeoutMs) {
        if (open > 0)
            add(Level::Info, u"no longer accepting; reading what %1 open connection(s) already "
                             "sent, for up to %2"_s.arg(open)
                                 .arg(formatDuration(timeoutMs)));
    });
    connect(events, &C::stopped, this, &CaptureEventLog::onStopped);
    connect(events, &C::runChanged, this, [this](qint64 run, qint64 previous) {
        add(Level::Info,
            u"new run %1 (after run %2): its files are opened with the next bytes"_s.arg(run).arg(
                previous));
    });
    connect(events, &C::hookFinished, this, [this](const HookResult &result) {
        QString line = u"--on-file-closed for %1: %2 after %3"_s.arg(
            result.file, result.outcome(), formatDuration(result.durationMs));
        if (result.succeeded()) {
            add(Level::Info, line);
            return;
        }
        if (!result.output.isEmpty()) {
            QStringList lines = result.output.split(u'\n');
            if (lines.size() > 5)
                lines = lines.mid(lines.size() - 5);
            line += u"; its last output: "_s + lines.join(u" | "_s);
        }
        add(Level::Warning, line);
    });
    connect(events, &C::hooksIdle, this,
            [this] { add(Level::Debug, u"--on-file-closed: no command waiting or running"_s); });
}

QString CaptureEventLog::levelName(Level level)
{
    switch (level) {
    case Level::Debug:
        return u"debug"_s;
    case Level::Info:
        return u"info"_s;
    case Level::Warning:
        return u"warning"_s;
    case Level::Error:
        return u"error"_s;
    }
    return u"info"_s;
}

void CaptureEventLog::onStarted()
{
    const CaptureSettings s = m_receiver->settings();
    add(Level::Info,
        u"recording %1 port(s) into %2 (split by %3)"_s.arg(s.ports.size() + s.udpPorts.size())
            .arg(QDir(s.outputDir).absolutePath(), splitModeName(s.split)));
}

void CaptureEventLog::onStartFailed(const QList<ListenFailure> &failures, const QString &reason)
{
    const CaptureSettings s = m_receiver->settings();
    for (const ListenFailure &failure : failures)
        add(Level::Error, u"cannot listen on %1: %2"_s.arg(
                              endpointText(s.bindAddress, failure.port), failure.reason));
    if (!reason.isEmpty())
        add(Level::Error, reason);
    if (!failures.isEmpty())
        add(Level::Error,
            u"%1 of %2 port(s) could not be bound; nothing is listening"_s.arg(failures.size())
                .arg(s.ports.size() + s.udpPorts.size()));
}

void CaptureEventLog::onConnectionClosed(const ConnectionInfo &info)
{
    if (info.bytesReceived == 0 && info.closeReason == u"peer closed") {
        // Port scans, health checks, nc -z: no file, counted as connections_empty.
        add(Level::Debug, u"port %1: connection from %2 closed without sending anything (%3)"_s
                              .arg(info.localPort)
                              .arg(info.peerViaText(), formatDuration(info.durationMs())));
        return;
    }
    QString line =
        u"port %1: connection from %2 closed (%3): %4 bytes (%5) in %6"_s.arg(info.localPort)
            .arg(info.peerViaText(), info.closeReason)
            .arg(info.bytesReceived)
            .arg(formatBytes(info.bytesReceived), formatDuration(info.durationMs()));
    if (info.bytesWritten < info.bytesReceived) {
        line +=
            u"; %1 bytes received but not written"_s.arg(info.bytesReceived - info.bytesWritten);
        add(Level::Warning, line);
        return;
    }
    add(Level::Info, line);
}

void CaptureEventLog::onFileClosed(const FileInfo &info)
{
    if (info.state == FileInfo::State::Error)
        add(Level::Warning, u"port %1: file closed after an error (%2): %3"_s.arg(info.port).arg(
                                info.error, fileDescription(info)));
    else
        add(Level::Info, u"port %1: file closed (%2): %3%4"_s.arg(info.port).arg(
                             info.closeReason, fileDescription(info),
                             info.digest.isEmpty() ? QString() : u", "_s + info.digest.text()));
}

void CaptureEventLog::onStopped(const StopSummary &summary)
{
    if (!summary.stopCondition.isEmpty())
        add(Level::Info, u"stopped by a stop condition: %1"_s.arg(summary.stopCondition));
    if (summary.hooksPending > 0)
        add(Level::Info,
            u"--on-file-closed: %1 command(s) for the last files still waiting or "
            "running; the exit waits for them (--hook-timeout %2 each)"_s.arg(summary.hooksPending)
                .arg(formatDuration(m_receiver->settings().hookTimeoutSec * 1000)));
    for (const PortSummary &port : summary.ports) {
        if (port.protocol == PortStats::Protocol::Udp) {
            // A UDP port has senders, not connections: its datagrams and the kernel's drops.
            // Its bytes are the datagrams' payload (a pcap file adds its headers).
            add(Level::Info,
                u"final: port %1/udp: %2 file(s), %3 datagram(s), %4 dropped by the kernel%5, "
                "%6 bytes of payload (%7)"_s.arg(port.port)
                    .arg(port.files)
                    .arg(port.datagrams)
                    .arg(port.udpDropped)
                    .arg(port.udpTruncated > 0 ? u", %1 truncated"_s.arg(port.udpTruncated)
                                               : QString())
                    .arg(port.bytesWritten)
                    .arg(formatBytes(port.bytesWritten)));
            continue;
        }
        add(Level::Info,
            u"final: port %1: %2 file(s), %3 connection(s)%4, %5 bytes (%6)"_s.arg(port.port)
                .arg(port.files)
                .arg(port.connections)
                .arg(port.emptyConnections > 0 ? u" (%1 empty)"_s.arg(port.emptyConnections)
                                               : QString())
                .arg(port.bytesWritten)
                .arg(formatBytes(port.bytesWritten)));
    }
    const quint64 lost = summary.bytesReceived - summary.bytesWritten;
    QString total = u"final: total %1 bytes (%2) written in %3"_s.arg(summary.bytesWritten)
                        .arg(formatBytes(summary.bytesWritten), formatDuration(summary.uptimeMs));
    if (summary.drainTimedOut > 0)
        total += u"; %1 connection(s) were still open at the drain timeout and were closed"_s.arg(
            summary.drainTimedOut);
    if (summary.filesLost > 0)
        total +=
            u"; %1 file(s) of this run are lost (see the errors above)"_s.arg(summary.filesLost);
    if (summary.manifestErrors > 0)
        total += u"; %1 manifest line(s) could not be written (see the errors above)"_s.arg(
            summary.manifestErrors);
    if (summary.leftUnreadForSpace > 0)
        total += u"; %1 connection(s) were closed with %2 bytes left unread because the output "
                 "volume was at its --min-free-space margin"_s.arg(summary.leftUnreadForSpace)
                     .arg(summary.bytesLeftUnread);
    if (lost > 0 || summary.manifestErrors > 0 || summary.leftUnreadForSpace > 0) {
        if (lost > 0)
            total +=
                u"; %1 bytes received but not written (see the write errors above)"_s.arg(lost);
        add(Level::Error, total);
        return;
    }
    add(Level::Info, total);
}

} // namespace capture

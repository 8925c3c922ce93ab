#include "core/remote/statusparse.h"

#include "core/capture/nametemplate.h"
#include "core/manifest/record.h"
#include "core/net/address.h"
#include "core/net/portspec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSslSocket>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

// Counters travel as JSON numbers (doubles): exact up to 2^53, far beyond any real count.
quint64 unsignedValue(const QJsonObject &o, QLatin1StringView key)
{
    const double value = o.value(key).toDouble();
    return value > 0 ? quint64(value) : 0;
}

qint64 signedValue(const QJsonObject &o, QLatin1StringView key)
{
    return qint64(o.value(key).toDouble());
}

int intValue(const QJsonObject &o, QLatin1StringView key)
{
    return o.value(key).toInt();
}

quint16 portValue(const QJsonObject &o)
{
    const int port = o.value("port"_L1).toInt();
    return port > 0 && port <= 65535 ? quint16(port) : 0;
}

PortStats::State portStateFromName(const QString &name)
{
    for (auto state : {PortStats::State::Listening, PortStats::State::Receiving,
                       PortStats::State::Error, PortStats::State::Closed}) {
        if (portStateName(state) == name)
            return state;
    }
    return PortStats::State::Listening;
}

FileInfo::State fileStateFromName(const QString &name)
{
    for (auto state : {FileInfo::State::Writing, FileInfo::State::Closed, FileInfo::State::Error,
                       FileInfo::State::Deleted, FileInfo::State::Lost}) {
        if (fileStateName(state) == name)
            return state;
    }
    return FileInfo::State::Closed;
}

} // namespace

std::optional<RunState> runStateFromName(const QString &name)
{
    for (auto state : {RunState::Idle, RunState::Starting, RunState::Running, RunState::Stopping,
                       RunState::Failed}) {
        if (runStateName(state) == name)
            return state;
    }
    return std::nullopt;
}

QDateTime timeFromJson(const QJsonValue &value)
{
    return value.isString() ? QDateTime::fromString(value.toString(), Qt::ISODateWithMs)
                            : QDateTime();
}

void readPeer(const QString &text, ConnectionInfo *connection)
{
    if (const auto endpoint = parseStatusEndpoint(text)) {
        connection->peerAddress = endpoint->first;
        connection->peerPort = endpoint->second;
    }
}

namespace {
// A UDP port's figures (statsjson writes them for UDP ports only).
void readUdp(const QJsonObject &o, PortStats::Protocol *protocol, quint64 *datagrams,
             quint64 *dropped, quint64 *truncated)
{
    *protocol = o.value("protocol"_L1).toString() == "udp"_L1 ? PortStats::Protocol::Udp
                                                              : PortStats::Protocol::Tcp;
    *datagrams = unsignedValue(o, "datagrams"_L1);
    *dropped = unsignedValue(o, "udp_dropped"_L1);
    *truncated = unsignedValue(o, "udp_truncated"_L1);
}
} // namespace

PortStats portStatusFromJson(const QJsonObject &o)
{
    PortStats p;
    p.port = portValue(o);
    p.state = portStateFromName(o.value("state"_L1).toString());
    p.error = o.value("error"_L1).toString();
    p.activeConnections = intValue(o, "connections"_L1);
    p.totalConnections = unsignedValue(o, "connections_total"_L1);
    p.bytes = unsignedValue(o, "bytes"_L1);
    p.rate = o.value("rate"_L1).toDouble();
    p.currentFile = o.value("current_file"_L1).toString();
    p.files = intValue(o, "files"_L1);
    p.refusedNotAllowed = unsignedValue(o, "refused_not_allowed"_L1);
    p.refusedOverLimit = unsignedValue(o, "refused_over_limit"_L1);
    p.idleClosed = unsignedValue(o, "idle_closed"_L1);
    p.tlsFailed = unsignedValue(o, "tls_failed"_L1);
    p.emptyConnections = unsignedValue(o, "connections_empty"_L1);
    p.refusedProxyUntrusted = unsignedValue(o, "refused_proxy_untrusted"_L1);
    p.proxyFailed = unsignedValue(o, "proxy_failed"_L1);
    readUdp(o, &p.protocol, &p.datagrams, &p.udpDropped, &p.udpTruncated);
    p.datagramRate = o.value("datagram_rate"_L1).toDouble();
    return p;
}

ConnectionInfo connectionFromStatusJson(const QJsonObject &o)
{
    ConnectionInfo c;
    c.id = unsignedValue(o, "id"_L1);
    c.localPort = portValue(o);
    readPeer(o.value("peer"_L1).toString(), &c);
    c.opened = timeFromJson(o.value("opened"_L1));
    c.bytesReceived = unsignedValue(o, "bytes_received"_L1);
    c.bytesWritten = unsignedValue(o, "bytes_written"_L1);
    c.rate = o.value("rate"_L1).toDouble();
    c.file = o.value("file"_L1).toString();
    c.tlsSubject = o.value("tls_subject"_L1).toString();
    c.via = o.value("via"_L1).toString();
    return c;
}

FileInfo openFileFromStatusJson(const QJsonObject &o)
{
    FileInfo f;
    f.path = o.value("file"_L1).toString();
    f.port = portValue(o);
    f.bytes = unsignedValue(o, "bytes"_L1);
    f.opened = timeFromJson(o.value("opened"_L1));
    return f;
}

void readTotals(const QJsonObject &o, StatsSnapshot *s)
{
    s->totalBytes = unsignedValue(o, "bytes"_L1);
    s->totalRate = o.value("rate"_L1).toDouble();
    s->activeConnections = intValue(o, "connections"_L1);
    s->totalConnections = unsignedValue(o, "connections_total"_L1);
    s->filesClosed = unsignedValue(o, "files_closed"_L1);
    s->writeErrors = unsignedValue(o, "write_errors"_L1);
    s->filesLost = unsignedValue(o, "files_lost"_L1);
    s->manifestErrors = unsignedValue(o, "manifest_errors"_L1);
    s->manifestLinesPending = unsignedValue(o, "manifest_lines_pending"_L1);
    s->refusedNotAllowed = unsignedValue(o, "refused_not_allowed"_L1);
    s->refusedOverLimit = unsignedValue(o, "refused_over_limit"_L1);
    s->idleClosed = unsignedValue(o, "idle_closed"_L1);
    s->tlsFailed = unsignedValue(o, "tls_failed"_L1);
    s->emptyConnections = unsignedValue(o, "connections_empty"_L1);
    s->refusedProxyUntrusted = unsignedValue(o, "refused_proxy_untrusted"_L1);
    s->proxyFailed = unsignedValue(o, "proxy_failed"_L1);
    s->runNumber = signedValue(o, "run_number"_L1);
    s->hooksSucceeded = unsignedValue(o, "hooks_succeeded"_L1);
    s->hooksFailed = unsignedValue(o, "hooks_failed"_L1);
    s->hooksDropped = unsignedValue(o, "hooks_dropped"_L1);
    s->hooksPending = intValue(o, "hooks_pending"_L1);
    s->handOffErrors = unsignedValue(o, "hand_off_errors"_L1);
    if (o.contains("reading_paused"_L1)) // the stats events' name for it
        s->pausedForSpace = o.value("reading_paused"_L1).toBool();
}

CaptureSettings settingsFromJson(const QJsonObject &o)
{
    CaptureSettings s;
    if (const auto bind = parseBindAddress(o.value("bind"_L1).toString()))
        s.bindAddress = *bind;
    s.ports = parsePortSpec(o.value("ports"_L1).toString()).ports;
    s.udpPorts = parsePortSpec(o.value("udp_ports"_L1).toString()).ports;
    s.udpFormat = udpFormatFromName(o.value("udp_format"_L1).toString()).value_or(s.udpFormat);
    s.udpBufferSize = qint64(o.value("udp_buffer"_L1).toDouble(double(s.udpBufferSize)));
    s.outputDir = o.value("output"_L1).toString(s.outputDir);
    s.doneDir = o.value("done_dir"_L1).toString();
    s.split = splitModeFromName(o.value("split"_L1).toString()).value_or(SplitMode::Port);
    s.run = signedValue(o, "run_number"_L1);
    s.nameTemplate = o.value("name_template"_L1).toString();
    if (s.nameTemplate == NameTemplate::defaultText(s.split))
        s.nameTemplate.clear(); // settingsJson() spells an empty template as the default
    s.hash = hashAlgorithmFromName(o.value("hash"_L1).toString()).value_or(HashAlgorithm::None);
    s.rotateSize = unsignedValue(o, "rotate_size"_L1);
    s.rotateIntervalSec = signedValue(o, "rotate_interval_s"_L1);
    s.maxFiles = intValue(o, "max_files"_L1);
    s.onFileClosed = o.value("on_file_closed"_L1).toString();
    s.hookJobs = o.value("hook_jobs"_L1).toInt(s.hookJobs);
    s.hookQueue = o.value("hook_queue"_L1).toInt(s.hookQueue);
    s.hookTimeoutSec = qint64(o.value("hook_timeout_s"_L1).toDouble(double(s.hookTimeoutSec)));
    s.stopAfterSec = signedValue(o, "stop_after_s"_L1);
    s.stopAfterBytes = unsignedValue(o, "stop_after_bytes"_L1);
    s.stopAfterFiles = intValue(o, "stop_after_files"_L1);
    s.drainTimeoutMs = o.value("drain_timeout_ms"_L1).toInt(s.drainTimeoutMs);
    const auto networks = [&o](QLatin1StringView key) {
        QList<std::pair<QHostAddress, int>> out;
        for (const QJsonValue &entry : o.value(key).toArray()) {
            if (const auto subnet = parseAllowEntry(entry.toString()))
                out.append(*subnet);
        }
        return out;
    };
    s.allow = networks("allow"_L1);
    s.proxyProtocol = o.value("proxy_protocol"_L1).toBool();
    s.proxyFrom = networks("proxy_from"_L1);
    s.maxConnections = intValue(o, "max_connections"_L1);
    s.maxConnectionsPerPort = intValue(o, "max_connections_per_port"_L1);
    s.idleTimeoutMs = intValue(o, "idle_timeout_ms"_L1);
    s.minFreeSpace = unsignedValue(o, "min_free_space"_L1);
    if (o.value("tls"_L1).toBool()) {
        // Only whether it is on is known here; the certificates stay on the receiver's host.
        QSslConfiguration tls;
        tls.setPeerVerifyMode(o.value("tls_client_certificates"_L1).toBool()
                                  ? QSslSocket::VerifyPeer
                                  : QSslSocket::VerifyNone);
        s.tls = tls;
    }
    return s;
}

PortSummary portSummaryFromJson(const QJsonObject &o)
{
    PortSummary p;
    p.port = portValue(o);
    p.files = intValue(o, "files"_L1);
    p.connections = unsignedValue(o, "connections"_L1);
    p.emptyConnections = unsignedValue(o, "connections_empty"_L1);
    p.bytesReceived = unsignedValue(o, "bytes_received"_L1);
    p.bytesWritten = unsignedValue(o, "bytes_written"_L1);
    readUdp(o, &p.protocol, &p.datagrams, &p.udpDropped, &p.udpTruncated);
    return p;
}

StopSummary stopSummaryFromJson(const QJsonObject &o)
{
    StopSummary s;
    const QJsonArray ports = o.value("ports"_L1).toArray();
    for (const QJsonValue &port : ports)
        s.ports.append(portSummaryFromJson(port.toObject()));
    s.bytesReceived = unsignedValue(o, "bytes_received"_L1);
    s.bytesWritten = unsignedValue(o, "bytes_written"_L1);
    s.aborted = o.value("aborted"_L1).toBool();
    s.drainTimedOut = intValue(o, "drain_timed_out"_L1);
    s.manifestErrors = intValue(o, "manifest_errors"_L1);
    s.filesLost = unsignedValue(o, "files_lost"_L1);
    s.leftUnreadForSpace = intValue(o, "left_unread_for_space"_L1);
    s.bytesLeftUnread = unsignedValue(o, "bytes_left_unread"_L1);
    s.uptimeMs = signedValue(o, "uptime_ms"_L1);
    s.runNumber = signedValue(o, "run_number"_L1);
    s.hooksPending = intValue(o, "hooks_pending"_L1);
    s.stopCondition = o.value("stop_condition"_L1).toString();
    return s;
}

HookResult hookResultFromJson(const QJsonObject &o)
{
    HookResult r;
    r.file = o.value("file"_L1).toString();
    r.port = portValue(o);
    r.runNumber = signedValue(o, "run_number"_L1);
    const QJsonValue exitCode = o.value("exit_code"_L1);
    r.exitedNormally = exitCode.isDouble();
    r.exitCode = r.exitedNormally ? exitCode.toInt() : -1;
    r.timedOut = o.value("timed_out"_L1).toBool();
    r.error = o.value("error"_L1).toString();
    r.output = o.value("output"_L1).toString();
    r.durationMs = signedValue(o, "duration_ms"_L1);
    return r;
}

ConnectionInfo connectionFromEventJson(const QJsonObject &o, bool closed)
{
    ConnectionInfo c;
    c.id = unsignedValue(o, "id"_L1);
    c.localPort = portValue(o);
    readPeer(o.value("peer"_L1).toString(), &c);
    c.file = o.value("file"_L1).toString();
    c.tlsSubject = o.value("tls_subject"_L1).toString();
    c.via = o.value("via"_L1).toString();
    if (!closed) {
        c.opened = timeFromJson(o.value("opened"_L1));
        if (!c.opened.isValid())
            c.opened = timeFromJson(o.value("time"_L1));
        return c;
    }
    c.closed = timeFromJson(o.value("time"_L1));
    c.opened = c.closed.addMSecs(-signedValue(o, "duration_ms"_L1));
    c.closeReason = o.value("reason"_L1).toString();
    c.bytesReceived = unsignedValue(o, "bytes_received"_L1);
    c.bytesWritten = unsignedValue(o, "bytes_written"_L1);
    return c;
}

FileInfo fileFromEventJson(const QString &kind, const QJsonObject &o)
{
    FileInfo f;
    f.path = o.value("file"_L1).toString();
    f.port = portValue(o);
    f.runNumber = signedValue(o, "run_number"_L1);
    f.bytes = unsignedValue(o, "bytes"_L1);
    for (HashAlgorithm hash : {HashAlgorithm::Xxh128, HashAlgorithm::Sha256}) {
        const QJsonValue digest = o.value(hashAlgorithmName(hash));
        if (!digest.isUndefined())
            f.digest = {hash, digest.toString()};
    }
    const QDateTime time = timeFromJson(o.value("time"_L1));
    if (kind == "file_opened"_L1) {
        f.opened = time;
    } else if (kind == "file_closed"_L1) {
        f.closed = time;
        f.closeReason = o.value("reason"_L1).toString();
        f.state = fileStateFromName(o.value("state"_L1).toString());
    } else if (kind == "file_deleted"_L1) {
        f.state = FileInfo::State::Deleted;
    } else if (kind == "file_lost"_L1) {
        f.state = FileInfo::State::Lost;
        f.error = o.value("reason"_L1).toString();
    } else if (kind == "write_error"_L1) {
        f.state = FileInfo::State::Error;
        f.error = o.value("error"_L1).toString();
    }
    return f;
}

std::optional<RemoteStatus> parseStatus(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (!document.isObject()) {
        *error = u"the status is not a JSON object: %1"_s.arg(parseError.errorString());
        return std::nullopt;
    }
    const QJsonObject o = document.object();
    const auto state = runStateFromName(o.value("state"_L1).toString());
    if (!state) {
        *error = u"the status has no known state"_s;
        return std::nullopt;
    }
    RemoteStatus status;
    status.version = o.value("version"_L1).toString();
    status.uptimeSeconds = o.value("uptime_s"_L1).toDouble();
    status.instance = o.value("instance"_L1).toString();
    status.state = *state;
    status.runNumber = signedValue(o, "run_number"_L1);
    status.control = o.value("control"_L1).toBool();
    status.failure = o.value("failure"_L1).toString();
    status.settings = settingsFromJson(o.value("settings"_L1).toObject());
    StatsSnapshot &s = status.snapshot;
    s.time = QDateTime::currentDateTime();
    s.uptimeMs = qint64(o.value("capture_uptime_s"_L1).toDouble() * 1000.0 + 0.5);
    for (const QJsonValue &port : o.value("ports"_L1).toArray())
        s.ports.append(portStatusFromJson(port.toObject()));
    for (const QJsonValue &connection : o.value("connections"_L1).toArray())
        s.connections.append(connectionFromStatusJson(connection.toObject()));
    for (const QJsonValue &file : o.value("open_files"_L1).toArray())
        s.files.append(openFileFromStatusJson(file.toObject()));
    readTotals(o.value("totals"_L1).toObject(), &s);
    s.pausedForSpace = o.value("reading_paused_for_space"_L1).toBool();
    return status;
}

} // namespace capture

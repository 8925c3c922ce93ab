#include "core/observe/statusservice.h"

#include "core/capture/settingsjson.h"
#include "core/net/portspec.h"
#include "core/observe/dashboard.h"
#include "core/observe/statsjson.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSslSocket>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

// One metric family: HELP and TYPE lines, then its samples.
void family(QByteArray *out, const char *name, const char *type, const char *help)
{
    *out += "# HELP "_ba + name + ' ' + help + "\n# TYPE "_ba + name + ' ' + type + '\n';
}

void sample(QByteArray *out, const char *name, quint64 value, quint16 port = 0,
            const char *reason = nullptr)
{
    *out += name;
    if (port != 0) {
        *out += "{port=\""_ba + QByteArray::number(port) + '"';
        if (reason)
            *out += ",reason=\""_ba + reason + '"';
        *out += '}';
    }
    *out += ' ' + QByteArray::number(value) + '\n';
}

/// One sample with one label: name{label="value"} number.
void labelledSample(QByteArray *out, const char *name, const char *label, const char *value,
                    quint64 number)
{
    *out +=
        name + "{"_ba + label + "=\""_ba + value + "\"} "_ba + QByteArray::number(number) + '\n';
}

} // namespace

StatusService::StatusService(Receiver *receiver, QObject *parent)
    : QObject(parent)
    , m_receiver(receiver)
    , m_server([this](const HttpRequest &request) { return handle(request); })
{
    m_processUptime.start();
    m_instance = QString::number(QRandomGenerator::system()->generate64(), 16);
    m_events.attach(receiver, 1000);
    connect(&m_events, &EventStream::eventProduced, this,
            [this](const QString &kind, const QByteArray &json) {
                const quint64 id = m_history.append(kind, json);
                if (m_server.streamingClientCount() > 0)
                    m_server.broadcast(EventHistory::message(id, kind, json));
            });
    m_keepAlive.setInterval(15000);
    connect(&m_keepAlive, &QTimer::timeout, this,
            [this] { m_server.broadcast(": keep-alive\n\n"); });
    m_keepAlive.start();
    connect(receiver->events(), &CaptureEvents::started, this, [this] { m_failure.clear(); });
    connect(receiver->events(), &CaptureEvents::startFailed, this,
            [this](const QList<ListenFailure> &failures, const QString &reason) {
                m_failure = reason;
                for (const ListenFailure &f : failures)
                    m_failure += (m_failure.isEmpty() ? u""_s : u"; "_s) +
                                 u"port %1: %2"_s.arg(f.port).arg(f.reason);
            });
}

StatusService::~StatusService() = default;

void StatusService::enableControl(const QByteArray &token, const CaptureSettings &startSettings)
{
    m_control = std::make_unique<ControlService>(
        m_receiver, token, startSettings, [this](quint64 client, const HttpResponse &response) {
            m_server.answer(client, response);
        });
}

bool StatusService::listen(const QHostAddress &address, quint16 port, QString *error)
{
    return m_server.listen(address, port, error);
}

quint16 StatusService::serverPort() const
{
    return m_server.serverPort();
}

std::optional<HttpResponse> StatusService::handle(const HttpRequest &request)
{
    if (request.path.startsWith("/api/")) {
        if (m_control)
            return m_control->handle(request);
        return HttpResponse{404, "application/json",
                            "{\"ok\":false,\"error\":\"the control API is off: start the "
                            "receiver with --control-token-file\"}\n"};
    }
    if (auto page = serveDashboard(request))
        return page;
    if (request.path == "/status")
        return HttpResponse{200, "application/json", statusJson()};
    if (request.path == "/metrics")
        return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metricsText()};
    if (request.path == "/events") {
        if (m_server.streamingClientCount() >= maxEventClients)
            return HttpResponse{503, "text/plain; charset=utf-8",
                                "too many event clients (" + QByteArray::number(maxEventClients) +
                                    ")\n"};
        HttpResponse events{200, "text/event-stream; charset=utf-8", ": capture-receiver\n\n",
                            true};
        for (const auto &[name, value] : request.headers) {
            bool ok = false;
            const quint64 lastId = value.toULongLong(&ok);
            if (name == "last-event-id" && ok)
                events.body += m_history.since(lastId);
        }
        return events;
    }
    if (request.path == "/healthz") {
        const RunState state = m_receiver->state();
        if (state == RunState::Running)
            return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
        return HttpResponse{503, "text/plain; charset=utf-8",
                            "not capturing: "_ba + runStateName(state).toUtf8() + '\n'};
    }
    return std::nullopt;
}

QByteArray StatusService::statusJson() const
{
    const CaptureSettings s = m_receiver->settings();
    const StatsSnapshot last = m_receiver->lastSnapshot();
    const QJsonObject settings = settingsJson(s);
    QJsonArray ports;
    for (const PortStats &p : last.ports)
        ports.append(portStatusJson(p));
    QJsonArray connections;
    for (const ConnectionInfo &c : last.connections)
        connections.append(connectionStatusJson(c));
    QJsonArray files;
    for (const FileInfo &f : last.files)
        files.append(openFileStatusJson(f));
    QJsonObject status{{u"version"_s, QCoreApplication::applicationVersion()},
                       {u"uptime_s"_s, double(m_processUptime.elapsed()) / 1000.0},
                       {u"instance"_s, m_instance},
                       {u"state"_s, runStateName(m_receiver->state())},
                       // Stopped, with control: what the next start records (POST /api/run
                       // may have set it), so every client sees the run it will get.
                       {u"run_number"_s, m_control && !m_receiver->isActive()
                                             ? m_control->nextRunNumber()
                                             : m_receiver->runNumber()},
                       {u"control"_s, m_control != nullptr},
                       {u"capture_uptime_s"_s, double(last.uptimeMs) / 1000.0},
                       {u"settings"_s, settings},
                       {u"ports"_s, ports},
                       {u"connections"_s, connections},
                       {u"open_files"_s, files},
                       {u"totals"_s, totalsJson(last)},
                       {u"reading_paused_for_space"_s, last.pausedForSpace}};
    if (!m_failure.isEmpty())
        status.insert(u"failure"_s, m_failure);
    return QJsonDocument(status).toJson(QJsonDocument::Indented);
}

QByteArray StatusService::metricsText() const
{
    const StatsSnapshot last = m_receiver->lastSnapshot();
    QByteArray out;
    family(&out, "capture_up", "gauge", "1 while the capture is running, 0 otherwise.");
    sample(&out, "capture_up", m_receiver->state() == RunState::Running ? 1 : 0);
    // A family with one sample per port.
    const auto perPort = [&](const char *name, const char *type, const char *help,
                             quint64 (*value)(const PortStats &)) {
        family(&out, name, type, help);
        for (const PortStats &p : last.ports) {
            if (p.protocol == PortStats::Protocol::Tcp) // UDP ports: the capture_udp_ families
                sample(&out, name, value(p), p.port);
        }
    };
    // A family with one sample per UDP port (--udp-ports).
    const auto perUdpPort = [&](const char *name, const char *type, const char *help,
                                quint64 (*value)(const PortStats &)) {
        family(&out, name, type, help);
        for (const PortStats &p : last.ports) {
            if (p.protocol == PortStats::Protocol::Udp)
                sample(&out, name, value(p), p.port);
        }
    };
    perPort("capture_received_bytes_total", "counter",
            "Bytes received on the port since the capture started.",
            [](const PortStats &p) { return p.bytes; });
    perPort("capture_connections_active", "gauge", "Connections open on the port now.",
            [](const PortStats &p) { return quint64(p.activeConnections); });
    perPort("capture_connections_total", "counter",
            "Connections accepted on the port since the capture started.",
            [](const PortStats &p) { return p.totalConnections; });
    family(&out, "capture_connections_refused_total", "counter",
           "Connections closed at accept: peer not in --allow (not_allowed), over "
           "--max-connections or --max-connections-per-port (over_limit), or with "
           "--proxy-protocol from an address not in --proxy-from (proxy_untrusted).");
    for (const PortStats &p : last.ports) {
        if (p.protocol != PortStats::Protocol::Tcp)
            continue;
        sample(&out, "capture_connections_refused_total", p.refusedNotAllowed, p.port,
               "not_allowed");
        sample(&out, "capture_connections_refused_total", p.refusedOverLimit, p.port, "over_limit");
        sample(&out, "capture_connections_refused_total", p.refusedProxyUntrusted, p.port,
               "proxy_untrusted");
    }
    perPort("capture_connections_idle_closed_total", "counter",
            "Connections closed after --idle-timeout without data.",
            [](const PortStats &p) { return p.idleClosed; });
    perPort("capture_tls_handshake_failures_total", "counter",
            "TLS connections closed because the handshake failed or timed out (no file made).",
            [](const PortStats &p) { return p.tlsFailed; });
    perPort("capture_proxy_header_failures_total", "counter",
            "--proxy-protocol: connections closed because their PROXY header was missing, "
            "malformed, oversized or late (no file made).",
            [](const PortStats &p) { return p.proxyFailed; });
    perPort("capture_connections_empty_total", "counter",
            "Connections that closed without sending a byte (no file was made for them).",
            [](const PortStats &p) { return p.emptyConnections; });
    perUdpPort("capture_udp_received_bytes_total", "counter",
               "Payload bytes received on the UDP port since the capture started.",
               [](const PortStats &p) { return p.bytes; });
    perUdpPort("capture_udp_datagrams_total", "counter",
               "Datagrams received on the UDP port since the capture started.",
               [](const PortStats &p) { return p.datagrams; });
    perUdpPort("capture_udp_dropped_total", "counter",
               "Datagrams the kernel dropped on the UDP port (its receive buffer was full: "
               "SO_RXQ_OVFL) since the capture started.",
               [](const PortStats &p) { return p.udpDropped; });
    family(&out, "capture_udp_refused_total", "counter",
           "Datagrams on the UDP port not recorded because their source is not in --allow "
           "(not_allowed), or with --split connection is a new source while "
           "--max-connections-per-port or --max-connections sources have a file open "
           "(over_limit).");
    for (const PortStats &p : last.ports) {
        if (p.protocol != PortStats::Protocol::Udp)
            continue;
        sample(&out, "capture_udp_refused_total", p.refusedNotAllowed, p.port, "not_allowed");
        sample(&out, "capture_udp_refused_total", p.refusedOverLimit, p.port, "over_limit");
    }
    perUdpPort("capture_udp_truncated_total", "counter",
               "Datagrams on the UDP port larger than the read buffer (cut; written only in "
               "pcap, marked there).",
               [](const PortStats &p) { return p.udpTruncated; });
    family(&out, "capture_reading_paused", "gauge",
           "1 while reading is paused because the output volume has less than "
           "--min-free-space free.");
    sample(&out, "capture_reading_paused", last.pausedForSpace ? 1 : 0);
    family(&out, "capture_files_closed_total", "counter",
           "Output files closed since the capture started (connection end, rotation, stop).");
    sample(&out, "capture_files_closed_total", last.filesClosed);
    family(&out, "capture_write_errors_total", "counter",
           "Writes to output files that failed since the capture started.");
    sample(&out, "capture_write_errors_total", last.writeErrors);
    family(&out, "capture_files_lost_total", "counter",
           "Files of this run that are gone: their output directory was deleted, moved or "
           "replaced, or the file was deleted while it was written.");
    sample(&out, "capture_files_lost_total", last.filesLost);
    family(&out, "capture_manifest_errors_total", "counter",
           "Manifest lines lost since the capture started: neither written nor kept to retry.");
    sample(&out, "capture_manifest_errors_total", last.manifestErrors);
    family(&out, "capture_manifest_lines_pending", "gauge",
           "Manifest lines kept in memory because they could not be written yet (disk full, "
           "manifest deleted and not recreated); retried once a second.");
    sample(&out, "capture_manifest_lines_pending", last.manifestLinesPending);
    family(&out, "capture_run_number", "gauge", "The run number (--run; New run adds one).");
    sample(&out, "capture_run_number", quint64(last.runNumber));
    family(&out, "capture_hooks_total", "counter",
           "--on-file-closed commands that ended: exit status 0 (succeeded), anything else "
           "(failed: another status, a signal, --hook-timeout, could not start), or not run "
           "because too many were waiting (dropped).");
    labelledSample(&out, "capture_hooks_total", "result", "succeeded", last.hooksSucceeded);
    labelledSample(&out, "capture_hooks_total", "result", "failed", last.hooksFailed);
    labelledSample(&out, "capture_hooks_total", "result", "dropped", last.hooksDropped);
    family(&out, "capture_hooks_pending", "gauge",
           "--on-file-closed commands waiting or running now.");
    sample(&out, "capture_hooks_pending", quint64(last.hooksPending));
    family(&out, "capture_hand_off_errors_total", "counter",
           "Closed files that could not be moved to --done-dir (they stay in the output "
           "directory).");
    sample(&out, "capture_hand_off_errors_total", last.handOffErrors);
    return out;
}

} // namespace capture

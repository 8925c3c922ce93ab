#pragma once

#include "core/capture/receiver.h"
#include "core/http/httpserver.h"
#include "core/observe/controlservice.h"
#include "core/observe/eventhistory.h"
#include "core/observe/eventstream.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace capture {

/// --status: a read-only HTTP view of a receiver, served from the thread it lives in (the
/// main thread), from the snapshots the engine sends anyway — a client never reaches the
/// engine's thread, so polling cannot slow the capture.
///   GET /         the web dashboard (observe/dashboard.h): /app.js, /app.css, /favicon.svg
///   GET /status   JSON: version, uptime, state, settings, ports, connections, open files, totals
///   GET /metrics  Prometheus text exposition format 0.0.4
///   GET /healthz  200 "ok" while capturing, 503 otherwise
///   GET /events   Server-Sent Events: every event as it happens (as --events writes them),
///                 a stats event every second; Last-Event-ID replays what was missed from
///                 the last 10,000 (older: a gap event saying how many)
///   POST /api/…   the control API (ControlService), once enableControl() was called
class StatusService : public QObject
{
    Q_OBJECT

public:
    /// Event-stream clients at once; over it, a new one gets 503.
    static constexpr int maxEventClients = 16;

    explicit StatusService(Receiver *receiver, QObject *parent = nullptr);
    ~StatusService() override;

    /// Serves the control API with this token; a start uses `startSettings` (then the last
    /// start's). Before listen().
    void enableControl(const QByteArray &token, const CaptureSettings &startSettings);
    bool controlEnabled() const { return m_control != nullptr; }

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 serverPort() const;
    HttpServer *server() { return &m_server; }

    QByteArray statusJson() const;
    QByteArray metricsText() const;

private:
    std::optional<HttpResponse> handle(const HttpRequest &request);

    Receiver *m_receiver;
    HttpServer m_server;
    EventStream m_events;   ///< the same events as --events, for /events
    EventHistory m_history; ///< the last of them, for clients that reconnect
    QTimer m_keepAlive;     ///< a comment now and then, so idle streams are not cut
    QElapsedTimer m_processUptime;
    /// Random, made once per process: a client that sees another one knows it restarted.
    QString m_instance;
    QString m_failure; ///< why the last start failed; empty after a good start
    std::unique_ptr<ControlService> m_control;
};

} // namespace capture

#pragma once

#include "core/capture/capturetypes.h"
#include "core/http/httpserver.h"

#include <QElapsedTimer>
#include <QObject>

namespace capture {

class CaptureController;

/// --status: a read-only HTTP view of a controller, served from the thread it lives in (the
/// main thread), from the snapshots the engine sends anyway — a client never reaches the
/// engine's thread, so polling cannot slow the capture.
///   GET /status   JSON: version, uptime, state, settings, ports, connections, open files, totals
///   GET /metrics  Prometheus text exposition format 0.0.4
///   GET /healthz  200 "ok" while capturing, 503 otherwise
class StatusService : public QObject
{
    Q_OBJECT

public:
    explicit StatusService(CaptureController *controller, QObject *parent = nullptr);
    ~StatusService() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 serverPort() const;
    HttpServer *server() { return &m_server; }

    QByteArray statusJson() const;
    QByteArray metricsText() const;

private:
    std::optional<HttpResponse> handle(const HttpRequest &request) const;

    enum class State { Idle, Starting, Running, Stopping, Failed };
    static QString stateName(State state);

    CaptureController *m_controller;
    HttpServer m_server;
    QElapsedTimer m_processUptime;
    State m_state = State::Idle;
    QString m_failure;
    StatsSnapshot m_last;
};

} // namespace capture

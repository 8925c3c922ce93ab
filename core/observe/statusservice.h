#pragma once

#include "core/capture/receiver.h"
#include "core/http/httpserver.h"

#include <QElapsedTimer>
#include <QObject>

namespace capture {

/// --status: a read-only HTTP view of a receiver, served from the thread it lives in (the
/// main thread), from the snapshots the engine sends anyway — a client never reaches the
/// engine's thread, so polling cannot slow the capture.
///   GET /status   JSON: version, uptime, state, settings, ports, connections, open files, totals
///   GET /metrics  Prometheus text exposition format 0.0.4
///   GET /healthz  200 "ok" while capturing, 503 otherwise
class StatusService : public QObject
{
    Q_OBJECT

public:
    explicit StatusService(Receiver *receiver, QObject *parent = nullptr);
    ~StatusService() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 serverPort() const;
    HttpServer *server() { return &m_server; }

    QByteArray statusJson() const;
    QByteArray metricsText() const;

private:
    std::optional<HttpResponse> handle(const HttpRequest &request) const;

    Receiver *m_receiver;
    HttpServer m_server;
    QElapsedTimer m_processUptime;
    QString m_failure; ///< why the last start failed; empty after a good start
};

} // namespace capture

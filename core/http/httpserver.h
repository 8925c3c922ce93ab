#pragma once

#include "core/http/httprequest.h"
#include "core/http/httpresponse.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QTcpServer;

namespace capture {

/// Serves requests with `handler`; the handler returns std::nullopt for an unknown path (-> 404).
/// An HTTP/1.1 server for status pages and a small API: GET and HEAD, POST under /api/ with
/// a body of at most 1 KiB (httprequest.h), keep-alive and pipelining, answers now or later, and
/// bounded in everything a client controls (head size, time per request, number of clients,
/// responses queued for a client that does not read). Never blocks; lives in the thread that
/// creates it.
///
/// Over the client limit a newcomer is still let in, as one of at most extraClients more, so
/// that its request can be read: once it is complete, the client that has been idle longest
/// (no request in progress, no response waiting) is dropped for it; when every client is busy
/// (responses waiting to be taken), it gets 503 with Retry-After: 1. Silent clients therefore
/// cannot lock out a real one; at the ceiling the longest idle client makes room, or, with
/// none, the newcomer is closed at once.
class HttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<std::optional<HttpResponse>(const HttpRequest &request)>;

    /// Connections let in over setMaxClients() to read their first request (see above).
    static constexpr int extraClients = 16;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    /// Binds and listens; false with the operating system's reason (e.g. "Address already in use").
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 serverPort() const;
    void setRequestTimeoutMs(int ms) { m_requestTimeoutMs = std::max(ms, 1); } // default 5000
    void setMaxClients(int n) { m_maxClients = std::max(n, 0); }               // default 64
    /// HTTPS: every client does a TLS handshake with this configuration first (within the
    /// request timeout). Before listen().
    void setTlsConfiguration(const QSslConfiguration &configuration) { m_tls = configuration; }
    bool isTls() const { return m_tls.has_value(); }
    /// Open connections, those let in over the limit included (at most maxClients + extraClients).
    int clientCount() const;
    /// Clients with responses waiting to be taken (or being answered): never dropped for others.
    int busyClientCount() const;
    quint64 requestsServed() const { return m_requestsServed; }
    /// Bad requests, timeouts, over the client limit (503 or closed), idle clients dropped for
    /// others.
    quint64 clientsRejected() const { return m_clientsRejected; }
    /// Bytes of responses queued in this process for all clients, not yet taken by the kernel.
    qint64 pendingOutputBytes() const;

    /// Output an event-stream client may have queued here; past it, it is dropped.
    static constexpr qint64 maxStreamBacklog = qint64(1024) * 1024;
    /// Appends `chunk` to every event-stream client (HttpResponse::eventStream). One that has
    /// not taken maxStreamBacklog of what was sent to it (beyond what still waits of its first
    /// answer, however large) is dropped (clientError): a client that does not read can
    /// neither hold memory nor hold anything up.
    void broadcast(QByteArrayView chunk);
    /// Clients receiving an event stream now. Each holds one of the setMaxClients() places,
    /// and is never dropped for a newcomer.
    int streamingClientCount() const;
    /// The answer to the request a handler deferred (HttpResponse::deferred), `client` being
    /// that request's HttpRequest::client. False when that client is gone (nothing to do).
    bool answer(quint64 client, const HttpResponse &response);

Q_SIGNALS:
    /// A client was dropped or refused: "127.0.0.1:4242: request timeout", "...: 405 PUT" etc.
    void clientError(const QString &message);

private:
    struct Client;

    /// Output queued in this process for a client (with HTTPS: before and after encryption).
    static qint64 queuedOutput(const Client *client);
    void accept(int fd);
    void onReadyRead(Client *client);
    void onBytesWritten(Client *client);
    void onTimeout(Client *client);
    /// Answers the complete requests received so far, reading more while output allows.
    void serve(Client *client);
    void processInput(Client *client);
    void respond(Client *client, const HttpRequest &request);
    /// Writes `response` to a client in Reading state (or waiting for it) per `request`'s
    /// method and keep-alive.
    void send(Client *client, const HttpResponse &response, bool head, bool keepAlive);
    void reject(Client *client, const HttpParseResult &result);
    /// A client let in over the limit has a complete request: gives it a place, if need be
    /// the one of the client idle longest; false when every place is busy.
    bool admit(Client *client);
    /// The client idle longest that may be dropped for another (none: nullptr); `holdingPlace`:
    /// only one that is within the limit.
    Client *longestIdle(bool holdingPlace) const;
    bool isIdle(const Client *client) const;
    int placesTaken() const;
    void evict(Client *client, const QString &why);
    /// Sends `finalResponse` (may be empty), then half-closes and waits briefly for the peer
    /// to close, discarding its input, so the response is not lost to a TCP reset.
    void startClosing(Client *client, const QByteArray &finalResponse);
    void shutdownWriteWhenFlushed(Client *client);
    void drop(Client *client);
    void scheduleSweep();
    void sweep();

    Handler m_handler;
    QTcpServer *m_server = nullptr;
    std::vector<std::unique_ptr<Client>> m_clients;
    int m_requestTimeoutMs = 5000;
    int m_maxClients = 64;
    quint64 m_requestsServed = 0;
    quint64 m_clientsRejected = 0;
    bool m_sweepQueued = false;
    quint64 m_activity = 0; // counts clients' activity: the lowest lastActivity is idle longest
    quint64 m_lastClientId = 0;
    std::optional<QSslConfiguration> m_tls;
};

} // namespace capture

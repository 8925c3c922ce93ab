#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QTcpServer;

namespace capture {

/// One parsed HTTP/1.x request head.
struct HttpRequest
{
    QByteArray method;    // "GET", "HEAD", ...
    QByteArray target;    // as sent, e.g. "/metrics?x=1"
    QByteArray path;      // target without the query string, e.g. "/metrics"
    int versionMinor = 1; // HTTP/1.<minor>; only HTTP/1.0 and 1.1 are accepted
    QList<std::pair<QByteArray, QByteArray>> headers; // names lower-cased, values trimmed
    bool keepAlive = true; // per HTTP/1.x rules and the Connection header
};

struct HttpParseResult
{
    enum class Status { Incomplete, Complete, Error };
    Status status = Status::Incomplete;
    HttpRequest request;    // when Complete
    qsizetype consumed = 0; // bytes of the buffer the request used (when Complete)
    int errorStatus = 0;    // when Error: 400, 405 (method not GET/HEAD) or 505 (version)
    QString error;          // when Error: a short reason for the log
};

/// Parses one request head (request line + headers, CRLF or bare LF line ends) from the start of
/// `buffer`. A head longer than `maxHeadBytes` (no blank line within it) is an Error 400.
/// Pure function, no Qt event loop needed (it will also become a libFuzzer target later: no
/// asserts on input, no reading past the buffer, no unbounded recursion).
/// Errors are reported as soon as the bytes seen prove them (a bad request line before its
/// headers arrive), so a prefix of a buffer never yields a different error than the buffer.
/// Requests with a body (Content-Length other than 0, any Transfer-Encoding), more than one
/// Host header, obsolete line folding or more than 100 header fields are errors 400.
HttpParseResult parseHttpRequest(QByteArrayView buffer, qsizetype maxHeadBytes = 8192);

/// What a handler answers with; the server adds the protocol headers.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;
};

/// Serves requests with `handler`; the handler returns std::nullopt for an unknown path (-> 404).
/// A read-only HTTP/1.1 server for status pages: GET and HEAD only, no request bodies,
/// keep-alive and pipelining, and bounded in everything a client controls (head size, time per
/// request, number of clients, responses queued for a client that does not read). Never
/// blocks; lives in the thread that creates it.
class HttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<std::optional<HttpResponse>(const HttpRequest &request)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    /// Binds and listens; false with the operating system's reason (e.g. "Address already in use").
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 serverPort() const;
    void setRequestTimeoutMs(int ms); // default 5000
    void setMaxClients(int n);        // default 64
    int clientCount() const;
    quint64 requestsServed() const;
    quint64 clientsRejected() const; // bad requests, timeouts, over the client limit
    /// Bytes of responses queued in this process for all clients, not yet taken by the kernel.
    qint64 pendingOutputBytes() const;

Q_SIGNALS:
    /// A client was dropped or refused: "127.0.0.1:4242: request timeout", "...: 405 PUT" etc.
    void clientError(const QString &message);

private:
    struct Client;

    void accept(int fd);
    void onReadyRead(Client *client);
    void onBytesWritten(Client *client);
    void onTimeout(Client *client);
    /// Answers the complete requests received so far, reading more while output allows.
    void serve(Client *client);
    void processInput(Client *client);
    void respond(Client *client, const HttpRequest &request);
    void reject(Client *client, const HttpParseResult &result);
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
};

} // namespace capture

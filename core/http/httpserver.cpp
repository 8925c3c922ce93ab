#include "core/http/httpserver.h"

#include "core/http/httpserverclient.h"

#include "core/net/acceptserver.h"
#include "core/net/address.h"
#include "core/net/listensocket.h"
#include "core/util/logging.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

using namespace httpserver;

qint64 HttpServer::queuedOutput(const Client *client)
{
    const qint64 plain = client->socket->bytesToWrite();
    return client->tls ? plain + client->tls->encryptedBytesToWrite() : plain;
}

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{}

HttpServer::~HttpServer()
{
    if (m_server)
        m_server->close();
    for (const auto &client : m_clients) {
        if (client->state == Client::State::Dead)
            continue;
        disconnect(client->socket, nullptr, this, nullptr);
        disconnect(client->timer, nullptr, this, nullptr);
        client->socket->abort();
    }
    // The sockets are children of this object and go with it.
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    QString reason = u"already listening"_s;
    auto *server = m_server ? nullptr : new AcceptServer([this](int fd) { accept(fd); }, this);
    if (server && server->open(address, port, &reason)) {
        m_server = server;
        connect(server, &AcceptServer::acceptFailed, this, [this](const QString &why) {
            Q_EMIT clientError(u"accepting a connection failed: "_s + why);
        });
        return true;
    }
    delete server;
    if (error)
        *error = reason;
    return false;
}

quint16 HttpServer::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

int HttpServer::clientCount() const
{
    return int(std::count_if(m_clients.begin(), m_clients.end(), [](const auto &client) {
        return client->state != Client::State::Dead;
    }));
}

int HttpServer::busyClientCount() const
{
    return int(std::count_if(m_clients.begin(), m_clients.end(), [this](const auto &client) {
        return client->state == Client::State::Waiting ||
               (client->state == Client::State::Reading && !isIdle(client.get()));
    }));
}

qint64 HttpServer::pendingOutputBytes() const
{
    qint64 total = 0;
    for (const auto &client : m_clients) {
        if (client->state != Client::State::Dead)
            total += queuedOutput(client.get());
    }
    return total;
}

void HttpServer::accept(int fd)
{
    const auto [address, port] = socketEndpoint(fd, EndpointSide::Peer);
    const QString peer = endpointText(address, port);
    const int open = clientCount();
    if (open >= m_maxClients + extraClients) {
        Client *idle = longestIdle(false);
        if (!idle) {
            ::close(fd);
            ++m_clientsRejected;
            Q_EMIT clientError(peer + u": too many clients"_s);
            return;
        }
        evict(idle, u"idle, dropped for a new client (%1 clients open)"_s.arg(open));
    }
    QSslSocket *tlsSocket = m_tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tlsSocket ? tlsSocket : new QTcpSocket(this);
    if (tlsSocket)
        tlsSocket->setSslConfiguration(*m_tls);
    if (!socket->setSocketDescriptor(fd)) {
        const QString reason = socket->errorString();
        ::close(fd);
        delete socket;
        ++m_clientsRejected;
        Q_EMIT clientError(peer + u": "_s + reason);
        return;
    }
    // Bounds what Qt reads ahead for us; while a client is paused its data waits in the kernel.
    socket->setReadBufferSize(socketReadBufferSize);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);

    auto client = std::make_unique<Client>();
    Client *c = client.get();
    c->id = ++m_lastClientId;
    c->socket = socket;
    c->tls = tlsSocket;
    c->peer = peer;
    c->peerAddress = address.toString();
    c->overLimit = placesTaken() >= m_maxClients;
    c->lastActivity = ++m_activity;
    c->timer = new QTimer(socket);
    c->timer->setSingleShot(true);
    connect(c->timer, &QTimer::timeout, this, [this, c] { onTimeout(c); });
    if (tlsSocket) {
        // A failed handshake ends in errorOccurred (dropped, as any socket error); the
        // request timer runs from now, so it bounds the handshake too.
        connect(tlsSocket, &QAbstractSocket::errorOccurred, this,
                [this, c, tlsSocket](QAbstractSocket::SocketError error) {
                    if (error == QAbstractSocket::SslHandshakeFailedError)
                        Q_EMIT clientError(c->peer + u": TLS handshake failed: "_s +
                                           tlsSocket->errorString());
                });
        connect(tlsSocket, &QSslSocket::encryptedBytesWritten, this,
                [this, c] { onBytesWritten(c); });
    }
    connect(socket, &QIODevice::readyRead, this, [this, c] { onReadyRead(c); });
    connect(socket, &QIODevice::bytesWritten, this, [this, c] { onBytesWritten(c); });
    connect(socket, &QAbstractSocket::disconnected, this, [this, c] { drop(c); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, c] { drop(c); });
    if (tlsSocket)
        tlsSocket->startServerEncryption();
    m_clients.push_back(std::move(client));
    c->timer->start(m_requestTimeoutMs);
}

void HttpServer::onReadyRead(Client *client)
{
    if (client->state == Client::State::Closing || client->state == Client::State::Streaming)
        client->socket->skip(client->socket->bytesAvailable());
    else if (client->state == Client::State::Reading) {
        client->lastActivity = ++m_activity;
        serve(client);
    }
}

void HttpServer::onBytesWritten(Client *client)
{
    if (queuedOutput(client) == 0)
        client->lastActivity = ++m_activity;
    if (client->state == Client::State::Closing)
        shutdownWriteWhenFlushed(client);
    else if (client->state == Client::State::Reading && client->paused &&
             queuedOutput(client) <= resumeBelowOutput)
        serve(client);
}

void HttpServer::onTimeout(Client *client)
{
    if (client->state == Client::State::Closing) {
        drop(client); // it did not hang up in time
        return;
    }
    if (client->state != Client::State::Reading)
        return;
    const QString peer = client->peer;
    if (client->paused) {
        ++m_clientsRejected;
        drop(client);
        Q_EMIT clientError(peer + u": responses not read"_s);
        return;
    }
    const bool partialRequest = !client->input.isEmpty() || client->socket->bytesAvailable() > 0;
    if (!partialRequest && client->served > 0) {
        startClosing(client, {}); // an idle keep-alive connection: the normal end
        return;
    }
    ++m_clientsRejected;
    startClosing(client, partialRequest ? formatHttpResponse(httpErrorResponse(408), false, false)
                                        : QByteArray());
    Q_EMIT clientError(peer + u": request timeout"_s);
}

void HttpServer::serve(Client *client)
{
    if (client->busy || client->state != Client::State::Reading)
        return;
    client->busy = true;
    for (;;) {
        if (client->paused) {
            if (queuedOutput(client) > resumeBelowOutput)
                break;
            client->paused = false;
        }
        processInput(client);
        if (client->state != Client::State::Reading)
            break;
        // Non-blocking; the kernel may take all of it, and then paused requests can go on.
        client->socket->flush();
        if (client->state != Client::State::Reading || !client->paused ||
            queuedOutput(client) > resumeBelowOutput)
            break;
    }
    client->busy = false;
    if (client->state == Client::State::Dead)
        scheduleSweep();
}

void HttpServer::processInput(Client *client)
{
    client->input.append(client->socket->readAll());
    qsizetype offset = 0;
    while (client->state == Client::State::Reading && !client->paused) {
        const HttpParseResult result =
            parseHttpRequest(QByteArrayView(client->input).sliced(offset), requestHeadLimit);
        if (result.status == HttpParseResult::Status::Incomplete)
            break;
        if (result.status == HttpParseResult::Status::Error) {
            reject(client, result);
            return;
        }
        offset += result.consumed;
        if (client->overLimit && !admit(client)) {
            const QString peer = client->peer;
            ++m_clientsRejected;
            startClosing(client,
                         formatHttpResponse(httpErrorResponse(503), result.request.method == "HEAD",
                                            false, "Retry-After: 1\r\n"));
            Q_EMIT clientError(peer + u": 503, all %1 clients busy"_s.arg(m_maxClients));
            return;
        }
        HttpRequest request = result.request;
        request.client = client->id;
        request.peerAddress = client->peerAddress;
        respond(client, request);
        if (client->state == Client::State::Waiting)
            break; // the rest waits for the answer
        if (client->state != Client::State::Reading)
            return;
        if (!result.request.keepAlive) {
            startClosing(client, {});
            return;
        }
        client->timer->start(m_requestTimeoutMs);
        if (queuedOutput(client) > maxPendingOutput)
            client->paused = true;
    }
    client->input.remove(0, offset);
}

void HttpServer::respond(Client *client, const HttpRequest &request)
{
    std::optional<HttpResponse> response = m_handler ? m_handler(request) : std::nullopt;
    if (client->state != Client::State::Reading)
        return; // gone while the handler ran
    if (!response) {
        response = httpErrorResponse(404);
    } else if (response->status < 200 || response->status > 599) {
        qCWarning(lcCore) << "HTTP handler returned status" << response->status << "for"
                          << request.path;
        response = httpErrorResponse(500);
    }
    ++client->served;
    ++m_requestsServed;
    const bool head = request.method == "HEAD";
    if (response->eventStream && !head) {
        // From now on the connection carries the stream; whatever the client sends is ignored.
        const QByteArray first = formatHttpResponse(*response, false, false);
        // A fixed kernel send buffer: what waits for a client that does not read is bounded
        // by maxStreamBacklog plus this, not by whatever the kernel's autotuning would grant
        // (up to tcp_wmem's maximum, 4 MiB by default and more where raised), so such a client
        // is dropped after the same number of events on every machine.
        client->socket->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption,
                                        int(streamSendBuffer));
        client->socket->write(first);
        client->streamGrace = first.size();
        client->state = Client::State::Streaming;
        client->timer->stop();
        client->input.clear();
        client->socket->skip(client->socket->bytesAvailable());
        return;
    }
    if (response->deferred) {
        client->state = Client::State::Waiting;
        client->timer->stop();
        client->waitingHead = head;
        client->waitingKeepAlive = request.keepAlive;
        return;
    }
    send(client, *response, head, request.keepAlive);
}

void HttpServer::send(Client *client, const HttpResponse &response, bool head, bool keepAlive)
{
    client->socket->write(formatHttpResponse(response, head, keepAlive));
}

void HttpServer::reject(Client *client, const HttpParseResult &result)
{
    const int status =
        result.errorStatus == 405 || result.errorStatus == 413 || result.errorStatus == 505
            ? result.errorStatus
            : 400;
    const QString detail = status == 405
                               ? QString::fromLatin1(result.request.method.first(
                                     std::min(result.request.method.size(), httpMethodQuotedBytes)))
                               : result.error;
    const QString peer = client->peer;
    ++m_clientsRejected;
    startClosing(client, formatHttpResponse(httpErrorResponse(status), false, false,
                                            status == 405 ? "Allow: GET, HEAD\r\n" : ""));
    Q_EMIT clientError(peer + u": "_s + QString::number(status) + u' ' + detail);
}

bool HttpServer::admit(Client *client)
{
    if (placesTaken() >= m_maxClients) {
        Client *idle = longestIdle(true);
        if (!idle)
            return false;
        evict(idle, u"idle, dropped for a client with a request"_s);
    }
    client->overLimit = false;
    return true;
}

bool HttpServer::isIdle(const Client *client) const
{
    // Not answering, nothing waiting to be answered or taken: at most a request on its way.
    return client->state == Client::State::Reading && !client->busy && !client->paused &&
           queuedOutput(client) == 0;
}

HttpServer::Client *HttpServer::longestIdle(bool holdingPlace) const
{
    Client *found = nullptr;
    for (const auto &client : m_clients) {
        if (isIdle(client.get()) && !(holdingPlace && client->overLimit) &&
            (!found || client->lastActivity < found->lastActivity))
            found = client.get();
    }
    return found;
}

int HttpServer::placesTaken() const
{
    return int(std::count_if(m_clients.begin(), m_clients.end(), [](const auto &client) {
        return client->state != Client::State::Dead && !client->overLimit;
    }));
}

void HttpServer::evict(Client *client, const QString &why)
{
    const QString peer = client->peer;
    ++m_clientsRejected;
    drop(client);
    Q_EMIT clientError(peer + u": "_s + why);
}

void HttpServer::startClosing(Client *client, const QByteArray &finalResponse)
{
    client->state = Client::State::Closing;
    client->paused = false;
    client->input.clear();
    client->timer->start(std::min(m_requestTimeoutMs, maxLingerMs));
    if (!finalResponse.isEmpty())
        client->socket->write(finalResponse);
    client->socket->skip(client->socket->bytesAvailable());
    client->socket->flush(); // may find the peer gone and drop it
    if (client->state == Client::State::Closing)
        shutdownWriteWhenFlushed(client);
}

void HttpServer::shutdownWriteWhenFlushed(Client *client)
{
    if (client->writeShutDown || queuedOutput(client) > 0)
        return;
    client->writeShutDown = true;
    if (m_tls) {
        // TLS ends with close_notify; a half-close of the TCP stream would cut it short.
        client->socket->disconnectFromHost();
        return;
    }
    // A half-close: the peer sees the end of the response while what it still sends is read
    // and discarded; closing outright with unread input would reset the connection instead.
    const qintptr fd = client->socket->socketDescriptor();
    if (fd >= 0)
        ::shutdown(int(fd), SHUT_WR);
}

void HttpServer::drop(Client *client)
{
    if (client->state == Client::State::Dead)
        return;
    client->state = Client::State::Dead;
    client->timer->stop();
    disconnect(client->timer, nullptr, this, nullptr);
    disconnect(client->socket, nullptr, this, nullptr);
    if (client->socket->state() != QAbstractSocket::UnconnectedState)
        client->socket->abort();
    client->socket->deleteLater(); // takes the timer with it
    client->input = QByteArray();
    scheduleSweep();
}

void HttpServer::scheduleSweep()
{
    if (m_sweepQueued)
        return;
    m_sweepQueued = true;
    QMetaObject::invokeMethod(
        this, [this] { sweep(); }, Qt::QueuedConnection);
}

void HttpServer::sweep()
{
    m_sweepQueued = false;
    std::erase_if(m_clients, [](const std::unique_ptr<Client> &client) {
        return client->state == Client::State::Dead && !client->busy;
    });
}

} // namespace capture

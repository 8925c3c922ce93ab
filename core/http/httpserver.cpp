#include "core/http/httpserver.h"

#include "core/capture/filenaming.h"
#include "core/net/acceptserver.h"
#include "core/net/listensocket.h"
#include "core/util/logging.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

constexpr int maxHeaderFields = 100;
constexpr qsizetype requestHeadLimit = 8192;
// A client's further requests wait unread while more than this of its responses is queued.
constexpr qint64 maxPendingOutput = qint64(1024) * 1024;
constexpr qint64 resumeBelowOutput = maxPendingOutput / 2;
// What Qt buffers from one socket before it stops reading it: a full head and some slack.
constexpr qint64 socketReadBufferSize = qint64(16) * 1024;
// How long a closing connection may take to read its last response and hang up.
constexpr int maxLingerMs = 2000;
constexpr qsizetype maxMethodInMessage = 32;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// RFC 9110 tchar.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c))
        return true;
    return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Visible ASCII: what an origin-form target may hold without being malformed.
bool isTargetChar(char c)
{
    const auto u = uchar(c);
    return u > 0x20 && u < 0x7f;
}

// RFC 9110 field-vchar, SP and HTAB (obs-text included); no other control characters.
bool isFieldValueChar(char c)
{
    const auto u = uchar(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

template<typename Predicate> bool allOf(QByteArrayView bytes, Predicate predicate)
{
    return std::all_of(bytes.begin(), bytes.end(), predicate);
}

QByteArrayView trimmedOws(QByteArrayView bytes)
{
    while (!bytes.isEmpty() && isOws(bytes.front()))
        bytes = bytes.sliced(1);
    while (!bytes.isEmpty() && isOws(bytes.back()))
        bytes.chop(1);
    return bytes;
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

QByteArrayView withoutTrailingCr(QByteArrayView line)
{
    if (!line.isEmpty() && line.back() == '\r')
        line.chop(1);
    return line;
}

// Whether `version` is "HTTP/d.d" or the start of it.
bool isVersionPrefix(QByteArrayView version)
{
    constexpr QByteArrayView pattern("HTTP/#.#");
    if (version.size() > pattern.size())
        return false;
    for (qsizetype i = 0; i < version.size(); ++i) {
        if (pattern[i] == '#' ? !isDigit(version[i]) : version[i] != pattern[i])
            return false;
    }
    return true;
}

struct RequestLine
{
    QByteArrayView method;
    QByteArrayView target;
    QByteArrayView version;
};

// Splits and checks a complete request line; the reason when it is malformed.
std::optional<QString> parseRequestLine(QByteArrayView line, RequestLine *out)
{
    const qsizetype methodEnd = line.indexOf(' ');
    if (methodEnd <= 0)
        return u"malformed request line"_s;
    const QByteArrayView rest = line.sliced(methodEnd + 1);
    const qsizetype targetEnd = rest.indexOf(' ');
    if (targetEnd < 0)
        return u"request line without HTTP version"_s;
    out->method = line.first(methodEnd);
    out->target = rest.first(targetEnd);
    out->version = rest.sliced(targetEnd + 1);
    if (!allOf(out->method, isTokenChar))
        return u"malformed method"_s;
    if (out->target.isEmpty() || !allOf(out->target, isTargetChar))
        return u"malformed request target"_s;
    if (out->target.front() != '/')
        return u"request target is not an absolute path"_s;
    if (out->version.size() != 8 || !isVersionPrefix(out->version))
        return u"malformed HTTP version"_s;
    return std::nullopt;
}

// Whether the start of a request line seen so far can still become a valid one. Never more
// lenient than parseRequestLine, so waiting for more bytes cannot turn an error into success.
bool isRequestLinePrefix(QByteArrayView partial)
{
    const qsizetype size = partial.size();
    qsizetype i = 0;
    for (; i < size && partial[i] != ' '; ++i) {
        if (!isTokenChar(partial[i]))
            return false;
    }
    if (i == size)
        return true;
    if (i == 0)
        return false;
    const qsizetype targetStart = ++i;
    for (; i < size && partial[i] != ' '; ++i) {
        if (!isTargetChar(partial[i]))
            return false;
    }
    if (i > targetStart && partial[targetStart] != '/')
        return false;
    if (i == size)
        return true;
    if (i == targetStart)
        return false;
    return isVersionPrefix(partial.sliced(i + 1));
}

// Checks a header line (complete, or the start of one when !complete); the reason if invalid.
std::optional<QString> checkHeaderLine(QByteArrayView line, bool complete)
{
    if (line.isEmpty())
        return std::nullopt;
    if (isOws(line.front()))
        return u"obsolete header line folding"_s;
    const qsizetype colon = line.indexOf(':');
    if (colon < 0 && complete)
        return u"header line without colon"_s;
    if (colon == 0)
        return u"empty header name"_s;
    if (!allOf(colon < 0 ? line : line.first(colon), isTokenChar))
        return u"malformed header name"_s;
    if (colon > 0 && !allOf(line.sliced(colon + 1), isFieldValueChar))
        return u"malformed header value"_s;
    return std::nullopt;
}

bool isZeroLength(QByteArrayView value)
{
    return !value.isEmpty() && allOf(value, [](char c) { return c == '0'; });
}

HttpParseResult failed(HttpParseResult result, int status, const QString &reason)
{
    result.status = HttpParseResult::Status::Error;
    result.errorStatus = status;
    result.error = reason;
    return result;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK"_ba;
    case 201:
        return "Created"_ba;
    case 202:
        return "Accepted"_ba;
    case 204:
        return "No Content"_ba;
    case 301:
        return "Moved Permanently"_ba;
    case 302:
        return "Found"_ba;
    case 304:
        return "Not Modified"_ba;
    case 400:
        return "Bad Request"_ba;
    case 401:
        return "Unauthorized"_ba;
    case 403:
        return "Forbidden"_ba;
    case 404:
        return "Not Found"_ba;
    case 405:
        return "Method Not Allowed"_ba;
    case 408:
        return "Request Timeout"_ba;
    case 429:
        return "Too Many Requests"_ba;
    case 500:
        return "Internal Server Error"_ba;
    case 501:
        return "Not Implemented"_ba;
    case 503:
        return "Service Unavailable"_ba;
    case 505:
        return "HTTP Version Not Supported"_ba;
    default:
        return "Unknown"_ba;
    }
}

HttpResponse errorResponse(int status)
{
    HttpResponse response;
    response.status = status;
    response.body = QByteArray::number(status) + ' ' + reasonPhrase(status) + '\n';
    return response;
}

// `extraHeaders`: complete lines ("Name: value\r\n"), from this file only.
QByteArray formatResponse(const HttpResponse &response, bool headRequest, bool keepAlive,
                          QByteArrayView extraHeaders = {})
{
    const bool bodyless = response.status == 204 || response.status == 304;
    const bool withBody = !headRequest && !bodyless;
    // A header value from the handler must not be able to end the header block early.
    const bool validType =
        !response.contentType.isEmpty() && allOf(response.contentType, isFieldValueChar);
    QByteArray out;
    out.reserve(200 + (withBody ? response.body.size() : 0));
    out.append("HTTP/1.1 ").append(QByteArray::number(response.status)).append(' ');
    out.append(reasonPhrase(response.status)).append("\r\n");
    out.append("Content-Type: ")
        .append(validType ? response.contentType : HttpResponse().contentType)
        .append("\r\n");
    if (!bodyless)
        out.append("Content-Length: ")
            .append(QByteArray::number(response.body.size()))
            .append("\r\n");
    out.append("Cache-Control: no-store\r\n");
    out.append(extraHeaders);
    out.append(keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    if (withBody)
        out.append(response.body);
    return out;
}

} // namespace

HttpParseResult parseHttpRequest(QByteArrayView buffer, qsizetype maxHeadBytes)
{
    HttpParseResult result;
    HttpRequest &request = result.request;
    // Only the first maxHeadBytes can hold the head; nothing beyond it is looked at.
    const QByteArrayView head = buffer.first(std::clamp<qsizetype>(maxHeadBytes, 0, buffer.size()));
    qsizetype pos = 0;
    bool haveRequestLine = false;
    int fieldCount = 0;
    int hostCount = 0;
    bool connectionClose = false;
    bool connectionKeepAlive = false;

    for (;;) {
        const qsizetype lineEnd = head.indexOf('\n', pos);
        if (lineEnd < 0) {
            const QByteArrayView partial = withoutTrailingCr(head.sliced(pos));
            if (!haveRequestLine && !isRequestLinePrefix(partial))
                return failed(result, 400, u"malformed request line"_s);
            if (haveRequestLine) {
                if (const auto why = checkHeaderLine(partial, false))
                    return failed(result, 400, *why);
            }
            if (buffer.size() >= maxHeadBytes)
                return failed(result, 400, u"request head too large"_s);
            return result; // Incomplete
        }
        const QByteArrayView line = withoutTrailingCr(head.sliced(pos, lineEnd - pos));
        pos = lineEnd + 1;

        if (!haveRequestLine) {
            // RFC 9112 2.2: empty lines before a request line are ignored.
            if (line.isEmpty())
                continue;
            RequestLine parts;
            if (const auto why = parseRequestLine(line, &parts))
                return failed(result, 400, *why);
            haveRequestLine = true;
            request.method = parts.method.toByteArray();
            request.target = parts.target.toByteArray();
            const qsizetype query = parts.target.indexOf('?');
            request.path = (query < 0 ? parts.target : parts.target.first(query)).toByteArray();
            const int major = parts.version[5] - '0';
            const int minor = parts.version[7] - '0';
            request.versionMinor = minor;
            if (major != 1 || minor > 1) {
                return failed(result, 505,
                              u"unsupported version "_s + QString::fromLatin1(parts.version));
            }
            if (request.method != "GET" && request.method != "HEAD") {
                const QByteArrayView shown =
                    parts.method.first(std::min(parts.method.size(), maxMethodInMessage));
                return failed(result, 405,
                              u"method "_s + QString::fromLatin1(shown) + u" not allowed"_s);
            }
            continue;
        }

        if (line.isEmpty())
            break; // end of the head
        if (const auto why = checkHeaderLine(line, true))
            return failed(result, 400, *why);
        if (++fieldCount > maxHeaderFields)
            return failed(result, 400, u"too many header fields"_s);
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = line.first(colon).toByteArray().toLower();
        const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
        if (name == "transfer-encoding")
            return failed(result, 400, u"request with a body (Transfer-Encoding)"_s);
        if (name == "content-length" && !isZeroLength(value))
            return failed(result, 400, u"request with a body (Content-Length)"_s);
        if (name == "host" && ++hostCount > 1)
            return failed(result, 400, u"more than one Host header"_s);
        if (name == "connection") {
            qsizetype from = 0;
            while (from <= value.size()) {
                qsizetype comma = value.indexOf(',', from);
                if (comma < 0)
                    comma = value.size();
                const QByteArrayView option = trimmedOws(value.sliced(from, comma - from));
                connectionClose = connectionClose || equalsIgnoringCase(option, "close");
                connectionKeepAlive =
                    connectionKeepAlive || equalsIgnoringCase(option, "keep-alive");
                from = comma + 1;
            }
        }
        request.headers.append({name, value.toByteArray()});
    }

    request.keepAlive =
        request.versionMinor >= 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
    result.status = HttpParseResult::Status::Complete;
    result.consumed = pos;
    return result;
}

struct HttpServer::Client
{
    enum class State { Reading, Closing, Dead };

    QTcpSocket *socket = nullptr;
    QTimer *timer = nullptr; // request deadline; while closing, the linger deadline
    QString peer;
    QByteArray input; // received and not answered yet
    quint64 served = 0;
    State state = State::Reading;
    bool paused = false; // too much output queued: requests wait unread
    bool busy = false;   // inside serve(); the handler might run a nested event loop
    bool writeShutDown = false;
    bool overLimit = false;   // let in over the client limit; holds no place until admitted
    quint64 lastActivity = 0; // HttpServer::m_activity when it last sent or took bytes
};

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

void HttpServer::setRequestTimeoutMs(int ms)
{
    m_requestTimeoutMs = std::max(ms, 1);
}

void HttpServer::setMaxClients(int n)
{
    m_maxClients = std::max(n, 0);
}

int HttpServer::clientCount() const
{
    return int(std::count_if(m_clients.begin(), m_clients.end(), [](const auto &client) {
        return client->state != Client::State::Dead;
    }));
}

quint64 HttpServer::requestsServed() const
{
    return m_requestsServed;
}

quint64 HttpServer::clientsRejected() const
{
    return m_clientsRejected;
}

int HttpServer::busyClientCount() const
{
    return int(std::count_if(m_clients.begin(), m_clients.end(), [this](const auto &client) {
        return client->state == Client::State::Reading && !isIdle(client.get());
    }));
}

qint64 HttpServer::pendingOutputBytes() const
{
    qint64 total = 0;
    for (const auto &client : m_clients) {
        if (client->state != Client::State::Dead)
            total += client->socket->bytesToWrite();
    }
    return total;
}

void HttpServer::accept(int fd)
{
    const auto [address, port] = socketEndpoint(fd, EndpointSide::Peer);
    const QString peer = FileNaming::endpointText(address, port);
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
    auto *socket = new QTcpSocket(this);
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
    c->socket = socket;
    c->peer = peer;
    c->overLimit = placesTaken() >= m_maxClients;
    c->lastActivity = ++m_activity;
    c->timer = new QTimer(socket);
    c->timer->setSingleShot(true);
    connect(c->timer, &QTimer::timeout, this, [this, c] { onTimeout(c); });
    connect(socket, &QIODevice::readyRead, this, [this, c] { onReadyRead(c); });
    connect(socket, &QIODevice::bytesWritten, this, [this, c] { onBytesWritten(c); });
    connect(socket, &QAbstractSocket::disconnected, this, [this, c] { drop(c); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, c] { drop(c); });
    m_clients.push_back(std::move(client));
    c->timer->start(m_requestTimeoutMs);
}

void HttpServer::onReadyRead(Client *client)
{
    if (client->state == Client::State::Closing)
        client->socket->skip(client->socket->bytesAvailable());
    else if (client->state == Client::State::Reading) {
        client->lastActivity = ++m_activity;
        serve(client);
    }
}

void HttpServer::onBytesWritten(Client *client)
{
    if (client->socket->bytesToWrite() == 0)
        client->lastActivity = ++m_activity;
    if (client->state == Client::State::Closing)
        shutdownWriteWhenFlushed(client);
    else if (client->state == Client::State::Reading && client->paused &&
             client->socket->bytesToWrite() <= resumeBelowOutput)
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
    startClosing(client,
                 partialRequest ? formatResponse(errorResponse(408), false, false) : QByteArray());
    Q_EMIT clientError(peer + u": request timeout"_s);
}

void HttpServer::serve(Client *client)
{
    if (client->busy || client->state != Client::State::Reading)
        return;
    client->busy = true;
    for (;;) {
        if (client->paused) {
            if (client->socket->bytesToWrite() > resumeBelowOutput)
                break;
            client->paused = false;
        }
        processInput(client);
        if (client->state != Client::State::Reading)
            break;
        // Non-blocking; the kernel may take all of it, and then paused requests can go on.
        client->socket->flush();
        if (client->state != Client::State::Reading || !client->paused ||
            client->socket->bytesToWrite() > resumeBelowOutput)
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
            startClosing(client, formatResponse(errorResponse(503), result.request.method == "HEAD",
                                                false, "Retry-After: 1\r\n"));
            Q_EMIT clientError(peer + u": 503, all %1 clients busy"_s.arg(m_maxClients));
            return;
        }
        respond(client, result.request);
        if (client->state != Client::State::Reading)
            return;
        if (!result.request.keepAlive) {
            startClosing(client, {});
            return;
        }
        client->timer->start(m_requestTimeoutMs);
        if (client->socket->bytesToWrite() > maxPendingOutput)
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
        response = errorResponse(404);
    } else if (response->status < 200 || response->status > 599) {
        qCWarning(lcCore) << "HTTP handler returned status" << response->status << "for"
                          << request.path;
        response = errorResponse(500);
    }
    ++client->served;
    ++m_requestsServed;
    client->socket->write(formatResponse(*response, request.method == "HEAD", request.keepAlive));
}

void HttpServer::reject(Client *client, const HttpParseResult &result)
{
    const int status =
        result.errorStatus == 405 || result.errorStatus == 505 ? result.errorStatus : 400;
    const QString detail = status == 405 ? QString::fromLatin1(result.request.method.first(std::min(
                                               result.request.method.size(), maxMethodInMessage)))
                                         : result.error;
    const QString peer = client->peer;
    ++m_clientsRejected;
    startClosing(client, formatResponse(errorResponse(status), false, false,
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
           client->socket->bytesToWrite() == 0;
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
    if (client->writeShutDown || client->socket->bytesToWrite() > 0)
        return;
    client->writeShutDown = true;
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

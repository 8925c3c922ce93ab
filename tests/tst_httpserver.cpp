#include "core/http/httpserver.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>
#include <sys/socket.h>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

// Generous bound for anything the event loop has to get done.
constexpr int waitMs = 10000;
constexpr qsizetype bigBodySize = qsizetype(1024) * 1024;

const QByteArray statusBody = "{\"state\":\"running\"}\n"_ba;
const QByteArray metricsBody = "capture_bytes_total 42\ncapture_connections 3\n"_ba;
const QByteArray healthBody = "ok\n"_ba;

using Status = HttpParseResult::Status;

HttpParseResult parse(const QByteArray &bytes, qsizetype maxHeadBytes = 8192)
{
    return parseHttpRequest(QByteArrayView(bytes), maxHeadBytes);
}

QByteArray header(const HttpRequest &request, QByteArrayView name)
{
    for (const auto &[key, value] : request.headers) {
        if (key == name)
            return value;
    }
    return {};
}

QByteArray withLfOnly(QByteArray bytes)
{
    return bytes.replace("\r\n", "\n");
}

struct Response
{
    QByteArray statusLine;
    QList<std::pair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (key == name)
                return value;
        }
        return {};
    }
};

/// Splits a byte stream into the complete responses it holds (bodies by Content-Length;
/// none at all for answers to HEAD).
QList<Response> splitResponses(const QByteArray &stream, bool headRequests = false)
{
    QList<Response> responses;
    qsizetype pos = 0;
    for (;;) {
        const qsizetype end = stream.indexOf("\r\n\r\n", pos);
        if (end < 0)
            break;
        Response response;
        const QList<QByteArray> lines = stream.mid(pos, end - pos).split('\n');
        response.statusLine = lines.value(0).trimmed();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0) {
                response.headers.append(
                    {lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed()});
            }
        }
        const qsizetype length = headRequests ? 0 : response.header("content-length").toLongLong();
        if (stream.size() < end + 4 + length)
            break;
        response.body = stream.mid(end + 4, length);
        pos = end + 4 + length;
        responses.append(response);
    }
    return responses;
}

QByteArray bigBody()
{
    static const QByteArray body = TestSupport::patternData(7, bigBodySize);
    return body;
}

/// An event stream's first answer far larger than HttpServer::maxStreamBacklog (one comment).
QByteArray longReplay()
{
    static const QByteArray body = QByteArray(16 * 1024 * 1024, 'r');
    return body;
}

/// The content the engine will serve, as far as these tests need it.
std::optional<HttpResponse> serveTestPaths(const HttpRequest &request)
{
    if (request.path == "/status")
        return HttpResponse{200, "application/json"_ba, statusBody};
    if (request.path == "/metrics")
        return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8"_ba, metricsBody};
    if (request.path == "/healthz")
        return HttpResponse{200, HttpResponse().contentType, healthBody};
    if (request.path == "/big")
        return HttpResponse{200, "application/octet-stream"_ba, bigBody()};
    if (request.path == "/events")
        return HttpResponse{200, "text/event-stream"_ba, ": hello\n\n"_ba, true};
    if (request.path == "/events-history") // a replay larger than maxStreamBacklog
        return HttpResponse{200, "text/event-stream"_ba, ": " + longReplay() + "\n\n", true};
    return std::nullopt;
}

/// A server on 127.0.0.1 at a port the kernel picked, recording what its handler saw.
struct TestServer
{
    QList<HttpRequest> seen;
    HttpServer server{[this](const HttpRequest &request) {
        seen.append(request);
        return serveTestPaths(request);
    }};
    QSignalSpy errors{&server, &HttpServer::clientError};
    quint16 port = 0;
    QString listenError;

    bool listen()
    {
        if (!server.listen(QHostAddress::LocalHost, 0, &listenError))
            return false;
        port = server.serverPort();
        return port != 0;
    }
    QString errorMessage(qsizetype i) const { return errors.at(i).at(0).toString(); }
};

/// A raw client that collects everything the server sends.
struct RawClient
{
    QTcpSocket socket;
    QByteArray received;

    RawClient()
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket,
                         [this] { received += socket.readAll(); });
    }
    void connectTo(quint16 port) { socket.connectToHost(QHostAddress::LocalHost, port); }
    bool isConnected() const { return socket.state() == QAbstractSocket::ConnectedState; }
    bool isClosed() const { return socket.state() == QAbstractSocket::UnconnectedState; }
    QByteArray all()
    {
        received += socket.readAll();
        return received;
    }
};

struct CurlResult
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

QString curlProgram()
{
    return QStandardPaths::findExecutable(u"curl"_s);
}

/// Runs curl without blocking the event loop the server lives in; ignores ~/.curlrc and proxies.
CurlResult runCurl(const QStringList &args)
{
    QProcess curl;
    QSignalSpy finished(&curl, &QProcess::finished);
    curl.start(curlProgram(),
               QStringList{u"-q"_s, u"-sS"_s, u"--noproxy"_s, u"*"_s, u"--max-time"_s, u"5"_s} +
                   args);
    CurlResult result;
    result.finished = finished.wait(30000);
    if (!result.finished) {
        curl.kill();
        QSignalSpy(&curl, &QProcess::finished).wait(5000);
    }
    result.exitCode = curl.exitCode();
    result.out = curl.readAllStandardOutput();
    result.err = curl.readAllStandardError();
    return result;
}

/// Deterministic xorshift64* for the mutation tests.
struct Random
{
    quint64 state;
    quint64 next()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 2685821657736338717ULL;
    }
    int below(qsizetype n) { return int(next() % quint64(n)); }
};

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- parser -------------------------------------------------------------------------

    void parseComplete()
    {
        const QByteArray request = "GET /metrics?format=text HTTP/1.1\r\n"
                                   "Host: 127.0.0.1:9100\r\n"
                                   "User-Agent: test/1.0\r\n"
                                   "Accept: */*\r\n"
                                   "\r\n"_ba;
        const HttpParseResult result = parse(request + "GET /next HTTP/1.1\r\n"_ba);
        QCOMPARE(result.status, Status::Complete);
        QCOMPARE(result.consumed, request.size());
        QCOMPARE(result.request.method, "GET"_ba);
        QCOMPARE(result.request.target, "/metrics?format=text"_ba);
        QCOMPARE(result.request.path, "/metrics"_ba);
        QCOMPARE(result.request.versionMinor, 1);
        QVERIFY(result.request.keepAlive);
        QCOMPARE(result.request.headers.size(), 3);
        QCOMPARE(result.request.headers.at(0), std::pair("host"_ba, "127.0.0.1:9100"_ba));
        QCOMPARE(header(result.request, "user-agent"), "test/1.0"_ba);
        QCOMPARE(header(result.request, "accept"), "*/*"_ba);
        QCOMPARE(result.errorStatus, 0);
    }

    void parseIncompleteAtEverySplit_data()
    {
        QTest::addColumn<QByteArray>("request");
        const QByteArray crlf = "GET /status HTTP/1.1\r\nHost: a\r\nAccept:  text/plain \r\n"
                                "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n"_ba;
        QTest::newRow("CRLF") << crlf;
        QTest::newRow("LF only") << withLfOnly(crlf);
        QTest::newRow("HEAD, HTTP/1.0") << "HEAD / HTTP/1.0\r\n\r\n"_ba;
        QTest::newRow("no headers") << "GET /healthz HTTP/1.1\r\n\r\n"_ba;
        QTest::newRow("leading empty line") << "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"_ba;
        QTest::newRow("empty value") << "GET / HTTP/1.1\r\nX-Empty:\r\nHost: x\r\n\r\n"_ba;
    }
    void parseIncompleteAtEverySplit()
    {
        QFETCH(QByteArray, request);
        for (qsizetype split = 0; split < request.size(); ++split) {
            const HttpParseResult partial = parse(request.first(split));
            QVERIFY2(partial.status == Status::Incomplete,
                     qPrintable(u"prefix of %1 bytes: %2"_s.arg(split).arg(partial.error)));
        }
        const HttpParseResult complete = parse(request);
        QCOMPARE(complete.status, Status::Complete);
        QCOMPARE(complete.consumed, request.size());
    }

    void parseLineEndings_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("CRLF") << "GET /a?b HTTP/1.1\r\nHost: h\r\nX-Y: z\r\n\r\n"_ba;
        QTest::newRow("LF") << "GET /a?b HTTP/1.1\nHost: h\nX-Y: z\n\n"_ba;
        QTest::newRow("mixed") << "GET /a?b HTTP/1.1\r\nHost: h\nX-Y: z\r\n\n"_ba;
    }
    void parseLineEndings()
    {
        QFETCH(QByteArray, request);
        const HttpParseResult result = parse(request + "trailing"_ba);
        QCOMPARE(result.status, Status::Complete);
        QCOMPARE(result.consumed, request.size());
        QCOMPARE(result.request.path, "/a"_ba);
        QCOMPARE(header(result.request, "host"), "h"_ba);
        QCOMPARE(header(result.request, "x-y"), "z"_ba);
    }

    void parseHeadersCaseInsensitive()
    {
        const HttpParseResult result = parse("GET / HTTP/1.1\r\nHOST: example\r\n"
                                             "X-Mixed-CASE:  \t a  b \t \r\n"
                                             "cOnNeCtIoN: Keep-Alive, CLOSE\r\n\r\n"_ba);
        QCOMPARE(result.status, Status::Complete);
        QCOMPARE(header(result.request, "host"), "example"_ba);
        QCOMPARE(header(result.request, "x-mixed-case"), "a  b"_ba);
        QCOMPARE(header(result.request, "connection"), "Keep-Alive, CLOSE"_ba);
        QVERIFY(!result.request.keepAlive);
    }

    void parseKeepAlive_data()
    {
        QTest::addColumn<QByteArray>("version");
        QTest::addColumn<QByteArray>("connection"); // header lines, may be empty
        QTest::addColumn<bool>("keepAlive");
        QTest::newRow("1.1 default") << "1.1"_ba << QByteArray() << true;
        QTest::newRow("1.1 close") << "1.1"_ba
                                   << "Connection: close\r\n"_ba << false;
        QTest::newRow("1.1 Close") << "1.1"_ba
                                   << "Connection: Close\r\n"_ba << false;
        QTest::newRow("1.1 keep-alive") << "1.1"_ba
                                        << "Connection: keep-alive\r\n"_ba << true;
        QTest::newRow("1.1 list with close") << "1.1"_ba
                                             << "Connection: upgrade ,  close\r\n"_ba << false;
        QTest::newRow("1.1 closed later")
            << "1.1"_ba
            << "Connection: keep-alive\r\nConnection: close\r\n"_ba << false;
        QTest::newRow("1.1 token containing close") << "1.1"_ba
                                                    << "Connection: closed, xclose\r\n"_ba << true;
        QTest::newRow("1.0 default") << "1.0"_ba << QByteArray() << false;
        QTest::newRow("1.0 keep-alive") << "1.0"_ba
                                        << "Connection: keep-alive\r\n"_ba << true;
        QTest::newRow("1.0 KEEP-ALIVE") << "1.0"_ba
                                        << "connection: KEEP-ALIVE\r\n"_ba << true;
        QTest::newRow("1.0 keep-alive and close")
            << "1.0"_ba
            << "Connection: keep-alive, close\r\n"_ba << false;
        QTest::newRow("1.0 other header") << "1.0"_ba
                                          << "Keep-Alive: timeout=5\r\n"_ba << false;
    }
    void parseKeepAlive()
    {
        QFETCH(QByteArray, version);
        QFETCH(QByteArray, connection);
        QFETCH(bool, keepAlive);
        const HttpParseResult result =
            parse("GET / HTTP/"_ba + version + "\r\nHost: x\r\n"_ba + connection + "\r\n"_ba);
        QCOMPARE(result.status, Status::Complete);
        QCOMPARE(result.request.versionMinor, version.back() - '0');
        QCOMPARE(result.request.keepAlive, keepAlive);
    }

    void parseErrors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("errorStatus");
        const auto row = [](const char *name, const QByteArray &request, int status) {
            QTest::newRow(name) << request << status;
        };
        row("POST", "POST /status HTTP/1.1\r\nHost: x\r\n\r\n"_ba, 405);
        row("POST outside /api/", "POST /apix HTTP/1.1\r\nContent-Length: 0\r\n\r\n"_ba, 405);
        row("PUT under /api/", "PUT /api/run HTTP/1.1\r\nContent-Length: 0\r\n\r\n"_ba, 405);
        row("POST body too large", "POST /api/run HTTP/1.1\r\nContent-Length: 1025\r\n\r\n"_ba,
            413);
        row("POST huge length", "POST /api/run HTTP/1.1\r\nContent-Length: 99999999999999\r\n"_ba,
            413);
        row("POST chunked", "POST /api/run HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"_ba, 400);
        row("POST two lengths",
            "POST /api/run HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"_ba, 400);
        row("POST negative length", "POST /api/run HTTP/1.1\r\nContent-Length: -1\r\n\r\n"_ba, 400);
        row("PUT", "PUT /status HTTP/1.1\r\n\r\n"_ba, 405);
        row("DELETE", "DELETE / HTTP/1.1\r\n\r\n"_ba, 405);
        row("OPTIONS", "OPTIONS /status HTTP/1.1\r\n\r\n"_ba, 405);
        row("lower-case get", "get / HTTP/1.1\r\n\r\n"_ba, 405);
        row("405 before headers arrive", "PATCH / HTTP/1.1\r\nHost: x\r\n"_ba, 405);
        row("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n"_ba, 505);
        row("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n"_ba, 505);
        row("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n"_ba, 505);
        row("HTTP/0.9 style", "GET /\r\n\r\n"_ba, 400);
        row("lower-case version", "GET / http/1.1\r\n\r\n"_ba, 400);
        row("version too long", "GET / HTTP/1.10\r\n\r\n"_ba, 400);
        row("version without minor", "GET / HTTP/1\r\n\r\n"_ba, 400);
        row("extra word", "GET / HTTP/1.1 x\r\n\r\n"_ba, 400);
        row("double space", "GET  / HTTP/1.1\r\n\r\n"_ba, 400);
        row("tab separator", "GET\t/ HTTP/1.1\r\n\r\n"_ba, 400);
        row("leading space", " GET / HTTP/1.1\r\n\r\n"_ba, 400);
        row("absolute form", "GET http://example.com/ HTTP/1.1\r\n\r\n"_ba, 400);
        row("asterisk form", "OPTIONS * HTTP/1.1\r\n\r\n"_ba, 400);
        row("authority form", "GET example.com:80 HTTP/1.1\r\n\r\n"_ba, 400);
        row("NUL in target", "GET /a\0b HTTP/1.1\r\n\r\n"_ba, 400);
        row("non-ASCII target", "GET /\xc3\xa4 HTTP/1.1\r\n\r\n"_ba, 400);
        row("bare CR in request line", "GET /\r HTTP/1.1\r\n\r\n"_ba, 400);
        row("bad method char", "GE(T / HTTP/1.1\r\n\r\n"_ba, 400);
        row("no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n"_ba, 400);
        row("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"_ba, 400);
        row("empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n"_ba, 400);
        row("obs-fold", "GET / HTTP/1.1\r\nX-A: b\r\n c\r\n\r\n"_ba, 400);
        row("control char in value", "GET / HTTP/1.1\r\nX-A: b\x01c\r\n\r\n"_ba, 400);
        row("DEL in value", "GET / HTTP/1.1\r\nX-A: b\x7f\r\n\r\n"_ba, 400);
        row("bare CR in header", "GET / HTTP/1.1\r\nX-A: b\rc\r\n\r\n"_ba, 400);
        row("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"_ba, 400);
        row("TLS handshake", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"_ba, 400);
        row("binary junk header", "GET / HTTP/1.1\r\n\x80\x81"_ba, 400);
        QByteArray tooMany = "GET / HTTP/1.1\r\n"_ba;
        for (int i = 0; i < 101; ++i)
            tooMany += "X-" + QByteArray::number(i) + ": v\r\n";
        row("101 header fields", tooMany + "\r\n"_ba, 400);
    }
    void parseErrors()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, errorStatus);
        const HttpParseResult result = parse(request);
        QCOMPARE(result.status, Status::Error);
        QCOMPARE(result.errorStatus, errorStatus);
        QVERIFY(!result.error.isEmpty());
    }

    void parseBody_data()
    {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("Content-Length 0") << "Content-Length: 0\r\n"_ba << true;
        QTest::newRow("Content-Length 00") << "content-length:00 \r\n"_ba << true;
        QTest::newRow("Content-Length 5") << "Content-Length: 5\r\n"_ba << false;
        QTest::newRow("Content-Length 0 then 5")
            << "Content-Length: 0\r\nContent-Length: 5\r\n"_ba << false;
        QTest::newRow("Content-Length list") << "Content-Length: 0, 0\r\n"_ba << false;
        QTest::newRow("Content-Length negative") << "Content-Length: -1\r\n"_ba << false;
        QTest::newRow("Content-Length empty") << "Content-Length:\r\n"_ba << false;
        QTest::newRow("Content-Length text") << "Content-Length: abc\r\n"_ba << false;
        QTest::newRow("chunked") << "Transfer-Encoding: chunked\r\n"_ba << false;
        QTest::newRow("identity") << "transfer-encoding: identity\r\n"_ba << false;
        QTest::newRow("chunked with length 0")
            << "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n"_ba << false;
    }
    void parseBody()
    {
        QFETCH(QByteArray, headers);
        QFETCH(bool, accepted);
        const HttpParseResult result =
            parse("GET / HTTP/1.1\r\nHost: x\r\n"_ba + headers + "\r\nbody"_ba);
        QCOMPARE(result.status, accepted ? Status::Complete : Status::Error);
        QCOMPARE(result.errorStatus, accepted ? 0 : 400);
    }

    // POST under /api/: complete with its body, which may arrive in pieces; what follows is
    // the next request.
    void parsePostBody()
    {
        const QByteArray request =
            "POST /api/run?x=1 HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"run\": 7}GET /"_ba;
        const qsizetype headSize = request.indexOf("\r\n\r\n") + 4;
        for (qsizetype cut = 0; cut < headSize + 10; ++cut)
            QCOMPARE(parse(request.first(cut)).status, Status::Incomplete);
        const HttpParseResult result = parse(request);
        QCOMPARE(result.status, Status::Complete);
        QCOMPARE(result.request.method, "POST"_ba);
        QCOMPARE(result.request.path, "/api/run"_ba);
        QCOMPARE(result.request.body, "{\"run\": 7}"_ba);
        QCOMPARE(result.consumed, headSize + 10);
        for (const QByteArray &emptyBody :
             {"POST /api/capture/stop HTTP/1.1\r\nContent-Length: 0\r\n\r\n"_ba,
              "POST /api/capture/stop HTTP/1.1\r\nHost: x\r\n\r\nGET /"_ba}) {
            const HttpParseResult empty = parse(emptyBody);
            QCOMPARE(empty.status, Status::Complete);
            QVERIFY(empty.request.body.isEmpty());
            QCOMPARE(empty.consumed, emptyBody.indexOf("\r\n\r\n") + 4);
        }
        const QByteArray largest = "POST /api/x HTTP/1.1\r\nContent-Length: 1024\r\n\r\n"_ba;
        const HttpParseResult full = parse(largest + QByteArray(1024, 'b'));
        QCOMPARE(full.status, Status::Complete);
        QCOMPARE(full.request.body.size(), 1024);
    }

    void parseHeadSize()
    {
        const QByteArray start = "GET / HTTP/1.1\r\nX-Fill: "_ba;
        const QByteArray end = "\r\n\r\n"_ba;
        const auto requestOfSize = [&](qsizetype size) -> QByteArray {
            return start + QByteArray(size - start.size() - end.size(), 'a') + end;
        };
        // Exactly the limit is fine, one byte more is not, also when data follows.
        QCOMPARE(parse(requestOfSize(8192)).status, Status::Complete);
        QCOMPARE(parse(requestOfSize(8192) + "GET /"_ba).consumed, 8192);
        const HttpParseResult over = parse(requestOfSize(8193));
        QCOMPARE(over.status, Status::Error);
        QCOMPARE(over.errorStatus, 400);
        // Without a blank line: incomplete below the limit, an error from the limit on.
        QCOMPARE(parse(start + QByteArray(8000, 'a')).status, Status::Incomplete);
        QCOMPARE(parse(start + QByteArray(8192 - start.size(), 'a')).errorStatus, 400);
        QCOMPARE(parse(start + QByteArray(100000, 'a')).errorStatus, 400);
        // Many short lines count as well.
        QByteArray lines = "GET / HTTP/1.1\r\n"_ba;
        while (lines.size() < 9000)
            lines += "X: y\r\n";
        QCOMPARE(parse(lines + "\r\n"_ba).errorStatus, 400);
        // A smaller limit, and nonsense limits, are honoured without reading past the buffer.
        QCOMPARE(parse("GET / HTTP/1.1\r\n\r\n"_ba, 18).status, Status::Complete);
        QCOMPARE(parse("GET / HTTP/1.1\r\n\r\n"_ba, 17).errorStatus, 400);
        QCOMPARE(parse("GET / HTTP/1.1\r\n\r\n"_ba, 0).errorStatus, 400);
        QCOMPARE(parse("GET / HTTP/1.1\r\n\r\n"_ba, -5).errorStatus, 400);
        QCOMPARE(parse(QByteArray(), 8192).status, Status::Incomplete);
    }

    void parseQuery_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("none") << "/metrics"_ba
                              << "/metrics"_ba;
        QTest::newRow("query") << "/metrics?x=1"_ba
                               << "/metrics"_ba;
        QTest::newRow("empty query") << "/status?"_ba
                                     << "/status"_ba;
        QTest::newRow("two marks") << "/a?b?c"_ba
                                   << "/a"_ba;
        QTest::newRow("root with query") << "/?x"_ba
                                         << "/"_ba;
        QTest::newRow("encoded") << "/a%3Fb?c=%20"_ba
                                 << "/a%3Fb"_ba;
    }
    void parseQuery()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, path);
        const HttpParseResult result = parse("GET "_ba + target + " HTTP/1.1\r\n\r\n"_ba);
        QCOMPARE(result.status, Status::Complete);
        QCOMPARE(result.request.target, target);
        QCOMPARE(result.request.path, path);
    }

    // What a prefix of the input proves must hold for the whole input: no error turns into
    // success with more bytes, and a complete head stays the same. Random mutations of valid
    // requests, plus random bytes, checked at every split (and under the sanitizers: in bounds).
    void parsePrefixConsistency()
    {
        const QList<QByteArray> seeds = {
            "GET /status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"_ba,
            "HEAD /metrics?x=1 HTTP/1.0\nConnection: keep-alive\nContent-Length: 0\n\n"_ba,
            "\r\nGET / HTTP/1.1\r\nX: y\r\n\r\nGET /b HTTP/1.1\r\n\r\n"_ba,
        };
        const QByteArray alphabet = " \r\n\t:/?.0129AHPTXaz,\x7f\x80\xff"_ba + QByteArray(1, '\0');
        Random random{0x9e3779b97f4a7c15ULL};
        for (int round = 0; round < 3000; ++round) {
            QByteArray bytes;
            if (round % 10 == 9) {
                bytes = TestSupport::patternData(quint64(round), random.below(200));
            } else {
                bytes = seeds.at(random.below(seeds.size()));
                for (int m = random.below(4); m >= 0; --m) {
                    const int at = random.below(bytes.size() + 1);
                    const char c = alphabet.at(random.below(alphabet.size()));
                    switch (random.below(3)) {
                    case 0:
                        bytes.insert(at, c);
                        break;
                    case 1:
                        if (at < bytes.size())
                            bytes[at] = c;
                        break;
                    default:
                        bytes.remove(at, 1);
                        break;
                    }
                }
            }
            const qsizetype limit = round % 3 == 0 ? 40 : 8192;
            const HttpParseResult whole = parse(bytes, limit);
            QVERIFY(whole.status != Status::Error || whole.errorStatus == 400 ||
                    whole.errorStatus == 405 || whole.errorStatus == 505);
            if (whole.status == Status::Complete) {
                QVERIFY(whole.consumed > 0 && whole.consumed <= std::min(bytes.size(), limit));
                QVERIFY(whole.request.method == "GET" || whole.request.method == "HEAD");
                QVERIFY(whole.request.path.startsWith('/'));
            }
            for (qsizetype split = 0; split < bytes.size(); ++split) {
                const HttpParseResult prefix = parse(bytes.first(split), limit);
                const QByteArray context =
                    "input " + bytes.toPercentEncoding() + " split " + QByteArray::number(split);
                if (prefix.status == Status::Error) {
                    QVERIFY2(whole.status == Status::Error, context.constData());
                    QVERIFY2(whole.errorStatus == prefix.errorStatus, context.constData());
                } else if (prefix.status == Status::Complete) {
                    QVERIFY2(whole.status == Status::Complete, context.constData());
                    QVERIFY2(whole.consumed == prefix.consumed, context.constData());
                }
            }
        }
    }

    // ---- server -------------------------------------------------------------------------

    void listenReportsSystemError()
    {
        TestServer first;
        QVERIFY2(first.listen(), qPrintable(first.listenError));
        HttpServer second([](const HttpRequest &) { return std::optional<HttpResponse>(); });
        QString error;
        QVERIFY(!second.listen(QHostAddress::LocalHost, first.port, &error));
        QCOMPARE(error, u"Address already in use"_s);
        QCOMPARE(second.serverPort(), quint16(0));
        // A port found free before listening works as well.
        HttpServer third([](const HttpRequest &) { return std::optional<HttpResponse>(); });
        const quint16 port = TestSupport::freePort();
        QVERIFY2(third.listen(QHostAddress::LocalHost, port, &error), qPrintable(error));
        QCOMPARE(third.serverPort(), port);
        QVERIFY(!third.listen(QHostAddress::LocalHost, 0, &error));
        QCOMPARE(error, u"already listening"_s);
        QCOMPARE(third.serverPort(), port);
    }

    void curlRequests_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QList<QByteArray>>("headers"); // "name: value", name in lower case
        QTest::addColumn<QByteArray>("seenPath");       // what the handler got, if anything

        const QByteArray ok = "HTTP/1.1 200 OK"_ba;
        const QByteArray statusLength = "content-length: " + QByteArray::number(statusBody.size());
        QTest::newRow("GET /status")
            << QStringList() << u"/status"_s << ok << statusBody
            << QList<QByteArray>{"content-type: application/json"_ba, statusLength,
                                 "cache-control: no-store"_ba, "connection: keep-alive"_ba}
            << "/status"_ba;
        QTest::newRow("GET /metrics with query")
            << QStringList() << u"/metrics?name=capture&x=1"_s << ok << metricsBody
            << QList<QByteArray>{"content-type: text/plain; version=0.0.4; charset=utf-8"_ba}
            << "/metrics"_ba;
        QTest::newRow("GET /healthz")
            << QStringList() << u"/healthz"_s << ok << healthBody
            << QList<QByteArray>{"content-type: text/plain; charset=utf-8"_ba,
                                 "content-length: 3"_ba}
            << "/healthz"_ba;
        QTest::newRow("unknown path")
            << QStringList() << u"/nope"_s << "HTTP/1.1 404 Not Found"_ba
            << "404 Not Found\n"_ba
            << QList<QByteArray>{"content-length: 14"_ba, "connection: keep-alive"_ba,
                                 "cache-control: no-store"_ba}
            << "/nope"_ba;
        QTest::newRow("HEAD /status")
            << QStringList{u"-I"_s} << u"/status"_s << ok << QByteArray()
            << QList<QByteArray>{"content-type: application/json"_ba, statusLength} << "/status"_ba;
        QTest::newRow("HEAD unknown path")
            << QStringList{u"-I"_s} << u"/nope"_s << "HTTP/1.1 404 Not Found"_ba << QByteArray()
            << QList<QByteArray>{"content-length: 14"_ba} << "/nope"_ba;
        QTest::newRow("POST") << QStringList{u"-X"_s, u"POST"_s} << u"/status"_s
                              << "HTTP/1.1 405 Method Not Allowed"_ba
                              << "405 Method Not Allowed\n"_ba
                              << QList<QByteArray>{"allow: GET, HEAD"_ba, "connection: close"_ba}
                              << QByteArray();
        QTest::newRow("DELETE") << QStringList{u"-X"_s, u"DELETE"_s} << u"/status"_s
                                << "HTTP/1.1 405 Method Not Allowed"_ba
                                << "405 Method Not Allowed\n"_ba
                                << QList<QByteArray>{"allow: GET, HEAD"_ba, "connection: close"_ba}
                                << QByteArray();
        QTest::newRow("GET with a body")
            << QStringList{u"-X"_s, u"GET"_s, u"--data"_s, u"x=1"_s} << u"/status"_s
            << "HTTP/1.1 400 Bad Request"_ba
            << "400 Bad Request\n"_ba << QList<QByteArray>{"connection: close"_ba} << QByteArray();
        QTest::newRow("HTTP/1.0") << QStringList{u"--http1.0"_s} << u"/healthz"_s << ok
                                  << healthBody << QList<QByteArray>{"connection: close"_ba}
                                  << "/healthz"_ba;
        QTest::newRow("HTTP/1.0 keep-alive")
            << QStringList{u"--http1.0"_s, u"-H"_s, u"Connection: keep-alive"_s} << u"/healthz"_s
            << ok << healthBody << QList<QByteArray>{"connection: keep-alive"_ba} << "/healthz"_ba;
        QTest::newRow("HTTP/1.1 close")
            << QStringList{u"-H"_s, u"Connection: close"_s} << u"/status"_s << ok << statusBody
            << QList<QByteArray>{"connection: close"_ba} << "/status"_ba;
    }
    void curlRequests()
    {
        if (curlProgram().isEmpty())
            QSKIP("curl is not installed");
        QFETCH(QStringList, options);
        QFETCH(QString, path);
        QFETCH(QByteArray, statusLine);
        QFETCH(QByteArray, body);
        QFETCH(QList<QByteArray>, headers);
        QFETCH(QByteArray, seenPath);

        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        const CurlResult curl = runCurl(
            options + QStringList{u"-i"_s, u"http://127.0.0.1:%1%2"_s.arg(t.port).arg(path)});
        QVERIFY(curl.finished);
        QVERIFY2(curl.exitCode == 0, curl.err.constData());
        QCOMPARE(curl.err, QByteArray());

        const bool head = options.contains(u"-I"_s);
        const QList<Response> responses = splitResponses(curl.out, head);
        QCOMPARE(responses.size(), 1);
        const Response &response = responses.first();
        QCOMPARE(response.statusLine, statusLine);
        QCOMPARE(response.body, body);
        QCOMPARE(curl.out.size(), curl.out.indexOf("\r\n\r\n") + 4 + body.size());
        for (const QByteArray &expected : headers) {
            const qsizetype colon = expected.indexOf(':');
            QCOMPARE(response.header(expected.left(colon)), expected.mid(colon + 2));
        }

        if (seenPath.isEmpty()) {
            QVERIFY(t.seen.isEmpty());
            QCOMPARE(t.server.clientsRejected(), quint64(1));
            QCOMPARE(t.errors.size(), 1);
            QVERIFY2(QRegularExpression(u"^127\\.0\\.0\\.1:\\d+: (405 [A-Z]+|400 .+)$"_s)
                         .match(t.errorMessage(0))
                         .hasMatch(),
                     qPrintable(t.errorMessage(0)));
        } else {
            QCOMPARE(t.seen.size(), 1);
            QCOMPARE(t.seen.first().path, seenPath);
            QCOMPARE(t.seen.first().method, head ? "HEAD"_ba : "GET"_ba);
            QCOMPARE(t.server.requestsServed(), quint64(1));
            QCOMPARE(t.server.clientsRejected(), quint64(0));
            QCOMPARE(t.errors.size(), 0);
        }
        // curl has hung up; the server lets go of the connection too.
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    void curlReusesConnection()
    {
        if (curlProgram().isEmpty())
            QSKIP("curl is not installed");
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        const QString base = u"http://127.0.0.1:%1"_s.arg(t.port);
        const CurlResult curl =
            runCurl({u"-o"_s, u"/dev/null"_s, u"-o"_s, u"/dev/null"_s, u"-o"_s, u"/dev/null"_s,
                     u"-w"_s, u"%{http_code} %{num_connects}\\n"_s, base + u"/status"_s,
                     base + u"/missing"_s, base + u"/metrics"_s});
        QVERIFY(curl.finished);
        QVERIFY2(curl.exitCode == 0, curl.err.constData());
        // One connection for all three requests, the 404 included.
        QCOMPARE(curl.out, "200 1\n404 0\n200 0\n"_ba);
        QCOMPARE(t.server.requestsServed(), quint64(3));
        QCOMPARE(t.errors.size(), 0);
    }

    void pipelinedRequestsAnsweredInOrder()
    {
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        client.socket.write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
                            "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(t.server.requestsServed(), quint64(4), waitMs);
        // HEAD's answer has no body; split what arrived by hand around it.
        QTRY_VERIFY_WITH_TIMEOUT(
            client.all().endsWith(healthBody) && client.all().count("HTTP/1.1 ") == 4, waitMs);
        const QByteArray stream = client.all();
        const qsizetype second = stream.indexOf("HTTP/1.1 200 OK", 1);
        const qsizetype third = stream.indexOf("HTTP/1.1 404");
        QVERIFY(second > 0 && third > second);
        const QList<Response> first = splitResponses(stream.left(second));
        QCOMPARE(first.size(), 1);
        QCOMPARE(first.first().body, statusBody);
        const QList<Response> head = splitResponses(stream.mid(second, third - second), true);
        QCOMPARE(head.size(), 1);
        QCOMPARE(head.first().header("content-length"), QByteArray::number(metricsBody.size()));
        QCOMPARE(stream.mid(second, third - second).indexOf("\r\n\r\n") + 4, third - second);
        const QList<Response> rest = splitResponses(stream.mid(third));
        QCOMPARE(rest.size(), 2);
        QCOMPARE(rest.at(0).statusLine, "HTTP/1.1 404 Not Found"_ba);
        QCOMPARE(rest.at(1).body, healthBody);
        QCOMPARE(t.seen.size(), 4);
        QCOMPARE(t.seen.at(1).method, "HEAD"_ba);
        QCOMPARE(t.seen.at(3).path, "/healthz"_ba);

        // The connection stays usable; a request asking to close ends it after its answer,
        // and what was pipelined after that is not answered.
        client.socket.write("GET /status HTTP/1.1\r\nConnection: close\r\n\r\n"
                            "GET /metrics HTTP/1.1\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        const QList<Response> last = splitResponses(client.all().mid(stream.size()));
        QCOMPARE(last.size(), 1);
        QCOMPARE(last.first().header("connection"), "close"_ba);
        QCOMPARE(last.first().body, statusBody);
        QCOMPARE(t.server.requestsServed(), quint64(5));
        QCOMPARE(t.errors.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    // A client that half-closes after its request (as `nc -N` does) still gets the answer.
    void halfClosingClientAnswered()
    {
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        // The end of the stream right behind a keep-alive request: the server sees both at once.
        client.socket.write("GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(client.socket.flush());
        QCOMPARE(client.socket.bytesToWrite(), qint64(0));
        QCOMPARE(::shutdown(int(client.socket.socketDescriptor()), SHUT_WR), 0);
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        const QList<Response> responses = splitResponses(client.all());
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses.first().body, statusBody);
        QCOMPARE(t.errors.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    void rejectedRequests_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::addColumn<QString>("message"); // pattern after "127.0.0.1:<port>: "
        QTest::newRow("oversized header")
            << "GET /status HTTP/1.1\r\nX-Big: "_ba + QByteArray(20000, 'x') + "\r\n\r\n"_ba
            << "HTTP/1.1 400 Bad Request"_ba << u"400 request head too large"_s;
        QTest::newRow("PUT") << "PUT /status HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"_ba
                             << "HTTP/1.1 405 Method Not Allowed"_ba << u"405 PUT"_s;
        QTest::newRow("HTTP/2.0") << "GET / HTTP/2.0\r\n\r\n"_ba
                                  << "HTTP/1.1 505 HTTP Version Not Supported"_ba
                                  << u"505 unsupported version HTTP/2.0"_s;
        QTest::newRow("body") << "GET /status HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"_ba
                              << "HTTP/1.1 400 Bad Request"_ba
                              << u"400 request with a body (Content-Length)"_s;
        QTest::newRow("chunked") << "GET /status HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"_ba
                                 << "HTTP/1.1 400 Bad Request"_ba
                                 << u"400 request with a body (Transfer-Encoding)"_s;
        QTest::newRow("TLS") << "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"_ba
                             << "HTTP/1.1 400 Bad Request"_ba << u"400 malformed request line"_s;
        QTest::newRow("after a good one")
            << "GET /healthz HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n"_ba
            << "HTTP/1.1 400 Bad Request"_ba << u"400 header line without colon"_s;
    }
    void rejectedRequests()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, statusLine);
        QFETCH(QString, message);
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        const quint16 clientPort = client.socket.localPort();
        client.socket.write(request);
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        const QList<Response> responses = splitResponses(client.all());
        QVERIFY(!responses.isEmpty());
        const Response &response = responses.last();
        QCOMPARE(response.statusLine, statusLine);
        QCOMPARE(response.header("connection"), "close"_ba);
        QCOMPARE(response.body, statusLine.mid(9) + '\n');
        QCOMPARE(response.header("allow"), statusLine.contains("405") ? "GET, HEAD"_ba : ""_ba);
        QCOMPARE(t.server.clientsRejected(), quint64(1));
        QCOMPARE(t.errors.size(), 1);
        QCOMPARE(t.errorMessage(0), u"127.0.0.1:%1: "_s.arg(clientPort) + message);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    void silentClientTimesOut()
    {
        TestServer t;
        t.server.setRequestTimeoutMs(300);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 1, waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        QCOMPARE(client.all(), QByteArray()); // nothing was asked, nothing is answered
        QCOMPARE(t.server.clientsRejected(), quint64(1));
        QCOMPARE(t.errors.size(), 1);
        QVERIFY2(t.errorMessage(0).endsWith(u": request timeout"_s), qPrintable(t.errorMessage(0)));
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    void slowlorisDropped()
    {
        TestServer t;
        t.server.setRequestTimeoutMs(300);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);

        // Valid so far at every byte, and it would take 10 s to finish at this pace.
        const QByteArray request =
            "GET /status HTTP/1.1\r\nX-Slow: "_ba + QByteArray(60, 'z') + "\r\n\r\n"_ba;
        qsizetype sent = 0;
        QTimer trickle;
        QObject::connect(&trickle, &QTimer::timeout, &client.socket, [&] {
            if (client.isConnected() && sent < request.size())
                client.socket.write(request.mid(sent++, 1));
        });
        trickle.start(100);
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        trickle.stop();
        QVERIFY2(sent < request.size(), "the request was completed before the timeout");
        QVERIFY(sent >= 1); // it was trickling while the clock ran
        const QByteArray answer = client.all();
        QVERIFY2(answer.isEmpty() || answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"),
                 answer.constData());
        QCOMPARE(t.server.requestsServed(), quint64(0));
        QCOMPARE(t.server.clientsRejected(), quint64(1));
        QCOMPARE(t.errors.size(), 1);
        QVERIFY2(t.errorMessage(0).endsWith(u": request timeout"_s), qPrintable(t.errorMessage(0)));
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    void idleKeepAliveClosedQuietly()
    {
        TestServer t;
        t.server.setRequestTimeoutMs(300);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        client.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(splitResponses(client.all()).size(), 1, waitMs);
        QCOMPARE(splitResponses(client.all()).first().header("connection"), "keep-alive"_ba);
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        QCOMPARE(splitResponses(client.all()).size(), 1);
        QCOMPARE(t.server.requestsServed(), quint64(1));
        QCOMPARE(t.server.clientsRejected(), quint64(0));
        QCOMPARE(t.errors.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    void partialRequestGets408()
    {
        TestServer t;
        t.server.setRequestTimeoutMs(300);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        client.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.isClosed(), waitMs);
        const QList<Response> responses = splitResponses(client.all());
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses.first().statusLine, "HTTP/1.1 408 Request Timeout"_ba);
        QCOMPARE(responses.first().header("connection"), "close"_ba);
        QCOMPARE(t.server.clientsRejected(), quint64(1));
    }

    void clientLimit()
    {
        // Over the limit a newcomer is let in to send its request; once that is complete, the
        // client idle longest gives up its place.
        TestServer t;
        t.server.setMaxClients(2);
        t.server.setRequestTimeoutMs(60000); // silence alone must not end anyone here
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient first;
        RawClient second;
        first.connectTo(t.port);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 1, waitMs);
        second.connectTo(t.port);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 2, waitMs);

        RawClient third;
        third.connectTo(t.port);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 3, waitMs);
        QVERIFY(first.isConnected() && second.isConnected());
        QCOMPARE(t.server.clientsRejected(), quint64(0));
        third.socket.write("GET /status HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(splitResponses(third.all()).size(), 1, waitMs);
        QCOMPARE(splitResponses(third.all()).first().body, statusBody);
        QTRY_VERIFY_WITH_TIMEOUT(first.isClosed(), waitMs);
        QCOMPARE(first.all(), QByteArray());
        QVERIFY(second.isConnected());
        QCOMPARE(t.server.clientCount(), 2);
        QCOMPARE(t.server.clientsRejected(), quint64(1));
        QCOMPARE(t.errors.size(), 1);
        QVERIFY2(QRegularExpression(
                     u"^127\\.0\\.0\\.1:\\d+: idle, dropped for a client with a request$"_s)
                     .match(t.errorMessage(0))
                     .hasMatch(),
                 qPrintable(t.errorMessage(0)));

        // The clients let in are served; the one admitted keeps its place.
        second.socket.write("GET /healthz HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(splitResponses(second.all()).size(), 1, waitMs);
        third.socket.write("GET /healthz HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(splitResponses(third.all()).size(), 2, waitMs);
        QCOMPARE(t.server.clientCount(), 2);
        QCOMPARE(t.server.requestsServed(), quint64(3));
        QCOMPARE(t.server.clientsRejected(), quint64(1));
    }

    // The issue: 64 silent local clients made /healthz fail until they timed out.
    void silentClientsDoNotLockOutHealthz()
    {
        if (curlProgram().isEmpty())
            QSKIP("curl not installed");
        TestServer t; // the default limit, 64
        t.server.setRequestTimeoutMs(60000);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        constexpr int silent = 64;
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < silent; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            clients.back()->connectTo(t.port);
        }
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), silent, waitMs);
        QCOMPARE(t.server.busyClientCount(), 0);

        const CurlResult curl = runCurl({u"http://127.0.0.1:%1/healthz"_s.arg(t.port)});
        QVERIFY(curl.finished);
        QVERIFY2(curl.exitCode == 0, curl.err.constData());
        QCOMPARE(curl.out, healthBody);
        // One silent client made room; curl has gone again.
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), silent - 1, waitMs);
        const auto closed = [&] {
            return std::count_if(clients.begin(), clients.end(),
                                 [](const auto &c) { return c->isClosed(); });
        };
        QTRY_COMPARE_WITH_TIMEOUT(closed(), 1, waitMs);
        QCOMPARE(t.server.requestsServed(), quint64(1));
        QCOMPARE(t.server.clientsRejected(), quint64(1));
        QCOMPARE(t.errors.size(), 1);
        QVERIFY2(t.errorMessage(0).endsWith(u": idle, dropped for a client with a request"_s),
                 qPrintable(t.errorMessage(0)));
    }

    // Every place taken by a client whose answers wait to be read: a newcomer gets 503.
    void busyClientsMakeANewcomerWait()
    {
        TestServer t;
        t.server.setMaxClients(2);
        t.server.setRequestTimeoutMs(60000);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        QByteArray pipeline; // 64 MiB of answers: far more than socket buffers hold
        for (int i = 0; i < 64; ++i)
            pipeline += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
        std::vector<std::unique_ptr<QTcpSocket>> busy;
        for (int i = 0; i < 2; ++i) {
            busy.push_back(std::make_unique<QTcpSocket>());
            busy.back()->setReadBufferSize(qint64(64) * 1024); // and it reads nothing
            busy.back()->connectToHost(QHostAddress::LocalHost, t.port);
            QTRY_COMPARE_WITH_TIMEOUT(busy.back()->state(), QAbstractSocket::ConnectedState,
                                      waitMs);
            busy.back()->write(pipeline);
        }
        QTRY_COMPARE_WITH_TIMEOUT(t.server.busyClientCount(), 2, waitMs);

        for (const QByteArray &method : {"GET"_ba, "HEAD"_ba}) {
            RawClient newcomer;
            newcomer.connectTo(t.port);
            QTRY_VERIFY_WITH_TIMEOUT(newcomer.isConnected(), waitMs);
            newcomer.socket.write(method + " /healthz HTTP/1.1\r\n\r\n");
            QTRY_VERIFY_WITH_TIMEOUT(newcomer.isClosed(), waitMs);
            const QList<Response> responses = splitResponses(newcomer.all(), method == "HEAD");
            QCOMPARE(responses.size(), 1);
            QCOMPARE(responses.first().statusLine, "HTTP/1.1 503 Service Unavailable"_ba);
            QCOMPARE(responses.first().header("retry-after"), "1"_ba);
            QCOMPARE(responses.first().header("connection"), "close"_ba);
            QCOMPARE(responses.first().body,
                     method == "HEAD" ? QByteArray() : "503 Service Unavailable\n"_ba);
        }
        QCOMPARE(t.errors.size(), 2);
        for (int i = 0; i < 2; ++i)
            QVERIFY2(t.errorMessage(i).endsWith(u": 503, all 2 clients busy"_s),
                     qPrintable(t.errorMessage(i)));
        QCOMPARE(t.server.clientsRejected(), quint64(2));
        for (const auto &socket : busy)
            QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 2, waitMs);
        QCOMPARE(t.server.busyClientCount(), 2);
    }

    // However many silent clients come, open connections stay within the limit plus
    // HttpServer::extraClients: at that ceiling the client idle longest makes room.
    void openConnectionsBounded()
    {
        TestServer t;
        t.server.setMaxClients(2);
        t.server.setRequestTimeoutMs(60000);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        const int ceiling = 2 + HttpServer::extraClients;
        constexpr int beyond = 4;
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < ceiling + beyond; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            clients.back()->connectTo(t.port);
            // One at a time, so the server sees them in this order.
            QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount() + int(t.server.clientsRejected()),
                                      i + 1, waitMs);
            QVERIFY(t.server.clientCount() <= ceiling);
        }
        QCOMPARE(t.server.clientCount(), ceiling);
        QCOMPARE(t.server.clientsRejected(), quint64(beyond));
        for (int i = 0; i < beyond; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(clients[size_t(i)]->isClosed(), waitMs);
        for (size_t i = beyond; i < clients.size(); ++i)
            QVERIFY(clients[i]->isConnected());
        for (int i = 0; i < beyond; ++i)
            QVERIFY2(t.errorMessage(i).endsWith(
                         u": idle, dropped for a new client (%1 clients open)"_s.arg(ceiling)),
                     qPrintable(t.errorMessage(i)));

        // The newest is served, in the place of the one idle longest.
        RawClient &newest = *clients.back();
        newest.socket.write("GET /healthz HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(splitResponses(newest.all()).size(), 1, waitMs);
        QCOMPARE(splitResponses(newest.all()).first().body, healthBody);
        QVERIFY(t.server.clientCount() <= ceiling);
    }

    // A client that sends many requests and reads nothing: the server stops reading its
    // requests instead of queueing answers without bound, and goes on once it reads.
    void nonReadingClientBounded()
    {
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        QTcpSocket client;
        client.setReadBufferSize(qint64(64) * 1024); // the client itself holds little
        client.connectToHost(QHostAddress::LocalHost, t.port);
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, waitMs);
        constexpr int requests = 64; // 64 MiB of answers: far more than socket buffers hold
        QByteArray pipeline;
        for (int i = 0; i < requests; ++i)
            pipeline += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
        client.write(pipeline);

        QTRY_VERIFY_WITH_TIMEOUT(t.server.pendingOutputBytes() > 0, waitMs);
        QTest::qWait(1000);
        const quint64 servedWhileStuck = t.server.requestsServed();
        QVERIFY2(servedWhileStuck < quint64(requests), QByteArray::number(servedWhileStuck));
        // At most the limit plus the one response that crossed it.
        QVERIFY2(t.server.pendingOutputBytes() <= qint64(1024) * 1024 + bigBodySize + 1024,
                 QByteArray::number(t.server.pendingOutputBytes()));
        QCOMPARE(t.server.clientCount(), 1);

        // Now read it all: everything asked for arrives.
        QByteArray start; // the beginning of the stream, for the size of a response head
        qint64 total = 0;
        const auto consume = [&] {
            const QByteArray chunk = client.readAll();
            if (start.size() < 4096)
                start += chunk.left(4096);
            total += chunk.size();
        };
        QObject::connect(&client, &QTcpSocket::readyRead, &client, consume);
        consume();
        QTRY_VERIFY_WITH_TIMEOUT(start.contains("\r\n\r\n"), waitMs);
        const qint64 headSize = start.indexOf("\r\n\r\n") + 4;
        const qint64 expected = qint64(requests) * (headSize + bigBodySize);
        QTRY_COMPARE_WITH_TIMEOUT(total, expected, 60000);
        QCOMPARE(t.server.requestsServed(), quint64(requests));
        QVERIFY(start.startsWith("HTTP/1.1 200 OK\r\n"));
        QCOMPARE(t.server.clientsRejected(), quint64(0));
        QCOMPARE(t.errors.size(), 0);
    }

    // A deferred answer: nothing goes out until answer(); requests behind it wait, then get
    // theirs in order; a client gone meanwhile makes answer() return false.
    void deferredAnswer()
    {
        QList<HttpRequest> deferred;
        HttpServer server([&deferred](const HttpRequest &request) -> std::optional<HttpResponse> {
            if (request.path == "/api/later") {
                deferred.append(request);
                HttpResponse later;
                later.deferred = true;
                return later;
            }
            return serveTestPaths(request);
        });
        QString error;
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        RawClient client;
        client.connectTo(server.serverPort());
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        client.socket.write("POST /api/later HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
                            "GET /healthz HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(deferred.size(), 1, waitMs);
        QCOMPARE(deferred[0].body, "hi"_ba);
        QCOMPARE(deferred[0].peerAddress, u"127.0.0.1"_s);
        QTest::qWait(100);
        QCOMPARE(client.all(), QByteArray());
        QCOMPARE(server.busyClientCount(), 1);
        QVERIFY(!server.answer(deferred[0].client + 1000, HttpResponse{}));
        QVERIFY(server.answer(deferred[0].client, HttpResponse{409, "application/json", "{}"}));
        QVERIFY(!server.answer(deferred[0].client, HttpResponse{})); // answered already
        QTRY_VERIFY_WITH_TIMEOUT(client.all().endsWith(healthBody), waitMs);
        const QList<Response> responses = splitResponses(client.all());
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses[0].statusLine, "HTTP/1.1 409 Conflict"_ba);
        QCOMPARE(responses[0].body, "{}"_ba);
        QCOMPARE(responses[1].body, healthBody);

        RawClient gone;
        gone.connectTo(server.serverPort());
        QTRY_VERIFY_WITH_TIMEOUT(gone.isConnected(), waitMs);
        gone.socket.write("POST /api/later HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(deferred.size(), 2, waitMs);
        gone.socket.abort();
        QTRY_COMPARE_WITH_TIMEOUT(server.clientCount(), 1, waitMs);
        QVERIFY(!server.answer(deferred[1].client, HttpResponse{}));
    }

    // An event stream: the head without Content-Length, the handler's body, then whatever is
    // broadcast, in order; what the client sends afterwards is ignored; it ends when the
    // client closes.
    void eventStreamCarriesBroadcasts()
    {
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient client;
        client.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        client.socket.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.all().endsWith(": hello\n\n"), waitMs);
        const QByteArray head = client.all().left(client.all().indexOf("\r\n\r\n") + 4);
        QVERIFY2(head.startsWith("HTTP/1.1 200 OK\r\n"), head.constData());
        QVERIFY2(head.contains("\r\nContent-Type: text/event-stream\r\n"), head.constData());
        QVERIFY2(head.contains("\r\nConnection: close\r\n"), head.constData());
        QVERIFY2(!head.contains("Content-Length"), head.constData());
        QCOMPARE(t.server.streamingClientCount(), 1);

        client.socket.write("GET /status HTTP/1.1\r\n\r\ngarbage"); // ignored now
        QByteArray expected = client.all();
        for (int i = 0; i < 50; ++i) {
            const QByteArray event = "id: " + QByteArray::number(i) + "\ndata: {}\n\n";
            t.server.broadcast(event);
            expected += event;
        }
        QTRY_COMPARE_WITH_TIMEOUT(client.all(), expected, waitMs);
        QCOMPARE(t.seen.size(), 1);
        QCOMPARE(t.errors.size(), 0);

        client.socket.disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(t.server.streamingClientCount(), 0, waitMs);
        t.server.broadcast("data: nobody\n\n"); // to no one
        QTRY_COMPARE_WITH_TIMEOUT(t.server.clientCount(), 0, waitMs);
    }

    // A client that does not read its event stream is dropped once maxStreamBacklog is queued
    // for it; one that reads gets every byte, in order.
    void eventClientThatDoesNotReadIsDropped()
    {
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        QTcpSocket stuck;
        stuck.setReadBufferSize(qint64(64) * 1024); // and it never reads
        stuck.connectToHost(QHostAddress::LocalHost, t.port);
        RawClient reader;
        reader.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(
            stuck.state() == QAbstractSocket::ConnectedState && reader.isConnected(), waitMs);
        stuck.write("GET /events HTTP/1.1\r\n\r\n");
        reader.socket.write("GET /events HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(t.server.streamingClientCount(), 2, waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(reader.all().endsWith(": hello\n\n"), waitMs);
        const qsizetype start = reader.all().size();

        const QByteArray chunk = TestSupport::patternData(9, 64 * 1024);
        constexpr int chunks = 400; // 25 MiB: far more than the kernel's buffers take
        for (int i = 0; i < chunks; ++i) {
            t.server.broadcast(chunk);
            QVERIFY(QTest::qWaitFor(
                [&] { return reader.all().size() >= start + qsizetype(i + 1) * chunk.size(); },
                waitMs));
        }
        QCOMPARE(reader.all().size(), start + qsizetype(chunks) * chunk.size());
        QVERIFY(reader.all().endsWith(chunk));
        QCOMPARE(t.server.streamingClientCount(), 1);
        QVERIFY(t.errors.size() >= 1);
        QVERIFY2(t.errorMessage(0).contains(u"event stream not read: dropped"_s),
                 qPrintable(t.errorMessage(0)));
        QCOMPARE(t.server.clientsRejected(), quint64(1));
    }

    // A first answer larger than maxStreamBacklog (a long replay) does not count against the
    // client: broadcasts while most of it still waits here reach it, behind all of it.
    void eventStreamWithALongReplay()
    {
        TestServer t;
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        QTcpSocket reader;
        reader.setReadBufferSize(4096); // and it does not read yet
        reader.connectToHost(QHostAddress::LocalHost, t.port);
        QTRY_VERIFY_WITH_TIMEOUT(reader.state() == QAbstractSocket::ConnectedState, waitMs);
        reader.write("GET /events-history HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(t.server.streamingClientCount(), 1, waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(t.server.pendingOutputBytes() > 2 * HttpServer::maxStreamBacklog,
                                 waitMs);
        const QByteArray event = "data: after\n\n";
        for (int i = 0; i < 10; ++i)
            t.server.broadcast(event);
        QCOMPARE(t.server.streamingClientCount(), 1);

        QByteArray all;
        reader.setReadBufferSize(0);
        QVERIFY(QTest::qWaitFor(
            [&] {
                all += reader.readAll();
                return all.endsWith(event.repeated(10));
            },
            60000));
        QVERIFY(all.contains(QByteArray(": " + longReplay() + "\n\n" + event)));
        QCOMPARE(t.errors.size(), 0);
        QCOMPARE(t.server.streamingClientCount(), 1);
    }

    // An event-stream client holds its place and is never dropped for a newcomer.
    void eventClientsKeepTheirPlace()
    {
        TestServer t;
        t.server.setMaxClients(1);
        QVERIFY2(t.listen(), qPrintable(t.listenError));
        RawClient streaming;
        streaming.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(streaming.isConnected(), waitMs);
        streaming.socket.write("GET /events HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(t.server.streamingClientCount(), 1, waitMs);
        RawClient newcomer;
        newcomer.connectTo(t.port);
        QTRY_VERIFY_WITH_TIMEOUT(newcomer.isConnected(), waitMs);
        newcomer.socket.write("GET /healthz HTTP/1.1\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(newcomer.isClosed(), waitMs);
        QVERIFY2(newcomer.all().startsWith("HTTP/1.1 503 Service Unavailable\r\n"),
                 newcomer.all().constData());
        QVERIFY(streaming.isConnected());
        QCOMPARE(t.server.streamingClientCount(), 1);
    }

    void handlerStatusChecked()
    {
        HttpServer server([](const HttpRequest &request) -> std::optional<HttpResponse> {
            if (request.path == "/bad-type")
                return HttpResponse{200,
                                    "text/plain\r\nX-Injected: 1"_ba,
                                    "x"_ba,
                                    false,
                                    {{"X-Fine"_ba, "yes"_ba},
                                     {"X-Bad"_ba, "a\r\nX-Injected: 2"_ba},
                                     {"X Bad"_ba, "b"_ba},
                                     {""_ba, "c"_ba}}};
            if (request.path == "/empty")
                return HttpResponse{204, HttpResponse().contentType, "ignored"_ba};
            if (request.path == "/busy")
                return HttpResponse{503, HttpResponse().contentType, "starting\n"_ba};
            return HttpResponse{42, HttpResponse().contentType, "?"_ba};
        });
        QString error;
        QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(u"HTTP handler returned status 42 for"_s));
        RawClient client;
        client.connectTo(server.serverPort());
        QTRY_VERIFY_WITH_TIMEOUT(client.isConnected(), waitMs);
        client.socket.write("GET /bad-type HTTP/1.1\r\n\r\nGET /busy HTTP/1.1\r\n\r\n"
                            "GET /odd HTTP/1.1\r\n\r\nGET /empty HTTP/1.1\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.all().contains("HTTP/1.1 204"), waitMs);
        QTest::qWait(50);
        const QByteArray stream = client.all();
        QVERIFY(!stream.contains("X-Injected"));
        const QList<Response> responses = splitResponses(stream);
        QCOMPARE(responses.size(), 4);
        QCOMPARE(responses.at(0).header("content-type"), "text/plain; charset=utf-8"_ba);
        QCOMPARE(responses.at(0).header("x-fine"), "yes"_ba);
        QCOMPARE(responses.at(0).header("x-bad"), QByteArray());
        QCOMPARE(responses.at(0).headers.size(), 5); // type, length, cache, X-Fine, connection
        QCOMPARE(responses.at(1).statusLine, "HTTP/1.1 503 Service Unavailable"_ba);
        QCOMPARE(responses.at(1).body, "starting\n"_ba);
        QCOMPARE(responses.at(2).statusLine, "HTTP/1.1 500 Internal Server Error"_ba);
        QCOMPARE(responses.at(3).statusLine, "HTTP/1.1 204 No Content"_ba);
        QCOMPARE(responses.at(3).header("content-length"), QByteArray());
        QVERIFY(stream.endsWith("\r\n\r\n"));
    }

    void destroyedWithClients()
    {
        auto t = std::make_unique<TestServer>();
        QVERIFY2(t->listen(), qPrintable(t->listenError));
        RawClient idle;
        RawClient partial;
        RawClient rejected;
        idle.connectTo(t->port);
        partial.connectTo(t->port);
        rejected.connectTo(t->port);
        QTRY_COMPARE_WITH_TIMEOUT(t->server.clientCount(), 3, waitMs);
        partial.socket.write("GET /status HTTP/1.1\r\n");
        rejected.socket.write("PUT / HTTP/1.1\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(t->server.clientsRejected(), quint64(1), waitMs);
        t.reset();
        QTRY_VERIFY_WITH_TIMEOUT(idle.isClosed() && partial.isClosed() && rejected.isClosed(),
                                 waitMs);
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"

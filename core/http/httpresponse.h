#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <utility>

namespace capture {

/// What a handler answers with; the server adds the protocol headers.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;
    /// An event stream (Server-Sent Events): the head goes without Content-Length, `body`
    /// starts the stream, and the connection stays open for HttpServer::broadcast() until
    /// either side closes it. A HEAD request gets the head only, as for any response.
    bool eventStream = false;
    /// Further header fields from the handler (Content-Security-Policy, WWW-Authenticate...).
    /// One whose name is not a token or whose value could end the head is left out.
    QList<std::pair<QByteArray, QByteArray>> headers = {};
    /// The handler answers later, with HttpServer::answer(request.client, ...): the connection
    /// waits (its further requests unread) until then or until the client goes.
    bool deferred = false;
};

/// A response with `status` and its reason phrase as the body ("404 Not Found\n").
HttpResponse httpErrorResponse(int status);

/// The bytes of `response` on the wire: status line, Content-Type (the default one when the
/// handler's would not be a valid header value), Content-Length (not for 204 and 304),
/// Cache-Control: no-store, the response's own valid `headers`, `extraHeaders` (complete "Name:
/// value\r\n" lines, from the server only), Connection; and the body unless `headRequest` (or 204,
/// 304).
QByteArray formatHttpResponse(const HttpResponse &response, bool headRequest, bool keepAlive,
                              QByteArrayView extraHeaders = {});

} // namespace capture

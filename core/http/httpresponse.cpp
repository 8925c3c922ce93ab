#include "core/http/httpresponse.h"

#include "core/http/httprequest.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

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
    case 409:
        return "Conflict"_ba;
    case 411:
        return "Length Required"_ba;
    case 413:
        return "Content Too Large"_ba;
    case 415:
        return "Unsupported Media Type"_ba;
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

} // namespace

HttpResponse httpErrorResponse(int status)
{
    HttpResponse response;
    response.status = status;
    response.body = QByteArray::number(status) + ' ' + reasonPhrase(status) + '\n';
    return response;
}

QByteArray formatHttpResponse(const HttpResponse &response, bool headRequest, bool keepAlive,
                              QByteArrayView extraHeaders)
{
    const bool bodyless = response.status == 204 || response.status == 304;
    const bool withBody = !headRequest && !bodyless;
    // A header value from the handler must not be able to end the header block early.
    const bool validType =
        !response.contentType.isEmpty() && isHttpFieldValue(response.contentType);
    QByteArray out;
    out.reserve(200 + (withBody ? response.body.size() : 0));
    out.append("HTTP/1.1 ").append(QByteArray::number(response.status)).append(' ');
    out.append(reasonPhrase(response.status)).append("\r\n");
    out.append("Content-Type: ")
        .append(validType ? response.contentType : HttpResponse().contentType)
        .append("\r\n");
    if (response.eventStream && !headRequest)
        out.append("X-Accel-Buffering: no\r\n"); // proxies: pass each event on at once
    else if (!bodyless)
        out.append("Content-Length: ")
            .append(QByteArray::number(response.body.size()))
            .append("\r\n");
    out.append("Cache-Control: no-store\r\n");
    for (const auto &[name, value] : response.headers) {
        if (isHttpToken(name) && isHttpFieldValue(value))
            out.append(name).append(": ").append(value).append("\r\n");
    }
    out.append(extraHeaders);
    out.append(keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    if (withBody)
        out.append(response.body);
    return out;
}

} // namespace capture

#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

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
    QByteArray body;       // a POST's body (at most httpMaxBodyBytes); empty otherwise
    // Filled by HttpServer, not by the parser:
    QString peerAddress; // the client's address, e.g. "127.0.0.1"
    quint64 client = 0;  // who asked, for HttpServer::answer() after a deferred response
};

struct HttpParseResult
{
    enum class Status { Incomplete, Complete, Error };
    Status status = Status::Incomplete;
    HttpRequest request;    // when Complete
    qsizetype consumed = 0; // bytes of the buffer the request used (when Complete)
    int errorStatus = 0;    // when Error: 400, 405 (method), 413 (POST body) or 505 (version)
    QString error;          // when Error: a short reason for the log
};

/// Parses one request head (request line + headers, CRLF or bare LF line ends) from the start of
/// `buffer`. A head longer than `maxHeadBytes` (no blank line within it) is an Error 400.
/// Pure function, no Qt event loop needed (it will also become a libFuzzer target later: no
/// asserts on input, no reading past the buffer, no unbounded recursion).
/// Errors are reported as soon as the bytes seen prove them (a bad request line before its
/// headers arrive), so a prefix of a buffer never yields a different error than the buffer.
/// Methods: GET and HEAD, and POST for paths under /api/ only (others: 405). A POST's body is
/// its Content-Length (none: empty) of at most httpMaxBodyBytes (413); it is complete with it.
/// Other requests with a body (Content-Length other than 0), any Transfer-Encoding, more than
/// one Host or Content-Length header, obsolete line folding or more than 100 header fields
/// are errors 400.
HttpParseResult parseHttpRequest(QByteArrayView buffer, qsizetype maxHeadBytes = 8192);

/// The largest POST body accepted (the control API's JSON is a few bytes).
inline constexpr qsizetype httpMaxBodyBytes = 1024;

/// At most this many bytes of a method that is not allowed are quoted in an error message.
inline constexpr qsizetype httpMethodQuotedBytes = 32;

/// True when every byte of `value` may stand in a header field value (RFC 9110 field-vchar, SP,
/// HTAB): nothing that could end a header line.
bool isHttpFieldValue(QByteArrayView value);

/// True when `name` is a non-empty RFC 9110 token (a valid header field name or method).
bool isHttpToken(QByteArrayView name);

} // namespace capture

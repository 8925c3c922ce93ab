#include "core/http/httprequest.h"

#include <algorithm>
#include <optional>
#include <string_view>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

constexpr int maxHeaderFields = 100;

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

} // namespace

bool isHttpFieldValue(QByteArrayView value)
{
    return allOf(value, isFieldValueChar);
}

bool isHttpToken(QByteArrayView name)
{
    return !name.isEmpty() && allOf(name, isTokenChar);
}

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
    int contentLengthCount = 0;
    qsizetype contentLength = 0;

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
            const bool post = request.method == "POST" && request.path.startsWith("/api/");
            if (request.method != "GET" && request.method != "HEAD" && !post) {
                const QByteArrayView shown =
                    parts.method.first(std::min(parts.method.size(), httpMethodQuotedBytes));
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
        if (name == "content-length") {
            if (++contentLengthCount > 1)
                return failed(result, 400, u"more than one Content-Length header"_s);
            if (request.method != "POST") {
                if (!isZeroLength(value))
                    return failed(result, 400, u"request with a body (Content-Length)"_s);
            } else if (value.isEmpty() || !allOf(value, isDigit)) {
                return failed(result, 400, u"malformed Content-Length"_s);
            } else if (value.size() > 6 || value.toLongLong() > httpMaxBodyBytes) {
                return failed(result, 413, u"request body over %1 bytes"_s.arg(httpMaxBodyBytes));
            } else {
                contentLength = qsizetype(value.toLongLong());
            }
        }
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

    if (request.method == "POST") {
        // Without Content-Length (and Transfer-Encoding, refused above) the body is empty
        // (RFC 9112 6.3), as `curl -X POST` sends it.
        if (buffer.size() - pos < contentLength)
            return result; // Incomplete: the body is on its way
        request.body = buffer.sliced(pos, contentLength).toByteArray();
    }
    request.keepAlive =
        request.versionMinor >= 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
    result.status = HttpParseResult::Status::Complete;
    result.consumed = pos + request.body.size();
    return result;
}

} // namespace capture

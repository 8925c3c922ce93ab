// Fuzz target: the HTTP/1.x request head parser of the --status server. The input is what a
// client sent; like the server, the target parses pipelined requests one after the other.

#include "fuzzcheck.h"

#include "core/http/httprequest.h"

#include <algorithm>

using namespace capture;

namespace {

using Status = HttpParseResult::Status;

constexpr qsizetype defaultHeadLimit = 8192;
constexpr qsizetype smallHeadLimit = 64;
constexpr int maxPipelined = 64;

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

void checkRequest(const HttpRequest &request)
{
    FUZZ_CHECK(request.method == "GET" || request.method == "HEAD" ||
               (request.method == "POST" && request.path.startsWith("/api/")));
    FUZZ_CHECK(request.method == "POST" || request.body.isEmpty());
    FUZZ_CHECK(request.versionMinor == 0 || request.versionMinor == 1);
    FUZZ_CHECK(request.target.startsWith('/'));
    FUZZ_CHECK(std::all_of(request.target.begin(), request.target.end(),
                           [](char c) { return uchar(c) > 0x20 && uchar(c) < 0x7f; }));
    FUZZ_CHECK(!request.path.isEmpty() && request.path.startsWith('/'));
    FUZZ_CHECK(request.target.startsWith(request.path));
    FUZZ_CHECK(!request.path.contains('?'));
    FUZZ_CHECK(request.headers.size() <= 100);
    bool connectionHeader = false;
    for (const auto &[name, value] : request.headers) {
        FUZZ_CHECK(!name.isEmpty());
        FUZZ_CHECK(name == name.toLower());
        FUZZ_CHECK(!name.contains(':') && !name.contains(' '));
        FUZZ_CHECK(!value.contains('\r') && !value.contains('\n'));
        FUZZ_CHECK(value.isEmpty() || (!isOws(value.front()) && !isOws(value.back())));
        FUZZ_CHECK(name != "transfer-encoding");
        if (name == "content-length" && request.method != "POST")
            FUZZ_CHECK(!value.isEmpty() && value.count('0') == value.size());
        connectionHeader = connectionHeader || name == "connection";
    }
    if (!connectionHeader)
        FUZZ_CHECK(request.keepAlive == (request.versionMinor == 1));
}

// Invariants of one result for `buffer` parsed with `limit`.
void checkResult(const HttpParseResult &result, QByteArrayView buffer, qsizetype limit)
{
    switch (result.status) {
    case Status::Complete: {
        const qsizetype head = result.consumed - result.request.body.size();
        FUZZ_CHECK(head > 0);
        FUZZ_CHECK(result.consumed <= buffer.size());
        FUZZ_CHECK(head <= limit); // the head lies within the limit
        FUZZ_CHECK(buffer[head - 1] == '\n');
        FUZZ_CHECK(!result.request.method.isEmpty());
        FUZZ_CHECK(result.request.body.size() <= httpMaxBodyBytes);
        if (!result.request.body.isEmpty())
            FUZZ_CHECK(result.request.method == "POST" && result.request.path.startsWith("/api/"));
        checkRequest(result.request);
        break;
    }
    case Status::Error:
        FUZZ_CHECK(result.errorStatus == 400 || result.errorStatus == 405 ||
                   result.errorStatus == 413 || result.errorStatus == 505);
        FUZZ_CHECK(!result.error.isEmpty());
        FUZZ_CHECK(result.consumed == 0);
        break;
    case Status::Incomplete:
        // Otherwise the head is too large (a POST's body may still be on its way).
        FUZZ_CHECK(buffer.size() < limit + httpMaxBodyBytes);
        FUZZ_CHECK(result.consumed == 0);
        break;
    }
}

// What the parser says about a prefix of the buffer may only be "wait for more", or what it
// says about the whole buffer: the server answers as soon as the bytes seen prove something.
void checkPrefix(const HttpParseResult &whole, QByteArrayView buffer, qsizetype prefixSize)
{
    const HttpParseResult prefix = parseHttpRequest(buffer.first(prefixSize));
    checkResult(prefix, buffer.first(prefixSize), defaultHeadLimit);
    if (prefix.status == Status::Error) {
        FUZZ_CHECK(whole.status == Status::Error);
        FUZZ_CHECK(whole.errorStatus == prefix.errorStatus);
    } else if (prefix.status == Status::Complete) {
        FUZZ_CHECK(whole.status == Status::Complete);
        FUZZ_CHECK(whole.consumed == prefix.consumed);
        FUZZ_CHECK(whole.request.target == prefix.request.target);
    }
    if (whole.status == Status::Complete && prefixSize >= whole.consumed)
        FUZZ_CHECK(prefix.status == Status::Complete && prefix.consumed == whole.consumed);
}

// The same buffer under a small head limit: a head within it parses the same; anything else
// is an error (too large, or what the default limit found) or, for a short buffer, a wait.
void checkSmallLimit(const HttpParseResult &whole, QByteArrayView buffer)
{
    const HttpParseResult small = parseHttpRequest(buffer, smallHeadLimit);
    checkResult(small, buffer, smallHeadLimit);
    switch (whole.status) {
    case Status::Complete:
        if (whole.consumed - whole.request.body.size() <= smallHeadLimit) {
            FUZZ_CHECK(small.status == Status::Complete && small.consumed == whole.consumed);
        } else {
            FUZZ_CHECK(small.status == Status::Error && small.errorStatus == 400);
        }
        break;
    case Status::Error:
        FUZZ_CHECK(small.status == Status::Error);
        break;
    case Status::Incomplete:
        FUZZ_CHECK(small.status != Status::Complete);
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));

    const HttpParseResult first = parseHttpRequest(input);
    checkResult(first, input, defaultHeadLimit);
    if (!input.isEmpty()) {
        checkPrefix(first, input, input.size() - 1);
        checkPrefix(first, input, input.size() / 2);
    }
    checkSmallLimit(first, input);

    // Pipelined requests, consumed one after the other as the server does.
    HttpParseResult result = first;
    qsizetype offset = 0;
    for (int n = 0; n < maxPipelined && result.status == Status::Complete; ++n) {
        offset += result.consumed;
        FUZZ_CHECK(offset <= input.size());
        const QByteArrayView rest = input.sliced(offset);
        result = parseHttpRequest(rest);
        checkResult(result, rest, defaultHeadLimit);
    }
    return 0;
}

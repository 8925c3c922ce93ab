// Fuzz target: the PROXY protocol header parser (core/net/proxyprotocol), as the receiver
// feeds it: the bytes received so far on a connection, which may hold the stream behind.

#include "fuzzcheck.h"

#include "core/net/proxyprotocol.h"

#include <QByteArrayView>

using namespace capture;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const ProxyParseResult result = parseProxyHeader(bytes);
    using Status = ProxyParseResult::Status;

    switch (result.status) {
    case Status::Invalid:
        FUZZ_CHECK(!result.error.isEmpty());
        break;
    case Status::NeedMore:
        // The receiver takes every byte off the socket on NeedMore: all must be header, so
        // none is longer than a header can be.
        FUZZ_CHECK(result.error.isEmpty());
        FUZZ_CHECK(bytes.size() < proxyV2MaxLength);
        break;
    case Status::Complete: {
        const ProxyHeader &h = result.header;
        FUZZ_CHECK(result.error.isEmpty());
        FUZZ_CHECK(h.version == 1 || h.version == 2);
        FUZZ_CHECK(h.length > 0 && h.length <= bytes.size());
        FUZZ_CHECK(h.length <= (h.version == 1 ? proxyV1MaxLength : proxyV2MaxLength));
        FUZZ_CHECK(!h.hasAddresses || (!h.source.isNull() && !h.destination.isNull()));
        FUZZ_CHECK(!(h.local && h.hasAddresses));
        FUZZ_CHECK(h.sslClientCn.isEmpty() || h.version == 2);
        // The header alone parses the same: the stream behind it is never part of it.
        const ProxyParseResult alone = parseProxyHeader(bytes.first(h.length));
        FUZZ_CHECK(alone.status == Status::Complete && alone.header == h);
        break;
    }
    }
    // Every shorter prefix of a complete header needs more (read byte by byte, the receiver
    // never decides early); checked at a few cut points to stay fast.
    if (result.status == Status::Complete) {
        for (qsizetype cut : {qsizetype(0), result.header.length / 2, result.header.length - 1})
            FUZZ_CHECK(parseProxyHeader(bytes.first(cut)).status == Status::NeedMore);
    }
    return 0;
}

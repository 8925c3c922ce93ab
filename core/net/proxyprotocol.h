#pragma once

#include <QByteArrayView>
#include <QHostAddress>
#include <QString>

namespace capture {

/// The PROXY protocol header a load balancer (HAProxy `send-proxy`, `send-proxy-v2`) puts in
/// front of a relayed connection, versions 1 (text) and 2 (binary), as HAProxy's
/// doc/proxy-protocol.txt specifies it. Pure: no sockets; the receiver feeds it the bytes read
/// so far.
struct ProxyHeader
{
    int version = 0; ///< 1 or 2
    /// LOCAL (v2 command 0: the balancer's own connection, e.g. a health check) or v1 UNKNOWN,
    /// v2 UNSPEC/UNIX: no usable addresses; the connection keeps its real endpoints.
    bool hasAddresses = false;
    bool local = false; ///< v2 LOCAL command
    QHostAddress source;
    quint16 sourcePort = 0;
    QHostAddress destination;
    quint16 destinationPort = 0;
    /// PP2_TYPE_SSL: the client's certificate CN, only when the balancer says the client sent
    /// a certificate over TLS and it was verified (`send-proxy-v2-ssl-cn`).
    QString sslClientCn;
    qsizetype length = 0; ///< bytes of the header, TLVs included

    bool operator==(const ProxyHeader &) const = default;
};

struct ProxyParseResult
{
    enum class Status {
        /// Not complete yet, and every byte given belongs to the header: the caller may
        /// consume all of them and read on (nothing of the stream behind it is taken).
        NeedMore,
        Complete, ///< `header` is set; header.length bytes are the header
        Invalid   ///< `error` says why
    };
    Status status = Status::NeedMore;
    ProxyHeader header;
    QString error;
};

/// Largest header taken: v1's 107 bytes; v2's 16 plus addresses and TLVs up to this in all.
constexpr qsizetype proxyV1MaxLength = 107;
constexpr qsizetype proxyV2MaxLength = 4096;
/// Bytes of the v2 signature, version/command, family and length.
constexpr qsizetype proxyV2FixedLength = 16;

/// Parses the header at the start of `bytes` (the bytes received so far on a connection).
ProxyParseResult parseProxyHeader(QByteArrayView bytes);

} // namespace capture

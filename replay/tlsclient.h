#pragma once

#include <string>

struct ssl_ctx_st;

namespace replay {

/// The TLS side of the connections, when --tls: a client context and the name (or address)
/// the server's certificate must carry.
struct TlsClient
{
    ssl_ctx_st *context = nullptr;
    std::string serverName;
};

/// Creates the TLS client context: TLS 1.2 or newer; the server's certificate must chain to
/// `caFile` (or to the system's CAs when empty) and name `serverName`; `certFile`/`keyFile`
/// are the client's certificate for mutual TLS. Returns nullptr with a one-line `error`.
ssl_ctx_st *createTlsContext(const std::string &caFile, const std::string &certFile,
                             const std::string &keyFile, std::string *error);

/// The reasons OpenSSL queued for this thread, "; "-joined, and the queue cleared.
std::string opensslErrors();

/// The last TLS read failed because the receiver closed without close_notify.
bool tlsUnexpectedEof();

} // namespace replay

// The TLS client side of the replay: the context, OpenSSL's reasons, and whether a TLS 1.3
// receiver accepted this client (StreamConnection's TLS-only members).

#include "replay/tlsclient.h"

#include "replay/streamconnection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace replay {

namespace {

bool readable(const std::string &path, const char *option, std::string *error)
{
    FILE *file = std::fopen(path.c_str(), "rb");
    if (!file) {
        *error = std::string("cannot read ") + option + " '" + path + "': " + std::strerror(errno);
        return false;
    }
    std::fclose(file);
    return true;
}

} // namespace

std::string opensslErrors()
{
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!text.empty())
            text += "; ";
        const char *reason = ERR_reason_error_string(code);
        text += reason ? reason : buffer;
    }
    return text;
}

bool tlsUnexpectedEof()
{
    return ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

ssl_ctx_st *createTlsContext(const std::string &caFile, const std::string &certFile,
                             const std::string &keyFile, std::string *error)
{
    if ((!caFile.empty() && !readable(caFile, "--tls-ca", error)) ||
        (!certFile.empty() && !readable(certFile, "--tls-cert", error)) ||
        (!keyFile.empty() && !readable(keyFile, "--tls-key", error)))
        return nullptr;
    if (certFile.empty() != keyFile.empty()) {
        *error = certFile.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key";
        return nullptr;
    }
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    if (!context) {
        *error = "TLS: " + opensslErrors();
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    // A TLS 1.3 session ticket is the receiver's word that it accepted this client (see
    // StreamConnection::checkAcceptance); OpenSSL passes tickets on only to a client cache.
    SSL_CTX_set_session_cache_mode(context,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(context, [](SSL *ssl, SSL_SESSION *) {
        if (auto *connection = static_cast<StreamConnection *>(SSL_get_app_data(ssl)))
            connection->sessionTicketReceived();
        return 0; // not kept: sessions are not resumed
    });
    auto failWith = [&](const std::string &message) -> ssl_ctx_st * {
        *error = message + ": " + opensslErrors();
        SSL_CTX_free(context);
        return nullptr;
    };
    if (!caFile.empty()) {
        if (SSL_CTX_load_verify_locations(context, caFile.c_str(), nullptr) != 1)
            return failWith("--tls-ca '" + caFile + "' holds no usable PEM certificate");
    } else if (SSL_CTX_set_default_verify_paths(context) != 1) {
        return failWith("TLS: cannot load the system's CA certificates");
    }
    if (!certFile.empty()) {
        if (SSL_CTX_use_certificate_chain_file(context, certFile.c_str()) != 1)
            return failWith("--tls-cert '" + certFile + "' is not a usable PEM certificate");
        if (SSL_CTX_use_PrivateKey_file(context, keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
            return failWith("--tls-key '" + keyFile + "' is not a usable unencrypted PEM key");
        if (SSL_CTX_check_private_key(context) != 1)
            return failWith("--tls-key '" + keyFile + "' does not belong to --tls-cert '" +
                            certFile + "'");
    }
    return context;
}

bool StreamConnection::refusalPossible() const
{
    // Under TLS 1.2 the receiver's Finished said it accepted this client. Under TLS 1.3 a
    // receiver that asked for a client certificate checks it only after the client's side of
    // the handshake is done, and one that refuses it may just close the connection; one that
    // accepts it sends a session ticket.
    return SSL_version(m_ssl) >= TLS1_3_VERSION && m_certificateRequested && !m_ticketReceived;
}

StreamConnection::Acceptance StreamConnection::checkAcceptance()
{
    char discard[4096];
    while (m_ssl && !failed() && refusalPossible()) {
        ERR_clear_error();
        errno = 0;
        const int n = SSL_read(m_ssl, discard, int(sizeof discard));
        if (n > 0)
            continue; // the receiver has nothing to say; its data is not ours to keep
        const int error = SSL_get_error(m_ssl, n);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            if (refusalPossible()) // else a ticket came in what was just read
                return Acceptance::Unknown;
            break;
        }
        if (error == SSL_ERROR_SYSCALL && errno == EINTR)
            continue;
        std::string reason;
        if (error == SSL_ERROR_ZERO_RETURN || tlsUnexpectedEof() ||
            (error == SSL_ERROR_SYSCALL && errno == 0))
            reason = "it closed the connection";
        else if (error == SSL_ERROR_SYSCALL)
            reason = std::strerror(errno);
        else
            reason = opensslErrors(); // e.g. its alert "certificate required"
        fail("TLS: the receiver refused this client after the handshake (" + reason +
             "): it wants a client certificate it accepts (--tls-cert, --tls-key)");
        return Acceptance::Refused;
    }
    return failed() ? Acceptance::Refused : Acceptance::Confirmed;
}

std::string StreamConnection::withRefusalHint(const std::string &reason) const
{
    if (!m_ssl || !refusalPossible())
        return reason;
    return reason + " (the receiver had not confirmed the TLS handshake: it may have refused this "
                    "client's certificate)";
}

bool StreamConnection::closedWithoutCloseNotify()
{
    // capture-receiver closes like this once it has read everything, and so may others.
    if (!refusalPossible())
        return true;
    fail("the receiver closed the connection without confirming the TLS handshake (neither a "
         "session ticket nor close_notify came): it may have refused this client's "
         "certificate and recorded nothing");
    return false;
}

} // namespace replay

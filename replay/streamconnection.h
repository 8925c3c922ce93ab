#pragma once

#include "replay/serveraddress.h"
#include "replay/tlsclient.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <sys/uio.h>

struct ssl_ctx_st;
struct ssl_st;

namespace replay {

using Clock = std::chrono::steady_clock;

/// One TCP (optionally TLS) connection to the receiver, with a bounded queue of bytes not yet
/// sent. Non-blocking: send() takes what the socket takes now and queues the rest; the owner
/// polls (pollEvents()) and calls flush() while bytes are queued. Every error is kept with its
/// reason, once; nothing is ever retried behind the user's back.
class StreamConnection
{
public:
    StreamConnection() = default;
    ~StreamConnection();
    StreamConnection(const StreamConnection &) = delete;
    StreamConnection &operator=(const StreamConnection &) = delete;

    /// Connects to `port` on the first of `addresses` that answers, and does the TLS handshake
    /// when `tls` is given, within `timeout`. Returns false with errorString() set. `stop` is
    /// asked whenever a signal interrupts the wait: when it says so, connect() gives up at once.
    bool connect(const std::vector<ServerAddress> &addresses, std::uint16_t port,
                 const TlsClient *tls, std::chrono::milliseconds timeout,
                 const std::function<bool()> &stop = {});

    /// Sends what the socket takes now and queues the rest. False once the connection failed.
    bool send(const std::uint8_t *data, std::size_t size);
    /// Only queues (to be sent by flush()): many small payloads then go out in few system calls.
    void queue(const std::uint8_t *data, std::size_t size);
    /// Like queue(), but keeps only where the bytes are (plain TCP; under TLS they are copied):
    /// they must stay where they are until flush() has sent them or keepQueued() copied them.
    /// A capture's payloads then go from its read buffer to the socket with no copy between.
    void queueReference(const std::uint8_t *data, std::size_t size);
    /// Like queue() (the bytes are copied), but behind bytes queued by reference the copy is
    /// queued as one more reference to memory kept here: the referenced bytes before it are
    /// then not copied too. For bytes that do not stay where they are (a reassembler's).
    void queueCopy(const std::uint8_t *data, std::size_t size);
    /// Copies the bytes still queued by reference: their memory is about to be reused.
    void keepQueued();
    /// Sends queued bytes until the socket takes no more. False once the connection failed.
    bool flush();

    std::size_t queuedBytes() const { return m_queue.size() - m_queueHead + m_referencedBytes; }
    std::uint64_t bytesSent() const { return m_bytesSent; }
    bool failed() const { return !m_error.empty(); }
    const std::string &errorString() const { return m_error; }
    int descriptor() const { return m_fd; }

    /// What to poll the descriptor for while bytes are queued (TLS may need to read to write).
    short pollEvents() const;

    /// After the last byte is sent: TLS close_notify, then shutdown for writing; the receiver
    /// then sees the end of the stream and closes its side.
    bool shutdownWriting();
    /// Reads (and discards) until the receiver closes: true when it did, false while it has
    /// not (call again when readable), or on an error (failed()).
    bool receiverClosed();
    /// Under TLS 1.3 a receiver that asked for a client certificate checks it only after the
    /// client's side of the handshake is done: one that accepts it sends a session ticket (as
    /// capture-receiver does once data came), one that refuses it may just close. Reads what
    /// came (never data to keep) and says which, without waiting: Unknown while neither came.
    /// Always Confirmed without TLS 1.3 or when no client certificate was asked for.
    enum class Acceptance { Confirmed, Unknown, Refused };
    Acceptance checkAcceptance();
    /// From the TLS context's callback: a session ticket came (see checkAcceptance()).
    void sessionTicketReceived() { m_ticketReceived = true; }
    /// Bytes the receiver's TCP has not acknowledged yet (SIOCOUTQ); 0 means all arrived.
    int unacknowledgedBytes() const;
    void close();
    /// Closes with a TCP reset (SO_LINGER 0) instead of a FIN, and without close_notify: the
    /// receiver sees the stream cut, not ended. False when no connection was open.
    bool abort();

private:
    /// Writes up to `size` bytes, as many as the socket takes now: bytes taken, 0 when it takes
    /// none now, -1 on error (m_error set).
    long long writeSome(const std::uint8_t *data, std::size_t size);
    /// Sends the bytes queued by reference (sendmsg(2), many at once) until the socket takes
    /// no more; false on an error (m_error set).
    bool sendReferenced();
    /// A socket write failed with `error`: fails unless it only means "full now". False then.
    bool socketWriteFailed(int error);
    void fail(const std::string &reason);
    /// TLS 1.3 and a client certificate asked for, but no sign yet that the receiver took it.
    bool refusalPossible() const;
    /// `reason`, and when refusalPossible() a word that the receiver may have refused us.
    std::string withRefusalHint(const std::string &reason) const;
    /// The receiver closed its TLS side without close_notify: true when that still counts as
    /// a clean end (else failed()).
    bool closedWithoutCloseNotify();
    void compactQueue();

    int m_fd = -1;
    ssl_st *m_ssl = nullptr;
    bool m_tlsWantsRead = false;
    bool m_certificateRequested = false; ///< the TLS receiver asked for a client certificate
    bool m_ticketReceived = false;       ///< the TLS receiver sent a session ticket
    std::vector<std::uint8_t> m_queue;   // bytes [m_queueHead, size()) are not sent yet
    std::size_t m_queueHead = 0;
    // Queued by reference, after m_queue's bytes: [m_referencesHead, size()), m_referencedBytes.
    std::vector<iovec> m_references;
    std::size_t m_referencesHead = 0;
    std::size_t m_referencedBytes = 0;
    /// queueCopy()'s copies that m_references point into; freed once no reference is left.
    std::deque<std::vector<std::uint8_t>> m_owned;
    bool m_lastOwned = false; ///< the last reference is one of m_owned's
    std::uint64_t m_bytesSent = 0;
    std::string m_error;
};

} // namespace replay

#include "replay/streamconnection.h"

#include "core/util/fdio.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace replay {

namespace {

// Queue bytes already sent are dropped from the front once they are this many and at least
// half of the queue: no copying per send, and the queue's memory follows what is pending.
constexpr std::size_t compactAfterBytes = 256 * 1024;

std::string errnoText(int error)
{
    return std::strerror(error);
}

int remainingMs(Clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? int(std::min<long long>(left, INT_MAX)) : 0;
}

enum class Wait { Ready, TimedOut, Stopped };

/// Waits for `events` on `fd` until `deadline`, or until a signal comes and `stop` says so.
Wait waitFor(int fd, short events, Clock::time_point deadline, const std::function<bool()> &stop)
{
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remainingMs(deadline));
        if (n > 0)
            return Wait::Ready;
        if (n < 0 && errno == EINTR) {
            if (stop && stop())
                return Wait::Stopped;
            if (Clock::now() < deadline)
                continue;
        }
        return Wait::TimedOut;
    }
}

constexpr const char *timedOutText = "no answer within the connect timeout";
constexpr const char *stoppedText = "stopped (interrupted) before the connection was made";

bool isAddressLiteral(const std::string &host)
{
    in6_addr v6{};
    in_addr v4{};
    return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

} // namespace

StreamConnection::~StreamConnection()
{
    close();
}

void StreamConnection::close()
{
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

bool StreamConnection::abort()
{
    if (m_fd < 0)
        return false;
    // Linger on, time 0: close() drops what the kernel still holds and sends a reset.
    const linger reset{1, 0};
    const bool set = ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == 0;
    close();
    return set;
}

void StreamConnection::fail(const std::string &reason)
{
    if (m_error.empty())
        m_error = reason;
}

bool StreamConnection::connect(const std::vector<ServerAddress> &addresses, std::uint16_t port,
                               const TlsClient *tls, std::chrono::milliseconds timeout,
                               const std::function<bool()> &stop)
{
    const Clock::time_point deadline = Clock::now() + timeout;
    std::string lastError = "no address to connect to";
    for (const ServerAddress &candidate : addresses) {
        ServerAddress target = candidate;
        if (target.address.ss_family == AF_INET)
            reinterpret_cast<sockaddr_in *>(&target.address)->sin_port = htons(port);
        else
            reinterpret_cast<sockaddr_in6 *>(&target.address)->sin6_port = htons(port);
        const int fd =
            ::socket(target.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            lastError = addressText(target, port) + ": " + errnoText(errno);
            continue;
        }
        int result =
            ::connect(fd, reinterpret_cast<const sockaddr *>(&target.address), target.length);
        int error = result == 0 ? 0 : errno;
        if (result != 0 && (errno == EINPROGRESS || errno == EINTR)) {
            const Wait wait = waitFor(fd, POLLOUT, deadline, stop);
            if (wait == Wait::Stopped) {
                ::close(fd);
                fail(addressText(target, port) + ": " + stoppedText);
                return false;
            }
            if (wait == Wait::TimedOut) {
                error = ETIMEDOUT;
            } else {
                socklen_t length = sizeof error;
                if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
                    error = errno;
            }
        }
        if (error != 0) {
            lastError = addressText(target, port) + ": " +
                        (error == ETIMEDOUT ? timedOutText : errnoText(error));
            ::close(fd);
            continue;
        }
        m_fd = fd;
        break;
    }
    if (m_fd < 0) {
        fail(lastError);
        return false;
    }
    if (!tls)
        return true;

    m_ssl = SSL_new(tls->context);
    if (!m_ssl || SSL_set_fd(m_ssl, m_fd) != 1) {
        fail("TLS: " + opensslErrors());
        return false;
    }
    SSL_set_mode(m_ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_app_data(m_ssl, this); // for the session ticket callback
    // Called (on a client) only when the server asks for a client certificate.
    SSL_set_cert_cb(
        m_ssl,
        [](SSL *, void *self) {
            static_cast<StreamConnection *>(self)->m_certificateRequested = true;
            return 1;
        },
        this);
    if (isAddressLiteral(tls->serverName)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), tls->serverName.c_str());
    } else {
        SSL_set_tlsext_host_name(m_ssl, tls->serverName.c_str());
        SSL_set1_host(m_ssl, tls->serverName.c_str());
    }
    for (;;) {
        ERR_clear_error();
        const int result = SSL_connect(m_ssl);
        if (result == 1)
            return true;
        const int error = SSL_get_error(m_ssl, result);
        const short events = error == SSL_ERROR_WANT_READ    ? POLLIN
                             : error == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                             : 0;
        const Wait wait = events ? waitFor(m_fd, events, deadline, stop) : Wait::TimedOut;
        if (wait == Wait::Ready)
            continue;
        std::string reason;
        if (wait == Wait::Stopped)
            reason = stoppedText;
        else if (events)
            reason = timedOutText;
        else if (SSL_get_verify_result(m_ssl) != X509_V_OK)
            reason = std::string("the receiver's certificate: ") +
                     X509_verify_cert_error_string(SSL_get_verify_result(m_ssl));
        else if (error == SSL_ERROR_SYSCALL && errno != 0)
            reason = errnoText(errno);
        else
            reason = opensslErrors();
        if (reason.empty())
            reason = "the receiver closed the connection";
        fail("TLS handshake failed: " + reason);
        return false;
    }
}

long long StreamConnection::writeSome(const std::uint8_t *data, std::size_t size)
{
    if (!m_ssl) {
        const capture::WriteResult result =
            capture::writeAll(m_fd, data, size, capture::WriteTo::Socket);
        m_bytesSent += result.written;
        return socketWriteFailed(result.error) ? -1 : (long long)(result.written);
    }
    ERR_clear_error();
    errno = 0;
    const int n = SSL_write(m_ssl, data, int(std::min<std::size_t>(size, INT_MAX)));
    if (n > 0) {
        m_tlsWantsRead = false;
        m_bytesSent += std::uint64_t(n);
        return n;
    }
    switch (SSL_get_error(m_ssl, n)) {
    case SSL_ERROR_WANT_WRITE:
        m_tlsWantsRead = false;
        return 0;
    case SSL_ERROR_WANT_READ:
        m_tlsWantsRead = true;
        return 0;
    case SSL_ERROR_SYSCALL:
        if (errno == EINTR)
            return 0;
        fail(withRefusalHint(errno ? "the receiver closed the connection (" + errnoText(errno) + ")"
                                   : "TLS: " + opensslErrors()));
        return -1;
    default:
        fail(withRefusalHint("TLS: " + opensslErrors()));
        return -1;
    }
}

void StreamConnection::compactQueue()
{
    if (m_queueHead == m_queue.size()) {
        m_queue.clear();
        m_queueHead = 0;
    } else if (m_queueHead >= compactAfterBytes && m_queueHead * 2 >= m_queue.size()) {
        m_queue.erase(m_queue.begin(), m_queue.begin() + std::ptrdiff_t(m_queueHead));
        m_queueHead = 0;
    }
}

bool StreamConnection::send(const std::uint8_t *data, std::size_t size)
{
    if (failed())
        return false;
    if (queuedBytes() == 0) { // straight from the capture's buffer: no copy when it all goes
        const long long n = writeSome(data, size);
        if (n < 0)
            return false;
        data += n;
        size -= std::size_t(n);
    }
    queue(data, size);
    return true;
}

bool StreamConnection::socketWriteFailed(int error)
{
    if (error == 0 || error == EAGAIN || error == EWOULDBLOCK)
        return false;
    fail(error == EPIPE || error == ECONNRESET
             ? "the receiver closed the connection (" + errnoText(error) + ")"
             : errnoText(error));
    return true;
}

void StreamConnection::queue(const std::uint8_t *data, std::size_t size)
{
    if (failed() || size == 0)
        return;
    keepQueued(); // the referenced bytes go first
    compactQueue();
    m_queue.insert(m_queue.end(), data, data + size);
}

void StreamConnection::queueReference(const std::uint8_t *data, std::size_t size)
{
    if (failed() || size == 0)
        return;
    if (m_ssl || (m_references.empty() && m_queueHead < m_queue.size())) {
        queue(data, size); // SSL_write takes one buffer; copied bytes must go first
        return;
    }
    if (!m_references.empty() && !m_lastOwned) {
        iovec &last = m_references.back();
        if (static_cast<const std::uint8_t *>(last.iov_base) + last.iov_len == data) {
            last.iov_len += size;
            m_referencedBytes += size;
            return;
        }
    }
    m_references.push_back({const_cast<std::uint8_t *>(data), size});
    m_referencedBytes += size;
    m_lastOwned = false;
}

void StreamConnection::queueCopy(const std::uint8_t *data, std::size_t size)
{
    if (failed() || size == 0)
        return;
    if (m_ssl || m_references.empty()) {
        queue(data, size); // nothing referenced waits before it: the plain queue keeps the order
        return;
    }
    const std::vector<std::uint8_t> &copy = m_owned.emplace_back(data, data + size);
    m_references.push_back({const_cast<std::uint8_t *>(copy.data()), size});
    m_referencedBytes += size;
    m_lastOwned = true; // never extended by a reference that happens to follow it in memory
}

void StreamConnection::keepQueued()
{
    if (m_references.empty())
        return;
    compactQueue();
    for (std::size_t i = m_referencesHead; i < m_references.size(); ++i) {
        const auto *base = static_cast<const std::uint8_t *>(m_references[i].iov_base);
        m_queue.insert(m_queue.end(), base, base + m_references[i].iov_len);
    }
    m_references.clear();
    m_referencesHead = 0;
    m_referencedBytes = 0;
    m_owned.clear();
}

bool StreamConnection::sendReferenced()
{
    while (m_referencesHead < m_references.size()) {
        msghdr message{};
        message.msg_iov = m_references.data() + m_referencesHead;
        message.msg_iovlen = std::min<std::size_t>(m_references.size() - m_referencesHead, IOV_MAX);
        std::size_t offered = 0;
        for (std::size_t i = 0; i < message.msg_iovlen; ++i)
            offered += message.msg_iov[i].iov_len;
        const ssize_t n = ::sendmsg(m_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return !socketWriteFailed(errno);
        }
        m_bytesSent += std::uint64_t(n);
        m_referencedBytes -= std::size_t(n);
        for (std::size_t left = std::size_t(n); left > 0;) {
            iovec &first = m_references[m_referencesHead];
            const std::size_t taken = std::min(left, first.iov_len);
            first.iov_base = static_cast<std::uint8_t *>(first.iov_base) + taken;
            first.iov_len -= taken;
            left -= taken;
            if (first.iov_len == 0)
                ++m_referencesHead;
        }
        if (std::size_t(n) < offered)
            break; // the socket is full: flush() is called again once it is writable
    }
    if (m_referencesHead == m_references.size()) {
        m_references.clear();
        m_referencesHead = 0;
        m_owned.clear();
    }
    return true;
}

bool StreamConnection::flush()
{
    while (!failed() && m_queueHead < m_queue.size()) {
        const long long n = writeSome(m_queue.data() + m_queueHead, m_queue.size() - m_queueHead);
        if (n <= 0)
            break;
        m_queueHead += std::size_t(n);
    }
    compactQueue();
    if (!failed() && m_queueHead == m_queue.size())
        sendReferenced();
    return !failed();
}

short StreamConnection::pollEvents() const
{
    return m_ssl && m_tlsWantsRead ? POLLIN : POLLOUT;
}

bool StreamConnection::shutdownWriting()
{
    if (failed() || m_fd < 0)
        return false;
    if (m_ssl) {
        // close_notify: a TLS receiver tells a clean end from a cut connection by it.
        const Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
        for (;;) {
            ERR_clear_error();
            const int result = SSL_shutdown(m_ssl);
            if (result >= 0)
                break;
            const int error = SSL_get_error(m_ssl, result);
            if (error == SSL_ERROR_WANT_WRITE &&
                waitFor(m_fd, POLLOUT, deadline, {}) == Wait::Ready)
                continue;
            const int savedErrno = errno;
            std::string reason = opensslErrors();
            if (reason.empty())
                reason =
                    error == SSL_ERROR_SYSCALL && savedErrno ? errnoText(savedErrno) : "no answer";
            fail(withRefusalHint("TLS: cannot send close_notify: " + reason));
            return false;
        }
    }
    if (::shutdown(m_fd, SHUT_WR) != 0) {
        fail("cannot shut down for writing: " + errnoText(errno));
        return false;
    }
    return true;
}

bool StreamConnection::receiverClosed()
{
    if (failed() || m_fd < 0)
        return false;
    char discard[16384];
    for (;;) {
        if (!m_ssl) {
            const ssize_t n = ::recv(m_fd, discard, sizeof discard, 0);
            if (n > 0)
                continue;
            if (n == 0)
                return true;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return false;
            fail(errno == ECONNRESET ? "the receiver reset the connection before closing it"
                                     : errnoText(errno));
            return false;
        }
        ERR_clear_error();
        errno = 0;
        const int n = SSL_read(m_ssl, discard, int(sizeof discard));
        if (n > 0)
            continue;
        switch (SSL_get_error(m_ssl, n)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return false;
        case SSL_ERROR_ZERO_RETURN: // its close_notify
            return true;
        case SSL_ERROR_SYSCALL:
            if (errno == EINTR)
                continue;
            if (errno == 0)
                return closedWithoutCloseNotify();
            fail(withRefusalHint(errno == ECONNRESET
                                     ? "the receiver reset the connection before closing it"
                                     : errnoText(errno)));
            return false;
        default:
            if (tlsUnexpectedEof())
                return closedWithoutCloseNotify();
            // E.g. the receiver's alert that it wanted a client certificate (TLS 1.3 sends it
            // after the client's side of the handshake is done).
            fail(withRefusalHint("TLS: " + opensslErrors()));
            return false;
        }
    }
}

int StreamConnection::unacknowledgedBytes() const
{
    int pending = 0;
    if (m_fd < 0 || ::ioctl(m_fd, SIOCOUTQ, &pending) != 0)
        return -1;
    return pending;
}

} // namespace replay

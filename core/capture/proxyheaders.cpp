#include "core/capture/proxyheaders.h"

#include "core/capture/admission.h"
#include "core/net/address.h"
#include "core/net/listensocket.h"
#include "core/net/proxyprotocol.h"
#include "core/util/syserror.h"

#include <QSocketNotifier>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

/// One connection whose header is being read: its descriptor, what was consumed of the
/// header so far, the balancer's endpoint, a notifier and the deadline.
class ProxyHeaders::Pending : public QObject
{
public:
    Pending(int descriptor, QObject *parent)
        : QObject(parent)
        , fd(descriptor)
        , notifier(new QSocketNotifier(qintptr(descriptor), QSocketNotifier::Read, this))
        , deadline(new QTimer(this))
    {
        std::tie(balancer, balancerPort) = socketEndpoint(fd, EndpointSide::Peer);
        balancer = normalizedAddress(balancer);
        deadline->setSingleShot(true);
    }

    int fd;
    QSocketNotifier *notifier;
    QTimer *deadline;
    QByteArray consumed; ///< header bytes taken off the socket so far
    QHostAddress balancer;
    quint16 balancerPort = 0;
};

ProxyHeaders::ProxyHeaders(quint16 port, const CaptureSettings &settings, RefusalLog &log,
                           QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_settings(settings)
    , m_log(log)
{}

ProxyHeaders::~ProxyHeaders()
{
    for (Pending *pending : m_pending)
        ::close(pending->fd);
}

void ProxyHeaders::start(int fd)
{
    auto *pending = new Pending(fd, this);
    m_pending.push_back(pending);
    connect(pending->notifier, &QSocketNotifier::activated, this,
            [this, pending] { read(pending); });
    connect(pending->deadline, &QTimer::timeout, this, [this, pending] {
        fail(pending, pending->consumed.isEmpty()
                          ? u"no PROXY header within %1 s"_s.arg(
                                double(m_settings.handshakeTimeoutMs) / 1000.0)
                          : u"PROXY header not complete within %1 s"_s.arg(
                                double(m_settings.handshakeTimeoutMs) / 1000.0));
    });
    pending->deadline->start(m_settings.handshakeTimeoutMs);
    read(pending); // often the header came with the connection
}

void ProxyHeaders::read(Pending *pending)
{
    // Peek at what is there, then take off only the header's bytes: what follows it is the
    // stream (or a TLS handshake) and stays in the socket.
    char buffer[proxyV2MaxLength];
    const qsizetype room = proxyV2MaxLength - pending->consumed.size();
    ssize_t n = 0;
    do
        n = ::recv(pending->fd, buffer, size_t(room), MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    // Closed or reset before a byte: what health checks do (HAProxy resets its checks, which
    // can take the header with it). Like any connection that sent nothing: no file, counted.
    if (pending->consumed.isEmpty() && (n == 0 || (n < 0 && errno == ECONNRESET))) {
        closeEmpty(pending);
        return;
    }
    if (n < 0) {
        fail(pending, u"reading the PROXY header: %1"_s.arg(systemErrorString(errno)));
        return;
    }
    if (n == 0) {
        fail(pending, u"closed in the middle of its PROXY header"_s);
        return;
    }
    QByteArray seen = pending->consumed;
    seen.append(buffer, n);
    const ProxyParseResult result = parseProxyHeader(seen);
    if (result.status == ProxyParseResult::Status::Invalid) {
        fail(pending, result.error);
        return;
    }
    const qsizetype take = result.status == ProxyParseResult::Status::Complete
                               ? result.header.length - pending->consumed.size()
                               : qsizetype(n);
    // The bytes were peeked: a plain read of as many cannot block or come out short.
    ssize_t got = 0;
    do
        got = ::recv(pending->fd, buffer, size_t(take), MSG_DONTWAIT);
    while (got < 0 && errno == EINTR);
    if (got != take) {
        fail(pending, u"reading the PROXY header: %1"_s.arg(got < 0 ? systemErrorString(errno)
                                                                    : u"came out short"_s));
        return;
    }
    pending->consumed.append(buffer, got);
    if (result.status != ProxyParseResult::Status::Complete)
        return;

    const ProxyHeader &header = result.header;
    ConnectionOrigin origin;
    if (header.hasAddresses) {
        origin.address = header.source;
        origin.port = header.sourcePort;
        origin.via = endpointText(pending->balancer, pending->balancerPort);
        if (!header.sslClientCn.isEmpty())
            origin.tlsSubject = u"CN="_s + header.sslClientCn;
    } else {
        // LOCAL (the balancer's own connection: a health check), UNKNOWN: the real endpoints.
        origin.address = pending->balancer;
        origin.port = pending->balancerPort;
    }
    const int fd = pending->fd;
    pending->fd = -1;
    remove(pending);
    Q_EMIT received(fd, origin);
}

void ProxyHeaders::fail(Pending *pending, const QString &reason)
{
    ++m_failed;
    m_log.report(u"port %1: connection from %2 closed, no file made: %3"_s.arg(m_port).arg(
        endpointText(pending->balancer, pending->balancerPort), reason));
    ::close(pending->fd);
    pending->fd = -1;
    remove(pending);
}

void ProxyHeaders::closeEmpty(Pending *pending)
{
    ++m_closedEmpty;
    ::close(pending->fd);
    pending->fd = -1;
    remove(pending);
}

void ProxyHeaders::remove(Pending *pending)
{
    m_pending.erase(std::find(m_pending.begin(), m_pending.end(), pending));
    pending->notifier->setEnabled(false);
    pending->deadline->stop();
    pending->deleteLater();
}

void ProxyHeaders::finishAll()
{
    const std::vector<Pending *> pending = m_pending;
    for (Pending *p : pending) {
        read(p);
        if (std::find(m_pending.begin(), m_pending.end(), p) != m_pending.end())
            fail(p, u"stopped while reading the PROXY header"_s);
    }
}

} // namespace capture

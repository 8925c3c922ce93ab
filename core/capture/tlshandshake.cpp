#include "core/capture/tlshandshake.h"

#include "core/capture/admission.h"
#include "core/capture/runcounters.h"
#include "core/net/address.h"
#include "core/net/listensocket.h"
#include "core/tls/tlsconfig.h"

#include <QSslSocket>
#include <QTimer>

#include <algorithm>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

TlsHandshakes::TlsHandshakes(quint16 port, const CaptureSettings &settings, qint64 readBufferSize,
                             RunCounters &counters, RefusalLog &log, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_settings(settings)
    , m_readBufferSize(readBufferSize)
    , m_counters(counters)
    , m_log(log)
{}

void TlsHandshakes::start(int fd, quint64 id, const ConnectionOrigin &origin)
{
    auto *socket = new QSslSocket(this);
    socket->setSslConfiguration(*m_settings.tls);
    socket->setReadBufferSize(m_readBufferSize);
    if (!socket->setSocketDescriptor(fd)) {
        ::close(fd);
        delete socket;
        countFailure(origin.text(), u"cannot set up TLS on the socket"_s);
        return;
    }
    m_handshakes.push_back({socket, id, origin});
    auto *timer = new QTimer(socket);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, socket] {
        fail(socket, u"TLS handshake not done within %1 s"_s.arg(
                         double(m_settings.handshakeTimeoutMs) / 1000.0));
    });
    timer->start(m_settings.handshakeTimeoutMs);
    connect(socket, &QSslSocket::encrypted, this, [this, socket] { onEncrypted(socket); });
    connect(socket, &QSslSocket::sslErrors, this, [this, socket](const QList<QSslError> &errors) {
        QStringList reasons;
        for (const QSslError &e : errors)
            reasons.append(e.errorString());
        fail(socket, u"TLS: %1"_s.arg(reasons.join(u"; "_s)));
    });
    connect(socket, &QSslSocket::errorOccurred, this, [this, socket] {
        fail(socket, u"TLS handshake failed: %1"_s.arg(socket->errorString()));
    });
    socket->startServerEncryption();
}

std::optional<TlsHandshakes::Handshake> TlsHandshakes::take(QSslSocket *socket)
{
    const auto it = std::find_if(m_handshakes.begin(), m_handshakes.end(),
                                 [socket](const Handshake &h) { return h.socket == socket; });
    if (it == m_handshakes.end())
        return std::nullopt; // already done with
    const Handshake handshake = *it;
    m_handshakes.erase(it);
    return handshake;
}

void TlsHandshakes::fail(QSslSocket *socket, const QString &reason)
{
    const std::optional<Handshake> handshake = take(socket);
    if (!handshake)
        return;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
    countFailure(handshake->origin.text(), reason);
}

void TlsHandshakes::countFailure(const QString &from, const QString &reason)
{
    --m_counters.openConnections;
    ++m_failed;
    // Logged like refusals: a flood of plain-TCP probes must not flood the log.
    m_log.report(u"port %1: TLS connection from %2 closed, no file made: %3"_s.arg(m_port).arg(
        from, reason));
}

void TlsHandshakes::onEncrypted(QSslSocket *socket)
{
    const std::optional<Handshake> handshake = take(socket);
    if (!handshake)
        return;
    socket->disconnect(this);
    qDeleteAll(socket->findChildren<QTimer *>(Qt::FindDirectChildrenOnly));
    ConnectionOrigin origin = handshake->origin;
    // Our own verification of the client's certificate (TLS passed through the balancer).
    if (m_settings.tls->peerVerifyMode() == QSslSocket::VerifyPeer)
        origin.tlsSubject = certificateSubjectText(socket->peerCertificate());
    Q_EMIT established(socket, handshake->id, origin);
}

void TlsHandshakes::abortAll(const QString &reason)
{
    while (!m_handshakes.empty())
        fail(m_handshakes.front().socket, reason);
}

} // namespace capture

#include "core/capture/admission.h"

#include "core/capture/runcounters.h"
#include "core/net/address.h"
#include "core/net/listensocket.h"

#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

RefusalLog::RefusalLog(quint16 port, QObject *parent, const QString &what)
    : QObject(parent)
    , m_port(port)
    , m_what(what)
{}

void RefusalLog::report(const QString &line)
{
    report([&line] { return line; });
}

void RefusalLog::report(const std::function<QString()> &makeLine)
{
    if (m_lastReport.isValid() && m_lastReport.elapsed() < 1000) {
        ++m_notReported;
        return;
    }
    QString text = makeLine();
    if (m_notReported > 0)
        text += u" (and %1 more refused since the last such line)"_s.arg(m_notReported);
    m_notReported = 0;
    m_lastReport.start();
    Q_EMIT warningRaised(text);
}

void RefusalLog::flush()
{
    if (m_notReported == 0)
        return;
    Q_EMIT warningRaised(
        u"port %1: %2 more %3 refused or closed without a file since the last "
        "such line"_s.arg(QString::number(m_port), QString::number(m_notReported), m_what));
    m_notReported = 0;
}

Admission::Admission(quint16 port, const CaptureSettings &settings, const RunCounters &counters,
                     RefusalLog &log)
    : m_port(port)
    , m_settings(settings)
    , m_counters(counters)
    , m_log(log)
{}

bool Admission::checkProxyTrusted(int fd)
{
    const auto [peer, peerPort] = socketEndpoint(fd, EndpointSide::Peer);
    if (peer.isNull() ||
        (!m_settings.proxyFrom.isEmpty() && peerAllowed(m_settings.proxyFrom, peer)))
        return true;
    refuse(fd, endpointText(normalizedAddress(peer), peerPort),
           u"not in --proxy-from (with --proxy-protocol only the balancers listed there may "
           "connect)"_s,
           &m_refusedProxyUntrusted);
    return false;
}

bool Admission::checkAllowed(int fd, const ConnectionOrigin &origin)
{
    if (m_settings.allow.isEmpty() || peerAllowed(m_settings.allow, origin.address))
        return true;
    refuse(fd, origin.text(), u"not in --allow"_s, &m_refusedNotAllowed);
    return false;
}

QString connectionLimitReached(const CaptureSettings &settings, const RunCounters &counters,
                               int openOnPort)
{
    if (settings.maxConnectionsPerPort > 0 && openOnPort >= settings.maxConnectionsPerPort)
        return u"--max-connections-per-port %1 reached"_s.arg(settings.maxConnectionsPerPort);
    if (settings.maxConnections > 0 && counters.openConnections >= settings.maxConnections)
        return u"--max-connections %1 reached"_s.arg(settings.maxConnections);
    return {};
}

bool Admission::isFull(int openOnPort) const
{
    return !connectionLimitReached(m_settings, m_counters, openOnPort).isEmpty();
}

bool Admission::checkLimits(int fd, const ConnectionOrigin &origin, int openOnPort)
{
    const QString limit = connectionLimitReached(m_settings, m_counters, openOnPort);
    if (limit.isEmpty())
        return true;
    refuse(fd, origin.text(), limit, &m_refusedOverLimit);
    return false;
}

void Admission::refuse(int fd, const QString &from, const QString &reason, quint64 *counter)
{
    ::close(fd);
    ++*counter;
    m_log.report(u"port %1: connection from %2 refused: %3"_s.arg(m_port).arg(from, reason));
}

} // namespace capture

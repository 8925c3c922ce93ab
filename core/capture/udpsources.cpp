#include "core/capture/udpsources.h"

#include "core/capture/admission.h"
#include "core/capture/fileseries.h"
#include "core/capture/portfiles.h"
#include "core/capture/runcounters.h"
#include "core/capture/udpformat.h"
#include "core/net/address.h"

#include <netinet/in.h>

#include <cstring>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// --allow's answers are remembered per source; a flood of spoofed sources cannot grow this
// past the bound (it starts over).
constexpr qsizetype maxRememberedAnswers = 65536;

QByteArray sourceKey(const sockaddr_storage &sa)
{
    if (sa.ss_family == AF_INET)
        return QByteArray(reinterpret_cast<const char *>(&sa), sizeof(sockaddr_in));
    if (sa.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&sa);
        QByteArray key(reinterpret_cast<const char *>(&in6->sin6_addr), 16);
        key.append(reinterpret_cast<const char *>(&in6->sin6_port), 2);
        return key;
    }
    return {};
}

// Whether `key` is sourceKey(sa), without making one (once per datagram).
bool isKeyOf(const QByteArray &key, const sockaddr_storage &sa)
{
    if (sa.ss_family == AF_INET)
        return key.size() == qsizetype(sizeof(sockaddr_in)) &&
               std::memcmp(key.constData(), &sa, sizeof(sockaddr_in)) == 0;
    if (sa.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&sa);
        return key.size() == 18 && std::memcmp(key.constData(), &in6->sin6_addr, 16) == 0 &&
               std::memcmp(key.constData() + 16, &in6->sin6_port, 2) == 0;
    }
    return false;
}
} // namespace

std::pair<QHostAddress, quint16> datagramSource(const sockaddr_storage &sa)
{
    QHostAddress address(reinterpret_cast<const sockaddr *>(&sa));
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        address = QHostAddress(v4); // a dual-stack socket's IPv4 sender, as IPv4
    const quint16 port = sa.ss_family == AF_INET6
                             ? ntohs(reinterpret_cast<const sockaddr_in6 *>(&sa)->sin6_port)
                             : ntohs(reinterpret_cast<const sockaddr_in *>(&sa)->sin_port);
    return {address, port};
}

UdpSources::UdpSources(quint16 port, const CaptureSettings &settings, const RunParts &parts,
                       PortFiles *files, RefusalLog *log)
    : m_port(port)
    , m_settings(settings)
    , m_parts(parts)
    , m_files(files)
    , m_log(log)
{}

UdpSources::~UdpSources() = default;

int UdpSources::open() const
{
    return int(m_sources.size()) + (m_shared.series ? 1 : 0);
}

UdpSources::Source UdpSources::newSource(const QHostAddress &peer, quint16 peerPort,
                                         const QString &peerText)
{
    Source source;
    source.series = m_files->seriesFor(peer, peerPort);
    source.series->setPreamble(udpformat::fileHeader(m_settings.udpFormat));
    source.series->setUdpFormat(udpFormatName(m_settings.udpFormat));
    source.id = m_parts.counters->nextConnectionId++;
    ConnectionInfo connection;
    connection.id = source.id;
    connection.peerAddress = peer;
    connection.peerPort = peerPort;
    connection.localPort = m_port;
    connection.opened = QDateTime::currentDateTime();
    source.series->attach(connection, peerText);
    return source;
}

bool UdpSources::allowed(const QByteArray &key, const sockaddr_storage &source)
{
    if (m_settings.allow.isEmpty())
        return true;
    const auto it = m_allowed.constFind(key);
    if (it != m_allowed.cend())
        return *it;
    if (m_allowed.size() >= maxRememberedAnswers)
        m_allowed.clear();
    const bool yes = peerAllowed(m_settings.allow, datagramSource(source).first);
    m_allowed.insert(key, yes);
    return yes;
}

void UdpSources::refuse(const sockaddr_storage &source, const QString &reason, quint64 *counter)
{
    ++*counter;
    m_log->report([&] {
        const auto [address, port] = datagramSource(source);
        return u"port %1/udp: a datagram from %2 not recorded: %3"_s.arg(
            QString::number(m_port), endpointText(address, port), reason);
    });
}

UdpSources::Target UdpSources::route(const sockaddr_storage &source, qint64 nowMs)
{
    const bool split = m_settings.split == SplitMode::Connection;
    if (m_last && (!split || isKeyOf(m_lastKey, source))) {
        m_last->lastSeenMs = nowMs;
        return {m_last->series.get(), m_last->id};
    }
    const QByteArray key = sourceKey(source);
    if (!allowed(key, source)) {
        refuse(source, u"not in --allow"_s, &m_refusedNotAllowed);
        return {};
    }
    if (!split) {
        if (!m_shared.series)
            m_shared = newSource({}, 0, u"udp"_s); // every sender of the port
        m_shared.lastSeenMs = nowMs;
        if (m_settings.allow.isEmpty())
            m_last = &m_shared; // no source needs a look then
        return {m_shared.series.get(), m_shared.id};
    }
    auto it = m_sources.find(key);
    if (it == m_sources.end()) {
        const QString limit =
            connectionLimitReached(m_settings, *m_parts.counters, int(m_sources.size()));
        if (!limit.isEmpty()) {
            refuse(source, limit + u" (sources with a file open)"_s, &m_refusedOverLimit);
            return {};
        }
        const auto [peer, peerPort] = datagramSource(source);
        it = m_sources.insert(key, newSource(peer, peerPort, endpointText(peer, peerPort)));
        m_files->keep(it->series);
        ++m_seen;
        ++m_parts.counters->openConnections;
    }
    it->lastSeenMs = nowMs;
    m_lastKey = key;
    m_last = &*it; // valid until the next insert or erase, which reset it
    return {it->series.get(), it->id};
}

void UdpSources::forget(QHash<QByteArray, Source>::iterator it, const QString &reason)
{
    const std::shared_ptr<FileSeries> series = it->series;
    series->detach(it->id, QDateTime::currentDateTime(), reason);
    m_sources.erase(it);
    --m_parts.counters->openConnections;
    m_last = nullptr;
    m_lastKey.clear();
    m_files->closeKept(series, reason);
}

void UdpSources::closeIdle(qint64 nowMs, const std::function<void(FileSeries *)> &beforeClose)
{
    if (m_settings.idleTimeoutMs <= 0 || m_settings.split != SplitMode::Connection)
        return;
    QList<QByteArray> idle;
    for (auto it = m_sources.cbegin(); it != m_sources.cend(); ++it) {
        if (nowMs - it->lastSeenMs >= m_settings.idleTimeoutMs)
            idle.append(it.key());
    }
    for (const QByteArray &key : std::as_const(idle)) {
        ++m_idleClosed;
        const auto it = m_sources.find(key);
        beforeClose(it->series.get());
        forget(it, u"idle timeout (no datagram for %1 ms)"_s.arg(m_settings.idleTimeoutMs));
    }
}

void UdpSources::writeFailed(FileSeries *series, const QString &reason)
{
    m_last = nullptr;
    m_lastKey.clear();
    if (m_shared.series.get() == series) {
        const std::shared_ptr<FileSeries> failed = std::exchange(m_shared.series, nullptr);
        m_files->writeFailed(failed);
        failed->close(reason);
        return;
    }
    for (auto it = m_sources.begin(); it != m_sources.end(); ++it) {
        if (it->series.get() == series) {
            forget(it, reason);
            return;
        }
    }
}

void UdpSources::closeAll()
{
    const QDateTime now = QDateTime::currentDateTime();
    if (m_shared.series)
        m_shared.series->detach(m_shared.id, now, u"stopped"_s);
    for (const Source &source : std::as_const(m_sources))
        source.series->detach(source.id, now, u"stopped"_s);
    m_parts.counters->openConnections -= int(m_sources.size());
    m_files->closePortFile();
    m_files->closeKept(u"stopped"_s);
    m_shared = {};
    m_sources.clear();
    m_last = nullptr;
    m_lastKey.clear();
}

} // namespace capture

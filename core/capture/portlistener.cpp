#include "core/capture/portlistener.h"

#include "core/capture/admission.h"
#include "core/capture/captureevents.h"
#include "core/capture/fileseries.h"
#include "core/capture/freespacemonitor.h"
#include "core/capture/heldconnections.h"
#include "core/capture/portfiles.h"
#include "core/capture/proxyheaders.h"
#include "core/capture/readsource.h"
#include "core/capture/runcounters.h"
#include "core/capture/session.h"
#include "core/capture/tlshandshake.h"
#include "core/net/acceptserver.h"
#include "core/net/address.h"
#include "core/net/listensocket.h"
#include "core/util/logging.h"
#include "core/util/processlimits.h"

#include <QSslSocket>

#include <algorithm>
#include <fcntl.h>

#include <QFileInfo>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// Enough to take every connection a full backlog holds without letting a flood stall a stop.
constexpr int maxAcceptRoundsAtStop = 64;
} // namespace

PortListener::PortListener(quint16 port, const CaptureSettings &settings, const RunParts &parts,
                           QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_settings(settings)
    , m_parts(parts)
    , m_refusalLog(new RefusalLog(port, this))
    , m_admission(std::make_unique<Admission>(port, settings, *parts.counters, *m_refusalLog))
    , m_files(new PortFiles(port, settings, parts, m_sessions, this))
    , m_held(new HeldConnections(port, *parts.spareDescriptor, this))
    , m_handshakes(new TlsHandshakes(port, settings, qint64(parts.readBuffer->size()),
                                     *parts.counters, *m_refusalLog, this))
    , m_proxyHeaders(new ProxyHeaders(port, settings, *m_refusalLog, this))
{
    m_stats.port = port;
    connect(m_refusalLog, &RefusalLog::warningRaised, m_parts.events,
            &CaptureEvents::warningRaised);
    connect(m_handshakes, &TlsHandshakes::established, this, &PortListener::onHandshakeDone);
    connect(m_proxyHeaders, &ProxyHeaders::received, this, &PortListener::admit);
    connect(m_held, &HeldConnections::warningRaised, m_parts.events, &CaptureEvents::warningRaised);
    connect(m_held, &HeldConnections::acceptingHeld, this, [this] {
        if (m_server)
            m_server->setHeld(true);
    });
    connect(m_held, &HeldConnections::acceptingResumed, this, [this] {
        m_stats.error.clear();
        if (m_server)
            m_server->setHeld(false);
    });
    connect(m_parts.freeSpace, &FreeSpaceMonitor::pausedChanged, this,
            &PortListener::setReadingPaused);
}

PortListener::~PortListener()
{
    // Normally every session has finished and the files are closed; this covers teardown.
    for (Session *session : m_sessions)
        session->disconnect(this);
}

bool PortListener::listen(const QHostAddress &address, QString *error)
{
    auto *server = new AcceptServer([this](int descriptor) { accept(descriptor); }, this);
    QString reason;
    if (!server->open(address, m_port, &reason)) {
        delete server;
        if (error)
            *error = reason;
        m_stats.state = PortStats::State::Error;
        m_stats.error = reason;
        return false;
    }
    m_server = server;
    connect(m_server, &AcceptServer::acceptFailed, this, [this](const QString &why) {
        qCDebug(lcCore) << "accept error on port" << m_port << why;
        // Not resumed while short of descriptors: HeldConnections resumes once there are some.
        Q_EMIT m_parts.events->warningRaised(
            u"port %1: cannot accept a connection: %2; retrying in %3 s"_s.arg(m_port).arg(why).arg(
                AcceptServer::resumeAcceptingAfterMs / 1000));
    });
    m_stats.state = PortStats::State::Listening;
    return true;
}

void PortListener::stopAccepting()
{
    if (!m_server)
        return;
    m_held->retry(); // the kernel's backlog may still be full of what could not be opened
    // Connections the kernel completed but Qt has not accepted yet may already carry data.
    for (int round = 0; round < maxAcceptRoundsAtStop && m_server->isListening(); ++round) {
        bool timedOut = false;
        if (!m_server->waitForNewConnection(0, &timedOut)) // accepts through accept(int)
            break;
    }
    m_server->close();
}

void PortListener::accept(int fd)
{
    // Qt accepts with blocking descriptors (its sockets switch them later); ours never block.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (m_settings.proxyProtocol) {
        // Who the connection is from is known once its header is read.
        if (m_admission->checkProxyTrusted(fd))
            m_proxyHeaders->start(fd);
        return;
    }
    ConnectionOrigin origin;
    std::tie(origin.address, origin.port) = socketEndpoint(fd, EndpointSide::Peer);
    origin.address = normalizedAddress(origin.address);
    admit(fd, origin);
}

void PortListener::admit(int fd, const ConnectionOrigin &origin)
{
    // A balancer's own connections (health checks: PROXY LOCAL) are not the clients --allow
    // is about; the balancer is trusted through --proxy-from.
    const bool balancerItself = m_settings.proxyProtocol && origin.via.isEmpty();
    if (!balancerItself && !m_admission->checkAllowed(fd, origin))
        return;
    if (m_admission->isFull(activeSessions())) {
        // Qt accepts a whole backlog before any session reads: peers that already closed
        // still count as open until their end is read. Read them first.
        const std::vector<Session *> sessions = m_sessions;
        for (Session *session : sessions)
            session->readNow();
    }
    if (!m_admission->checkLimits(fd, origin, activeSessions()))
        return;

    const quint64 id = m_parts.counters->nextConnectionId++;
    ++m_stats.totalConnections;
    ++m_parts.counters->openConnections;
    if (m_settings.tls) {
        // The session comes once the handshake has succeeded.
        m_handshakes->start(fd, id, origin);
        return;
    }
    auto source = std::make_unique<DescriptorSource>(fd);
    const std::shared_ptr<FileSeries> series = m_files->seriesFor(origin.address, origin.port);
    adoptSession(new Session(id, std::move(source), origin, series, m_parts.readBuffer, this));
    // The reserve for a file was used and no descriptor is free to take it again: no more
    // sockets until there is one, or the connections could hold them all with no file.
    if (!m_parts.spareDescriptor->reserve())
        m_held->hold();
}

void PortListener::setReadingPaused(bool paused)
{
    for (Session *session : m_sessions)
        session->setPaused(paused);
}

void PortListener::onSessionWaitingForFile(Session *session, const QString &reason)
{
    m_stats.error = reason;
    m_held->wait(session);
}

void PortListener::onSessionFileUnavailable(Session *session, const QString &reason)
{
    const ConnectionInfo info = session->info();
    m_stats.state = PortStats::State::Error;
    m_stats.error = reason;
    Q_EMIT m_parts.events->errorRaised(
        u"port %1: connection from %2 %3"_s.arg(m_port).arg(info.peerText(), reason));
}

void PortListener::onHandshakeDone(QSslSocket *socket, quint64 id, const ConnectionOrigin &origin)
{
    const std::shared_ptr<FileSeries> series = m_files->seriesFor(origin.address, origin.port);
    adoptSession(new Session(id, std::make_unique<TlsSource>(socket), origin, series,
                             m_parts.readBuffer, this));
}

void PortListener::adoptSession(Session *session)
{
    const std::shared_ptr<FileSeries> series = session->series();
    if (m_parts.freeSpace->isPaused())
        session->setPaused(true);
    connect(session, &Session::writeFailed, this, &PortListener::onSessionWriteFailed);
    connect(session, &Session::waitingForFile, this, &PortListener::onSessionWaitingForFile);
    connect(session, &Session::fileUnavailable, this, &PortListener::onSessionFileUnavailable);
    connect(session, &Session::finished, this, &PortListener::onSessionFinished);
    connect(session, &Session::recordingStarted, this,
            [this](Session *s) { Q_EMIT m_parts.events->connectionRecording(s->info()); });

    // Warn when a port's connections start to overlap, not for each of thousands that follow.
    const bool concurrent = m_settings.split == SplitMode::Port && m_sessions.size() == 1;
    m_sessions.push_back(session);
    m_stats.error.clear();
    updateState();
    Q_EMIT m_parts.events->connectionOpened(session->info());
    if (concurrent) {
        Q_EMIT m_parts.events->warningRaised(
            u"port %1: connection from %2 is concurrent with another; with --split port "
            "their data interleave in %3 at read boundaries (use --split connection to keep "
            "them apart); more overlapping connections on this port are not reported until "
            "it is idle again"_s.arg(m_port)
                .arg(session->info().peerText(), QFileInfo(series->currentPath()).fileName()));
    }
}

void PortListener::onSessionWriteFailed(Session *session, const QString &reason)
{
    const std::shared_ptr<FileSeries> series = session->series();
    FileInfo info = series->currentFileInfo().value_or(FileInfo{});
    info.path = series->currentPath();
    info.port = m_port;
    info.state = FileInfo::State::Error;
    info.error = reason;
    ++m_parts.counters->writeErrors;
    m_stats.state = PortStats::State::Error;
    m_stats.error = u"write error on %1: %2"_s.arg(info.path, reason);
    m_files->writeFailed(series);
    Q_EMIT m_parts.events->writeFailed(info);

    // Every other connection writing to the same file loses its destination too.
    const std::vector<Session *> sharing = m_sessions;
    for (Session *other : sharing) {
        if (other != session && other->series() == series)
            other->finish(u"write error: %1"_s.arg(reason));
    }
}

void PortListener::onSessionFinished(Session *session)
{
    const auto it = std::find(m_sessions.begin(), m_sessions.end(), session);
    if (it == m_sessions.end())
        return;
    m_sessions.erase(it);
    m_held->remove(session);
    --m_parts.counters->openConnections;
    const ConnectionInfo info = session->info();
    if (session->sentNothing())
        ++m_stats.emptyConnections; // a port scan, a health check: no file was made for it
    m_closedBytesReceived += info.bytesReceived;
    m_closedBytesWritten += info.bytesWritten;
    const std::shared_ptr<FileSeries> series = session->series();
    session->deleteLater();

    Q_EMIT m_parts.events->connectionClosed(info);
    m_files->release(series, info.closeReason);
    if (m_held->isShort()) // its descriptors are free now: a waiting connection may get a file
        QMetaObject::invokeMethod(m_held, &HeldConnections::retry, Qt::QueuedConnection);
    updateState();
    Q_EMIT sessionFinished();
}

void PortListener::finishSessions(const QString &reason, bool finalRead)
{
    // Headers that arrived before the stop are taken: their data was sent before it too.
    m_proxyHeaders->finishAll();
    m_handshakes->abortAll(u"stopped during the TLS handshake"_s);
    m_refusalLog->flush();
    m_held->stop();
    const std::vector<Session *> sessions = m_sessions;
    for (Session *session : sessions) {
        if (finalRead) {
            session->finishAfterFinalRead(reason);
            if (session->leftUnread() > 0) {
                ++m_parts.counters->leftUnreadConnections;
                m_parts.counters->leftUnreadBytes += session->leftUnread();
            }
        } else
            session->finish(reason);
    }
}

void PortListener::closeFiles()
{
    m_files->closePortFile();
    if (m_server) {
        m_server->close();
    }
    m_stats.state = PortStats::State::Closed;
    m_stats.currentFile.clear();
    m_stats.activeConnections = 0;
    m_stats.rate = 0;
}

void PortListener::updateState()
{
    m_stats.activeConnections = int(m_sessions.size());
    if (m_stats.state == PortStats::State::Closed)
        return;
    if (!m_stats.error.isEmpty())
        m_stats.state = PortStats::State::Error;
    else
        m_stats.state =
            m_sessions.empty() ? PortStats::State::Listening : PortStats::State::Receiving;
    m_stats.currentFile = m_files->currentFile();
}

void PortListener::tick(double seconds)
{
    if (m_settings.rotateIntervalSec > 0)
        m_files->checkIntervals(QDateTime::currentMSecsSinceEpoch());
    if (m_settings.idleTimeoutMs > 0 && !m_parts.freeSpace->isPaused()) {
        const std::vector<Session *> sessions = m_sessions;
        for (Session *session : sessions) {
            if (session->isWaitingForFile() || session->idleMs() < m_settings.idleTimeoutMs)
                continue;
            session->readNow(); // what arrived unread since, or a close, is taken first
            if (!session->isFinished() && session->idleMs() >= m_settings.idleTimeoutMs) {
                ++m_stats.idleClosed;
                session->finish(u"idle timeout"_s);
            }
        }
    }
    quint64 bytes = m_closedBytesReceived;
    for (Session *session : m_sessions) {
        session->tick(seconds);
        bytes += session->bytesReceived();
    }
    m_stats.bytes = bytes;
    m_stats.rate = seconds > 0 ? double(bytes - m_bytesAtLastTick) / seconds : 0.0;
    m_bytesAtLastTick = bytes;
    updateState();
}

int PortListener::activeSessions() const
{
    return int(m_sessions.size()) + m_handshakes->count();
}

PortStats PortListener::stats() const
{
    PortStats stats = m_stats;
    stats.refusedNotAllowed = m_admission->refusedNotAllowed();
    stats.refusedOverLimit = m_admission->refusedOverLimit();
    stats.tlsFailed = m_handshakes->failed();
    stats.refusedProxyUntrusted = m_admission->refusedProxyUntrusted();
    stats.proxyFailed = m_proxyHeaders->failed();
    stats.totalConnections += m_proxyHeaders->closedEmpty();
    stats.emptyConnections += m_proxyHeaders->closedEmpty();
    stats.files = m_files->filesOpened();
    return stats;
}

PortSummary PortListener::summary() const
{
    PortSummary s;
    s.port = m_port;
    s.files = m_files->filesOpened();
    s.connections = m_stats.totalConnections + m_proxyHeaders->closedEmpty();
    s.emptyConnections = m_stats.emptyConnections + m_proxyHeaders->closedEmpty();
    s.bytesReceived = m_closedBytesReceived;
    s.bytesWritten = m_closedBytesWritten;
    for (const Session *session : m_sessions) {
        s.bytesReceived += session->info().bytesReceived;
        s.bytesWritten += session->info().bytesWritten;
    }
    return s;
}

void PortListener::appendOpenConnections(QList<ConnectionInfo> *out) const
{
    for (const Session *session : m_sessions)
        out->append(session->info());
}

} // namespace capture

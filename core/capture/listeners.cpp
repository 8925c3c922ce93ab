#include "core/capture/listeners.h"

#include "core/capture/captureevents.h"
#include "core/capture/portfiles.h"
#include "core/capture/portlistener.h"
#include "core/capture/udplistener.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

QList<ListenFailure> Listeners::bind(const CaptureSettings &settings, const RunParts &tcpParts,
                                     const RunParts &udpParts, UdpBatch *batch, QObject *parent)
{
    QList<ListenFailure> failures;
    for (const quint16 port : settings.ports) {
        auto *listener = new PortListener(port, settings, tcpParts, parent);
        QString error;
        if (!listener->listen(settings.bindAddress, &error)) {
            failures.append({port, error});
            delete listener;
            continue;
        }
        m_tcp.append(listener);
    }
    for (const quint16 port : settings.udpPorts) {
        auto *listener = new UdpListener(port, settings, udpParts, batch, parent);
        QString error;
        if (!listener->listen(settings.bindAddress, &error)) {
            failures.append({port, u"UDP: %1"_s.arg(error), PortStats::Protocol::Udp});
            delete listener;
            continue;
        }
        m_udp.append(listener);
    }
    return failures;
}

void Listeners::start(const QHostAddress &address, CaptureEvents *events)
{
    for (const PortListener *listener : std::as_const(m_tcp))
        Q_EMIT events->listening(address, listener->port());
    for (UdpListener *listener : std::as_const(m_udp)) {
        listener->start();
        Q_EMIT events->listeningUdp(address, listener->port());
    }
}

void Listeners::stopAccepting()
{
    for (PortListener *listener : std::as_const(m_tcp))
        listener->stopAccepting();
    for (UdpListener *listener : std::as_const(m_udp))
        listener->finalRead(); // what the kernel holds now; UDP has nothing to drain
}

void Listeners::closeAtOnce()
{
    for (PortListener *listener : std::as_const(m_tcp)) {
        listener->closeFiles(); // stops listening; the port file closes once its sessions end
        listener->finishSessions(u"stopped at once"_s, false);
    }
    for (UdpListener *listener : std::as_const(m_udp))
        listener->closeFiles();
}

void Listeners::finishSessions(const QString &reason, bool finalRead)
{
    for (PortListener *listener : std::as_const(m_tcp))
        listener->finishSessions(reason, finalRead);
}

void Listeners::closeFiles()
{
    for (PortListener *listener : std::as_const(m_tcp))
        listener->closeFiles();
    for (UdpListener *listener : std::as_const(m_udp))
        listener->closeFiles();
}

int Listeners::activeSessions() const
{
    int n = 0;
    for (const PortListener *listener : m_tcp)
        n += listener->activeSessions();
    return n;
}

void Listeners::addTo(StatsSnapshot *snapshot, double seconds)
{
    snapshot->ports.reserve(m_tcp.size() + m_udp.size());
    for (PortListener *listener : std::as_const(m_tcp)) {
        listener->tick(seconds);
        addPort(snapshot, listener->stats());
        listener->appendOpenConnections(&snapshot->connections);
        listener->files()->appendOpenFiles(&snapshot->files);
    }
    for (UdpListener *listener : std::as_const(m_udp)) {
        listener->tick(seconds);
        addPort(snapshot, listener->stats());
        listener->files()->appendOpenFiles(&snapshot->files);
    }
}

void Listeners::addTo(StopSummary *summary) const
{
    const auto add = [summary](const PortSummary &port) {
        summary->ports.append(port);
        summary->bytesReceived += port.bytesReceived;
        summary->bytesWritten += port.bytesWritten;
    };
    for (const PortListener *listener : m_tcp)
        add(listener->summary());
    for (const UdpListener *listener : m_udp)
        add(listener->summary());
}

QList<PortFiles *> Listeners::files() const
{
    QList<PortFiles *> files;
    for (const PortListener *listener : m_tcp)
        files.append(listener->files());
    for (const UdpListener *listener : m_udp)
        files.append(listener->files());
    return files;
}

void Listeners::clear(QObject *receiver)
{
    for (PortListener *listener : std::as_const(m_tcp)) {
        listener->disconnect(receiver);
        listener->deleteLater();
    }
    for (UdpListener *listener : std::as_const(m_udp))
        listener->deleteLater();
    m_tcp.clear();
    m_udp.clear();
}

} // namespace capture

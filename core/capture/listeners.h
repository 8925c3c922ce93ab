#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/capture/runparts.h"

#include <QList>

class QObject;

namespace capture {

class CaptureEvents;
class PortFiles;
class PortListener;
class UdpBatch;
class UdpListener;

/// Every port of one run: a PortListener per TCP port (--ports), a UdpListener per UDP port
/// (--udp-ports). What the engine does to "all ports" it does here, once for both kinds.
class Listeners
{
public:
    /// Binds every port (TCP with `tcpParts`, UDP with `udpParts` and the thread's read slots
    /// `batch`), children of `parent`; the ports that could not be bound, none on success.
    QList<ListenFailure> bind(const CaptureSettings &settings, const RunParts &tcpParts,
                              const RunParts &udpParts, UdpBatch *batch, QObject *parent);
    /// After a successful start: the UDP ports start reading; listening() for each port.
    void start(const QHostAddress &address, CaptureEvents *events);
    /// The TCP ports stop accepting; the UDP ports read what the kernel holds and stop.
    void stopAccepting();
    /// Immediate stop: every file closes, open connections end ("stopped at once").
    void closeAtOnce();
    /// Asks each TCP port's connections to end (PortListener::finishSessions()).
    void finishSessions(const QString &reason, bool finalRead);
    void closeFiles();
    int activeSessions() const;
    /// Ticks every port and adds its figures, connections and open files to `snapshot`.
    void addTo(StatsSnapshot *snapshot, double seconds);
    /// Each port's summary, and their totals, into `summary`.
    void addTo(StopSummary *summary) const;
    /// Every port's files, TCP and UDP.
    QList<PortFiles *> files() const;
    const QList<PortListener *> &tcp() const { return m_tcp; }
    /// The listeners are deleted later (what they report then goes where `receiver` no longer
    /// listens: they are disconnected from it).
    void clear(QObject *receiver);

private:
    QList<PortListener *> m_tcp;
    QList<UdpListener *> m_udp;
};

} // namespace capture

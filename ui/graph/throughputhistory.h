#pragma once

#include "core/capture/capturetypes.h"

#include <QDateTime>
#include <QHash>
#include <QList>

#include <vector>

namespace capture {

/// A port's series: its number and protocol (a port may be in --ports and --udp-ports both).
struct PortKey
{
    PortKey(quint16 p = 0, PortStats::Protocol proto = PortStats::Protocol::Tcp) // NOLINT
        : port(p)
        , protocol(proto)
    {}
    quint16 port;
    PortStats::Protocol protocol;

    /// "port 5000", "port 5000/udp".
    QString name() const;
    auto operator<=>(const PortKey &) const = default;
    bool operator==(const PortKey &) const = default;
};
inline size_t qHash(const PortKey &key, size_t seed = 0)
{
    return ::qHash(uint(key.port) | (key.protocol == PortStats::Protocol::Udp ? 0x10000U : 0U),
                   seed);
}

/// Bounded history of throughput (bytes per second) for the total and for each port,
/// fed by the engine's snapshots. Every series is a ring of at most `capacity` samples,
/// so memory stays bounded however long the capture runs.
class ThroughputHistory
{
public:
    struct Sample
    {
        qint64 timeMs = 0;       ///< msecs since epoch
        double rate = 0;         ///< bytes per second
        double datagramRate = 0; ///< UDP ports: datagrams per second
        double bytes = 0;        ///< the engine's cumulative byte counter at timeMs
        double datagrams = 0;    ///< UDP ports: its cumulative datagram counter

        bool operator==(const Sample &) const = default;
    };

    /// 14400 samples = one hour at the engine's 4 Hz.
    explicit ThroughputHistory(int capacity = 14400, int maxPortSeries = 256);

    /// Records the snapshot's total rate and each port's rate at snapshot.time.
    /// A snapshot without a valid time is ignored; ports beyond the first `maxPortSeries`
    /// distinct ports seen get no series (their rates still count in the total).
    void append(const StatsSnapshot &snapshot);
    void clear();

    int capacity() const;
    /// Samples of the total, oldest first, with timeMs >= sinceMs.
    QList<Sample> total(qint64 sinceMs = 0) const;
    /// Samples of one port, oldest first; empty for an unknown port.
    QList<Sample> port(PortKey port, qint64 sinceMs = 0) const;
    QList<PortKey> ports() const;
    /// Time of the newest sample (0 when empty).
    qint64 latestTimeMs() const;

    /// Rates averaged over intervals of `intervalMs` (aligned to multiples of it since the
    /// epoch), like Wireshark's I/O graph: one sample per interval holding samples, at the
    /// time of its newest sample, whose rate is the growth of the cumulative counters (bytes,
    /// datagrams) since the newest sample one interval or more before it, divided by the time
    /// between them (the newest interval, still filling, so shows the last full interval's
    /// average). Not the mean of the instantaneous `rate` fields: a sender whose bytes arrive
    /// in every other 250 ms snapshot is drawn flat at its mean. Counters compare only within
    /// a continuous stretch (no gap over `gapMs`, no counter going back): its first samples
    /// average over the time since its start, and a stretch of one sample keeps its `rate`.
    static QList<Sample> averaged(const QList<Sample> &samples, qint64 intervalMs, qint64 gapMs);

private:
    /// Grows on demand up to `capacity`, then overwrites the oldest sample, so idle port
    /// series cost nothing until they carry data.
    struct Ring
    {
        std::vector<Sample> samples;
        size_t next = 0; ///< index of the oldest sample once full; 0 while growing
        void push(const Sample &sample, size_t capacity);
        QList<Sample> since(qint64 sinceMs) const;
        const Sample *newest() const;
    };

    int m_capacity;
    int m_maxPortSeries;
    Ring m_total;
    QHash<PortKey, Ring> m_ports;
};

} // namespace capture

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

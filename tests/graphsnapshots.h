#pragma once

// Snapshots for the graph's tests, with the engine's cumulative byte counters.

#include "core/capture/capturetypes.h"
#include "ui/graph/throughputhistory.h"

#include <QDateTime>
#include <QHash>

#include <cmath>
#include <utility>

namespace graphtest {

using namespace capture;

using Sample = ThroughputHistory::Sample;
using PortRates = QList<std::pair<quint16, double>>;

constexpr qint64 BaseMs = 1'700'000'000'000;
constexpr qint64 Tick = 250; // the engine's 4 Hz

// The engine's cumulative byte counters: each snapshot adds its rate × the time since the
// previous snapshot (one tick for the first, or when time goes back). Reset before each test.
struct Counters
{
    qint64 lastMs = 0;
    quint64 total = 0;
    QHash<int, quint64> ports; ///< by position in the snapshot's port list
};
inline Counters counters;

inline quint64 grow(quint64 &counter, double rate, qint64 elapsedMs)
{
    if (std::isfinite(rate) && rate > 0)
        counter += quint64(std::llround(rate * double(elapsedMs) / 1000.0));
    return counter;
}

inline StatsSnapshot snapshot(qint64 timeMs, double totalRate, const PortRates &ports = {})
{
    const qint64 elapsed =
        counters.lastMs > 0 && timeMs > counters.lastMs ? timeMs - counters.lastMs : Tick;
    counters.lastMs = timeMs;
    StatsSnapshot s;
    s.time = QDateTime::fromMSecsSinceEpoch(timeMs);
    s.totalRate = totalRate;
    s.totalBytes = grow(counters.total, totalRate, elapsed);
    for (const auto &[port, rate] : ports) {
        PortStats stats;
        stats.port = port;
        stats.rate = rate;
        stats.bytes = grow(counters.ports[int(s.ports.size())], rate, elapsed);
        s.ports.append(stats);
    }
    return s;
}

} // namespace graphtest

#include "ui/graph/throughputhistory.h"

#include <algorithm>
#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString PortKey::name() const
{
    return protocol == PortStats::Protocol::Udp ? u"port %1/udp"_s.arg(port)
                                                : u"port %1"_s.arg(port);
}

namespace {

double sanitizedRate(double rate)
{
    return std::isfinite(rate) && rate > 0 ? rate : 0.0;
}

} // namespace

void ThroughputHistory::Ring::push(const Sample &sample, size_t capacity)
{
    if (samples.size() < capacity) {
        samples.push_back(sample);
        return;
    }
    samples[next] = sample;
    next = (next + 1) % capacity;
}

QList<ThroughputHistory::Sample> ThroughputHistory::Ring::since(qint64 sinceMs) const
{
    QList<Sample> result;
    const size_t count = samples.size();
    // Linear rather than binary search: a wall-clock step backwards may leave the ring unsorted.
    for (size_t i = 0; i < count; ++i) {
        const Sample &sample = samples[(next + i) % count];
        if (sample.timeMs >= sinceMs)
            result.append(sample);
    }
    return result;
}

const ThroughputHistory::Sample *ThroughputHistory::Ring::newest() const
{
    if (samples.empty())
        return nullptr;
    return &samples[(next + samples.size() - 1) % samples.size()];
}

ThroughputHistory::ThroughputHistory(int capacity, int maxPortSeries)
    : m_capacity(std::max(capacity, 1))
    , m_maxPortSeries(std::max(maxPortSeries, 0))
{}

void ThroughputHistory::append(const StatsSnapshot &snapshot)
{
    if (!snapshot.time.isValid())
        return;
    const qint64 timeMs = snapshot.time.toMSecsSinceEpoch();
    const auto capacity = size_t(m_capacity);
    m_total.push({timeMs, sanitizedRate(snapshot.totalRate)}, capacity);
    for (const PortStats &stats : snapshot.ports) {
        const PortKey key(stats.port, stats.protocol);
        auto it = m_ports.find(key);
        if (it == m_ports.end()) {
            // Bounded memory with thousands of ports: later ports are simply not recorded.
            if (m_ports.size() >= m_maxPortSeries)
                continue;
            it = m_ports.insert(key, Ring{});
        }
        it->push({timeMs, sanitizedRate(stats.rate), sanitizedRate(stats.datagramRate)}, capacity);
    }
}

void ThroughputHistory::clear()
{
    m_total = Ring{};
    m_ports.clear();
}

int ThroughputHistory::capacity() const
{
    return m_capacity;
}

QList<ThroughputHistory::Sample> ThroughputHistory::total(qint64 sinceMs) const
{
    return m_total.since(sinceMs);
}

QList<ThroughputHistory::Sample> ThroughputHistory::port(PortKey port, qint64 sinceMs) const
{
    const auto it = m_ports.constFind(port);
    return it == m_ports.cend() ? QList<Sample>{} : it->since(sinceMs);
}

QList<PortKey> ThroughputHistory::ports() const
{
    QList<PortKey> result = m_ports.keys();
    std::sort(result.begin(), result.end());
    return result;
}

qint64 ThroughputHistory::latestTimeMs() const
{
    const Sample *newest = m_total.newest();
    return newest ? newest->timeMs : 0;
}

} // namespace capture

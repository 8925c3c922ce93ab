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
    m_total.push({timeMs, sanitizedRate(snapshot.totalRate), 0, double(snapshot.totalBytes), 0},
                 capacity);
    for (const PortStats &stats : snapshot.ports) {
        const PortKey key(stats.port, stats.protocol);
        auto it = m_ports.find(key);
        if (it == m_ports.end()) {
            // Bounded memory with thousands of ports: later ports are simply not recorded.
            if (m_ports.size() >= m_maxPortSeries)
                continue;
            it = m_ports.insert(key, Ring{});
        }
        it->push({timeMs, sanitizedRate(stats.rate), sanitizedRate(stats.datagramRate),
                  double(stats.bytes), double(stats.datagrams)},
                 capacity);
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

QList<ThroughputHistory::Sample> ThroughputHistory::averaged(const QList<Sample> &samples,
                                                             qint64 intervalMs, qint64 gapMs)
{
    if (intervalMs <= 0)
        return samples;
    const auto bucketOf = [intervalMs](qint64 timeMs) {
        return timeMs >= 0 ? timeMs / intervalMs : (timeMs + 1) / intervalMs - 1;
    };
    // Counters are comparable from one sample to the next unless time went back, they did
    // (a new start) or there is a gap (a stopped capture).
    const auto continuous = [gapMs](const Sample &before, const Sample &after) {
        return before.timeMs < after.timeMs && after.timeMs - before.timeMs <= gapMs &&
               before.bytes <= after.bytes && before.datagrams <= after.datagrams;
    };
    QList<Sample> result;
    qsizetype stretchStart = 0; // the first sample of the current continuous stretch
    qsizetype base = 0;
    qsizetype i = 0;
    while (i < samples.size()) {
        if (i > 0 && !continuous(samples[i - 1], samples[i]))
            stretchStart = i;
        // [i, end): one interval's samples.
        const qint64 bucket = bucketOf(samples[i].timeMs);
        qsizetype end = i + 1;
        while (end < samples.size() && bucketOf(samples[end].timeMs) == bucket &&
               continuous(samples[end - 1], samples[end]))
            ++end;
        const Sample &last = samples[end - 1];
        // The base: the newest sample one interval or more before the last one (for a full
        // interval, the previous interval's newest; for the newest, still filling interval a
        // sliding average over the last interval), else the stretch's first sample.
        base = std::max(base, stretchStart);
        while (base + 1 < end - 1 && samples[base + 1].timeMs <= last.timeMs - intervalMs)
            ++base;
        Sample average = last;
        if (base < end - 1 && last.timeMs > samples[base].timeMs) {
            const double seconds = double(last.timeMs - samples[base].timeMs) / 1000.0;
            average.rate = (last.bytes - samples[base].bytes) / seconds;
            average.datagramRate = (last.datagrams - samples[base].datagrams) / seconds;
        }
        result.append(average);
        i = end;
    }
    return result;
}

} // namespace capture

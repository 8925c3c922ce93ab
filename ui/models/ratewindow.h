#pragma once

#include <QHash>
#include <QList>

namespace capture {

/// Rates averaged over a sliding window, from cumulative counters sampled at known times (the
/// engine's 250 ms snapshots): a steady sender reads steady instead of blinking between one
/// sample's bytes and none. Each key (a port, a connection, the total) keeps its own samples.
class RateWindow
{
public:
    explicit RateWindow(qint64 windowMs = 1000)
        : m_windowMs(windowMs)
    {}

    /// Records `count` (cumulative) for `key` at `timeMs` and returns the rate per second over
    /// the last window. With a single sample there is no interval yet: `fallback` is returned.
    /// A counter that went back (a new run) or a time that went back starts the key afresh.
    double add(qint64 key, qint64 timeMs, quint64 count, double fallback = 0);
    /// The rate add() last returned for `key` (0 for an unknown key).
    double rate(qint64 key) const;
    void remove(qint64 key) { m_samples.remove(key); }
    void clear() { m_samples.clear(); }
    qint64 windowMs() const { return m_windowMs; }

private:
    struct Sample
    {
        qint64 timeMs = 0;
        quint64 count = 0;
    };
    struct Series
    {
        QList<Sample> samples; ///< oldest first; the first is at or before the window's start
        double rate = 0;
    };

    qint64 m_windowMs;
    QHash<qint64, Series> m_samples;
};

} // namespace capture

#pragma once

#include "ui/graph/throughputhistory.h"

#include <QList>
#include <QPolygonF>
#include <QRectF>
#include <QString>
#include <QStringList>

namespace capture {

/// The throughput graph's value (y) axis. Linear: from 0 to a "nice" maximum, 1, 2, 2.5 or
/// 5 × 10^n bytes per second and at least 1 kB/s, in 4 or 5 equal divisions labelled in rate
/// units. Logarithmic: from `minimum` to `maximum`, both powers of ten, one division per decade.
struct RateAxis
{
    static constexpr double MinimumMaximum = 1000.0;
    /// A log axis spans at most this many decades (smaller rates sit on its bottom edge).
    static constexpr int MaximumDecades = 6;

    double maximum = MinimumMaximum;
    int divisions = 4;
    bool log = false;
    double minimum = 0; ///< the bottom: 0 when linear, a power of ten ≥ 1 B/s when log

    /// The smallest nice maximum ≥ `peak` (the minimum for 0, negative or non-finite peaks).
    static RateAxis forPeak(double peak);
    /// A log axis from the decade below `lowest` (the smallest positive rate shown; at
    /// least one decade, at most MaximumDecades below the top) to the decade at or above
    /// `peak` (at least 1 kB/s).
    static RateAxis logForRange(double lowest, double peak);
    /// One label per division boundary, from the bottom: {"0 B/s", …, formatRate(maximum)};
    /// log axes: {"1 kB/s", "10 kB/s", "100 kB/s", "1 MB/s"}.
    QStringList labels() const;
    /// Where `rate` sits between the bottom (0) and the top (1), clamped to [0, 1]: zero and
    /// rates below a log axis' bottom are drawn on the bottom edge.
    double fraction(double rate) const;
    /// "1 kB/s", "10 MB/s": a power of ten in rate units, without decimals.
    static QString decadeLabel(double rate);

    bool operator==(const RateAxis &) const = default;
};

/// The throughput graph's time (x) axis: a tick every `stepSeconds` back from the newest
/// sample ("now"), labelled in seconds for windows up to a minute and in minutes beyond.
struct TimeAxis
{
    qint64 stepSeconds = 10;
    bool minutes = false;

    /// The shortest of the window's usual steps whose ticks are at least `minimumSpacing`
    /// pixels apart on a plot `plotWidth` wide; the longest step when none is.
    static TimeAxis forWindow(qint64 windowMs, qreal plotWidth, qreal minimumSpacing);
    /// The widest label this window's axis shows ("-60 s" or "-60 min"), to measure.
    static QString widestLabel(qint64 windowMs);
    /// "now", "-30 s", "-5 min".
    QString label(qint64 secondsBefore) const;

    bool operator==(const TimeAxis &) const = default;
};

/// Maps times (msecs since epoch) and rates (bytes per second) onto a plot rectangle: the
/// window [startMs, endMs] spans its width, 0 … `maximum` its height (bottom up).
class PlotScale
{
public:
    using Sample = ThroughputHistory::Sample;

    PlotScale(const QRectF &plot, qint64 startMs, qint64 endMs, double maximum);
    PlotScale(const QRectF &plot, qint64 startMs, qint64 endMs, const RateAxis &axis);

    qreal x(qint64 timeMs) const;
    /// Rates outside 0 … maximum are drawn at the plot's edge.
    qreal y(double rate) const;
    /// The time under `x`, to the millisecond; only meaningful within the plot.
    qint64 timeAt(qreal x) const;
    /// Whether `x` lies within the plot, edges included.
    bool containsX(qreal x) const;
    /// The whole-pixel y of grid line `i` of `divisions` (0: bottom).
    qreal gridY(int i, int divisions) const;
    /// The whole-pixel x of the tick `secondsBefore` the window's end.
    qreal tickX(qint64 secondsBefore) const;

    /// The lines that draw `samples` (oldest first): consecutive samples are joined unless
    /// more than `gapMs` apart or out of order. With more samples than pixel columns, each
    /// column holds its lowest and highest rate in the order they occurred, so spikes stay
    /// visible. A piece of one point is drawn as a point.
    QList<QPolygonF> polylines(const QList<Sample> &samples, qint64 gapMs) const;

    /// Samples further apart than this are not joined: three times their usual spacing (so
    /// a stopped capture shows as a gap, not a ramp), at least 2 s.
    static qint64 joinGapMs(const QList<Sample> &samples);
    /// The sample closest in time to `timeMs` (the first of equally close ones); null when
    /// there is none.
    static const Sample *nearest(const QList<Sample> &samples, qint64 timeMs);

private:
    QRectF m_plot;
    qint64 m_startMs;
    qint64 m_windowMs;
    RateAxis m_axis;
};

} // namespace capture

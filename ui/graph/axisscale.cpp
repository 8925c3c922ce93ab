#include "ui/graph/axisscale.h"

#include "core/util/units.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

constexpr qint64 MinimumGapMs = 2000;

// The usual spacing of the samples: the median of their positive intervals.
qint64 typicalIntervalMs(const QList<PlotScale::Sample> &samples)
{
    std::vector<qint64> intervals;
    intervals.reserve(size_t(std::max<qsizetype>(samples.size() - 1, 0)));
    for (qsizetype i = 1; i < samples.size(); ++i) {
        const qint64 interval = samples[i].timeMs - samples[i - 1].timeMs;
        if (interval > 0)
            intervals.push_back(interval);
    }
    if (intervals.empty())
        return 0;
    const auto middle = intervals.begin() + std::ptrdiff_t(intervals.size() / 2);
    std::nth_element(intervals.begin(), middle, intervals.end());
    return *middle;
}

} // namespace

RateAxis RateAxis::forPeak(double peak)
{
    if (!(peak > MinimumMaximum) || !std::isfinite(peak))
        peak = MinimumMaximum;
    const double base = std::pow(10.0, std::floor(std::log10(peak)));
    static constexpr std::array<std::pair<double, int>, 5> steps{
        {{1.0, 4}, {2.0, 4}, {2.5, 5}, {5.0, 5}, {10.0, 4}}};
    for (const auto &[factor, divisions] : steps) {
        if (factor * base >= peak)
            return {factor * base, divisions};
    }
    return {10.0 * base, 4};
}

RateAxis RateAxis::logForRange(double lowest, double peak)
{
    if (!(peak > MinimumMaximum) || !std::isfinite(peak))
        peak = MinimumMaximum;
    const double topExponent = std::ceil(std::log10(peak) - 1e-9);
    double bottomExponent = topExponent - 1;
    if (lowest > 0 && std::isfinite(lowest))
        // The decade below the lowest rate, so that a rate of exactly 1 MB/s is not drawn on
        // the bottom edge, where zero lies.
        bottomExponent = std::min(bottomExponent, std::ceil(std::log10(lowest) - 1e-9) - 1);
    bottomExponent = std::max({bottomExponent, topExponent - MaximumDecades, 0.0});
    RateAxis axis;
    axis.log = true;
    axis.maximum = std::pow(10.0, topExponent);
    axis.minimum = std::pow(10.0, bottomExponent);
    axis.divisions = int(topExponent - bottomExponent);
    return axis;
}

double RateAxis::fraction(double rate) const
{
    if (!log)
        return std::clamp(rate / maximum, 0.0, 1.0);
    if (!(rate > minimum))
        return 0.0;
    return std::clamp(std::log10(rate / minimum) / std::log10(maximum / minimum), 0.0, 1.0);
}

QString RateAxis::decadeLabel(double rate)
{
    static const char *const units[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
    double value = rate;
    int unit = 0;
    while (value >= 999.5 && unit < 4) {
        value /= 1000.0;
        ++unit;
    }
    return u"%1 %2"_s.arg(QString::number(std::round(value), 'f', 0),
                          QLatin1StringView(units[unit]));
}

QStringList RateAxis::labels() const
{
    QStringList out;
    if (log) {
        for (int i = 0; i <= divisions; ++i)
            out.append(decadeLabel(minimum * std::pow(10.0, i)));
        return out;
    }
    for (int i = 0; i <= divisions; ++i)
        out.append(formatRate(maximum * i / divisions));
    return out;
}

TimeAxis TimeAxis::forWindow(qint64 windowMs, qreal plotWidth, qreal minimumSpacing)
{
    TimeAxis axis;
    std::vector<qint64> candidates;
    if (windowMs <= 60'000) {
        candidates = {10, 15, 20, 30, 60};
    } else {
        axis.minutes = true;
        candidates = windowMs <= 600'000 ? std::vector<qint64>{60, 120, 300, 600}
                                         : std::vector<qint64>{300, 600, 900, 1200, 1800, 3600};
    }
    axis.stepSeconds = candidates.back();
    for (const qint64 step : candidates) {
        if (plotWidth * qreal(step * 1000) / qreal(windowMs) >= minimumSpacing) {
            axis.stepSeconds = step;
            break;
        }
    }
    return axis;
}

QString TimeAxis::widestLabel(qint64 windowMs)
{
    return windowMs <= 60'000 ? u"-60 s"_s : u"-60 min"_s;
}

QString TimeAxis::label(qint64 secondsBefore) const
{
    if (secondsBefore == 0)
        return u"now"_s;
    return minutes ? u"-%1 min"_s.arg(secondsBefore / 60) : u"-%1 s"_s.arg(secondsBefore);
}

PlotScale::PlotScale(const QRectF &plot, qint64 startMs, qint64 endMs, double maximum)
    : PlotScale(plot, startMs, endMs, RateAxis{maximum, 4, false, 0})
{}

PlotScale::PlotScale(const QRectF &plot, qint64 startMs, qint64 endMs, const RateAxis &axis)
    : m_plot(plot)
    , m_startMs(startMs)
    , m_windowMs(endMs - startMs)
    , m_axis(axis)
{}

qreal PlotScale::x(qint64 timeMs) const
{
    return m_plot.left() + m_plot.width() * qreal(timeMs - m_startMs) / qreal(m_windowMs);
}

qreal PlotScale::y(double rate) const
{
    return m_plot.bottom() - m_plot.height() * m_axis.fraction(rate);
}

qint64 PlotScale::timeAt(qreal x) const
{
    return m_startMs +
           qint64(std::llround(qreal(m_windowMs) * (x - m_plot.left()) / m_plot.width()));
}

bool PlotScale::containsX(qreal x) const
{
    return x >= m_plot.left() && x <= m_plot.right();
}

qreal PlotScale::gridY(int i, int divisions) const
{
    return std::round(m_plot.bottom() - m_plot.height() * i / divisions);
}

qreal PlotScale::tickX(qint64 secondsBefore) const
{
    return std::round(m_plot.right() - m_plot.width() * qreal(secondsBefore * 1000) / m_windowMs);
}

QList<QPolygonF> PlotScale::polylines(const QList<Sample> &samples, qint64 gapMs) const
{
    const auto columns = qsizetype(std::ceil(m_plot.width()));
    const bool decimate = samples.size() > columns;
    QList<QPolygonF> pieces(1);
    // Per pixel column, the lowest and highest rate in the order they occurred.
    qsizetype column = -1;
    double low = 0;
    double high = 0;
    bool highFirst = false;
    const auto flushColumn = [&] {
        if (column < 0)
            return;
        const qreal columnX = m_plot.left() + column + 0.5;
        const qreal yLow = y(low);
        const qreal yHigh = y(high);
        if (low == high) {
            pieces.last().append({columnX, yLow});
        } else if (highFirst) {
            pieces.last() << QPointF(columnX, yHigh) << QPointF(columnX, yLow);
        } else {
            pieces.last() << QPointF(columnX, yLow) << QPointF(columnX, yHigh);
        }
    };

    qint64 previousMs = 0;
    for (qsizetype i = 0; i < samples.size(); ++i) {
        const Sample &sample = samples[i];
        if (i > 0 && (sample.timeMs - previousMs > gapMs || sample.timeMs < previousMs)) {
            flushColumn();
            column = -1;
            pieces.append(QPolygonF());
        }
        previousMs = sample.timeMs;
        const qreal sampleX = x(sample.timeMs);
        if (!decimate) {
            pieces.last().append({sampleX, y(sample.rate)});
            continue;
        }
        const qsizetype sampleColumn =
            std::clamp<qsizetype>(qsizetype(sampleX - m_plot.left()), 0, columns - 1);
        if (sampleColumn != column) {
            flushColumn();
            column = sampleColumn;
            low = high = sample.rate;
            highFirst = false;
        } else if (sample.rate > high) {
            high = sample.rate;
            highFirst = false;
        } else if (sample.rate < low) {
            low = sample.rate;
            highFirst = true;
        }
    }
    flushColumn();
    return pieces;
}

qint64 PlotScale::joinGapMs(const QList<Sample> &samples)
{
    return std::max(MinimumGapMs, 3 * typicalIntervalMs(samples));
}

const PlotScale::Sample *PlotScale::nearest(const QList<Sample> &samples, qint64 timeMs)
{
    const Sample *best = nullptr;
    qint64 bestDistance = std::numeric_limits<qint64>::max();
    for (const Sample &sample : samples) {
        const qint64 distance = std::abs(sample.timeMs - timeMs);
        if (distance < bestDistance) {
            best = &sample;
            bestDistance = distance;
        }
    }
    return best;
}

} // namespace capture

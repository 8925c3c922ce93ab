#include "ui/graph/throughputgraph.h"

#include "core/util/units.h"

#include <QDateTime>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

using Sample = ThroughputHistory::Sample;

constexpr int Padding = 6;
constexpr qreal TotalPenWidth = 2.0;
constexpr qreal PortPenWidth = 1.5;
constexpr double MinimumAxis = 1000.0;
constexpr qint64 MinimumGapMs = 2000;
constexpr int SwatchWidth = 14;

// One hue per series, darker on light backgrounds and lighter on dark ones.
constexpr std::array<QRgb, 9> LightColors{0x1f6fc5, 0xd9730d, 0x2e9d4a, 0xc2378a, 0x7b52c7,
                                          0x0e8f9c, 0x9c7a00, 0xc0392b, 0x5f7f1f};
constexpr std::array<QRgb, 9> DarkColors{0x5aa9ff, 0xffa94d, 0x63d77f, 0xf783c8, 0xb197fc,
                                         0x3bc9db, 0xffd43b, 0xff6b6b, 0xa9e34b};

QColor blend(const QColor &from, const QColor &to, qreal amount)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * amount),
                            float(from.greenF() + (to.greenF() - from.greenF()) * amount),
                            float(from.blueF() + (to.blueF() - from.blueF()) * amount));
}

struct NiceAxis
{
    double maximum = MinimumAxis;
    int divisions = 4;
};

// 1, 2, 2.5 or 5 × 10^n, the smallest of those that is ≥ value.
NiceAxis niceAxis(double value)
{
    if (!(value > MinimumAxis) || !std::isfinite(value))
        value = MinimumAxis;
    const double base = std::pow(10.0, std::floor(std::log10(value)));
    static constexpr std::array<std::pair<double, int>, 5> steps{
        {{1.0, 4}, {2.0, 4}, {2.5, 5}, {5.0, 5}, {10.0, 4}}};
    for (const auto &[factor, divisions] : steps) {
        if (factor * base >= value)
            return {factor * base, divisions};
    }
    return {10.0 * base, 4};
}

// The usual spacing of the samples, so a stopped capture shows as a gap, not a ramp.
qint64 typicalIntervalMs(const QList<Sample> &samples)
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

const Sample *nearestSample(const QList<Sample> &samples, qint64 timeMs)
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

qreal xFor(const QRectF &plot, qint64 startMs, qint64 windowMs, qint64 timeMs)
{
    return plot.left() + plot.width() * qreal(timeMs - startMs) / qreal(windowMs);
}

qreal yFor(const QRectF &plot, double maximum, double rate)
{
    return plot.bottom() - plot.height() * std::clamp(rate / maximum, 0.0, 1.0);
}

struct TimeAxis
{
    qint64 stepSeconds = 10;
    bool minutes = false;
};

TimeAxis timeAxis(qint64 windowMs, qreal plotWidth, const QFontMetrics &metrics)
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
    const QString widest = axis.minutes ? u"-60 min"_s : u"-60 s"_s;
    const int needed = metrics.horizontalAdvance(widest) + 3 * Padding;
    axis.stepSeconds = candidates.back();
    for (const qint64 step : candidates) {
        if (plotWidth * qreal(step * 1000) / qreal(windowMs) >= needed) {
            axis.stepSeconds = step;
            break;
        }
    }
    return axis;
}

QString timeLabel(qint64 secondsBefore, bool minutes)
{
    if (secondsBefore == 0)
        return u"now"_s;
    return minutes ? u"-%1 min"_s.arg(secondsBefore / 60) : u"-%1 s"_s.arg(secondsBefore);
}

QString timeText(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs).toString(u"HH:mm:ss"_s);
}

} // namespace

ThroughputGraph::ThroughputGraph(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

qint64 ThroughputGraph::windowMs(Window window)
{
    switch (window) {
    case Window::OneMinute:
        return 60'000;
    case Window::TenMinutes:
        return 600'000;
    case Window::OneHour:
        return 3'600'000;
    }
    return 60'000;
}

QString ThroughputGraph::windowName(Window window)
{
    switch (window) {
    case Window::OneMinute:
        return u"1 min"_s;
    case Window::TenMinutes:
        return u"10 min"_s;
    case Window::OneHour:
        return u"1 h"_s;
    }
    return {};
}

double ThroughputGraph::axisMaximum() const
{
    return frame().axisMaximum;
}

QStringList ThroughputGraph::axisLabels() const
{
    return frame().axisLabels;
}

QString ThroughputGraph::valueTextAt(int x) const
{
    const Frame f = frame();
    const std::optional<Hover> hover = hoverAt(f, x);
    if (!hover)
        return {};
    QStringList parts;
    for (const HoverValue &value : hover->values)
        parts.append(f.series[value.series].name + u' ' + formatRate(value.sample.rate));
    return timeText(hover->timeMs) + u"  "_s + parts.join(u" · "_s);
}

QSize ThroughputGraph::sizeHint() const
{
    return {600, 220};
}

QSize ThroughputGraph::minimumSizeHint() const
{
    return {300, 150};
}

void ThroughputGraph::addSnapshot(const capture::StatsSnapshot &snapshot)
{
    m_history.append(snapshot);
    refreshHover();
    update();
}

void ThroughputGraph::setSelectedPorts(const QList<quint16> &ports)
{
    QList<quint16> unique;
    for (const quint16 port : ports) {
        if (!unique.contains(port))
            unique.append(port);
    }
    if (unique == m_selected)
        return;
    m_selected = unique;
    refreshHover();
    update();
}

void ThroughputGraph::setWindow(capture::ThroughputGraph::Window window)
{
    if (window == m_window)
        return;
    m_window = window;
    refreshHover();
    update();
}

void ThroughputGraph::clear()
{
    m_history.clear();
    refreshHover();
    update();
}

void ThroughputGraph::refreshHover()
{
    if (m_hoverX >= 0)
        setToolTip(valueTextAt(m_hoverX));
}

ThroughputGraph::Frame ThroughputGraph::frame() const
{
    Frame f;
    const qint64 window = windowMs(m_window);
    f.endMs = m_history.latestTimeMs();
    f.startMs = f.endMs - window;

    // Samples newer than the newest one exist only after the wall clock stepped back.
    const auto visible = [&f](QList<Sample> samples) {
        samples.removeIf([&f](const Sample &sample) { return sample.timeMs > f.endMs; });
        return samples;
    };
    f.series.append(
        {u"total"_s, seriesColor(0), TotalPenWidth, visible(m_history.total(f.startMs))});
    for (qsizetype i = 0; i < m_selected.size(); ++i) {
        const quint16 port = m_selected[i];
        f.series.append({u"port %1"_s.arg(port), seriesColor(int(i) + 1), PortPenWidth,
                         visible(m_history.port(port, f.startMs))});
    }
    f.gapMs = std::max(MinimumGapMs, 3 * typicalIntervalMs(f.series.constFirst().samples));

    double peak = 0;
    for (const Series &series : std::as_const(f.series)) {
        for (const Sample &sample : series.samples)
            peak = std::max(peak, sample.rate);
    }
    const NiceAxis axis = niceAxis(peak);
    f.axisMaximum = axis.maximum;
    for (int i = 0; i <= axis.divisions; ++i)
        f.axisLabels.append(formatRate(axis.maximum * i / axis.divisions));

    const QFontMetrics metrics = fontMetrics();
    // Room for the widest usual label, so the plot does not shift whenever the scale changes.
    int labelWidth = metrics.horizontalAdvance(u"888.8 MB/s"_s);
    for (const QString &label : std::as_const(f.axisLabels))
        labelWidth = std::max(labelWidth, metrics.horizontalAdvance(label));
    const int left = Padding + labelWidth + Padding;
    const int top = 2 * Padding + metrics.height();
    const int right = width() - std::max(Padding, metrics.horizontalAdvance(u"now"_s) / 2 + 2);
    const int bottom = height() - Padding / 2 - metrics.height() - 4;
    f.plot = QRectF(left, top, std::max(right - left, 1), std::max(bottom - top, 1));
    return f;
}

std::optional<ThroughputGraph::Hover> ThroughputGraph::hoverAt(const Frame &frame, int x) const
{
    if (x < frame.plot.left() || x > frame.plot.right())
        return std::nullopt;
    const qint64 window = frame.endMs - frame.startMs;
    const auto timeMs =
        frame.startMs +
        qint64(std::llround(qreal(window) * (x - frame.plot.left()) / frame.plot.width()));
    const Sample *total = nearestSample(frame.series.constFirst().samples, timeMs);
    if (!total)
        return std::nullopt;
    Hover hover;
    hover.timeMs = total->timeMs;
    hover.values.append({0, *total});
    for (int i = 1; i < frame.series.size(); ++i) {
        if (const Sample *sample = nearestSample(frame.series[i].samples, hover.timeMs))
            hover.values.append({i, *sample});
    }
    return hover;
}

QColor ThroughputGraph::seriesColor(int index) const
{
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    const auto &colors = dark ? DarkColors : LightColors;
    return QColor(colors[size_t(index) % colors.size()]);
}

void ThroughputGraph::paintEvent(QPaintEvent *event)
{
    Q_UNUSED(event);
    const Frame f = frame();
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    painter.fillRect(f.plot, palette().color(QPalette::Base));
    paintGrid(painter, f);
    paintSeries(painter, f);
    paintLegend(painter, f);
    if (m_hoverX >= 0) {
        if (const std::optional<Hover> hover = hoverAt(f, m_hoverX))
            paintHover(painter, f, *hover);
    }
}

void ThroughputGraph::paintGrid(QPainter &painter, const Frame &frame) const
{
    const QColor base = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    const QColor gridColor = blend(base, text, 0.12);
    const QColor frameColor = blend(base, text, 0.4);
    const QColor labelColor =
        blend(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.8);
    const QFontMetrics metrics = fontMetrics();
    const QRectF &plot = frame.plot;

    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, false);
    const auto divisions = int(frame.axisLabels.size()) - 1;
    for (int i = 0; i <= divisions; ++i) {
        const qreal y = std::round(plot.bottom() - plot.height() * i / divisions);
        painter.setPen(gridColor);
        if (i > 0 && i < divisions)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(labelColor);
        const QRectF labelRect(Padding, y - metrics.height() / 2.0, plot.left() - 2 * Padding,
                               metrics.height());
        painter.drawText(labelRect, Qt::AlignRight | Qt::AlignVCenter, frame.axisLabels[i]);
    }

    const qint64 window = frame.endMs - frame.startMs;
    const TimeAxis axis = timeAxis(window, plot.width(), metrics);
    for (qint64 before = 0; before * 1000 <= window; before += axis.stepSeconds) {
        const qreal x = std::round(plot.right() - plot.width() * qreal(before * 1000) / window);
        painter.setPen(gridColor);
        if (before > 0 && before * 1000 < window)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter.setPen(frameColor);
        painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
        painter.setPen(labelColor);
        const QString label = timeLabel(before, axis.minutes);
        const int labelWidth = metrics.horizontalAdvance(label) + 2;
        // The oldest label starts at the plot's edge, clear of the y axis' "0 B/s".
        const qreal labelLeft =
            std::clamp(x - labelWidth / 2.0, plot.left() - 1, width() - 1.0 - labelWidth);
        painter.drawText(QRectF(labelLeft, plot.bottom() + 4, labelWidth, metrics.height()),
                         Qt::AlignCenter, label);
    }

    painter.setPen(frameColor);
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(plot);
    painter.restore();

    if (frame.series.constFirst().samples.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(plot, Qt::AlignCenter, u"No data"_s);
    }
}

void ThroughputGraph::paintSeries(QPainter &painter, const Frame &frame) const
{
    const QRectF &plot = frame.plot;
    const qint64 window = frame.endMs - frame.startMs;
    const auto columns = qsizetype(std::ceil(plot.width()));

    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setClipRect(plot.adjusted(0, -TotalPenWidth, 0, 1));
    // Ports first so the total stays on top.
    for (qsizetype s = frame.series.size() - 1; s >= 0; --s) {
        const Series &series = frame.series[s];
        if (series.samples.isEmpty())
            continue;
        QPen pen(series.color, series.penWidth);
        pen.setJoinStyle(Qt::RoundJoin);
        pen.setCapStyle(Qt::RoundCap);
        painter.setPen(pen);

        const bool decimate = series.samples.size() > columns;
        QList<QPolygonF> pieces(1);
        // Per pixel column, the lowest and highest rate in the order they occurred.
        qsizetype column = -1;
        double low = 0;
        double high = 0;
        bool highFirst = false;
        const auto flushColumn = [&] {
            if (column < 0)
                return;
            const qreal x = plot.left() + column + 0.5;
            const qreal yLow = yFor(plot, frame.axisMaximum, low);
            const qreal yHigh = yFor(plot, frame.axisMaximum, high);
            if (low == high) {
                pieces.last().append({x, yLow});
            } else if (highFirst) {
                pieces.last() << QPointF(x, yHigh) << QPointF(x, yLow);
            } else {
                pieces.last() << QPointF(x, yLow) << QPointF(x, yHigh);
            }
        };

        qint64 previousMs = 0;
        for (qsizetype i = 0; i < series.samples.size(); ++i) {
            const Sample &sample = series.samples[i];
            if (i > 0 && (sample.timeMs - previousMs > frame.gapMs || sample.timeMs < previousMs)) {
                flushColumn();
                column = -1;
                pieces.append(QPolygonF());
            }
            previousMs = sample.timeMs;
            const qreal x = xFor(plot, frame.startMs, window, sample.timeMs);
            if (!decimate) {
                pieces.last().append({x, yFor(plot, frame.axisMaximum, sample.rate)});
                continue;
            }
            const qsizetype sampleColumn =
                std::clamp<qsizetype>(qsizetype(x - plot.left()), 0, columns - 1);
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

        for (const QPolygonF &piece : std::as_const(pieces)) {
            if (piece.size() == 1)
                painter.drawPoint(piece.constFirst());
            else if (piece.size() > 1)
                painter.drawPolyline(piece);
        }
    }
    painter.restore();
}

void ThroughputGraph::paintLegend(QPainter &painter, const Frame &frame) const
{
    const QFontMetrics metrics = fontMetrics();
    const qreal centerY = Padding + metrics.height() / 2.0;
    const qreal limit = frame.plot.right();
    qreal x = frame.plot.left();

    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    for (qsizetype i = 0; i < frame.series.size(); ++i) {
        const Series &series = frame.series[i];
        const qreal itemWidth = SwatchWidth + 4 + metrics.horizontalAdvance(series.name);
        const qsizetype remaining = frame.series.size() - i - 1;
        const QString more = u"+%1 more"_s.arg(remaining);
        const qreal reserve = remaining > 0 ? 2 * Padding + metrics.horizontalAdvance(more) : 0;
        if (i > 0 && x + itemWidth + reserve > limit) {
            painter.setPen(palette().color(QPalette::WindowText));
            const QString rest = u"+%1 more"_s.arg(remaining + 1);
            painter.drawText(QPointF(x, Padding + metrics.ascent()), rest);
            break;
        }
        QPen pen(series.color, series.penWidth);
        pen.setCapStyle(Qt::RoundCap);
        painter.setPen(pen);
        painter.drawLine(QPointF(x + 1, centerY), QPointF(x + SwatchWidth - 1, centerY));
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QPointF(x + SwatchWidth + 4, Padding + metrics.ascent()), series.name);
        x += itemWidth + 2 * Padding;
    }
    painter.restore();
}

void ThroughputGraph::paintHover(QPainter &painter, const Frame &frame, const Hover &hover) const
{
    const QRectF &plot = frame.plot;
    const qint64 window = frame.endMs - frame.startMs;
    const qreal x = xFor(plot, frame.startMs, window, hover.timeMs);
    const QColor text = palette().color(QPalette::Text);
    const QColor base = palette().color(QPalette::Base);

    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    QColor cursorColor = text;
    cursorColor.setAlphaF(0.45f);
    painter.setPen(QPen(cursorColor, 1));
    painter.drawLine(QPointF(std::round(x) + 0.5, plot.top()),
                     QPointF(std::round(x) + 0.5, plot.bottom()));
    for (const HoverValue &value : hover.values) {
        painter.setPen(QPen(base, 1.5));
        painter.setBrush(frame.series[value.series].color);
        painter.drawEllipse(QPointF(x, yFor(plot, frame.axisMaximum, value.sample.rate)), 4, 4);
    }

    // A box with the time, then one row per series: swatch, name, value.
    const QFontMetrics metrics = fontMetrics();
    const int lineHeight = metrics.height();
    const auto fitting =
        std::max<qsizetype>(1, qsizetype((plot.height() - 2 * Padding) / lineHeight) - 1);
    const qsizetype shown = std::min(hover.values.size(), fitting);
    const QString time = timeText(hover.timeMs);
    QStringList names;
    QStringList values;
    for (qsizetype i = 0; i < shown; ++i) {
        const HoverValue &value = hover.values[i];
        const bool cut = i == shown - 1 && shown < hover.values.size();
        names.append(cut ? u"+%1 more"_s.arg(hover.values.size() - i)
                         : frame.series[value.series].name);
        values.append(cut ? QString() : formatRate(value.sample.rate));
    }
    int nameWidth = 0;
    int valueWidth = 0;
    for (qsizetype i = 0; i < shown; ++i) {
        nameWidth = std::max(nameWidth, metrics.horizontalAdvance(names[i]));
        valueWidth = std::max(valueWidth, metrics.horizontalAdvance(values[i]));
    }
    const int rowWidth = SwatchWidth + 4 + nameWidth + 2 * Padding + valueWidth;
    const qreal boxWidth = 2 * Padding + std::max(rowWidth, metrics.horizontalAdvance(time));
    const qreal boxHeight = Padding + lineHeight * (shown + 1);
    qreal boxLeft = x + 2 * Padding;
    if (boxLeft + boxWidth > plot.right() - Padding)
        boxLeft = x - 2 * Padding - boxWidth;
    boxLeft = std::max(boxLeft, plot.left() + Padding);
    const QRectF box(boxLeft, plot.top() + Padding, boxWidth, boxHeight);

    QColor boxColor = base;
    boxColor.setAlphaF(0.92f);
    painter.setPen(QPen(blend(base, text, 0.35), 1));
    painter.setBrush(boxColor);
    painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);

    qreal y = box.top() + Padding / 2.0;
    painter.setPen(text);
    painter.drawText(QRectF(box.left() + Padding, y, boxWidth - 2 * Padding, lineHeight),
                     Qt::AlignLeft | Qt::AlignVCenter, time);
    for (qsizetype i = 0; i < shown; ++i) {
        y += lineHeight;
        const qreal left = box.left() + Padding;
        if (!values[i].isEmpty()) {
            QPen swatch(frame.series[hover.values[i].series].color,
                        frame.series[hover.values[i].series].penWidth + 0.5);
            swatch.setCapStyle(Qt::RoundCap);
            painter.setPen(swatch);
            const qreal middle = y + lineHeight / 2.0;
            painter.drawLine(QPointF(left + 1, middle), QPointF(left + SwatchWidth - 1, middle));
        }
        painter.setPen(text);
        painter.drawText(QRectF(left + SwatchWidth + 4, y, nameWidth, lineHeight),
                         Qt::AlignLeft | Qt::AlignVCenter, names[i]);
        painter.drawText(QRectF(box.right() - Padding - valueWidth, y, valueWidth, lineHeight),
                         Qt::AlignRight | Qt::AlignVCenter, values[i]);
    }
    painter.restore();
}

void ThroughputGraph::mouseMoveEvent(QMouseEvent *event)
{
    m_hoverX = event->position().toPoint().x();
    setToolTip(valueTextAt(m_hoverX));
    update();
    QWidget::mouseMoveEvent(event);
}

void ThroughputGraph::leaveEvent(QEvent *event)
{
    m_hoverX = -1;
    setToolTip(QString());
    update();
    QWidget::leaveEvent(event);
}

} // namespace capture

#include "ui/graph/throughputgraph.h"

#include "core/util/units.h"
#include "ui/graph/axisscale.h"

#include <QDateTime>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>

#include <algorithm>
#include <array>
#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

using Sample = ThroughputHistory::Sample;

constexpr int Padding = 6;
constexpr qreal TotalPenWidth = 2.0;
constexpr qreal PortPenWidth = 1.5;
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
    return frame().axis.maximum;
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
    f.gapMs = PlotScale::joinGapMs(f.series.constFirst().samples);

    double peak = 0;
    for (const Series &series : std::as_const(f.series)) {
        for (const Sample &sample : series.samples)
            peak = std::max(peak, sample.rate);
    }
    f.axis = RateAxis::forPeak(peak);
    f.axisLabels = f.axis.labels();

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
    const PlotScale scale = frame.scale();
    if (!scale.containsX(x))
        return std::nullopt;
    const Sample *total = PlotScale::nearest(frame.series.constFirst().samples, scale.timeAt(x));
    if (!total)
        return std::nullopt;
    Hover hover;
    hover.timeMs = total->timeMs;
    hover.values.append({0, *total});
    for (int i = 1; i < frame.series.size(); ++i) {
        if (const Sample *sample = PlotScale::nearest(frame.series[i].samples, hover.timeMs))
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
    const PlotScale scale = frame.scale();

    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, false);
    const auto divisions = int(frame.axisLabels.size()) - 1;
    for (int i = 0; i <= divisions; ++i) {
        const qreal y = scale.gridY(i, divisions);
        painter.setPen(gridColor);
        if (i > 0 && i < divisions)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(labelColor);
        const QRectF labelRect(Padding, y - metrics.height() / 2.0, plot.left() - 2 * Padding,
                               metrics.height());
        painter.drawText(labelRect, Qt::AlignRight | Qt::AlignVCenter, frame.axisLabels[i]);
    }

    const qint64 window = frame.endMs - frame.startMs;
    const TimeAxis axis =
        TimeAxis::forWindow(window, plot.width(),
                            metrics.horizontalAdvance(TimeAxis::widestLabel(window)) + 3 * Padding);
    for (qint64 before = 0; before * 1000 <= window; before += axis.stepSeconds) {
        const qreal x = scale.tickX(before);
        painter.setPen(gridColor);
        if (before > 0 && before * 1000 < window)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter.setPen(frameColor);
        painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
        painter.setPen(labelColor);
        const QString label = axis.label(before);
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
    const PlotScale scale = frame.scale();
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setClipRect(frame.plot.adjusted(0, -TotalPenWidth, 0, 1));
    // Ports first so the total stays on top.
    for (qsizetype s = frame.series.size() - 1; s >= 0; --s) {
        const Series &series = frame.series[s];
        if (series.samples.isEmpty())
            continue;
        QPen pen(series.color, series.penWidth);
        pen.setJoinStyle(Qt::RoundJoin);
        pen.setCapStyle(Qt::RoundCap);
        painter.setPen(pen);
        for (const QPolygonF &piece : scale.polylines(series.samples, frame.gapMs)) {
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
    const PlotScale scale = frame.scale();
    const qreal x = scale.x(hover.timeMs);
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
        painter.drawEllipse(QPointF(x, scale.y(value.sample.rate)), 4, 4);
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

#include "ui/graph/throughputgraph.h"

#include "core/util/units.h"
#include "ui/graph/axisscale.h"

#include <QPainter>
#include <QPolygonF>

#include <algorithm>
#include <cmath>

using namespace Qt::Literals::StringLiterals;

// How the graph paints a frame: grid and axis labels, the series, the legend, the hover box.
// What a frame holds, and the hover query, are in throughputgraph.cpp.

namespace capture {

namespace {

QColor blend(const QColor &from, const QColor &to, qreal amount)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * amount),
                            float(from.greenF() + (to.greenF() - from.greenF()) * amount),
                            float(from.blueF() + (to.blueF() - from.blueF()) * amount));
}

} // namespace

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

    if (!frame.hasData()) {
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
    // The last run first, then the ports, so the total stays on top.
    for (qsizetype s = frame.series.size() - 1; s >= 0; --s) {
        const Series &series = frame.series[s];
        if (series.samples.isEmpty() || !series.visible)
            continue;
        QPen pen = series.pen;
        pen.setJoinStyle(Qt::RoundJoin);
        if (pen.style() == Qt::SolidLine)
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
    // Each entry: a sample of its line (colour and dash), then its name; hidden ones greyed
    // and struck through. The hint to select ports is greyed text.
    const QFontMetrics metrics = fontMetrics();
    const QColor window = palette().color(QPalette::Window);
    const QColor text = palette().color(QPalette::WindowText);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, true);
    for (const LegendEntry &entry : frame.legend) {
        const QRectF &r = entry.rect;
        const qreal baseline = r.top() + (r.height() - metrics.height()) / 2 + metrics.ascent();
        if (entry.key.isEmpty()) {
            painter.setPen(palette().color(QPalette::PlaceholderText));
            painter.drawText(QPointF(r.left(), baseline), entry.label);
            continue;
        }
        QPen pen = entry.pen;
        if (entry.hidden)
            pen.setColor(blend(window, pen.color(), 0.3));
        painter.setPen(pen);
        const qreal middle = r.center().y();
        painter.drawLine(QPointF(r.left() + 1, middle),
                         QPointF(r.left() + SwatchWidth - 1, middle));
        painter.setPen(entry.hidden ? blend(window, text, 0.45) : text);
        const QPointF textAt(r.left() + SwatchWidth + 4, baseline);
        painter.drawText(textAt, entry.label);
        if (entry.hidden) {
            const qreal strikeY = std::round(baseline - metrics.xHeight() / 2.0) + 0.5;
            painter.drawLine(QPointF(textAt.x(), strikeY),
                             QPointF(textAt.x() + metrics.horizontalAdvance(entry.label), strikeY));
        }
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
        painter.setBrush(frame.series[value.series].pen.color());
        painter.drawEllipse(QPointF(x, scale.y(value.sample.rate)), 4, 4);
    }

    // A box with the time, then one row per series: swatch, name, value; in as many columns
    // as the plot's height needs and its width allows (16 ports need not be cut short).
    const QFontMetrics metrics = fontMetrics();
    const int lineHeight = metrics.height();
    const qsizetype count = hover.values.size();
    const auto fitting =
        std::max<qsizetype>(1, qsizetype((plot.height() - 2 * Padding) / lineHeight) - 1);
    const QString time = timeText(hover.timeMs);
    QStringList names;
    QStringList values;
    for (const HoverValue &value : hover.values) {
        names.append(frame.series[value.series].name);
        values.append(valueText(frame.series[value.series], value.sample));
    }
    int nameWidth = metrics.horizontalAdvance(u"+88 more"_s);
    int valueWidth = 0;
    for (qsizetype i = 0; i < count; ++i) {
        nameWidth = std::max(nameWidth, metrics.horizontalAdvance(names[i]));
        valueWidth = std::max(valueWidth, metrics.horizontalAdvance(values[i]));
    }
    const int rowWidth = SwatchWidth + 4 + nameWidth + 2 * Padding + valueWidth;
    const int columnGap = 3 * Padding;
    const auto maxColumns = std::max<qsizetype>(
        1, qsizetype((plot.width() - 2 * Padding + columnGap) / (rowWidth + columnGap)));
    const qsizetype columns = std::min(maxColumns, (count + fitting - 1) / fitting);
    const qsizetype rows = std::min(fitting, (count + columns - 1) / columns);
    const qsizetype shown = std::min(count, rows * columns);
    if (shown < count) { // the last cell says how many more there are
        names[shown - 1] = u"+%1 more"_s.arg(count - shown + 1);
        values[shown - 1].clear();
    }
    const qreal boxWidth = 2 * Padding + std::max(int(columns) * (rowWidth + columnGap) - columnGap,
                                                  metrics.horizontalAdvance(time));
    const qreal boxHeight = Padding + lineHeight * (rows + 1);
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

    const qreal top = box.top() + Padding / 2.0;
    painter.setPen(text);
    painter.drawText(QRectF(box.left() + Padding, top, boxWidth - 2 * Padding, lineHeight),
                     Qt::AlignLeft | Qt::AlignVCenter, time);
    for (qsizetype i = 0; i < shown; ++i) {
        const qsizetype row = i % rows;
        const qsizetype column = i / rows;
        const qreal y = top + lineHeight * qreal(row + 1);
        const qreal left = box.left() + Padding + qreal(column) * (rowWidth + columnGap);
        if (!values[i].isEmpty()) {
            QPen swatch = frame.series[hover.values[i].series].pen;
            swatch.setWidthF(swatch.widthF() + 0.5);
            painter.setPen(swatch);
            const qreal middle = y + lineHeight / 2.0;
            painter.drawLine(QPointF(left + 1, middle), QPointF(left + SwatchWidth - 1, middle));
        }
        painter.setPen(text);
        painter.drawText(QRectF(left + SwatchWidth + 4, y, nameWidth, lineHeight),
                         Qt::AlignLeft | Qt::AlignVCenter, names[i]);
        painter.drawText(QRectF(left + rowWidth - valueWidth, y, valueWidth, lineHeight),
                         Qt::AlignRight | Qt::AlignVCenter, values[i]);
    }
    painter.restore();
}

} // namespace capture

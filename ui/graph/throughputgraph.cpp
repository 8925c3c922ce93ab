#include "ui/graph/throughputgraph.h"

#include "core/util/units.h"
#include "ui/graph/axisscale.h"

#include <QDateTime>
#include <QMouseEvent>

#include <algorithm>
#include <array>
#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

using Sample = ThroughputHistory::Sample;

// One hue per series, darker on light backgrounds and lighter on dark ones.
constexpr std::array<QRgb, 9> LightColors{0x1f6fc5, 0xd9730d, 0x2e9d4a, 0xc2378a, 0x7b52c7,
                                          0x0e8f9c, 0x9c7a00, 0xc0392b, 0x5f7f1f};
constexpr std::array<QRgb, 9> DarkColors{0x5aa9ff, 0xffa94d, 0x63d77f, 0xf783c8, 0xb197fc,
                                         0x3bc9db, 0xffd43b, 0xff6b6b, 0xa9e34b};

} // namespace

ThroughputGraph::ThroughputGraph(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QString ThroughputGraph::timeText(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs).toString(u"HH:mm:ss"_s);
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
        parts.append(f.series[value.series].name + u' ' +
                     valueText(f.series[value.series], value.sample));
    return timeText(hover->timeMs) + u"  "_s + parts.join(u" · "_s);
}

QString ThroughputGraph::valueText(const Series &series, const ThroughputHistory::Sample &sample)
{
    if (!series.udp)
        return formatRate(sample.rate);
    return u"%1, %2 datagrams/s"_s.arg(formatRate(sample.rate),
                                       QString::number(sample.datagramRate, 'f', 0));
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

void ThroughputGraph::setSelectedPorts(const QList<PortKey> &ports)
{
    QList<PortKey> unique;
    for (const PortKey &port : ports) {
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
        {u"total"_s, false, seriesColor(0), TotalPenWidth, visible(m_history.total(f.startMs))});
    for (qsizetype i = 0; i < m_selected.size(); ++i) {
        const PortKey port = m_selected[i];
        f.series.append({port.name(), port.protocol == PortStats::Protocol::Udp,
                         seriesColor(int(i) + 1), PortPenWidth,
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

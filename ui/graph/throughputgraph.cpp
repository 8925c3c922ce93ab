#include "ui/graph/throughputgraph.h"

#include "core/util/units.h"
#include "ui/graph/axisscale.h"

#include <QDateTime>
#include <QFontMetrics>
#include <QMouseEvent>

#include <algorithm>
#include <array>
#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

using Sample = ThroughputHistory::Sample;

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

QList<qint64> ThroughputGraph::intervalChoices()
{
    return {250, 1000, 5000, 10'000};
}

QString ThroughputGraph::intervalName(qint64 intervalMs)
{
    return intervalMs % 1000 == 0 ? u"%1 s"_s.arg(intervalMs / 1000) : u"%1 ms"_s.arg(intervalMs);
}

QString ThroughputGraph::totalKey()
{
    return u"total"_s;
}

QString ThroughputGraph::lastRunKey()
{
    return u"last run"_s;
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
    for (const PortStats &stats : snapshot.ports)
        noteStyle({stats.port, stats.protocol});
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
    for (const PortKey &port : std::as_const(m_selected))
        noteStyle(port);
    changed();
}

void ThroughputGraph::setWindow(capture::ThroughputGraph::Window window)
{
    if (window == m_window)
        return;
    m_window = window;
    changed();
}

void ThroughputGraph::setLogScale(bool on)
{
    if (on == m_log)
        return;
    m_log = on;
    changed();
}

void ThroughputGraph::setInterval(qint64 intervalMs)
{
    if (intervalMs <= 0 || intervalMs == m_intervalMs)
        return;
    m_intervalMs = intervalMs;
    changed();
}

void ThroughputGraph::setSelectHintEnabled(bool on)
{
    m_selectHint = on;
    changed();
}

void ThroughputGraph::setSeriesVisible(const QString &key, bool visible)
{
    if (visible == isSeriesVisible(key))
        return;
    if (visible)
        m_hidden.remove(key);
    else
        m_hidden.insert(key);
    changed();
}

void ThroughputGraph::startNewRun()
{
    if (m_history.latestTimeMs() != 0)
        m_lastRun = m_history; // an empty current run keeps the older last run
    m_history.clear();
    changed();
}

void ThroughputGraph::clearLastRun()
{
    m_lastRun.clear();
    changed();
}

void ThroughputGraph::clear()
{
    m_history.clear();
    m_lastRun.clear();
    m_styles.clear();
    for (const PortKey &port : std::as_const(m_selected))
        noteStyle(port);
    changed();
}

void ThroughputGraph::changed()
{
    update();
}

bool ThroughputGraph::Frame::hasData() const
{
    return std::any_of(series.cbegin(), series.cend(),
                       [](const Series &s) { return !s.samples.isEmpty(); });
}

void ThroughputGraph::addSeries(Frame &f, const ThroughputHistory &history, bool lastRun) const
{
    // Enough before the window for the first interval's base sample.
    const qint64 since = f.startMs - 2 * m_intervalMs - 10'000;
    const QList<Sample> rawTotal = history.total(since);
    if (lastRun && rawTotal.isEmpty())
        return;
    const qint64 gapMs = PlotScale::joinGapMs(rawTotal);
    // Averaged samples within the window; newer ones exist only after the clock stepped back.
    const auto visible = [&](const QList<Sample> &raw) {
        QList<Sample> samples = ThroughputHistory::averaged(raw, m_intervalMs, gapMs);
        samples.removeIf([&f](const Sample &sample) {
            return sample.timeMs < f.startMs || sample.timeMs > f.endMs;
        });
        return samples;
    };
    const QString prefix = lastRun ? u"last run "_s : QString();
    const QString totalSeriesKey = lastRun ? lastRunKey() : totalKey();
    f.series.append({totalSeriesKey, prefix + u"total"_s, false,
                     lastRun ? lastRunPen() : QPen(seriesColor(0), TotalPenWidth),
                     isSeriesVisible(totalSeriesKey), visible(rawTotal)});
    for (const PortKey &port : m_selected) {
        const QString key = lastRun ? lastRunKey() : port.name();
        f.series.append({key, prefix + port.name(), port.protocol == PortStats::Protocol::Udp,
                         lastRun ? lastRunPen() : portPen(port), isSeriesVisible(key),
                         visible(history.port(port, since))});
    }
}

ThroughputGraph::Frame ThroughputGraph::frame() const
{
    Frame f;
    f.endMs = std::max(m_history.latestTimeMs(), m_lastRun.latestTimeMs());
    f.startMs = f.endMs - windowMs(m_window);
    addSeries(f, m_history, false);
    if (hasLastRun())
        addSeries(f, m_lastRun, true);
    f.gapMs = std::max(PlotScale::joinGapMs(f.series.constFirst().samples), 2 * m_intervalMs);

    // The axis follows the largest averaged value of the visible lines in the window: one
    // short spike is diluted by the averaging interval, and the axis comes back down as soon
    // as the spike has left the window (no slow decay that would hide what follows).
    double peak = 0;
    double lowest = 0;
    for (const Series &series : std::as_const(f.series)) {
        if (!series.visible)
            continue;
        for (const Sample &sample : series.samples) {
            peak = std::max(peak, sample.rate);
            if (sample.rate > 0 && (lowest == 0 || sample.rate < lowest))
                lowest = sample.rate;
        }
    }
    f.axis = m_log ? RateAxis::logForRange(lowest, peak) : RateAxis::forPeak(peak);
    f.axisLabels = f.axis.labels();

    const QFontMetrics metrics = fontMetrics();
    // Room for the widest usual label, so the plot does not shift whenever the scale changes.
    int labelWidth = metrics.horizontalAdvance(u"888.8 MB/s"_s);
    for (const QString &label : std::as_const(f.axisLabels))
        labelWidth = std::max(labelWidth, metrics.horizontalAdvance(label));
    layoutLegend(f);
    qreal legendBottom = Padding + metrics.height();
    for (const LegendEntry &entry : std::as_const(f.legend))
        legendBottom = std::max(legendBottom, entry.rect.bottom());
    const int left = Padding + labelWidth + Padding;
    const int top = int(std::ceil(legendBottom)) + Padding;
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
    // The time of the visible sample nearest to the mouse (the current run's total first
    // among equals); each visible line's value at that time, where it has one close to it.
    const qint64 timeMs = scale.timeAt(x);
    const Sample *anchor = nullptr;
    for (const Series &series : frame.series) {
        const Sample *sample =
            series.visible ? PlotScale::nearest(series.samples, timeMs) : nullptr;
        if (sample &&
            (!anchor || std::abs(sample->timeMs - timeMs) < std::abs(anchor->timeMs - timeMs)))
            anchor = sample;
    }
    if (!anchor)
        return std::nullopt;
    Hover hover;
    hover.timeMs = anchor->timeMs;
    for (int i = 0; i < frame.series.size(); ++i) {
        if (!frame.series[i].visible)
            continue;
        const Sample *sample = PlotScale::nearest(frame.series[i].samples, hover.timeMs);
        if (sample && std::abs(sample->timeMs - hover.timeMs) <= frame.gapMs)
            hover.values.append({i, *sample});
    }
    return hover;
}

void ThroughputGraph::mouseMoveEvent(QMouseEvent *event)
{
    m_hoverX = event->position().toPoint().x();
    // A legend entry is clickable: say so with the cursor.
    if (legendKeyAt(event->position()).isEmpty())
        unsetCursor();
    else
        setCursor(Qt::PointingHandCursor);
    update();
    QWidget::mouseMoveEvent(event);
}

void ThroughputGraph::leaveEvent(QEvent *event)
{
    m_hoverX = -1;
    update();
    QWidget::leaveEvent(event);
}

} // namespace capture

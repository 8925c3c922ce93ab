#pragma once

#include "core/capture/capturetypes.h"
#include "ui/graph/axisscale.h"
#include "ui/graph/throughputhistory.h"

#include <QColor>
#include <QRectF>
#include <QStringList>
#include <QWidget>

#include <optional>

class TestThroughputGraph;

namespace capture {

/// Live throughput graph, painted with QPainter: the total plus one line per selected port,
/// over a selectable time window, y axis in human units (B/s … GB/s), hover shows the values
/// at the time under the mouse. Follows the widget palette (dark themes stay readable).
class ThroughputGraph : public QWidget
{
    Q_OBJECT

public:
    enum class Window { OneMinute, TenMinutes, OneHour };
    Q_ENUM(Window)

    explicit ThroughputGraph(QWidget *parent = nullptr);

    const ThroughputHistory &history() const { return m_history; }
    Window window() const { return m_window; }
    QList<PortKey> selectedPorts() const { return m_selected; }

    static qint64 windowMs(Window window);
    static QString windowName(Window window);

    /// The y axis' top value in bytes per second (a "nice" number ≥ the largest visible
    /// sample) and its tick labels, e.g. {"0 B/s", "250 kB/s", …, "1.00 MB/s"}.
    double axisMaximum() const;
    QStringList axisLabels() const;
    /// What hovering at widget x position `x` shows (empty outside the plot).
    QString valueTextAt(int x) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public Q_SLOTS:
    void addSnapshot(const capture::StatsSnapshot &snapshot);
    void setSelectedPorts(const QList<capture::PortKey> &ports);
    void setWindow(capture::ThroughputGraph::Window window);
    void clear();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    friend class ::TestThroughputGraph;

    struct Series
    {
        QString name;
        bool udp = false; ///< its readout gives datagrams/s beside bytes/s
        QColor color;
        qreal penWidth = 1;
        QList<ThroughputHistory::Sample> samples; ///< visible ones, oldest first
    };
    /// Everything one paint or hover query needs, derived from the history and the size.
    struct Frame
    {
        qint64 startMs = 0;
        qint64 endMs = 0;
        qint64 gapMs = 0;     ///< samples further apart than this are not joined
        QList<Series> series; ///< the total first, then the selected ports
        RateAxis axis;
        QStringList axisLabels;
        QRectF plot;

        PlotScale scale() const { return {plot, startMs, endMs, axis.maximum}; }
    };
    struct HoverValue
    {
        int series = 0;
        ThroughputHistory::Sample sample;
    };
    struct Hover
    {
        qint64 timeMs = 0;
        QList<HoverValue> values;
    };

    static constexpr int Padding = 6;
    static constexpr qreal TotalPenWidth = 2.0;
    static constexpr qreal PortPenWidth = 1.5;
    static constexpr int SwatchWidth = 14;

    /// "HH:mm:ss", local time.
    static QString timeText(qint64 timeMs);
    /// A hover value: "1.20 MB/s", for a UDP port "1.20 MB/s, 850 datagrams/s".
    static QString valueText(const Series &series, const ThroughputHistory::Sample &sample);
    Frame frame() const;
    std::optional<Hover> hoverAt(const Frame &frame, int x) const;
    QColor seriesColor(int index) const;
    void refreshHover();

    void paintGrid(QPainter &painter, const Frame &frame) const;
    void paintSeries(QPainter &painter, const Frame &frame) const;
    void paintLegend(QPainter &painter, const Frame &frame) const;
    void paintHover(QPainter &painter, const Frame &frame, const Hover &hover) const;

    ThroughputHistory m_history;
    Window m_window = Window::OneMinute;
    QList<PortKey> m_selected;
    int m_hoverX = -1;
};

} // namespace capture

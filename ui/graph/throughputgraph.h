#pragma once

#include "core/capture/capturetypes.h"
#include "ui/graph/axisscale.h"
#include "ui/graph/throughputhistory.h"

#include <QColor>
#include <QHash>
#include <QPen>
#include <QRectF>
#include <QSet>
#include <QStringList>
#include <QWidget>

#include <optional>

class QMenu;
class TestGraphLegend;
class TestThroughputGraph;

namespace capture {

/// Live throughput graph, painted with QPainter: the total plus one line per selected port,
/// over a selectable time window, y axis in human units (B/s … GB/s), linear or logarithmic.
/// Rates are averaged over an interval (1 s by default) from the snapshots' byte counters.
/// The legend's entries hide and show their lines when clicked; hidden lines do not count
/// for the y axis. Hovering shows the values at the time under the mouse in one panel. After
/// startNewRun() the previous run stays, greyed, as "last run" until clear() or
/// clearLastRun(). Right-click: log scale, interval, clear last run. Each port keeps one
/// look (8 hues, solid then dashed: 16 distinct lines); follows the palette (dark themes too).
class ThroughputGraph : public QWidget
{
    Q_OBJECT

public:
    enum class Window { OneMinute, TenMinutes, OneHour };
    Q_ENUM(Window)

    explicit ThroughputGraph(QWidget *parent = nullptr);

    const ThroughputHistory &history() const { return m_history; }
    const ThroughputHistory &lastRunHistory() const { return m_lastRun; }
    bool hasLastRun() const { return m_lastRun.latestTimeMs() != 0; }
    Window window() const { return m_window; }
    QList<PortKey> selectedPorts() const { return m_selected; }
    bool logScale() const { return m_log; }
    /// The averaging interval in milliseconds (default 1000).
    qint64 interval() const { return m_intervalMs; }

    static qint64 windowMs(Window window);
    static QString windowName(Window window);
    /// The intervals offered in the context menu: 250 ms, 1 s, 5 s, 10 s.
    static QList<qint64> intervalChoices();
    /// "250 ms", "1 s", "10 s".
    static QString intervalName(qint64 intervalMs);

    /// Legend keys: "total", "last run" and each port's name ("port 5000", "port 5000/udp").
    static QString totalKey();
    static QString lastRunKey();
    bool isSeriesVisible(const QString &key) const { return !m_hidden.contains(key); }
    /// The keys of the legend's entries, in order, and where each is (empty when not shown).
    QStringList legendKeys() const;
    QRectF legendRect(const QString &key) const;
    /// Whether the graph asks the user to select ports in the table (none is selected).
    bool selectHintShown() const { return m_selectHint && m_selected.isEmpty(); }
    /// Off for a graph without a ports table beside it (the fleet's).
    void setSelectHintEnabled(bool on);

    /// The y axis' top value in bytes per second (a "nice" number ≥ the largest visible
    /// averaged value) and its tick labels, e.g. {"0 B/s", "250 kB/s", …, "1.00 MB/s"}.
    double axisMaximum() const;
    QStringList axisLabels() const;
    /// What hovering at widget x position `x` shows (empty outside the plot): the time once,
    /// then each visible series' value.
    QString valueTextAt(int x) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public Q_SLOTS:
    void addSnapshot(const capture::StatsSnapshot &snapshot);
    void setSelectedPorts(const QList<capture::PortKey> &ports);
    void setWindow(capture::ThroughputGraph::Window window);
    void setLogScale(bool on);
    /// Non-positive intervals are ignored.
    void setInterval(qint64 intervalMs);
    void setSeriesVisible(const QString &key, bool visible);
    /// A new capture starts: the current history becomes the last run (replacing an older
    /// one) and the new run's lines start empty.
    void startNewRun();
    void clearLastRun();
    /// Drops the current and the last run's history.
    void clear();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    friend class ::TestGraphLegend;
    friend class ::TestThroughputGraph;

    struct Series
    {
        QString key; ///< its legend entry's key
        QString name;
        bool udp = false; ///< its readout gives datagrams/s beside bytes/s
        QPen pen;
        bool visible = true;
        QList<ThroughputHistory::Sample> samples; ///< averaged, visible time span, oldest first
    };
    struct LegendEntry
    {
        QString key; ///< empty: the select-ports hint, not clickable
        QString label;
        QPen pen;
        bool hidden = false;
        QRectF rect;
    };
    /// Everything one paint or hover query needs, derived from the history and the size.
    struct Frame
    {
        qint64 startMs = 0;
        qint64 endMs = 0;
        qint64 gapMs = 0;     ///< samples further apart than this are not joined
        QList<Series> series; ///< the total, the selected ports, then the last run's
        QList<LegendEntry> legend;
        RateAxis axis;
        QStringList axisLabels;
        QRectF plot;

        PlotScale scale() const { return {plot, startMs, endMs, axis}; }
        bool hasData() const;
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
    static constexpr int SwatchWidth = 18;

    /// "HH:mm:ss", local time.
    static QString timeText(qint64 timeMs);
    /// A hover value: "1.20 MB/s", for a UDP port "1.20 MB/s, 850 datagrams/s".
    static QString valueText(const Series &series, const ThroughputHistory::Sample &sample);
    Frame frame() const;
    void addSeries(Frame &frame, const ThroughputHistory &history, bool lastRun) const;
    void layoutLegend(Frame &frame) const;
    /// The key of the legend entry at `position`; empty for none.
    QString legendKeyAt(const QPointF &position) const;
    std::optional<Hover> hoverAt(const Frame &frame, int x) const;
    /// 0: the total's colour; n ≥ 1: the colour of port style n - 1.
    QColor seriesColor(int index) const;
    QPen portPen(PortKey port) const;
    QPen lastRunPen() const;
    int styleIndex(PortKey port) const;
    void noteStyle(PortKey port);
    void fillContextMenu(QMenu &menu);
    void changed();

    void paintGrid(QPainter &painter, const Frame &frame) const;
    void paintSeries(QPainter &painter, const Frame &frame) const;
    void paintLegend(QPainter &painter, const Frame &frame) const;
    void paintHover(QPainter &painter, const Frame &frame, const Hover &hover) const;

    ThroughputHistory m_history;
    ThroughputHistory m_lastRun;
    Window m_window = Window::OneMinute;
    qint64 m_intervalMs = 1000;
    bool m_log = false;
    bool m_selectHint = true;
    QList<PortKey> m_selected;
    QSet<QString> m_hidden;
    QHash<PortKey, int> m_styles; ///< each port's look, in the order ports were first seen
    int m_hoverX = -1;
};

} // namespace capture

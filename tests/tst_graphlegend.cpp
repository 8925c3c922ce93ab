#include "core/util/units.h"
#include "ui/graph/throughputgraph.h"

#include <QAction>
#include <QDir>
#include <QMenu>
#include <QSet>
#include <QTest>

#include <cmath>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

// The graph of issue 22: 16 distinguishable lines, a clickable legend, log scale, one hover
// readout, the select-ports hint, an axis a spike does not hold up, rates averaged over an
// interval from the byte counters, and the last run kept at a new start.

namespace {

using Sample = ThroughputHistory::Sample;

constexpr qint64 BaseMs = 1'700'000'000'000; // a whole second
constexpr qint64 Tick = 250;

/// Feeds a graph snapshots the way the engine makes them: cumulative byte counters and the
/// instantaneous rate of the last tick.
struct Feed
{
    qint64 timeMs = BaseMs;
    quint64 total = 0;
    QList<quint64> ports;

    /// One tick: `totalBytes` more in total, `portBytes[i]` more on port 5000 + i.
    StatsSnapshot next(quint64 totalBytes, const QList<quint64> &portBytes = {})
    {
        timeMs += Tick;
        total += totalBytes;
        StatsSnapshot s;
        s.time = QDateTime::fromMSecsSinceEpoch(timeMs);
        s.totalBytes = total;
        s.totalRate = double(totalBytes) * 1000.0 / Tick;
        while (ports.size() < portBytes.size())
            ports.append(0);
        for (qsizetype i = 0; i < portBytes.size(); ++i) {
            ports[i] += portBytes[i];
            PortStats stats;
            stats.port = quint16(5000 + i);
            stats.bytes = ports[i];
            stats.rate = double(portBytes[i]) * 1000.0 / Tick;
            s.ports.append(stats);
        }
        return s;
    }
    /// `ticks` ticks of steady rates (bytes per second).
    void steady(ThroughputGraph &graph, int ticks, double totalRate,
                const QList<double> &portRates = {})
    {
        QList<quint64> perTick;
        for (const double rate : portRates)
            perTick.append(quint64(rate * Tick / 1000.0));
        for (int i = 0; i < ticks; ++i)
            graph.addSnapshot(next(quint64(totalRate * Tick / 1000.0), perTick));
    }
};

QPalette palette(bool dark)
{
    QPalette p;
    const QColor window = dark ? QColor(0x2d, 0x2d, 0x2d) : QColor(0xef, 0xef, 0xef);
    const QColor text = dark ? QColor(0xe0, 0xe0, 0xe0) : QColor(Qt::black);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, dark ? QColor(0x1e, 0x1e, 0x1e) : QColor(Qt::white));
    p.setColor(QPalette::Text, text);
    return p;
}

QList<PortKey> sixteenPorts()
{
    QList<PortKey> ports;
    for (quint16 i = 0; i < 16; ++i)
        ports.append(PortKey(quint16(5000 + i)));
    return ports;
}

} // namespace

class TestGraphLegend : public QObject
{
    Q_OBJECT

    static ThroughputGraph::Frame frameOf(const ThroughputGraph &graph) { return graph.frame(); }
    static const ThroughputGraph::Series *seriesOf(const ThroughputGraph::Frame &frame,
                                                   const QString &name)
    {
        for (const ThroughputGraph::Series &series : frame.series) {
            if (series.name == name)
                return &series;
        }
        return nullptr;
    }
    static QPen penOf(const ThroughputGraph &graph, const QString &name)
    {
        const ThroughputGraph::Frame frame = graph.frame();
        const ThroughputGraph::Series *series = seriesOf(frame, name);
        return series ? series->pen : QPen();
    }
    static void click(ThroughputGraph &graph, const QString &key)
    {
        const QRectF rect = graph.legendRect(key);
        QVERIFY2(!rect.isEmpty(), qPrintable(key));
        QTest::mouseClick(&graph, Qt::LeftButton, {}, rect.center().toPoint());
    }
    static QAction *action(QMenu &menu, const QString &name)
    {
        return menu.findChild<QAction *>(name);
    }

private Q_SLOTS:
    void sixteenDistinctLines_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }
    void sixteenDistinctLines()
    {
        QFETCH(bool, dark);
        ThroughputGraph graph;
        graph.setPalette(palette(dark));
        graph.resize(900, 300);
        Feed feed;
        QList<double> rates;
        for (int i = 0; i < 16; ++i)
            rates.append(1000.0 * (i + 1));
        feed.steady(graph, 8, 200e3, rates);
        graph.setSelectedPorts(sixteenPorts());

        // Colour and dash pattern together differ for every line, the total's too.
        QSet<QString> looks;
        const ThroughputGraph::Frame frame = frameOf(graph);
        QCOMPARE(frame.series.size(), 17);
        const QColor base = palette(dark).color(QPalette::Base);
        for (const ThroughputGraph::Series &series : frame.series) {
            QStringList dashes;
            for (const qreal d : series.pen.dashPattern())
                dashes.append(QString::number(d));
            looks.insert(series.pen.color().name() + u' ' + dashes.join(u','));
            // Readable on the background: clearly apart in lightness or hue.
            const QColor c = series.pen.color();
            QVERIFY2(std::abs(c.lightness() - base.lightness()) > 60, qPrintable(series.name));
        }
        QCOMPARE(looks.size(), 17);
        // Solid for the first eight ports, dashed for the next eight.
        QCOMPARE(penOf(graph, u"port 5000"_s).style(), Qt::SolidLine);
        QCOMPARE(penOf(graph, u"port 5008"_s).style(), Qt::CustomDashLine);
        QCOMPARE(penOf(graph, u"port 5000"_s).color(), penOf(graph, u"port 5008"_s).color());

        // The legend shows the same look, one entry per line.
        QCOMPARE(graph.legendKeys().size(), 17);
        for (const ThroughputGraph::LegendEntry &entry : frame.legend) {
            if (const ThroughputGraph::Series *series = seriesOf(frame, entry.key)) {
                QCOMPARE(entry.pen.color(), series->pen.color());
                QCOMPARE(entry.pen.dashPattern(), series->pen.dashPattern());
            }
        }
        // A port keeps its look whatever else is selected.
        const QPen pen5011 = penOf(graph, u"port 5011"_s);
        graph.setSelectedPorts({5011});
        QCOMPARE(penOf(graph, u"port 5011"_s), pen5011);
        graph.setSelectedPorts({5003, 5011});
        QCOMPARE(penOf(graph, u"port 5011"_s), pen5011);

        // A picture to look at: CAPTURE_GRAPH_PNG_DIR=/tmp tst_graphlegend.
        const QString dir = qEnvironmentVariable("CAPTURE_GRAPH_PNG_DIR");
        if (!dir.isEmpty()) {
            ThroughputGraph shown;
            shown.setPalette(palette(dark));
            shown.resize(1200, 360);
            Feed f;
            for (int t = 0; t < 240; ++t) {
                QList<quint64> bytes;
                quint64 sum = 0;
                for (int i = 0; i < 16; ++i) {
                    const double rate =
                        (1 + i) * 60e3 * (1.0 + 0.25 * std::sin((t + 15 * i) / 20.0));
                    bytes.append(quint64(rate / 4));
                    sum += quint64(rate / 4);
                }
                shown.addSnapshot(f.next(sum, bytes));
            }
            shown.setSelectedPorts(sixteenPorts());
            shown.setSeriesVisible(ThroughputGraph::totalKey(), false);
            QVERIFY(shown.grab().save(
                QDir(dir).filePath(dark ? u"graph16-dark.png"_s : u"graph16-light.png"_s)));
            // The window's usual size, hovered, log scale, after a new start.
            shown.resize(640, 260);
            shown.startNewRun();
            shown.setSeriesVisible(ThroughputGraph::totalKey(), true);
            f.timeMs += 5000;
            for (int t = 0; t < 60; ++t)
                shown.addSnapshot(f.next(250000, QList<quint64>(16, 15000)));
            shown.setLogScale(true);
            shown.setSelectedPorts({});
            QVERIFY(shown.grab().save(
                QDir(dir).filePath(dark ? u"graph-none-dark.png"_s : u"graph-none-light.png"_s)));
            shown.setSelectedPorts(sixteenPorts());
            shown.m_hoverX = int(shown.frame().plot.right()) - 40;
            QVERIFY(shown.grab().save(QDir(dir).filePath(dark ? u"graph16-dark-small.png"_s
                                                              : u"graph16-light-small.png"_s)));
        }
    }

    void legendClicksHideAndShow()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        Feed feed;
        feed.steady(graph, 40, 1e6, {10e3});
        graph.setSelectedPorts({5000});
        QCOMPARE(graph.legendKeys(), (QStringList{u"total"_s, u"port 5000"_s}));
        QCOMPARE(graph.axisMaximum(), 1e6); // the total sets the scale

        click(graph, u"total"_s);
        QVERIFY(!graph.isSeriesVisible(u"total"_s));
        QCOMPARE(graph.axisMaximum(), 10e3); // hidden lines do not count
        const int x = int(frameOf(graph).plot.right()) - 1;
        QVERIFY(!graph.valueTextAt(x).contains(u"total"_s));
        QVERIFY(graph.valueTextAt(x).contains(u"port 5000 10.0 kB/s"_s));
        // Drawn greyed in the legend; still there to be clicked again.
        for (const ThroughputGraph::LegendEntry &entry : frameOf(graph).legend)
            QCOMPARE(entry.hidden, entry.key == u"total"_s);

        feed.steady(graph, 4, 1e6, {10e3}); // the hidden set survives new snapshots
        QVERIFY(!graph.isSeriesVisible(u"total"_s));
        QCOMPARE(graph.axisMaximum(), 10e3);

        click(graph, u"port 5000"_s);
        QVERIFY(!graph.isSeriesVisible(u"port 5000"_s));
        QVERIFY(graph.valueTextAt(x).isEmpty()); // nothing visible, nothing to read

        click(graph, u"total"_s);
        click(graph, u"port 5000"_s);
        QVERIFY(graph.isSeriesVisible(u"total"_s) && graph.isSeriesVisible(u"port 5000"_s));
        QCOMPARE(graph.axisMaximum(), 1e6);
        graph.show();
        QVERIFY(QTest::qWaitForWindowExposed(&graph));
        QTest::mouseMove(&graph, graph.legendRect(u"total"_s).center().toPoint());
        QTRY_COMPARE(graph.cursor().shape(), Qt::PointingHandCursor);
        QTest::mouseClick(&graph, Qt::LeftButton, {}, frameOf(graph).plot.center().toPoint());
        QVERIFY(graph.isSeriesVisible(u"total"_s)); // clicks outside the legend change nothing
    }

    void logScale()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        QVERIFY(!graph.logScale());
        Feed feed;
        feed.steady(graph, 20, 2e6, {3e3, 0});
        graph.setSelectedPorts({5000, 5001});
        QCOMPARE(graph.axisMaximum(), 2e6);

        QMenu menu;
        graph.fillContextMenu(menu);
        QAction *log = action(menu, u"graphLogScaleAction"_s);
        QVERIFY(log && log->isCheckable() && !log->isChecked());
        log->trigger();
        QVERIFY(graph.logScale());
        QCOMPARE(graph.axisLabels(), (QStringList{u"1 kB/s"_s, u"10 kB/s"_s, u"100 kB/s"_s,
                                                  u"1 MB/s"_s, u"10 MB/s"_s}));
        QCOMPARE(graph.axisMaximum(), 10e6);
        // Zero sits on the bottom edge; 3 kB/s is off it, visible beside 2 MB/s.
        const ThroughputGraph::Frame frame = frameOf(graph);
        const PlotScale scale = frame.scale();
        QCOMPARE(scale.y(0), frame.plot.bottom());
        QVERIFY(scale.y(3e3) < frame.plot.bottom() - frame.plot.height() / 10);
        QVERIFY(scale.y(2e6) > frame.plot.top());

        // A rate of exactly a decade is not drawn on the bottom edge, where zero lies.
        QCOMPARE(RateAxis::logForRange(1e6, 8e6).labels(),
                 (QStringList{u"100 kB/s"_s, u"1 MB/s"_s, u"10 MB/s"_s}));
        QCOMPARE(RateAxis::logForRange(999.0, 2e6).labels().constFirst(), u"100 B/s"_s);
        QCOMPARE(RateAxis::logForRange(999.0, 2e9).labels().constFirst(),
                 u"10 kB/s"_s); // at most six decades

        graph.setLogScale(false);
        QCOMPARE(graph.axisLabels().constFirst(), u"0 B/s"_s);
        QCOMPARE(RateAxis::decadeLabel(1e9), u"1 GB/s"_s);
        QCOMPARE(RateAxis::logForRange(0, 0).labels(), (QStringList{u"100 B/s"_s, u"1 kB/s"_s}));
    }

    void oneHoverReadout()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        Feed feed;
        feed.steady(graph, 200, 2e6, {7e5, 1e5});
        graph.setSelectedPorts({5000, 5001});
        graph.setSeriesVisible(u"port 5001"_s, false);
        graph.show();
        QVERIFY(QTest::qWaitForWindowExposed(&graph));
        const QPoint position = frameOf(graph).plot.center().toPoint();
        QTest::mouseMove(&graph, position);
        QTRY_COMPARE(graph.m_hoverX, position.x());
        QVERIFY(graph.toolTip().isEmpty()); // the panel in the graph is the only readout
        const QString text = graph.valueTextAt(position.x());
        // One time, then each visible series.
        QCOMPARE(text.count(u':'), 2);
        QVERIFY2(text.contains(u"total 2.00 MB/s · port 5000 700 kB/s"_s), qPrintable(text));
        QVERIFY(!text.contains(u"5001"_s));
    }

    void selectPortsHint()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        QVERIFY(graph.selectHintShown());
        QVERIFY(frameOf(graph).legend.constLast().key.isEmpty()); // the hint
        graph.setSelectedPorts({5000});
        QVERIFY(!graph.selectHintShown());
        for (const ThroughputGraph::LegendEntry &entry : frameOf(graph).legend)
            QVERIFY(!entry.key.isEmpty());
        graph.setSelectedPorts({});
        QVERIFY(graph.selectHintShown());
        graph.setSelectHintEnabled(false); // a graph without a ports table (the fleet's)
        QVERIFY(!graph.selectHintShown());
        QVERIFY(frameOf(graph).legend.constLast().key == u"total"_s);
    }

    void spikeDoesNotHoldTheAxis()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        Feed feed;
        feed.steady(graph, 80, 100e3);
        QCOMPARE(graph.axisMaximum(), 100e3);
        graph.addSnapshot(feed.next(2500000)); // one 250 ms sample at 10 MB/s
        feed.steady(graph, 3, 100e3);
        // Averaged over 1 s: (2.5 MB + 3 × 25 kB) / 1 s, not 10 MB/s.
        QCOMPARE(graph.axisMaximum(), 5e6);
        feed.steady(graph, 4 * 59, 100e3);
        QCOMPARE(graph.axisMaximum(), 5e6); // still in the 1 min window
        feed.steady(graph, 8, 100e3);
        QCOMPARE(graph.axisMaximum(), 100e3); // gone from the window: back to the steady level
    }

    void averagedOverTheInterval()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        QCOMPARE(graph.interval(), qint64(1000));
        Feed feed;
        for (int i = 0; i < 320; ++i) // 100 bytes in every other 250 ms tick: a comb 0-400 B/s
            graph.addSnapshot(feed.next(i % 2 ? 100 : 0));
        const auto rates = [&graph] {
            QSet<double> result;
            const ThroughputGraph::Frame frame = frameOf(graph);
            for (const Sample &sample : frame.series.constFirst().samples)
                result.insert(sample.rate);
            return result;
        };
        QCOMPARE(rates(), QSet<double>{200.0}); // flat at the mean
        QCOMPARE(graph.axisMaximum(), 1e3);
        const int x = int(frameOf(graph).plot.center().x());
        QVERIFY(graph.valueTextAt(x).endsWith(u"total 200 B/s"_s));

        QMenu menu;
        graph.fillContextMenu(menu);
        QAction *quarter = action(menu, u"graphInterval250Action"_s);
        QVERIFY(quarter && action(menu, u"graphInterval1000Action"_s)->isChecked());
        quarter->trigger();
        QCOMPARE(graph.interval(), qint64(250));
        QCOMPARE(rates(), (QSet<double>{0.0, 400.0})); // the single samples' comb
        graph.setInterval(5000);
        QCOMPARE(rates(), QSet<double>{200.0});
        QCOMPARE(ThroughputGraph::intervalName(250), u"250 ms"_s);
        QCOMPARE(ThroughputGraph::intervalName(10000), u"10 s"_s);
    }

    void lastRunKeptAtANewStart()
    {
        ThroughputGraph graph;
        graph.resize(700, 260);
        graph.setSelectedPorts({5000});
        Feed first;
        first.steady(graph, 40, 1e6, {4e5});
        QVERIFY(!graph.hasLastRun());

        graph.startNewRun();
        QVERIFY(graph.hasLastRun());
        QVERIFY(graph.history().total().isEmpty());
        QCOMPARE(graph.lastRunHistory().total().size(), 40);
        QCOMPARE(graph.legendKeys(), (QStringList{u"total"_s, u"port 5000"_s, u"last run"_s}));
        const ThroughputGraph::Frame before = frameOf(graph);
        QVERIFY(seriesOf(before, u"total"_s)->samples.isEmpty()); // the new run starts empty
        QVERIFY(!seriesOf(before, u"last run total"_s)->samples.isEmpty());
        QCOMPARE(graph.axisMaximum(), 1e6);

        // The new run's counters start again from zero, a few seconds later.
        Feed second;
        second.timeMs = first.timeMs + 3000;
        second.steady(graph, 20, 2e5, {1e5});
        QVERIFY(graph.hasLastRun());
        const ThroughputGraph::Frame after = frameOf(graph);
        for (const Sample &sample : seriesOf(after, u"total"_s)->samples)
            QCOMPARE(sample.rate, 2e5);
        QVERIFY(!seriesOf(after, u"last run port 5000"_s)->samples.isEmpty());
        QVERIFY(graph.valueTextAt(int(after.plot.left()) + 2).contains(u"last run total"_s));

        click(graph, u"last run"_s);
        QVERIFY(!graph.isSeriesVisible(u"last run"_s));
        QCOMPARE(graph.axisMaximum(), 2e5);
        click(graph, u"last run"_s);

        QMenu menu;
        graph.fillContextMenu(menu);
        QAction *clearLast = action(menu, u"graphClearLastRunAction"_s);
        QVERIFY(clearLast && clearLast->isEnabled());
        clearLast->trigger();
        QVERIFY(!graph.hasLastRun());
        QVERIFY(!graph.legendKeys().contains(u"last run"_s));
        QCOMPARE(graph.history().total().size(), 20);

        graph.startNewRun();
        graph.clear(); // drops both
        QVERIFY(!graph.hasLastRun() && graph.history().total().isEmpty());
    }
};

QTEST_MAIN(TestGraphLegend)
#include "tst_graphlegend.moc"

#include "core/util/units.h"
#include "tests/graphsnapshots.h"
#include "ui/graph/throughputgraph.h"
#include "ui/graph/throughputhistory.h"

#include <QHash>
#include <QImage>
#include <QPalette>
#include <QTest>

#include <cmath>
#include <utility>

using namespace Qt::Literals::StringLiterals;
using namespace capture;
using namespace graphtest;

namespace {

QString clock(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs).toString(u"HH:mm:ss"_s);
}

QPalette lightPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    palette.setColor(QPalette::WindowText, Qt::black);
    palette.setColor(QPalette::Base, Qt::white);
    palette.setColor(QPalette::Text, Qt::black);
    palette.setColor(QPalette::Mid, QColor(0xa0, 0xa0, 0xa0));
    return palette;
}

QPalette darkPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(0x2d, 0x2d, 0x2d));
    palette.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    palette.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    palette.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    palette.setColor(QPalette::Mid, QColor(0x50, 0x50, 0x50));
    return palette;
}

// Antialiased lines blend their edges into the background; the core keeps the colour.
bool similar(QRgb pixel, const QColor &color)
{
    return std::abs(qRed(pixel) - color.red()) <= 72 &&
           std::abs(qGreen(pixel) - color.green()) <= 72 &&
           std::abs(qBlue(pixel) - color.blue()) <= 72;
}

// How many pixel columns in [left, right] hold at least one pixel of `color`.
int columnsWith(const QImage &image, const QColor &color, int left, int right, int top, int bottom)
{
    int columns = 0;
    for (int x = left; x <= right; ++x) {
        for (int y = top; y <= bottom; ++y) {
            if (similar(image.pixel(x, y), color)) {
                ++columns;
                break;
            }
        }
    }
    return columns;
}

} // namespace

class TestThroughputGraph : public QObject
{
    Q_OBJECT

    static QRectF plotOf(const ThroughputGraph &graph) { return graph.frame().plot; }
    static QColor colorOf(const ThroughputGraph &graph, int series)
    {
        return graph.seriesColor(series);
    }

private Q_SLOTS:
    void init() { counters = {}; }

    void windowNames()
    {
        QCOMPARE(ThroughputGraph::windowMs(ThroughputGraph::Window::OneMinute), qint64(60'000));
        QCOMPARE(ThroughputGraph::windowMs(ThroughputGraph::Window::TenMinutes), qint64(600'000));
        QCOMPARE(ThroughputGraph::windowMs(ThroughputGraph::Window::OneHour), qint64(3'600'000));
        QCOMPARE(ThroughputGraph::windowName(ThroughputGraph::Window::OneMinute), u"1 min"_s);
        QCOMPARE(ThroughputGraph::windowName(ThroughputGraph::Window::OneHour), u"1 h"_s);
    }

    void axisScaling_data()
    {
        QTest::addColumn<double>("peak");
        QTest::addColumn<double>("maximum");
        QTest::addColumn<QStringList>("labels");
        const QStringList kilo{u"0 B/s"_s, u"250 B/s"_s, u"500 B/s"_s, u"750 B/s"_s,
                               u"1.00 kB/s"_s};
        QTest::newRow("idle") << 0.0 << 1e3 << kilo;
        QTest::newRow("900 B/s") << 900.0 << 1e3 << kilo;
        QTest::newRow("exactly 1 kB/s") << 1000.0 << 1e3 << kilo;
        QTest::newRow("12 kB/s") << 12e3 << 20e3
                                 << QStringList{u"0 B/s"_s, u"5.00 kB/s"_s, u"10.0 kB/s"_s,
                                                u"15.0 kB/s"_s, u"20.0 kB/s"_s};
        QTest::newRow("250 kB/s") << 250e3 << 250e3
                                  << QStringList{u"0 B/s"_s,    u"50.0 kB/s"_s, u"100 kB/s"_s,
                                                 u"150 kB/s"_s, u"200 kB/s"_s,  u"250 kB/s"_s};
        QTest::newRow("1.5 MB/s") << 1.5e6 << 2e6
                                  << QStringList{u"0 B/s"_s, u"500 kB/s"_s, u"1.00 MB/s"_s,
                                                 u"1.50 MB/s"_s, u"2.00 MB/s"_s};
        QTest::newRow("3.3 MB/s") << 3.3e6 << 5e6
                                  << QStringList{u"0 B/s"_s,     u"1.00 MB/s"_s, u"2.00 MB/s"_s,
                                                 u"3.00 MB/s"_s, u"4.00 MB/s"_s, u"5.00 MB/s"_s};
        QTest::newRow("2.4 GB/s") << 2.4e9 << 2.5e9
                                  << QStringList{u"0 B/s"_s,     u"500 MB/s"_s,  u"1.00 GB/s"_s,
                                                 u"1.50 GB/s"_s, u"2.00 GB/s"_s, u"2.50 GB/s"_s};
        QTest::newRow("6 GB/s") << 6e9 << 10e9
                                << QStringList{u"0 B/s"_s, u"2.50 GB/s"_s, u"5.00 GB/s"_s,
                                               u"7.50 GB/s"_s, u"10.0 GB/s"_s};
    }
    void axisScaling()
    {
        QFETCH(double, peak);
        QFETCH(double, maximum);
        QFETCH(QStringList, labels);
        ThroughputGraph graph;
        graph.setInterval(Tick);            // one sample per interval, as before averaging
        QCOMPARE(graph.axisMaximum(), 1e3); // before any data
        const QList<double> rates{peak / 2, peak, peak / 3, 0};
        for (int i = 0; i < rates.size(); ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, rates[i]));
        QCOMPARE(graph.axisMaximum(), maximum);
        QVERIFY(graph.axisMaximum() >= peak);
        QCOMPARE(graph.axisLabels(), labels);
        QVERIFY(labels.size() >= 5 && labels.size() <= 6);
    }

    void axisFollowsSelectedPorts()
    {
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        for (int i = 0; i < 8; ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, 1e6, {{5000, 3e6}, {5001, 20e6}}));
        QCOMPARE(graph.axisMaximum(), 1e6); // unselected ports are not drawn
        graph.setSelectedPorts({5000});
        QCOMPARE(graph.axisMaximum(), 5e6);
        graph.setSelectedPorts({5000, 5001});
        QCOMPARE(graph.axisMaximum(), 20e6);
        QVERIFY(graph.axisLabels().contains(u"20.0 MB/s"_s));
        graph.setSelectedPorts({});
        QCOMPARE(graph.axisMaximum(), 1e6);
    }

    void windowFilter_data()
    {
        QTest::addColumn<ThroughputGraph::Window>("window");
        QTest::addColumn<double>("maximum");
        QTest::addColumn<QString>("topLabel");
        QTest::newRow("1 min") << ThroughputGraph::Window::OneMinute << 1e3 << u"1.00 kB/s"_s;
        QTest::newRow("10 min") << ThroughputGraph::Window::TenMinutes << 5e6 << u"5.00 MB/s"_s;
        QTest::newRow("1 h") << ThroughputGraph::Window::OneHour << 2e9 << u"2.00 GB/s"_s;
    }
    void windowFilter()
    {
        QFETCH(ThroughputGraph::Window, window);
        QFETCH(double, maximum);
        QFETCH(QString, topLabel);
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.addSnapshot(
            snapshot(BaseMs - qint64(20) * 60'000, 1.8e9)); // 24 min before the newest
        graph.addSnapshot(snapshot(BaseMs, 4.5e6));         // 4 min before the newest
        for (qint64 t = 120'000; t <= 240'000; t += 2000)
            graph.addSnapshot(snapshot(BaseMs + t, 900));

        graph.setWindow(window);
        QCOMPARE(graph.window(), window);
        QCOMPARE(graph.axisMaximum(), maximum);
        QCOMPARE(graph.axisLabels().constLast(), topLabel);
        QCOMPARE(graph.history().total().size(), 63); // the history keeps everything
    }

    void selectedPortsAddSeries()
    {
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.resize(600, 220);
        for (int i = 0; i < 20; ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, 1.2e9, {{5000, 600e6}, {5001, 42e3}}));
        const int x = int(plotOf(graph).right()) - 1;

        QString text = graph.valueTextAt(x);
        QVERIFY2(text.contains(u"total 1.20 GB/s"_s), qPrintable(text));
        QVERIFY(!text.contains(u"port"_s));

        graph.setSelectedPorts({5000, 5000});
        QCOMPARE(graph.selectedPorts(), QList<PortKey>{5000});
        text = graph.valueTextAt(x);
        QCOMPARE(text, clock(BaseMs + 19 * Tick) + u"  total 1.20 GB/s · port 5000 600 MB/s"_s);

        graph.setSelectedPorts({5001, 5000, 6000}); // 6000 has no data: no value to show
        text = graph.valueTextAt(x);
        QCOMPARE(text, clock(BaseMs + 19 * Tick) +
                           u"  total 1.20 GB/s · port 5001 42.0 kB/s · port 5000 600 MB/s"_s);
    }

    void tcpAndUdpOnOnePortAreTwoSeries()
    {
        // 5000 in --ports and in --udp-ports: two rows, two lines; UDP's readout has datagrams/s.
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.resize(640, 240);
        for (int i = 0; i < 20; ++i) {
            StatsSnapshot s = snapshot(BaseMs + i * Tick, 3e6, {{5000, 1e6}, {5000, 2e6}});
            s.ports[1].protocol = PortStats::Protocol::Udp;
            s.ports[1].datagramRate = 1400;
            s.ports[1].datagrams = quint64(350 * (i + 1)); // 1400 per second
            graph.addSnapshot(s);
        }
        QCOMPARE(graph.history().ports(),
                 (QList<PortKey>{5000, PortKey(5000, PortStats::Protocol::Udp)}));
        QCOMPARE(graph.history().port(5000).constLast().rate, 1e6);
        QCOMPARE(graph.history().port({5000, PortStats::Protocol::Udp}).constLast().rate, 2e6);
        graph.setSelectedPorts({5000, PortKey(5000, PortStats::Protocol::Udp)});
        const QString text = graph.valueTextAt(int(plotOf(graph).right()) - 1);
        QCOMPARE(text, clock(BaseMs + 19 * Tick) +
                           u"  total 3.00 MB/s · port 5000 1.00 MB/s · port 5000/udp 2.00 MB/s, "
                           "1400 datagrams/s"_s);
    }

    void valueTextAt_data()
    {
        QTest::addColumn<double>("fraction");
        QTest::addColumn<int>("nearest");
        // Seven samples 10 s apart fill the 1 min window: sample i sits at fraction i/6.
        QTest::newRow("left edge") << 0.0 << 0;
        QTest::newRow("just right of the oldest") << 0.05 << 0;
        QTest::newRow("0.3") << 0.3 << 2;
        QTest::newRow("middle") << 0.5 << 3;
        QTest::newRow("0.62") << 0.62 << 4;
        QTest::newRow("0.9") << 0.9 << 5;
        QTest::newRow("right edge") << 1.0 << 6;
    }
    void valueTextAt()
    {
        QFETCH(double, fraction);
        QFETCH(int, nearest);
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.resize(600, 220);
        for (int i = 0; i <= 6; ++i)
            graph.addSnapshot(snapshot(BaseMs + qint64(i) * 10'000, (i + 1) * 1000.0));

        const QRectF plot = plotOf(graph);
        QVERIFY(plot.left() > 0 && plot.left() < 200);
        QVERIFY(plot.right() > 400 && plot.right() < 600);
        const int x = int(std::lround(plot.left() + fraction * plot.width()));
        QCOMPARE(graph.valueTextAt(x), clock(BaseMs + qint64(nearest) * 10'000) + u"  total "_s +
                                           formatRate((nearest + 1) * 1000.0));
    }

    void valueTextOutsidePlot()
    {
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.resize(600, 220);
        QVERIFY(graph.valueTextAt(int(plotOf(graph).center().x())).isEmpty()); // no data yet

        for (int i = 0; i < 240; ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, 5e5));
        const QRectF plot = plotOf(graph);
        QVERIFY(!graph.valueTextAt(int(plot.center().x())).isEmpty());
        QVERIFY(!graph.valueTextAt(int(std::ceil(plot.left()))).isEmpty());
        QVERIFY(!graph.valueTextAt(int(plot.right())).isEmpty());
        for (const int x : {-10, 0, int(std::ceil(plot.left())) - 1, int(plot.right()) + 1,
                            graph.width() - 1, graph.width() + 5})
            QVERIFY2(graph.valueTextAt(x).isEmpty(), qPrintable(QString::number(x)));
    }

    void clear()
    {
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.resize(600, 220);
        graph.setSelectedPorts({5000});
        for (int i = 0; i < 40; ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, 3e8, {{5000, 3e8}}));
        QCOMPARE(graph.axisMaximum(), 5e8);
        const int x = int(plotOf(graph).center().x());
        QVERIFY(!graph.valueTextAt(x).isEmpty());

        graph.clear();
        QVERIFY(graph.history().total().isEmpty());
        QVERIFY(graph.history().ports().isEmpty());
        QCOMPARE(graph.history().latestTimeMs(), qint64(0));
        QCOMPARE(graph.axisMaximum(), 1e3);
        QVERIFY(graph.valueTextAt(x).isEmpty());
        QCOMPARE(graph.selectedPorts(), QList<PortKey>{5000});
        QVERIFY(!graph.grab().isNull()); // painting an empty graph is fine
    }

    void sizeHints()
    {
        const ThroughputGraph graph;
        QCOMPARE(graph.sizeHint(), QSize(600, 220));
        QCOMPARE(graph.minimumSizeHint(), QSize(300, 150));
    }

    void rendersLines_data()
    {
        QTest::addColumn<QPalette>("palette");
        QTest::addColumn<QSize>("size");
        QTest::newRow("light") << lightPalette() << QSize(600, 220);
        QTest::newRow("dark") << darkPalette() << QSize(600, 220);
        QTest::newRow("minimum size") << lightPalette() << QSize(300, 150);
        QTest::newRow("wide, decimated") << darkPalette() << QSize(1200, 300);
    }
    void rendersLines()
    {
        QFETCH(QPalette, palette);
        QFETCH(QSize, size);
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.setPalette(palette);
        graph.resize(size);
        graph.setWindow(ThroughputGraph::Window::OneHour);
        graph.setSelectedPorts({5000});

        const QRectF plot = plotOf(graph);
        const int left = int(plot.left()) + 16;
        const int right = int(plot.right()) - 16;
        const int top = int(plot.top()) + 1;
        const int bottom = int(plot.bottom()) - 1;
        const QColor total = colorOf(graph, 0);
        const QColor port = colorOf(graph, 1);
        QVERIFY(total != port);
        QVERIFY(total != palette.color(QPalette::Base));

        QImage empty = graph.grab().toImage();
        QCOMPARE(empty.size(), size);
        QCOMPARE(columnsWith(empty, total, left, right, top, bottom), 0);

        // An hour at 4 Hz: far more samples than pixels, so the graph decimates.
        for (int i = 0; i < 14400; ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, 1.5e6, {{5000, 0.5e6}}));
        QCOMPARE(graph.history().total().size(), 14400);
        const QImage image = graph.grab().toImage();
        const int columns = right - left + 1;
        QCOMPARE(columnsWith(image, total, left, right, top, bottom), columns);
        QCOMPARE(columnsWith(image, port, left, right, top, bottom), columns);
        const QColor base = palette.color(QPalette::Base);
        QVERIFY(image.pixelColor(left, top + 2) == base); // above the lines stays background
    }

    void rendersLinesOnDarkPaletteInLighterColors()
    {
        ThroughputGraph light;
        light.setPalette(lightPalette());
        ThroughputGraph dark;
        dark.setPalette(darkPalette());
        for (int i = 0; i < 3; ++i) {
            QVERIFY(colorOf(dark, i).lightness() > colorOf(light, i).lightness());
            QVERIFY(colorOf(dark, i) != colorOf(dark, i + 1));
        }
    }

    void hover()
    {
        ThroughputGraph graph;
        graph.setInterval(Tick); // one sample per interval, as before averaging
        graph.setPalette(lightPalette());
        graph.resize(600, 220);
        graph.setSelectedPorts({5000});
        for (int i = 0; i < 240; ++i)
            graph.addSnapshot(snapshot(BaseMs + i * Tick, 2e6 + (i % 8) * 1e5, {{5000, 7e5}}));
        graph.show();
        QVERIFY(QTest::qWaitForWindowExposed(&graph));

        const QImage before = graph.grab().toImage();
        QVERIFY(graph.toolTip().isEmpty());
        const QRectF plot = plotOf(graph);
        const QPoint position(int(plot.center().x()), int(plot.center().y()));
        QTest::mouseMove(&graph, position);
        QTRY_COMPARE(graph.m_hoverX, position.x());
        QVERIFY(graph.toolTip().isEmpty()); // one readout: the panel in the graph, no tooltip
        const QString text = graph.valueTextAt(position.x());
        QVERIFY2(text.contains(u"total "_s) && text.contains(u" · port 5000 700 kB/s"_s),
                 qPrintable(text));
        const QImage hovered = graph.grab().toImage();
        QVERIFY(hovered != before); // cursor line and value box

        graph.addSnapshot(snapshot(BaseMs + 240 * Tick, 2e6, {{5000, 9e5}}));
        QVERIFY(graph.toolTip().isEmpty());

        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(&graph, &leave);
        QVERIFY(graph.toolTip().isEmpty());
        QCOMPARE(graph.grab().toImage().size(), before.size());
    }
};

QTEST_MAIN(TestThroughputGraph)
#include "tst_throughputgraph.moc"

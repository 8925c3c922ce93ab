#include "ui/graph/axisscale.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

using Sample = PlotScale::Sample;

/// The throughput graph's maths alone: axes, scaling, the lines drawn, gaps and hover lookup.
class TestAxisScale : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rateAxisIsNice_data()
    {
        QTest::addColumn<double>("peak");
        QTest::addColumn<double>("maximum");
        QTest::addColumn<int>("divisions");
        QTest::newRow("idle") << 0.0 << 1e3 << 4;
        QTest::newRow("negative") << -5.0 << 1e3 << 4;
        QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN() << 1e3 << 4;
        QTest::newRow("infinite") << std::numeric_limits<double>::infinity() << 1e3 << 4;
        QTest::newRow("below the minimum") << 999.0 << 1e3 << 4;
        QTest::newRow("the minimum") << 1000.0 << 1e3 << 4;
        QTest::newRow("just above") << 1001.0 << 2e3 << 4;
        QTest::newRow("2") << 2000.0 << 2e3 << 4;
        QTest::newRow("just above 2") << 2001.0 << 2.5e3 << 5;
        QTest::newRow("2.5") << 2500.0 << 2.5e3 << 5;
        QTest::newRow("3") << 3000.0 << 5e3 << 5;
        QTest::newRow("5") << 5000.0 << 5e3 << 5;
        QTest::newRow("just above 5") << 5001.0 << 10e3 << 4;
        QTest::newRow("10") << 10000.0 << 10e3 << 4;
        QTest::newRow("12 k") << 12e3 << 20e3 << 4;
        QTest::newRow("2.4 G") << 2.4e9 << 2.5e9 << 5;
        QTest::newRow("6 G") << 6e9 << 10e9 << 4;
    }
    void rateAxisIsNice()
    {
        QFETCH(double, peak);
        QFETCH(double, maximum);
        QFETCH(int, divisions);
        const RateAxis axis = RateAxis::forPeak(peak);
        QCOMPARE(axis.maximum, maximum);
        QCOMPARE(axis.divisions, divisions);
        if (std::isfinite(peak))
            QVERIFY(axis.maximum >= peak);
        QCOMPARE(axis.labels().size(), divisions + 1);
    }

    void rateAxisLabels()
    {
        QCOMPARE(RateAxis{}.labels(), (QStringList{u"0 B/s"_s, u"250 B/s"_s, u"500 B/s"_s,
                                                   u"750 B/s"_s, u"1.00 kB/s"_s}));
        QCOMPARE(RateAxis::forPeak(2200).labels(),
                 (QStringList{u"0 B/s"_s, u"500 B/s"_s, u"1.00 kB/s"_s, u"1.50 kB/s"_s,
                              u"2.00 kB/s"_s, u"2.50 kB/s"_s}));
        QCOMPARE(RateAxis::forPeak(7e6).labels(),
                 (QStringList{u"0 B/s"_s, u"2.50 MB/s"_s, u"5.00 MB/s"_s, u"7.50 MB/s"_s,
                              u"10.0 MB/s"_s}));
    }

    void timeAxisStep_data()
    {
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<qreal>("plotWidth");
        QTest::addColumn<qreal>("spacing");
        QTest::addColumn<qint64>("step");
        QTest::addColumn<bool>("minutes");
        // 1 min on 600 px: 10 s is 100 px, 15 s 150 px, …
        QTest::newRow("1 min, 10 s fits exactly")
            << qint64(60'000) << 600.0 << 100.0 << qint64(10) << false;
        QTest::newRow("1 min, 15 s") << qint64(60'000) << 600.0 << 101.0 << qint64(15) << false;
        QTest::newRow("1 min, 30 s") << qint64(60'000) << 600.0 << 250.0 << qint64(30) << false;
        QTest::newRow("1 min, nothing fits: the longest")
            << qint64(60'000) << 600.0 << 1000.0 << qint64(60) << false;
        QTest::newRow("10 min, 1 min") << qint64(600'000) << 600.0 << 60.0 << qint64(60) << true;
        QTest::newRow("10 min, 2 min") << qint64(600'000) << 600.0 << 61.0 << qint64(120) << true;
        QTest::newRow("10 min, narrow") << qint64(600'000) << 100.0 << 60.0 << qint64(600) << true;
        QTest::newRow("1 h, 5 min") << qint64(3'600'000) << 600.0 << 50.0 << qint64(300) << true;
        QTest::newRow("1 h, 10 min") << qint64(3'600'000) << 600.0 << 51.0 << qint64(600) << true;
        QTest::newRow("1 h, 30 min") << qint64(3'600'000) << 300.0 << 120.0 << qint64(1800) << true;
        QTest::newRow("just over 1 min: minutes")
            << qint64(60'001) << 600.0 << 10.0 << qint64(60) << true;
    }
    void timeAxisStep()
    {
        QFETCH(qint64, windowMs);
        QFETCH(qreal, plotWidth);
        QFETCH(qreal, spacing);
        QFETCH(qint64, step);
        QFETCH(bool, minutes);
        const TimeAxis axis = TimeAxis::forWindow(windowMs, plotWidth, spacing);
        QCOMPARE(axis.stepSeconds, step);
        QCOMPARE(axis.minutes, minutes);
    }

    void timeAxisLabels()
    {
        QCOMPARE(TimeAxis::widestLabel(60'000), u"-60 s"_s);
        QCOMPARE(TimeAxis::widestLabel(600'000), u"-60 min"_s);
        const TimeAxis seconds{10, false};
        QCOMPARE(seconds.label(0), u"now"_s);
        QCOMPARE(seconds.label(30), u"-30 s"_s);
        QCOMPARE(seconds.label(60), u"-60 s"_s);
        const TimeAxis minutes{300, true};
        QCOMPARE(minutes.label(0), u"now"_s);
        QCOMPARE(minutes.label(600), u"-10 min"_s);
        QCOMPARE(minutes.label(3600), u"-60 min"_s);
    }

    void plotScaleMapsBothWays()
    {
        // A 400 × 200 plot at (100, 20) showing one minute and 0 … 1 kB/s.
        const PlotScale scale(QRectF(100, 20, 400, 200), 1000, 61'000, 1000);
        QCOMPARE(scale.x(1000), 100.0);
        QCOMPARE(scale.x(16'000), 200.0);
        QCOMPARE(scale.x(31'000), 300.0);
        QCOMPARE(scale.x(61'000), 500.0);
        QCOMPARE(scale.y(0), 220.0);
        QCOMPARE(scale.y(500), 120.0);
        QCOMPARE(scale.y(1000), 20.0);
        QCOMPARE(scale.y(2000), 20.0); // clamped to the plot
        QCOMPARE(scale.y(-5), 220.0);
        QCOMPARE(scale.timeAt(100), qint64(1000));
        QCOMPARE(scale.timeAt(101), qint64(1150));
        QCOMPARE(scale.timeAt(300), qint64(31'000));
        QCOMPARE(scale.timeAt(500), qint64(61'000));
        for (const qint64 t : {qint64(1000), qint64(7250), qint64(33'500), qint64(61'000)})
            QCOMPARE(scale.timeAt(scale.x(t)), t);
        QVERIFY(!scale.containsX(99.9));
        QVERIFY(scale.containsX(100));
        QVERIFY(scale.containsX(500));
        QVERIFY(!scale.containsX(500.1));
    }

    void plotScaleGridAndTicks()
    {
        const PlotScale scale(QRectF(100, 20, 400, 200), 1000, 61'000, 1000);
        QCOMPARE(scale.gridY(0, 4), 220.0);
        QCOMPARE(scale.gridY(1, 4), 170.0);
        QCOMPARE(scale.gridY(4, 4), 20.0);
        QCOMPARE(scale.tickX(0), 500.0);
        QCOMPARE(scale.tickX(15), 400.0);
        QCOMPARE(scale.tickX(60), 100.0);
        // Whole pixels, so grid lines stay sharp: 150 - 37.5 rounds to 113, 1/3 of 10 px to 7.
        const PlotScale odd(QRectF(0, 0, 10, 150), 0, 30'000, 1);
        QCOMPARE(odd.gridY(1, 4), 113.0);
        QCOMPARE(odd.tickX(10), 7.0);
    }

    void polylinesJoinSamplesUnlessApart()
    {
        const PlotScale scale(QRectF(100, 20, 400, 200), 1000, 61'000, 1000);
        const QList<Sample> samples{{1000, 0}, {16'000, 500}, {31'000, 1000}};
        const QPolygonF joined{{100, 220}, {200, 120}, {300, 20}};
        QCOMPARE(scale.polylines(samples, 15'000), QList<QPolygonF>{joined});
        // Further apart than the gap: three single points.
        QCOMPARE(
            scale.polylines(samples, 14'999),
            (QList<QPolygonF>{QPolygonF{{100, 220}}, QPolygonF{{200, 120}}, QPolygonF{{300, 20}}}));
        // A sample older than the one before (the clock stepped back) starts a new piece.
        const QList<Sample> stepped{{1000, 0}, {31'000, 1000}, {16'000, 500}};
        QCOMPARE(scale.polylines(stepped, 100'000),
                 (QList<QPolygonF>{QPolygonF{{100, 220}, {300, 20}}, QPolygonF{{200, 120}}}));
        QCOMPARE(scale.polylines({}, 1000), QList<QPolygonF>{QPolygonF()});
    }

    void polylinesDecimateToColumns()
    {
        // Four pixel columns, one second each, 0 … 100 B/s on 100 px: eight samples are more
        // than the columns, so each column keeps its low and high in the order they came.
        const PlotScale scale(QRectF(0, 0, 4, 100), 0, 4000, 100);
        const QList<Sample> samples{{0, 50},   {500, 80},  {900, 10},  {1000, 30},
                                    {1500, 5}, {1800, 60}, {2500, 40}, {4000, 100}};
        const QPolygonF column0{{0.5, 20}, {0.5, 90}}; // high (80) came before low (10)
        const QPolygonF column1{{1.5, 95}, {1.5, 40}}; // low (5) came before high (60)
        QCOMPARE(scale.polylines(samples, 10'000),
                 (QList<QPolygonF>{column0 + column1 + QPolygonF{{2.5, 60}, {3.5, 0}}}));
        // A gap still breaks the line between columns.
        QCOMPARE(scale.polylines(samples, 600),
                 (QList<QPolygonF>{column0 + column1, QPolygonF{{2.5, 60}}, QPolygonF{{3.5, 0}}}));
    }

    void joinGap()
    {
        QCOMPARE(PlotScale::joinGapMs({}), qint64(2000));
        QList<Sample> quarter;
        for (int i = 0; i < 10; ++i)
            quarter.append({i * 250, 1});
        QCOMPARE(PlotScale::joinGapMs(quarter), qint64(2000)); // 3 × 250 ms: the minimum
        QCOMPARE(PlotScale::joinGapMs({{0, 1}, {1000, 1}, {2000, 1}, {7000, 1}}),
                 qint64(3000)); // the median interval, not the one long gap
        QCOMPARE(PlotScale::joinGapMs({{0, 1}, {0, 1}, {2000, 1}, {4000, 1}}),
                 qint64(6000)); // repeated times do not count as intervals
    }

    void nearestSample()
    {
        QVERIFY(!PlotScale::nearest({}, 0));
        const QList<Sample> samples{{0, 1}, {1000, 2}, {2000, 3}};
        QCOMPARE(PlotScale::nearest(samples, -50)->rate, 1.0);
        QCOMPARE(PlotScale::nearest(samples, 1400)->rate, 2.0);
        QCOMPARE(PlotScale::nearest(samples, 1500)->rate, 2.0); // a tie: the older one
        QCOMPARE(PlotScale::nearest(samples, 1501)->rate, 3.0);
        QCOMPARE(PlotScale::nearest(samples, 99'999)->rate, 3.0);
        QCOMPARE(PlotScale::nearest(samples, 1000), &samples[1]);
        QCOMPARE(*PlotScale::nearest(samples, 900), (Sample{1000, 2}));
        QVERIFY(!(*PlotScale::nearest(samples, 900) == Sample{1000, 2.5}));
    }
};

QTEST_APPLESS_MAIN(TestAxisScale)
#include "tst_axisscale.moc"

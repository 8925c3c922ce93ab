#include "tests/graphsnapshots.h"
#include "ui/graph/throughputhistory.h"

#include <QTest>

using namespace capture;
using namespace graphtest;

// The graph's history: bounded rings of samples per series, and rates averaged per interval
// from the byte counters.

class TestThroughputHistory : public QObject
{
    Q_OBJECT

    static QList<double> rates(const QList<Sample> &samples)
    {
        QList<double> result;
        for (const Sample &sample : samples)
            result.append(sample.rate);
        return result;
    }
    static Sample at(qint64 timeMs, double bytes, double rate = 0)
    {
        return {BaseMs + timeMs, rate, 0, bytes, 0};
    }

private Q_SLOTS:
    void init() { counters = {}; }

    void historyIsBounded_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<int>("appended");
        QTest::newRow("empty") << 5 << 0;
        QTest::newRow("under capacity") << 5 << 3;
        QTest::newRow("exactly full") << 5 << 5;
        QTest::newRow("wrapped") << 5 << 12;
        QTest::newRow("wrapped many times") << 7 << 100;
        QTest::newRow("capacity one") << 1 << 4;
        QTest::newRow("capacity zero means one") << 0 << 3;
    }
    void historyIsBounded()
    {
        QFETCH(int, capacity);
        QFETCH(int, appended);
        ThroughputHistory history(capacity);
        const int bound = std::max(capacity, 1);
        QCOMPARE(history.capacity(), bound);
        for (int i = 0; i < appended; ++i)
            history.append(snapshot(BaseMs + i * Tick, 1000.0 * i, {{5000, 10.0 * i}}));

        const int kept = std::min(appended, bound);
        const QList<Sample> total = history.total();
        const QList<Sample> port = history.port(5000);
        QCOMPARE(total.size(), kept);
        QCOMPARE(port.size(), kept);
        for (int k = 0; k < kept; ++k) {
            const int i = appended - kept + k; // the oldest are dropped, order is kept
            QCOMPARE(total[k].timeMs, BaseMs + i * Tick);
            QCOMPARE(total[k].rate, 1000.0 * i);
            QCOMPARE(port[k].timeMs, BaseMs + i * Tick);
            QCOMPARE(port[k].rate, 10.0 * i);
        }
        QCOMPARE(history.latestTimeMs(), appended ? BaseMs + (appended - 1) * Tick : 0);
    }

    void sinceFilter_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<qint64>("sinceOffsetMs");
        QTest::addColumn<QList<int>>("expected");
        QTest::newRow("everything")
            << 100 << qint64(-1) << QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        QTest::newRow("exact sample time") << 100 << qint64(7000) << QList<int>{7, 8, 9};
        QTest::newRow("between samples") << 100 << qint64(6500) << QList<int>{7, 8, 9};
        QTest::newRow("newest only") << 100 << qint64(9000) << QList<int>{9};
        QTest::newRow("after newest") << 100 << qint64(9001) << QList<int>{};
        QTest::newRow("wrapped, all kept") << 4 << qint64(0) << QList<int>{6, 7, 8, 9};
        QTest::newRow("wrapped, filtered") << 4 << qint64(7500) << QList<int>{8, 9};
    }
    void sinceFilter()
    {
        QFETCH(int, capacity);
        QFETCH(qint64, sinceOffsetMs);
        QFETCH(QList<int>, expected);
        ThroughputHistory history(capacity);
        for (int i = 0; i < 10; ++i)
            history.append(snapshot(BaseMs + qint64(i) * 1000, i, {{7000, i * 2.0}}));
        const qint64 since = sinceOffsetMs < 0 ? 0 : BaseMs + sinceOffsetMs;

        QList<int> total;
        for (const Sample &sample : history.total(since))
            total.append(int(sample.rate));
        QCOMPARE(total, expected);
        QList<int> port;
        for (const Sample &sample : history.port(7000, since))
            port.append(int(sample.rate / 2));
        QCOMPARE(port, expected);
    }

    void portSeries()
    {
        ThroughputHistory history;
        history.append(snapshot(BaseMs, 300, {{5001, 100}, {5000, 200}}));
        history.append(snapshot(BaseMs + 250, 900, {{5001, 400}, {5000, 500}}));
        history.append(snapshot(BaseMs + 500, 700, {{5001, 100}, {5000, 200}, {6000, 400}}));

        QCOMPARE(history.ports(), (QList<PortKey>{5000, 5001, 6000}));
        const QList<Sample> p5000 = history.port(5000);
        QCOMPARE(p5000.size(), 3);
        QCOMPARE(p5000[1].rate, 500.0);
        QCOMPARE(p5000[1].timeMs, BaseMs + 250);
        const QList<Sample> p6000 = history.port(6000);
        QCOMPARE(p6000.size(), 1); // a port that appears later starts later
        QCOMPARE(p6000[0].timeMs, BaseMs + 500);
        QCOMPARE(history.port(5001, BaseMs + 250).size(), 2);
        QVERIFY(history.port(4999).isEmpty());
        QCOMPARE(history.latestTimeMs(), BaseMs + 500);
        QCOMPARE(history.total().size(), 3);
        QCOMPARE(history.total().constLast().rate, 700.0);
    }

    void maxPortSeries()
    {
        ThroughputHistory history(100, 2);
        history.append(snapshot(BaseMs, 60, {{5002, 10}, {5000, 20}, {5001, 30}}));
        history.append(snapshot(BaseMs + 250, 60, {{5001, 30}}));
        history.append(snapshot(BaseMs + 500, 60, {{5000, 20}, {5002, 10}}));

        QCOMPARE(history.ports(), (QList<PortKey>{5000, 5002}));
        QVERIFY(history.port(5001).isEmpty());
        QCOMPARE(history.port(5000).size(), 2);
        QCOMPARE(history.port(5002).size(), 2);
        QCOMPARE(history.total().size(), 3); // the total is recorded regardless

        ThroughputHistory none(100, 0);
        none.append(snapshot(BaseMs, 5, {{5000, 5}}));
        QVERIFY(none.ports().isEmpty());
        QCOMPARE(none.total().size(), 1);
    }

    void historyClearAndInvalidTime()
    {
        ThroughputHistory history;
        StatsSnapshot untimed;
        untimed.totalRate = 5;
        history.append(untimed);
        QVERIFY(history.total().isEmpty());

        history.append(snapshot(BaseMs, 10, {{5000, 10}}));
        history.append(snapshot(BaseMs + 250, qQNaN(), {{5000, -3}}));
        QCOMPARE(history.total().constLast().rate, 0.0);
        QCOMPARE(history.port(5000).constLast().rate, 0.0);

        history.clear();
        QVERIFY(history.total().isEmpty());
        QVERIFY(history.ports().isEmpty());
        QCOMPARE(history.latestTimeMs(), qint64(0));
        history.append(snapshot(BaseMs + 500, 1, {{5000, 1}}));
        QCOMPARE(history.total().size(), 1);
        QCOMPARE(history.port(5000).size(), 1);
    }

    void averagedFromCounters()
    {
        // A comb: 100 bytes in every other 250 ms sample, instantaneous rates 0 and 400 B/s.
        QList<Sample> comb;
        double bytes = 0;
        for (int i = 1; i <= 40; ++i) {
            bytes += i % 2 ? 0 : 100;
            comb.append(at(i * Tick, bytes, i % 2 ? 0 : 400));
        }
        const QList<Sample> perSecond = ThroughputHistory::averaged(comb, 1000, 2000);
        QCOMPARE(perSecond.size(), 11); // 10 s: the first second's 3 samples, then 10 × 4
        for (const Sample &sample : perSecond)
            QCOMPARE(sample.rate, 200.0);
        QCOMPARE(perSecond.constLast().timeMs, BaseMs + 10000);
        // Single samples keep the comb; 5 s intervals are flat again.
        QCOMPARE(rates(ThroughputHistory::averaged(comb, 250, 2000)).mid(1, 4),
                 (QList<double>{400, 0, 400, 0}));
        for (const Sample &sample : ThroughputHistory::averaged(comb, 5000, 2000))
            QCOMPARE(sample.rate, 200.0);
    }

    void averagedNewestIntervalIsSliding()
    {
        // The newest interval holds one sample: its rate is over the last full second.
        QList<Sample> samples;
        for (int i = 0; i <= 8; ++i)
            samples.append(at(i * Tick, 1000.0 * i));
        samples.append(at(9 * Tick, 8000 + 4000)); // +4000 bytes in the newest 250 ms
        const QList<Sample> averaged = ThroughputHistory::averaged(samples, 1000, 2000);
        QCOMPARE(averaged.constLast().timeMs, BaseMs + 9 * Tick);
        QCOMPARE(averaged.constLast().rate, (3 * 1000.0 + 4000) / 1.0);
    }

    void averagedAcrossResetsAndGaps()
    {
        QList<Sample> samples{at(0, 0), at(250, 500), at(500, 1000), at(750, 1500)};
        // A new start: counters from zero, after a pause longer than the gap.
        samples << at(5000, 100, 400) << at(5250, 200) << at(5500, 300) << at(5750, 400);
        const QList<Sample> averaged = ThroughputHistory::averaged(samples, 1000, 2000);
        QCOMPARE(rates(averaged), (QList<double>{2000, 400}));
        // A lone sample keeps its own rate.
        QCOMPARE(rates(ThroughputHistory::averaged({at(0, 123, 77)}, 1000, 2000)),
                 QList<double>{77});
        QVERIFY(ThroughputHistory::averaged({}, 1000, 2000).isEmpty());
    }
};

QTEST_MAIN(TestThroughputHistory)
#include "tst_throughputhistory.moc"

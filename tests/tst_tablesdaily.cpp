#include "core/util/units.h"
#include "fakereceiver.h"
#include "testsupport.h"
#include "ui/mainwindow.h"
#include "ui/models/connectionstablemodel.h"
#include "ui/models/filestablemodel.h"
#include "ui/models/modelroles.h"
#include "ui/models/portstablemodel.h"
#include "ui/models/ratewindow.h"
#include "ui/settingspanel.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPalette>
#include <QRandomGenerator>
#include <QSet>
#include <QSettings>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

// The desktop tables in daily use (issue 22): rates averaged over a second, stable sorting
// under updates, rates zeroed at Stop, the idle state, open connections first, the TLS client
// column only with TLS. Every time is explicit: nothing here waits for a clock.

namespace {

const QDateTime t0 = QDateTime(QDate(2026, 11, 21), QTime(12, 0, 0));

/// Fills the settings with `ports` and starts: the Ports table gets its rows.
void start(MainWindow &window, const QString &ports, const QString &output)
{
    fillSettings(window, ports, output);
    window.startCapture();
}

QString cell(QTableView *view, int row, int column)
{
    return view->model()->index(row, column).data().toString();
}

PortStats port(quint16 number, quint64 bytes, double rate)
{
    PortStats p;
    p.port = number;
    p.bytes = bytes;
    p.rate = rate;
    p.state = PortStats::State::Receiving;
    p.activeConnections = 1;
    return p;
}

ConnectionInfo connection(quint64 id, quint64 bytes = 0, const QDateTime &opened = t0)
{
    ConnectionInfo c;
    c.id = id;
    c.peerAddress = QHostAddress::LocalHost;
    c.peerPort = quint16(40000 + id);
    c.localPort = 5000;
    c.opened = opened;
    c.bytesReceived = c.bytesWritten = bytes;
    return c;
}

QColor muted()
{
    return QApplication::palette().brush(QPalette::Disabled, QPalette::Text).color();
}

} // namespace

class TestTablesDaily : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init() { QSettings().clear(); }

    void rateWindowAveragesCounters()
    {
        RateWindow window(1000);
        QCOMPARE(window.add(1, 0, 0, 7), 7.0); // one sample: no interval yet
        QCOMPARE(window.add(1, 250, 1000), 4000.0);
        QCOMPARE(window.add(1, 500, 1000), 2000.0);
        QCOMPARE(window.add(1, 750, 3000), 4000.0);
        QCOMPARE(window.add(1, 1000, 3000), 3000.0); // 3000 bytes over the whole second
        QCOMPARE(window.add(1, 1250, 3000), 2000.0); // the first 1000 left the window
        QCOMPARE(window.rate(1), 2000.0);
        QCOMPARE(window.add(1, 1500, 10, 5), 5.0); // counter went back: a new series
        QCOMPARE(window.rate(2), 0.0);
    }

    // A steady 340 kB/s sender's 250 ms samples alternate between 402 kB/s and 0; the cells
    // read the second's mean, the same at every snapshot.
    void ratesAveragedOverOneSecond()
    {
        PortsTableModel ports;
        ports.setPorts({5000}, {5000});
        ConnectionsTableModel connections;
        connections.addConnection(connection(1));
        quint64 bytes = 0;
        quint64 datagrams = 0;
        QSet<QString> portRates, datagramRates, connectionRates, totals;
        for (int i = 0; i < 40; ++i) {
            const bool burst = i % 2 == 0;
            bytes += burst ? 100500 : 0;
            datagrams += burst ? 100 : 0;
            StatsSnapshot s;
            s.time = t0.addMSecs(250 * i);
            s.ports = {port(5000, bytes, burst ? 402000 : 0), port(5000, bytes, 0)};
            s.ports[1].protocol = PortStats::Protocol::Udp;
            s.ports[1].datagrams = datagrams;
            s.ports[1].datagramRate = burst ? 400 : 0;
            s.connections = {connection(1, bytes)};
            s.connections[0].rate = burst ? 402000 : 0;
            s.totalBytes = 2 * bytes;
            s.totalRate = burst ? 804000 : 0;
            ports.updateFromSnapshot(s);
            connections.updateFromSnapshot(s);
            if (i < 4)
                continue; // the first second fills the window
            portRates.insert(ports.index(0, PortsTableModel::Rate).data().toString());
            datagramRates.insert(ports.index(1, PortsTableModel::DatagramRate).data().toString());
            connectionRates.insert(
                connections.index(0, ConnectionsTableModel::Rate).data().toString());
            totals.insert(formatRate(ports.totalRate()));
        }
        QCOMPARE(portRates, QSet<QString>{formatRate(201000)});
        QCOMPARE(datagramRates, QSet<QString>{u"200/s"_s});
        QCOMPARE(connectionRates, QSet<QString>{formatRate(201000)});
        QCOMPARE(totals, QSet<QString>{formatRate(402000)});
        QVERIFY(ports.headerData(PortsTableModel::Rate, Qt::Horizontal, Qt::ToolTipRole)
                    .toString()
                    .contains(u"averaged over the last second"_s));
    }

    // Sorted by rate, under many snapshots with small changes and many equal rates (a TCP
    // and a UDP row on the same port among them): after every snapshot each port is there
    // exactly once and the order is one consistent sort, ties by port and protocol.
    void sortedRowsStayConsistent()
    {
        QTemporaryDir output;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        start(window, u"5000-5015"_s, output.path());
        auto *panel = child<SettingsPanel>(&window, u"settingsPanel"_s);
        QVERIFY2(panel->isValid(), qPrintable(panel->errorText()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *view = child<QTableView>(&window, u"portsView"_s);
        QAbstractItemModel *proxy = view->model();
        QCOMPARE(proxy->rowCount(), 16);
        view->sortByColumn(PortsTableModel::Rate, Qt::DescendingOrder);
        QRandomGenerator random(22);
        QList<quint64> bytes(16, 0);
        for (int i = 0; i < 200; ++i) {
            StatsSnapshot s;
            s.time = t0.addMSecs(250 * i);
            for (int p = 0; p < 16; ++p) {
                bytes[p] += 1000 * random.bounded(3); // 0, 1000 or 2000: many equal rates
                s.ports.append(port(quint16(5000 + p), bytes[p], 0));
            }
            Q_EMIT receiver.emitter.statsUpdated(s);
            QSet<int> seen;
            for (int row = 0; row < proxy->rowCount(); ++row) {
                const int key = proxy->index(row, 0).data(TieBreakRole).toInt();
                QVERIFY2(!seen.contains(key), qPrintable(u"port %1 twice"_s.arg(key)));
                seen.insert(key);
                if (row == 0)
                    continue;
                const double above =
                    proxy->index(row - 1, PortsTableModel::Rate).data(RawValueRole).toDouble();
                const double here =
                    proxy->index(row, PortsTableModel::Rate).data(RawValueRole).toDouble();
                const int keyAbove = proxy->index(row - 1, 0).data(TieBreakRole).toInt();
                QVERIFY2(
                    above > here || (above == here && keyAbove > key),
                    qPrintable(u"snapshot %1, row %2: %3 (%4) above %5 (%6)"_s.arg(
                        QString::number(i), QString::number(row), QString::number(above),
                        QString::number(keyAbove), QString::number(here), QString::number(key))));
            }
            QCOMPARE(seen.size(), 16);
            // And the shown view lays out (and paints) at each visible row's place the row
            // the proxy has there: no stale or doubled row on screen.
            QCoreApplication::processEvents();
            QCOMPARE(view->verticalHeader()->count(), 16);
            int visible = 0;
            for (int row = 0; row < 16; ++row) {
                const QModelIndex at = view->indexAt(QPoint(2, view->rowViewportPosition(row) + 2));
                if (!at.isValid())
                    continue; // below the viewport
                ++visible;
                QCOMPARE(at.siblingAtColumn(0).data(TieBreakRole),
                         proxy->index(row, 0).data(TieBreakRole));
            }
            QVERIFY(visible >= 3);
        }
    }

    // After Stop nothing arrives: the Ports and Connections tables' rates read 0, as the
    // status bar's.
    void ratesReadZeroAfterStop()
    {
        QTemporaryDir output;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        start(window, u"5000-5001"_s, output.path());
        auto *ports = child<QTableView>(&window, u"portsView"_s);
        auto *connections = child<QTableView>(&window, u"connectionsView"_s);
        Q_EMIT receiver.emitter.connectionOpened(connection(1));
        for (int i = 0; i < 8; ++i) {
            StatsSnapshot s;
            s.time = t0.addMSecs(250 * i);
            s.ports = {port(5000, 100000 * quint64(i), 400000), port(5001, 0, 0)};
            s.connections = {connection(1, 100000 * quint64(i))};
            s.totalBytes = 100000 * quint64(i);
            Q_EMIT receiver.emitter.statsUpdated(s);
        }
        const int row = 0; // sorted by port
        QCOMPARE(cell(ports, row, PortsTableModel::Rate), formatRate(400000));
        QCOMPARE(cell(connections, 0, ConnectionsTableModel::Rate), formatRate(400000));

        Q_EMIT receiver.emitter.stopped(StopSummary{});
        for (int r = 0; r < 2; ++r)
            QCOMPARE(cell(ports, r, PortsTableModel::Rate), formatRate(0));
        QCOMPARE(cell(connections, 0, ConnectionsTableModel::Rate), formatRate(0));
        QCOMPARE(child<QLabel>(&window, u"rateLabel"_s)->text(),
                 MainWindow::tr("Rate: %1").arg(formatRate(0)));
        // A late snapshot of closed ports does not bring a rate back.
        StatsSnapshot late;
        late.time = t0.addMSecs(2500);
        late.ports = {port(5000, 900000, 400000)};
        late.ports[0].state = PortStats::State::Closed;
        Q_EMIT receiver.emitter.statsUpdated(late);
        QCOMPARE(cell(ports, row, PortsTableModel::Rate), formatRate(0));
    }

    // No new byte for 5 s: "idle since HH:MM:SS", muted, the tooltip saying since when and
    // for how long; a new byte makes it active again. First seen counts as growth at the
    // connection's (file's) opened time.
    void idleConnectionPortAndFile()
    {
        ConnectionsTableModel connections;
        PortsTableModel ports;
        FilesTableModel files;
        ports.setPorts({5000});
        connections.addConnection(connection(1, 0, t0));
        FileInfo file;
        file.path = u"/out/stream_5000.bin"_s;
        file.port = 5000;
        file.opened = t0;
        files.addFile(file);
        auto snapshot = [&](qint64 ms, quint64 bytes) {
            StatsSnapshot s;
            s.time = t0.addMSecs(ms);
            s.ports = {port(5000, bytes, 0)};
            s.connections = {connection(1, bytes)};
            file.bytes = bytes;
            s.files = {file};
            ports.updateFromSnapshot(s);
            connections.updateFromSnapshot(s);
            files.updateFromSnapshot(s);
        };
        const QModelIndex status = connections.index(0, ConnectionsTableModel::Status);
        const QModelIndex portState = ports.index(0, PortsTableModel::State);
        const QModelIndex fileState = files.index(0, FilesTableModel::State);

        snapshot(4999, 0); // nothing yet, but opened less than 5 s ago
        QCOMPARE(status.data().toString(), u"open"_s);
        QCOMPARE(fileState.data().toString(), u"writing"_s);
        snapshot(5000, 0);
        QCOMPARE(status.data().toString(), u"idle since 12:00:00"_s);
        QCOMPARE(fileState.data().toString(), u"idle since 12:00:00"_s);

        snapshot(6000, 100); // a byte: active again
        QCOMPARE(status.data().toString(), u"open"_s);
        QCOMPARE(portState.data().toString(), u"receiving"_s);
        QCOMPARE(fileState.data().toString(), u"writing"_s);
        QVERIFY(status.data(Qt::ForegroundRole).value<QBrush>().color() != muted());

        snapshot(6000 + 80 * 60 * 1000, 100); // 80 minutes of silence
        for (const QModelIndex &index : {status, portState, fileState}) {
            QCOMPARE(index.data().toString(), u"idle since 12:00:06"_s);
            QCOMPARE(index.data(Qt::ForegroundRole).value<QBrush>().color(), muted());
            const QString tip = index.data(Qt::ToolTipRole).toString();
            QVERIFY2(tip.contains(u"2026-11-21T12:00:06"_s) &&
                         tip.contains(formatDuration(80 * 60 * 1000)),
                     qPrintable(tip));
        }
        snapshot(6000 + 80 * 60 * 1000 + 250, 200);
        QCOMPARE(status.data().toString(), u"open"_s);
        QCOMPARE(portState.data().toString(), u"receiving"_s);
        QCOMPARE(fileState.data().toString(), u"writing"_s);
    }

    // The Status cell is signalled when a connection turns idle or active, not at every
    // snapshot: Status is the Connections table's default sort column, and each signal for it
    // re-sorts the proxy.
    void idleSignalledOnlyWhenItChanges()
    {
        ConnectionsTableModel model;
        model.addConnection(connection(1, 0, t0));
        int statusSignals = 0;
        connect(&model, &QAbstractItemModel::dataChanged, this,
                [&statusSignals](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                    if (topLeft.column() <= ConnectionsTableModel::Status &&
                        bottomRight.column() >= ConnectionsTableModel::Status)
                        ++statusSignals;
                });
        auto snapshot = [&model](qint64 ms, quint64 bytes) {
            StatsSnapshot s;
            s.time = t0.addMSecs(ms);
            s.connections = {connection(1, bytes)};
            model.updateFromSnapshot(s);
        };
        snapshot(1000, 10);
        snapshot(2000, 20);
        QCOMPARE(statusSignals, 0);
        for (qint64 ms = 7000; ms <= 60000; ms += 250)
            snapshot(ms, 20);
        QCOMPARE(statusSignals, 1); // turned idle once
        QCOMPARE(model.index(0, ConnectionsTableModel::Status).data().toString(),
                 u"idle since 12:00:02"_s);
        snapshot(60250, 30);
        QCOMPARE(statusSignals, 2); // active again
        QCOMPARE(model.index(0, ConnectionsTableModel::Status).data().toString(), u"open"_s);
    }

    // By default open connections come first, most recently opened first, then the closed
    // ones (greyed); a click on a column still sorts by it.
    void openConnectionsFirst()
    {
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        auto *view = child<QTableView>(&window, u"connectionsView"_s);
        for (quint64 id = 1; id <= 6; ++id)
            Q_EMIT receiver.emitter.connectionOpened(connection(id, 0, t0.addSecs(qint64(id))));
        for (const quint64 id : {2, 4, 5}) {
            ConnectionInfo closed = connection(id, 10, t0.addSecs(qint64(id)));
            closed.closed = t0.addSecs(qint64(20 - id)); // 5 closed first, 2 last
            closed.closeReason = u"peer closed"_s;
            Q_EMIT receiver.emitter.connectionClosed(closed);
        }
        QStringList order;
        for (int row = 0; row < view->model()->rowCount(); ++row)
            order.append(cell(view, row, ConnectionsTableModel::Peer));
        const QStringList expected = {u"127.0.0.1:40006"_s, u"127.0.0.1:40003"_s,
                                      u"127.0.0.1:40001"_s, u"127.0.0.1:40002"_s,
                                      u"127.0.0.1:40004"_s, u"127.0.0.1:40005"_s};
        QCOMPARE(order, expected);

        view->sortByColumn(ConnectionsTableModel::Peer, Qt::AscendingOrder);
        QCOMPARE(cell(view, 0, ConnectionsTableModel::Peer), u"127.0.0.1:40001"_s);
        QCOMPARE(cell(view, 5, ConnectionsTableModel::Peer), u"127.0.0.1:40006"_s);
    }

    // The TLS client column only shows for a run with TLS.
    void tlsClientColumnOnlyWithTls()
    {
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        auto *view = child<QTableView>(&window, u"connectionsView"_s);
        QVERIFY(view->isColumnHidden(ConnectionsTableModel::Client));
        receiver.runState = RunState::Running;
        Q_EMIT receiver.stateChanged(RunState::Running);
        QVERIFY(view->isColumnHidden(ConnectionsTableModel::Client));

        receiver.runState = RunState::Idle;
        Q_EMIT receiver.stateChanged(RunState::Idle);
        receiver.captureSettings.tls = QSslConfiguration::defaultConfiguration();
        receiver.runState = RunState::Running;
        Q_EMIT receiver.stateChanged(RunState::Running);
        QVERIFY(!view->isColumnHidden(ConnectionsTableModel::Client));
        QVERIFY(!view->isColumnHidden(ConnectionsTableModel::Peer));
    }
};

QTEST_MAIN(TestTablesDaily)
#include "tst_tablesdaily.moc"

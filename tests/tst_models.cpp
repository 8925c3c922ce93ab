#include "ui/models/connectionstablemodel.h"
#include "ui/models/filestablemodel.h"
#include "ui/models/modelroles.h"
#include "ui/models/portstablemodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QColor>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

const QDateTime t0 = QDateTime(QDate(2026, 11, 21), QTime(12, 0, 0));

PortStats port(quint16 number, quint64 bytes, double rate, int active = 0)
{
    PortStats p;
    p.port = number;
    p.bytes = bytes;
    p.rate = rate;
    p.activeConnections = active;
    p.state = active > 0 ? PortStats::State::Receiving : PortStats::State::Listening;
    return p;
}

ConnectionInfo connection(quint64 id, quint16 localPort, quint64 bytes = 0)
{
    ConnectionInfo c;
    c.id = id;
    c.peerAddress = QHostAddress::LocalHost;
    c.peerPort = quint16(40000 + id);
    c.localPort = localPort;
    c.opened = t0;
    c.bytesReceived = c.bytesWritten = bytes;
    c.file = u"/out/stream_%1.bin"_s.arg(id);
    return c;
}

/// Counts resets and layout changes: updates must never use them.
struct ResetSpy
{
    explicit ResetSpy(QAbstractItemModel *model)
        : resets(model, &QAbstractItemModel::modelReset)
        , layouts(model, &QAbstractItemModel::layoutChanged)
        , changes(model, &QAbstractItemModel::dataChanged)
    {}
    QSignalSpy resets;
    QSignalSpy layouts;
    QSignalSpy changes;
};

QList<quint16> sortedPorts(QSortFilterProxyModel &proxy)
{
    QList<quint16> out;
    for (int r = 0; r < proxy.rowCount(); ++r)
        out.append(quint16(proxy.index(r, PortsTableModel::Port).data(RawValueRole).toUInt()));
    return out;
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void portsRowsAndUpdates()
    {
        PortsTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPorts({5000, 5001, 5002});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(PortsTableModel::ColumnCount));
        QCOMPARE(model.headerData(PortsTableModel::Bytes, Qt::Horizontal).toString(), u"Bytes"_s);

        ResetSpy spy(&model);
        StatsSnapshot s;
        s.ports = {port(5000, 0, 0), port(5001, 2048, 1500, 1), port(5002, 0, 0)};
        s.ports[1].currentFile = u"/out/stream_5001_x.bin"_s;
        model.updateFromSnapshot(s);
        QCOMPARE(spy.resets.size(), 0);
        QCOMPARE(spy.layouts.size(), 0);
        QCOMPARE(spy.changes.size(), 1); // only the row that changed
        const auto changed = spy.changes.at(0).at(0).value<QModelIndex>();
        QCOMPARE(changed.row(), 1);

        const QModelIndex bytes = model.index(1, PortsTableModel::Bytes);
        QCOMPARE(bytes.data().toString(), u"2.00 KiB"_s);
        QCOMPARE(bytes.data(RawValueRole).toULongLong(), quint64(2048));
        QCOMPARE(model.index(1, PortsTableModel::Rate).data().toString(), u"1.50 kB/s"_s);
        QCOMPARE(model.index(1, PortsTableModel::State).data().toString(), u"receiving"_s);
        QCOMPARE(model.index(1, PortsTableModel::Active).data().toInt(), 1);
        QCOMPARE(model.index(1, PortsTableModel::File).data().toString(), u"stream_5001_x.bin"_s);
        QCOMPARE(model.index(1, PortsTableModel::File).data(Qt::ToolTipRole).toString(),
                 u"/out/stream_5001_x.bin"_s);

        // The same snapshot again changes nothing, so nothing is signalled.
        model.updateFromSnapshot(s);
        QCOMPARE(spy.changes.size(), 1);
    }

    void portsUdpRowsShowDatagramsAndDrops()
    {
        // A port in both lists has a row for each; the UDP row's drops turn red while they grow.
        PortsTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPorts({5000}, {5000, 6000});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, PortsTableModel::Protocol).data().toString(), u"tcp"_s);
        QCOMPARE(model.index(1, PortsTableModel::Protocol).data().toString(), u"udp"_s);
        QCOMPARE(model.rowOfPort(5000, PortStats::Protocol::Udp), 1);
        QCOMPARE(model.headerData(PortsTableModel::Dropped, Qt::Horizontal).toString(),
                 u"Dropped"_s);

        StatsSnapshot s;
        PortStats udp = port(5000, 14720, 14720);
        udp.protocol = PortStats::Protocol::Udp;
        udp.datagrams = 10;
        udp.datagramRate = 10;
        udp.udpDropped = 3;
        s.ports = {port(5000, 100, 0), udp};
        model.updateFromSnapshot(s);
        QCOMPARE(model.index(0, PortsTableModel::Bytes).data(RawValueRole).toULongLong(),
                 quint64(100));
        QCOMPARE(model.index(0, PortsTableModel::Dropped).data(), QVariant()); // TCP: nothing
        QCOMPARE(model.index(1, PortsTableModel::Dropped).data().toULongLong(), quint64(3));
        QCOMPARE(model.index(1, PortsTableModel::DatagramRate).data().toString(), u"10/s"_s);
        QCOMPARE(model.index(1, PortsTableModel::Dropped).data(Qt::ForegroundRole).value<QColor>(),
                 QColor(Qt::red));
        // No more drops: no longer red.
        model.updateFromSnapshot(s);
        QVERIFY(!model.index(1, PortsTableModel::Dropped).data(Qt::ForegroundRole).isValid());
        // A UDP port that could not be bound marks its own row.
        model.setStartFailure({{6000, u"UDP: Address already in use"_s, PortStats::Protocol::Udp}},
                              {});
        QCOMPARE(model.index(2, PortsTableModel::State).data().toString(), u"error"_s);
        QCOMPARE(model.index(0, PortsTableModel::State).data().toString(), u"not listening"_s);
        QVERIFY(model.index(0, PortsTableModel::State)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"6000/udp could not be bound"_s));
    }

    void portsRefusalsAloneUpdateTheRow_data()
    {
        QTest::addColumn<int>("counter");
        QTest::newRow("not allowed") << 0;
        QTest::newRow("over limit") << 1;
        QTest::newRow("idle closed") << 2;
        QTest::newRow("TLS failed") << 3;
        QTest::newRow("not from a balancer") << 4;
        QTest::newRow("bad PROXY header") << 5;
    }
    void portsRefusalsAloneUpdateTheRow()
    {
        // A snapshot where only one refusal counter moves must still update the row: the
        // Refused column once stayed at 0 while only refusals changed.
        QFETCH(int, counter);
        PortsTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPorts({5000, 5001});
        StatsSnapshot s;
        s.ports = {port(5000, 100, 0), port(5001, 0, 0)};
        model.updateFromSnapshot(s);
        QCOMPARE(model.index(0, PortsTableModel::Refused).data().toULongLong(), quint64(0));

        ResetSpy spy(&model);
        PortStats &p = s.ports[0];
        quint64 *const counters[] = {
            &p.refusedNotAllowed, &p.refusedOverLimit,      &p.idleClosed,
            &p.tlsFailed,         &p.refusedProxyUntrusted, &p.proxyFailed};
        *counters[counter] = 7;
        model.updateFromSnapshot(s);
        QCOMPARE(spy.resets.size(), 0);
        QCOMPARE(spy.changes.size(), 1);
        QCOMPARE(spy.changes.at(0).at(0).value<QModelIndex>().row(), 0);
        QCOMPARE(model.index(0, PortsTableModel::Refused).data().toULongLong(), quint64(7));
        QCOMPARE(model.index(0, PortsTableModel::Refused).data(RawValueRole).toULongLong(),
                 quint64(7));
        QVERIFY(model.index(0, PortsTableModel::Refused)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"7"_s));
        QCOMPARE(model.index(1, PortsTableModel::Refused).data().toULongLong(), quint64(0));

        model.updateFromSnapshot(s); // unchanged again: nothing signalled
        QCOMPARE(spy.changes.size(), 1);
    }

    void portsErrorStateCarriesReason()
    {
        PortsTableModel model;
        model.setPorts({5000, 5001});
        StatsSnapshot s;
        s.ports = {port(5000, 100, 50), port(5001, 0, 0)};
        model.updateFromSnapshot(s);
        model.setStartFailure({{5001, u"Address already in use"_s}}, {});
        const QModelIndex state = model.index(1, PortsTableModel::State);
        QCOMPARE(state.data().toString(), u"error"_s);
        QCOMPARE(state.data(Qt::ToolTipRole).toString(), u"Address already in use"_s);
        // Nothing is left listening after a failed start: the other port says so, at rate 0.
        QCOMPARE(model.index(0, PortsTableModel::State).data().toString(), u"not listening"_s);
        QCOMPARE(model.index(0, PortsTableModel::Rate).data(RawValueRole).toDouble(), 0.0);

        // A start that failed before binding (the output directory): every port.
        model.setPorts({5000, 5001});
        model.setStartFailure({}, u"cannot create /x: Permission denied"_s);
        for (int row = 0; row < 2; ++row) {
            QCOMPARE(model.index(row, PortsTableModel::State).data().toString(),
                     u"not listening"_s);
            QVERIFY(model.index(row, PortsTableModel::State)
                        .data(Qt::ToolTipRole)
                        .toString()
                        .contains(u"Permission denied"_s));
        }
    }

    void portsSortNumerically()
    {
        PortsTableModel model;
        model.setPorts({900, 10000, 5000});
        StatsSnapshot s;
        // 10 GiB must sort above 9 KiB, which a text sort would get wrong.
        s.ports = {port(900, 9 * 1024, 0), port(10000, quint64(10) << 30, 0), port(5000, 100, 0)};
        model.updateFromSnapshot(s);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(RawValueRole);
        proxy.sort(PortsTableModel::Port, Qt::AscendingOrder);
        QCOMPARE(sortedPorts(proxy), (QList<quint16>{900, 5000, 10000}));
        proxy.sort(PortsTableModel::Bytes, Qt::DescendingOrder);
        QCOMPARE(sortedPorts(proxy), (QList<quint16>{10000, 900, 5000}));
        // Sorting survives updates: dataChanged re-sorts a dynamic proxy without a reset.
        proxy.setDynamicSortFilter(true);
        s.ports[2].bytes = quint64(20) << 30;
        model.updateFromSnapshot(s);
        QCOMPARE(sortedPorts(proxy), (QList<quint16>{5000, 10000, 900}));
    }

    // A view attached to a receiver elsewhere sees connections opened before it in the
    // snapshots first: each gets its row there; its close ends it as usual, and a snapshot
    // older than the close does not open it again.
    void connectionsOpenBeforeTheView()
    {
        ConnectionsTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        StatsSnapshot s;
        s.time = t0.addSecs(1);
        s.connections = {connection(7, 5000, 100), connection(8, 5001, 200)};
        model.updateFromSnapshot(s);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, ConnectionsTableModel::Bytes).data(RawValueRole).toULongLong(),
                 quint64(200));
        model.addConnection(connection(7, 5000)); // its opened event, late: no second row
        QCOMPARE(model.rowCount(), 2);
        ConnectionInfo closed = connection(7, 5000, 150);
        closed.closed = t0.addSecs(2);
        closed.closeReason = u"peer closed"_s;
        model.closeConnection(closed);
        model.updateFromSnapshot(s); // taken before the close
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, ConnectionsTableModel::Status).data().toString(), u"peer closed"_s);
    }

    void connectionsBehindABalancer()
    {
        ConnectionsTableModel model;
        ConnectionInfo direct = connection(1, 5000);
        ConnectionInfo proxied = connection(2, 5000);
        proxied.via = u"10.0.0.5:51234"_s;
        model.addConnection(direct);
        model.addConnection(proxied);
        QCOMPARE(model.index(0, ConnectionsTableModel::Peer).data(Qt::ToolTipRole), QVariant());
        const QString tip =
            model.index(1, ConnectionsTableModel::Peer).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(proxied.peerText()) && tip.contains(u"10.0.0.5:51234"_s),
                 qPrintable(tip));
    }

    void connectionsLifecycle()
    {
        ConnectionsTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addConnection(connection(1, 5000));
        model.addConnection(connection(2, 5001));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, ConnectionsTableModel::Peer).data().toString(),
                 u"127.0.0.1:40001"_s);
        QCOMPARE(model.index(0, ConnectionsTableModel::Status).data().toString(), u"open"_s);

        ResetSpy spy(&model);
        StatsSnapshot s;
        s.time = t0.addSecs(2);
        s.connections = {connection(1, 5000, 5000), connection(2, 5001, 7000)};
        s.connections[0].rate = 2500;
        model.updateFromSnapshot(s);
        QCOMPARE(spy.resets.size(), 0);
        QVERIFY(spy.changes.size() >= 1);
        QCOMPARE(model.index(0, ConnectionsTableModel::Bytes).data(RawValueRole).toULongLong(),
                 quint64(5000));
        QCOMPARE(model.index(0, ConnectionsTableModel::Duration).data(RawValueRole).toLongLong(),
                 qint64(2000));
        QCOMPARE(model.index(0, ConnectionsTableModel::Rate).data().toString(), u"2.50 kB/s"_s);

        ConnectionInfo closed = connection(1, 5000, 6000);
        closed.closed = t0.addSecs(3);
        closed.closeReason = u"peer closed"_s;
        model.closeConnection(closed);
        QCOMPARE(spy.resets.size(), 0);
        QCOMPARE(model.rowCount(), 2); // closed rows stay visible
        QCOMPARE(model.closedCount(), 1);
        QCOMPARE(model.index(0, ConnectionsTableModel::Status).data().toString(), u"peer closed"_s);
        QVERIFY(model.index(0, ConnectionsTableModel::Peer).data(Qt::ForegroundRole).isValid());
        QVERIFY(!model.index(1, ConnectionsTableModel::Peer).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.index(0, ConnectionsTableModel::Duration).data(RawValueRole).toLongLong(),
                 qint64(3000));

        model.clearClosed();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.connectionAt(0).id, quint64(2));
    }

    void connectionsClosedRowsExpireAndAreBounded()
    {
        ConnectionsTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setClosedRetentionMs(60'000);
        model.setMaxClosedRows(3);
        for (quint64 id = 1; id <= 5; ++id) {
            ConnectionInfo c = connection(id, 5000);
            c.closed = t0.addSecs(qint64(id));
            c.closeReason = u"peer closed"_s;
            model.closeConnection(c); // never seen open: added closed
        }
        model.addConnection(connection(9, 5000));
        StatsSnapshot s;
        s.time = t0.addSecs(10);
        model.updateFromSnapshot(s);
        QCOMPARE(model.closedCount(), 3); // the two oldest went
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.connectionAt(0).id, quint64(3));
        s.time = t0.addSecs(65); // ids 3 and 4 closed more than a minute ago, 5 exactly one
        model.updateFromSnapshot(s);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.connectionAt(0).id, quint64(5));
        QCOMPARE(model.connectionAt(1).id, quint64(9)); // open rows never expire
    }

    void filesLifecycle()
    {
        FilesTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        FileInfo f;
        f.path = u"/out/stream_5000_x.bin"_s;
        f.port = 5000;
        model.addFile(f);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, FilesTableModel::File).data().toString(), u"stream_5000_x.bin"_s);
        QCOMPARE(model.index(0, FilesTableModel::State).data().toString(), u"writing"_s);

        ResetSpy spy(&model);
        StatsSnapshot s;
        FileInfo growing = f;
        growing.bytes = 3 * 1024 * 1024;
        s.files = {growing};
        model.updateFromSnapshot(s);
        QCOMPARE(spy.resets.size(), 0);
        QCOMPARE(spy.changes.size(), 1);
        QCOMPARE(model.index(0, FilesTableModel::Size).data().toString(), u"3.00 MiB"_s);

        FileInfo failed = growing;
        failed.state = FileInfo::State::Error;
        failed.error = u"No space left on device"_s;
        model.updateFile(failed);
        FileInfo closed = growing;
        closed.state = FileInfo::State::Closed;
        model.updateFile(closed); // the later close must not hide the failure
        QCOMPARE(model.index(0, FilesTableModel::State).data().toString(), u"error"_s);
        QCOMPARE(model.index(0, FilesTableModel::State).data(Qt::ToolTipRole).toString(),
                 u"No space left on device"_s);
        QCOMPARE(spy.resets.size(), 0);
        QCOMPARE(model.pathAt(0), f.path);
    }

    void filesManifestColumnsAndDeletion()
    {
        FilesTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.columnCount(), int(FilesTableModel::ColumnCount));
        QCOMPARE(model.headerData(FilesTableModel::Digest, Qt::Horizontal).toString(), u"Digest"_s);
        QCOMPARE(model.headerData(FilesTableModel::CloseReason, Qt::Horizontal).toString(),
                 u"Close reason"_s);
        FileInfo f;
        f.path = u"/out/stream_5000_x.bin"_s;
        f.port = 5000;
        model.addFile(f);
        FileInfo other;
        other.path = u"/out/stream_5001_x.bin"_s;
        other.port = 5001;
        model.addFile(other);
        QCOMPARE(model.index(0, FilesTableModel::Digest).data().toString(), QString());
        QCOMPARE(model.index(0, FilesTableModel::CloseReason).data().toString(), QString());

        ResetSpy spy(&model);
        const QString hex = u"a"_s.repeated(64);
        FileInfo closed = f;
        closed.state = FileInfo::State::Closed;
        closed.bytes = 1000;
        closed.closeReason = u"rotation (size)"_s;
        closed.digest = {HashAlgorithm::Sha256, hex};
        model.updateFile(closed); // as fileClosed delivers it
        QCOMPARE(model.index(0, FilesTableModel::State).data().toString(), u"closed"_s);
        QCOMPARE(model.index(0, FilesTableModel::Digest).data().toString(), u"sha256 "_s + hex);
        QCOMPARE(model.index(0, FilesTableModel::Digest).data(RawValueRole).toString(), hex);
        QVERIFY(model.index(0, FilesTableModel::Digest)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"sha256sum stream_5000_x.bin"_s));
        QCOMPARE(model.index(0, FilesTableModel::CloseReason).data().toString(),
                 u"rotation (size)"_s);
        QCOMPARE(model.index(0, FilesTableModel::CloseReason).data(RawValueRole).toString(),
                 u"rotation (size)"_s);

        FileInfo deleted;
        deleted.path = f.path;
        deleted.port = 5000;
        deleted.state = FileInfo::State::Deleted;
        model.markDeleted(deleted); // as fileDeleted delivers it: the row stays
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, FilesTableModel::State).data().toString(), u"deleted"_s);
        QCOMPARE(model.index(0, FilesTableModel::State).data(RawValueRole).toInt(),
                 int(FileInfo::State::Deleted));
        QCOMPARE(model.index(0, FilesTableModel::Digest).data().toString(),
                 u"sha256 "_s + hex); // kept
        QCOMPARE(model.index(0, FilesTableModel::CloseReason).data().toString(),
                 u"rotation (size)"_s);
        QCOMPARE(model.fileAt(0).bytes, quint64(1000));
        QVERIFY(model.index(0, FilesTableModel::File).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.index(1, FilesTableModel::State).data().toString(), u"writing"_s);

        FileInfo unknown;
        unknown.path = u"/out/pruned_long_ago.bin"_s;
        model.markDeleted(unknown); // not in the table: not added
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(spy.resets.size(), 0);
        QCOMPARE(spy.layouts.size(), 0);
        QCOMPARE(spy.changes.size(), 2);

        // Sorting by the new columns uses the raw values.
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(RawValueRole);
        proxy.sort(FilesTableModel::CloseReason, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, FilesTableModel::Port).data().toInt(), 5000);
    }

    void filesTableIsBounded()
    {
        FilesTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMaxRows(3);
        FileInfo writing;
        writing.path = u"/out/open.bin"_s;
        model.addFile(writing);
        for (int i = 0; i < 4; ++i) {
            FileInfo f;
            f.path = u"/out/%1.bin"_s.arg(i);
            f.state = FileInfo::State::Closed;
            model.addFile(f);
        }
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.pathAt(0), u"/out/open.bin"_s); // still being written: kept
        QCOMPARE(model.pathAt(1), u"/out/2.bin"_s);
        QCOMPARE(model.pathAt(2), u"/out/3.bin"_s);
        FileInfo closed = writing;
        closed.state = FileInfo::State::Closed;
        closed.bytes = 10;
        model.updateFile(closed); // the index still finds rows after pruning
        QCOMPARE(model.fileAt(0).bytes, quint64(10));
    }

    void filesSortBySize()
    {
        FilesTableModel model;
        for (const auto &[name, size] :
             {std::pair{u"a"_s, quint64(5) << 30}, std::pair{u"b"_s, quint64(700)},
              std::pair{u"c"_s, quint64(64) << 10}}) {
            FileInfo f;
            f.path = name;
            f.bytes = size;
            f.state = FileInfo::State::Closed;
            model.addFile(f);
        }
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(RawValueRole);
        proxy.sort(FilesTableModel::Size, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, FilesTableModel::File).data().toString(), u"b"_s);
        QCOMPARE(proxy.index(1, FilesTableModel::File).data().toString(), u"c"_s);
        QCOMPARE(proxy.index(2, FilesTableModel::File).data().toString(), u"a"_s);
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"

#include "core/util/units.h"
#include "fakereceiver.h"
#include "testsupport.h"
#include "ui/graph/throughputgraph.h"
#include "ui/logpanel.h"
#include "ui/mainwindow.h"
#include "ui/models/filestablemodel.h"
#include "ui/models/portstablemodel.h"
#include "ui/settingspanel.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

constexpr int timeoutMs = 30000;

} // namespace

/// What the window shows between runs: no number of the last run reads as live after Stop,
/// and no message of before survives a Start.
class TestMainWindowState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
    }

    void init() { QSettings().clear(); }

    void rateReadsZeroAfterStop()
    {
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        auto *rate = child<QLabel>(&window, u"rateLabel"_s);
        StatsSnapshot snapshot;
        snapshot.time = QDateTime::currentDateTime();
        snapshot.totalRate = 402000;
        snapshot.totalBytes = 5000000;
        Q_EMIT receiver.emitter.statsUpdated(snapshot);
        QVERIFY2(rate->text().contains(formatRate(402000)), qPrintable(rate->text()));

        Q_EMIT receiver.emitter.stopped(StopSummary{});
        QCOMPARE(rate->text(), MainWindow::tr("Rate: %1").arg(formatRate(0)));
        // The total received stays: it is the run's result, not a live number.
        QVERIFY(child<QLabel>(&window, u"bytesLabel"_s)->text().contains(formatBytes(5000000)));
    }

    void startClearsThePreviousVerifyMessage()
    {
        QTemporaryDir outputDir;
        QTemporaryDir noManifest;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy finished(&window, &MainWindow::verificationFinished);
        window.verifyDirectory(noManifest.path());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, timeoutMs);
        QVERIFY2(window.statusBar()->currentMessage().startsWith(u"verify"_s),
                 qPrintable(window.statusBar()->currentMessage()));

        fillSettings(window, QString::number(TestSupport::freePorts(1)[0]), outputDir.path());
        window.startCapture();
        QCOMPARE(receiver.starts, 1);
        QVERIFY2(!window.statusBar()->currentMessage().contains(u"verify"_s),
                 qPrintable(window.statusBar()->currentMessage()));
    }

    // A start that failed: the failed port reads "error", the others "not listening" (none is
    // left bound), a banner above the tables says so, and the Ports field is marked until the
    // next successful start.
    void failedStartShowsBannerPortStatesAndTheSetting()
    {
        QTemporaryDir outputDir;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *banner = child<QWidget>(&window, u"startErrorBanner"_s);
        QVERIFY(!banner->isVisible());
        const QList<quint16> ports = TestSupport::freePorts(3);
        fillSettings(window, u"%1,%2,%3"_s.arg(ports[0]).arg(ports[1]).arg(ports[2]),
                     outputDir.path());
        window.startCapture();
        QCOMPARE(receiver.starts, 1);

        Q_EMIT receiver.emitter.startFailed({{ports[1], u"Address already in use"_s}}, {});
        QVERIFY(banner->isVisible());
        const QString text = child<QLabel>(&window, u"startErrorText"_s)->text();
        QVERIFY2(text.contains(u"did not start"_s) &&
                     text.contains(u"port %1: Address already in use"_s.arg(ports[1])),
                 qPrintable(text));
        // The banner is above the tables, inside the window (not off-screen at 1280x720).
        auto *portsView = child<QTableView>(&window, u"portsView"_s);
        QVERIFY(banner->mapTo(&window, QPoint(0, 0)).y() <
                portsView->mapTo(&window, QPoint(0, 0)).y());
        QVERIFY(banner->mapTo(&window, QPoint(0, banner->height())).y() <= window.height());
        const QAbstractItemModel *model = portsView->model();
        QStringList states;
        for (int row = 0; row < model->rowCount(); ++row)
            states.append(model->index(row, PortsTableModel::State).data().toString());
        states.sort();
        QCOMPARE(states, (QStringList{u"error"_s, u"not listening"_s, u"not listening"_s}));

        auto *panel = child<SettingsPanel>(&window, u"settingsPanel"_s);
        QCOMPARE(panel->startFailureField(), child<QLineEdit>(panel, u"portsEdit"_s));
        auto *message = child<QLabel>(panel, u"portsMessage"_s);
        QVERIFY2(!message->isHidden() &&
                     message->text().contains(u"port %1: Address already in use"_s.arg(ports[1])),
                 qPrintable(message->text()));

        // Started after all: banner and mark gone.
        Q_EMIT receiver.emitter.started();
        QVERIFY(!banner->isVisible());
        QCOMPARE(panel->startFailureField(), nullptr);

        // A failure before any port (the output directory): the Output field is marked.
        Q_EMIT receiver.emitter.startFailed({}, u"cannot create /nope/out: Permission denied"_s);
        QVERIFY(banner->isVisible());
        QCOMPARE(panel->startFailureField(), child<QLineEdit>(panel, u"outputEdit"_s));
        // Editing the field answers it.
        QTest::keyClicks(child<QLineEdit>(panel, u"outputEdit"_s), u"x"_s);
        QCOMPARE(panel->startFailureField(), nullptr);
        // The banner can be dismissed.
        QTest::mouseClick(child<QToolButton>(banner, u"startErrorDismiss"_s), Qt::LeftButton);
        QVERIFY(!banner->isVisible());
    }

    // What a user arranged comes back: column widths, order and sort, the splitters, the
    // graph's time window and the log's level.
    void arrangementIsRemembered()
    {
        QList<int> splitterSizes;
        {
            FakeReceiver receiver;
            MainWindow window(&receiver, CommandLineOptions{});
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto *ports = child<QTableView>(&window, u"portsView"_s);
            ports->setColumnWidth(PortsTableModel::Bytes, 211);
            auto *connections = child<QTableView>(&window, u"connectionsView"_s);
            connections->sortByColumn(3, Qt::DescendingOrder);
            auto *graphWindow = child<QComboBox>(&window, u"graphWindowCombo"_s);
            graphWindow->setCurrentIndex(
                graphWindow->findData(int(ThroughputGraph::Window::TenMinutes)));
            child<LogPanel>(&window, u"logPanel"_s)
                ->setMinimumLevel(CaptureEventLog::Level::Warning);
            auto *graph = child<ThroughputGraph>(&window, u"throughputGraph"_s);
            graph->setInterval(5000);
            graph->setLogScale(true);
            auto *tables = child<QSplitter>(&window, u"tablesSplitter"_s);
            const int total = tables->sizes().value(0) + tables->sizes().value(1);
            tables->setSizes({total / 4, total - total / 4});
            splitterSizes = tables->sizes();
        } // the window saves its settings when it goes

        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(child<QTableView>(&window, u"portsView"_s)->columnWidth(PortsTableModel::Bytes),
                 211);
        const QHeaderView *header =
            child<QTableView>(&window, u"connectionsView"_s)->horizontalHeader();
        QCOMPARE(header->sortIndicatorSection(), 3);
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(child<QComboBox>(&window, u"graphWindowCombo"_s)->currentData().toInt(),
                 int(ThroughputGraph::Window::TenMinutes));
        QCOMPARE(child<ThroughputGraph>(&window, u"throughputGraph"_s)->window(),
                 ThroughputGraph::Window::TenMinutes);
        QCOMPARE(child<LogPanel>(&window, u"logPanel"_s)->minimumLevel(),
                 CaptureEventLog::Level::Warning);
        QCOMPARE(child<ThroughputGraph>(&window, u"throughputGraph"_s)->interval(), 5000);
        QVERIFY(child<ThroughputGraph>(&window, u"throughputGraph"_s)->logScale());
        QCOMPARE(child<QSplitter>(&window, u"tablesSplitter"_s)->sizes(), splitterSizes);
    }

    // Sized to the window: at 1920x1080 every column of the Ports and Connections tables is
    // visible without scrolling; at 1280x720 Port, State, Bytes and Rate are, and the status
    // bar is inside the window.
    void columnsFitTheWindow_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("everyColumn");
        QTest::newRow("1920x1080") << QSize(1920, 1080) << true;
        QTest::newRow("1280x720") << QSize(1280, 720) << false;
        QTest::newRow("1024x640") << QSize(1024, 640) << false;
    }
    void columnsFitTheWindow()
    {
        QFETCH(QSize, size);
        QFETCH(bool, everyColumn);
        QTemporaryDir outputDir;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        fillSettings(window, u"5000-5015"_s, outputDir.path()); // the fake receiver binds none
        window.startCapture();
        QCOMPARE(receiver.starts, 1);
        QCoreApplication::processEvents();
        QVERIFY(window.statusBar()->geometry().bottom() < window.height());

        const auto visibleWidth = [](QTableView *view, const QList<int> &columns) {
            const QHeaderView *header = view->horizontalHeader();
            int right = 0;
            for (const int column : columns) {
                if (!header->isSectionHidden(column))
                    right = std::max(right, header->sectionViewportPosition(column) +
                                                header->sectionSize(column));
            }
            return right;
        };
        auto *ports = child<QTableView>(&window, u"portsView"_s);
        const int essential = visibleWidth(ports, {PortsTableModel::Port, PortsTableModel::State,
                                                   PortsTableModel::Bytes, PortsTableModel::Rate});
        QVERIFY2(essential <= ports->viewport()->width(),
                 qPrintable(u"%1 > %2"_s.arg(essential).arg(ports->viewport()->width())));
        if (!everyColumn)
            return;
        for (auto *view : {ports, child<QTableView>(&window, u"connectionsView"_s)}) {
            QList<int> all;
            for (int column = 0; column < view->model()->columnCount(); ++column)
                all.append(column);
            QVERIFY2(visibleWidth(view, all) <= view->viewport()->width(),
                     qPrintable(u"%1: %2 > %3"_s.arg(view->objectName())
                                    .arg(visibleWidth(view, all))
                                    .arg(view->viewport()->width())));
            // And no column is narrower than its title.
            for (const int column : all) {
                const QString title = view->model()->headerData(column, Qt::Horizontal).toString();
                if (!view->isColumnHidden(column))
                    QVERIFY2(view->columnWidth(column) >
                                 view->fontMetrics().horizontalAdvance(title),
                             qPrintable(title));
            }
        }
    }

    // While capturing the read-only Settings collapse to a summary and give their height to
    // the Files table; "Show all" opens them, Stop brings them back whole at their height.
    void settingsCollapseWhileCapturing()
    {
        QTemporaryDir outputDir;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        fillSettings(window, u"5000-5015"_s, outputDir.path());
        auto *settingsDock = child<QDockWidget>(&window, u"settingsDock"_s);
        auto *filesDock = child<QDockWidget>(&window, u"filesDock"_s);
        auto *scroll = child<QScrollArea>(&window, u"settingsScroll"_s);
        auto *summary = child<QLabel>(&window, u"settingsSummary"_s);
        auto *toggle = child<QToolButton>(&window, u"settingsToggle"_s);
        QCoreApplication::processEvents();
        QVERIFY(scroll->isVisible());
        QVERIFY(!summary->isVisible());
        // Nothing in the idle panel needs scrolling sideways at 1280x720.
        QVERIFY2(!scroll->horizontalScrollBar()->isVisible(),
                 qPrintable(u"panel %1 px wide in a %2 px view"_s.arg(
                     QString::number(scroll->widget()->minimumSizeHint().width()),
                     QString::number(scroll->viewport()->width()))));
        const int idleHeight = settingsDock->height();
        const int filesIdle = filesDock->height();

        window.startCapture();
        QCOMPARE(receiver.starts, 1);
        receiver.runState = RunState::Running;
        Q_EMIT receiver.stateChanged(RunState::Running);
        QCoreApplication::processEvents();
        QVERIFY(!scroll->isVisible());
        QVERIFY(summary->isVisible());
        QVERIFY2(summary->toolTip().contains(u"TCP 5000-5015 on 127.0.0.1"_s),
                 qPrintable(summary->toolTip()));
        QVERIFY2(summary->toolTip().contains(outputDir.path()), qPrintable(summary->toolTip()));
        QTRY_VERIFY2(settingsDock->height() < idleHeight / 2,
                     qPrintable(u"%1 of %2"_s.arg(settingsDock->height()).arg(idleHeight)));
        QVERIFY(filesDock->height() > filesIdle);
        // The summary is cut to the dock, never widening it.
        for (const QString &line : summary->text().split(u'\n'))
            QVERIFY(summary->fontMetrics().horizontalAdvance(line) <= summary->width());

        QCOMPARE(toggle->text(), u"Show all"_s);
        toggle->click();
        QCoreApplication::processEvents();
        QVERIFY(scroll->isVisible());
        QVERIFY(!child<QLineEdit>(&window, u"portsEdit"_s)->isEnabled()); // read-only
        QTRY_VERIFY(settingsDock->height() >= idleHeight - 2);
        toggle->click();
        QCoreApplication::processEvents();
        QVERIFY(!scroll->isVisible());

        receiver.runState = RunState::Idle;
        Q_EMIT receiver.stateChanged(RunState::Idle);
        QCoreApplication::processEvents();
        QVERIFY(scroll->isVisible());
        QVERIFY(!summary->isVisible());
        QTRY_VERIFY2(std::abs(settingsDock->height() - idleHeight) <= 2,
                     qPrintable(u"%1, was %2"_s.arg(settingsDock->height()).arg(idleHeight)));
        QVERIFY(child<QLineEdit>(&window, u"portsEdit"_s)->isEnabled());
    }

    // Tab: one stop per table (it walked the Ports table cell by cell, changing the graph's
    // lines at each), and every panel is reached; Ctrl+1…5 go to each panel.
    void keyboardReachesEveryPanel()
    {
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.resize(1280, 720);
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        fillSettings(window, u"5000-5015"_s, QDir::tempPath());
        window.startCapture(); // 16 rows in the Ports table
        auto *ports = child<QTableView>(&window, u"portsView"_s);
        auto *connections = child<QTableView>(&window, u"connectionsView"_s);
        auto *files = child<QTableView>(&window, u"filesView"_s);
        auto *log = child<QWidget>(&window, u"logView"_s);

        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(QApplication::focusWidget(), ports);
        QTest::keyClick(ports, Qt::Key_Down); // arrows move inside
        QCOMPARE(QApplication::focusWidget(), ports);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QVERIFY(QApplication::focusWidget() != ports); // one stop, not 8 x 16
        QVERIFY(ports->selectionModel()->selectedRows().size() <= 1);

        QSet<QWidget *> reached;
        for (int i = 0; i < 80; ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            reached.insert(QApplication::focusWidget());
        }
        for (QWidget *panel : {static_cast<QWidget *>(ports), static_cast<QWidget *>(connections),
                               static_cast<QWidget *>(files), log})
            QVERIFY2(reached.contains(panel), qPrintable(panel->objectName()));

        const std::pair<Qt::Key, QWidget *> shortcuts[] = {
            {Qt::Key_2, connections},
            {Qt::Key_3, files},
            {Qt::Key_4, log},
            {Qt::Key_1, ports},
            {Qt::Key_5, child<QComboBox>(&window, u"bindCombo"_s)}};
        for (const auto &[key, target] : shortcuts) {
            QTest::keyClick(QApplication::focusWidget(), key, Qt::ControlModifier);
            QCOMPARE(QApplication::focusWidget(), target);
        }
    }

    // Without a file manager (none under the offscreen platform) Open output folder says so
    // in the window, with the folder's path, instead of failing silently.
    void openFolderFailureIsShown()
    {
        QTemporaryDir dir;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        QVERIFY(!window.openFolder(dir.path()));
        const QString message = window.statusBar()->currentMessage();
        QVERIFY2(message.contains(u"Cannot open"_s) && message.contains(dir.path()),
                 qPrintable(message));
        QVERIFY(child<LogPanel>(&window, u"logPanel"_s)->visibleText().contains(u"Cannot open"_s));
    }

    // Start again: the previous run's files stay in the Files table, marked as the last run,
    // until Clear last run (or the start after).
    void lastRunFilesKeptUntilCleared()
    {
        QTemporaryDir outputDir;
        FakeReceiver receiver;
        MainWindow window(&receiver, CommandLineOptions{});
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        fillSettings(window, u"5000"_s, outputDir.path());
        window.startCapture();
        FileInfo file;
        file.path = outputDir.filePath(u"stream_5000_1.bin"_s);
        file.name = u"stream_5000_1.bin"_s;
        file.port = 5000;
        file.opened = QDateTime::currentDateTime();
        Q_EMIT receiver.emitter.fileOpened(file);
        file.state = FileInfo::State::Closed;
        Q_EMIT receiver.emitter.fileClosed(file);
        auto *files = child<QTableView>(&window, u"filesView"_s);
        auto *clear = child<QPushButton>(&window, u"clearLastRunButton"_s);
        QCOMPARE(files->model()->rowCount(), 1);
        QVERIFY(!clear->isEnabled());

        window.startCapture(); // the next run
        QCOMPARE(receiver.starts, 2);
        QCOMPARE(files->model()->rowCount(), 1);
        QCOMPARE(files->model()->index(0, FilesTableModel::State).data().toString(),
                 u"closed (last run)"_s);
        QVERIFY(clear->isEnabled());
        FileInfo next = file;
        next.path = outputDir.filePath(u"stream_5000_2.bin"_s);
        next.name = u"stream_5000_2.bin"_s;
        next.state = FileInfo::State::Writing;
        Q_EMIT receiver.emitter.fileOpened(next);
        QCOMPARE(files->model()->rowCount(), 2);

        QTest::mouseClick(clear, Qt::LeftButton);
        QCOMPARE(files->model()->rowCount(), 1);
        QCOMPARE(files->model()->index(0, FilesTableModel::File).data().toString(),
                 u"stream_5000_2.bin"_s);
        QVERIFY(!clear->isEnabled());
    }
};

QTEST_MAIN(TestMainWindowState)
#include "tst_mainwindowstate.moc"

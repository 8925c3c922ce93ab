#include "core/util/units.h"
#include "testsupport.h"
#include "ui/mainwindow.h"
#include "ui/models/portstablemodel.h"
#include "ui/settingspanel.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
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

/// A receiver that is not the engine: what a test emits here reaches the window as a
/// capture's events would.
class FakeReceiver : public Receiver
{
public:
    RunState state() const override { return RunState::Idle; }
    CaptureSettings settings() const override { return {}; }
    StatsSnapshot lastSnapshot() const override { return {}; }
    qint64 runNumber() const override { return 0; }
    const CaptureEvents *events() const override { return &emitter; }
    void start(const CaptureSettings &) override { ++starts; }
    void stop() override {}
    void abort() override {}
    void rotate() override {}
    void newRun() override {}
    void setRun(qint64) override {}

    CaptureEvents emitter;
    int starts = 0;
};

template<typename T> T *child(QWidget *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qFatal("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
    return found;
}

void fillSettings(QMainWindow &window, const QString &ports, const QString &output)
{
    auto *panel = child<SettingsPanel>(&window, u"settingsPanel"_s);
    child<QComboBox>(panel, u"bindCombo"_s)->setCurrentText(u"127.0.0.1"_s);
    child<QLineEdit>(panel, u"portsEdit"_s)->clear();
    QTest::keyClicks(child<QLineEdit>(panel, u"portsEdit"_s), ports);
    child<QLineEdit>(panel, u"outputEdit"_s)->clear();
    QTest::keyClicks(child<QLineEdit>(panel, u"outputEdit"_s), output);
}

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
};

QTEST_MAIN(TestMainWindowState)
#include "tst_mainwindowstate.moc"

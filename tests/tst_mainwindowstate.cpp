#include "core/util/units.h"
#include "testsupport.h"
#include "ui/mainwindow.h"
#include "ui/settingspanel.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

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
};

QTEST_MAIN(TestMainWindowState)
#include "tst_mainwindowstate.moc"

// The desktop window on a RemoteReceiver (capture-receiver --connect), offscreen, against real
// headless receivers on 127.0.0.1: its ports and bytes, the banner, Stop after a confirmation
// stopping the receiver, a wrong token disabling the controls with the reason, a killed
// receiver greyed and shown again once it is back. Every wait is bounded.

#include "core/remote/remotereceiver.h"
#include "core/util/units.h"
#include "receiverprocess.h"
#include "testsupport.h"
#include "ui/mainwindow.h"
#include "ui/remotebanner.h"

#include <QAction>
#include <QApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;
using capture::MainWindow;
using capture::RemoteReceiver;
using capture::RunState;

namespace {

constexpr int waitMs = 30000;

QString statusState(quint16 port)
{
    return statusByCurl(port).value(u"state"_s).toString();
}

/// A headless receiver with a token, recording one port; its status port serves the window.
struct Remote
{
    QTemporaryDir tmp;
    QList<quint16> ports = freePorts(2);
    QByteArray token = "t0ken-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
    QStringList arguments()
    {
        const QString tokenFile = tmp.filePath(u"token"_s);
        writeTokenFile(tokenFile, token);
        return {u"--nogui"_s,
                u"-b"_s,
                u"127.0.0.1"_s,
                u"-p"_s,
                QString::number(ports[0]),
                u"-o"_s,
                tmp.filePath(u"out"_s),
                u"--status"_s,
                QString::number(ports[1]),
                u"--control-token-file"_s,
                tokenFile,
                u"--run"_s,
                u"1207"_s};
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(ports[1])); }
};

QAction *action(MainWindow &window, const QString &name)
{
    return window.findChild<QAction *>(name);
}

QString labelText(MainWindow &window, const QString &name)
{
    const auto *label = window.findChild<QLabel *>(name);
    return label ? label->text() : QString();
}

QString bannerText(MainWindow &window)
{
    const auto *banner = window.findChild<capture::RemoteBanner *>(u"remoteBanner"_s);
    return banner ? banner->plainText() : QString();
}

} // namespace

class TestRemoteWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
        QCoreApplication::setOrganizationName(u"capture-receiver-tests"_s);
        QCoreApplication::setApplicationName(u"tst_remotewindow"_s);
        capture::registerCaptureMetaTypes();
        QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
    }

    void init() { QSettings().clear(); }

    // Attached: the banner and title name the receiver; its ports and bytes, growing with
    // each stream; Stop asks first (Cancel: nothing happens), then stops it.
    void watchAndStopFromTheWindow()
    {
        Remote r;
        Receiver receiver(r.tmp.path(), r.arguments());
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        RemoteReceiver remote(r.url(), r.token);
        MainWindow window(&remote, capture::CommandLineOptions{});
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        remote.connectToReceiver();
        QTRY_VERIFY_WITH_TIMEOUT(bannerText(window).contains(u" — connected"_s), waitMs);
        QVERIFY2(bannerText(window).contains(r.url().toDisplayString()),
                 qPrintable(bannerText(window)));
        QVERIFY2(window.windowTitle().contains(r.url().toDisplayString()),
                 qPrintable(window.windowTitle()));
        auto *portsView = window.findChild<QTableView *>(u"portsView"_s);
        QVERIFY(portsView);
        QTRY_COMPARE_WITH_TIMEOUT(portsView->model()->rowCount(), 1, waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(action(window, u"stopAction"_s)->isEnabled(), waitMs);
        // Its run number, from /status: no event has said it to this window.
        QTRY_COMPARE_WITH_TIMEOUT(labelText(window, u"runLabel"_s), u"Run: 1207"_s, waitMs);
        QVERIFY(!action(window, u"startAction"_s)->isEnabled());
        QVERIFY(!action(window, u"openFolderAction"_s)->isEnabled());

        qint64 sent = 0;
        for (int part = 1; part <= 2; ++part) {
            const QByteArray data = patternData(quint64(part), MiB);
            QVERIFY(!sendAll(r.ports[0], data));
            sent += data.size();
            const QString expected = u"Received: "_s + capture::formatBytes(quint64(sent));
            QTRY_COMPARE_WITH_TIMEOUT(labelText(window, u"bytesLabel"_s), expected, waitMs);
        }

        QSignalSpy stopped(remote.events(), &capture::CaptureEvents::stopped);
        action(window, u"stopAction"_s)->trigger();
        auto *box = window.findChild<QMessageBox *>(u"confirmStopBox"_s);
        QVERIFY(box);
        QVERIFY2(box->text().contains(r.url().toDisplayString()), qPrintable(box->text()));
        box->button(QMessageBox::Cancel)->click();
        QTest::qWait(500); // long enough for a stop that was wrongly sent to show
        QCOMPARE(stopped.count(), 0);
        QCOMPARE(remote.state(), RunState::Running);

        action(window, u"stopAction"_s)->trigger();
        box = window.findChild<QMessageBox *>(u"confirmStopBox"_s);
        QVERIFY(box);
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, waitMs);
        QCOMPARE(statusState(r.ports[1]), u"stopped"_s);
        QTRY_VERIFY_WITH_TIMEOUT(action(window, u"startAction"_s)->isEnabled(), waitMs);
        QVERIFY(!action(window, u"stopAction"_s)->isEnabled());

        window.close(); // closing the window leaves the receiver as it is
        QVERIFY(!window.isVisible());
        QCOMPARE(statusState(r.ports[1]), u"stopped"_s);
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // A wrong token: every control disabled, the reason in its tooltip and in the banner.
    void wrongTokenDisablesTheControls()
    {
        Remote r;
        Receiver receiver(r.tmp.path(), r.arguments());
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        RemoteReceiver remote(r.url(), "a-wrong-token-0123456789");
        MainWindow window(&remote, capture::CommandLineOptions{});
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        remote.connectToReceiver();
        QTRY_VERIFY_WITH_TIMEOUT(!remote.canControl(), waitMs);
        QCOMPARE(remote.state(), RunState::Running);
        for (const QString &name :
             {u"startAction"_s, u"stopAction"_s, u"rotateAction"_s, u"newRunAction"_s}) {
            QVERIFY2(!action(window, name)->isEnabled(), qPrintable(name));
            QCOMPARE(action(window, name)->toolTip(),
                     u"Not available: the receiver refused the token"_s);
        }
        QTRY_VERIFY_WITH_TIMEOUT(bannerText(window).contains(u"refused the token"_s), waitMs);
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // Killed: the banner says lost and the tables grey; restarted on the same status port,
    // connected again and live.
    void killedReceiverGreysTheView()
    {
        Remote r;
        auto first = std::make_unique<Receiver>(r.tmp.path(), r.arguments());
        QVERIFY2(first->startAndWaitUntilRecording(), first->describe());
        RemoteReceiver remote(r.url(), r.token);
        MainWindow window(&remote, capture::CommandLineOptions{});
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        remote.connectToReceiver();
        auto *portsView = window.findChild<QTableView *>(u"portsView"_s);
        QTRY_VERIFY_WITH_TIMEOUT(bannerText(window).contains(u" — connected"_s), waitMs);
        QVERIFY(portsView->isEnabled());

        QVERIFY(first->sendSignal(SIGKILL));
        QVERIFY(first->waitForExit());
        QTRY_VERIFY_WITH_TIMEOUT(bannerText(window).contains(u"connection lost"_s), waitMs);
        QVERIFY(!portsView->isEnabled());
        first.reset();

        Receiver second(r.tmp.path(), r.arguments());
        QVERIFY2(second.startAndWaitUntilRecording(), second.describe());
        QTRY_VERIFY_WITH_TIMEOUT(bannerText(window).contains(u" — connected"_s), waitMs);
        QVERIFY(portsView->isEnabled());
        const QByteArray stop = second.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }
};

QTEST_MAIN(TestRemoteWindow)
#include "tst_remotewindow.moc"

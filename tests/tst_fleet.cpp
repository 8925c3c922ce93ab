// The Receivers panel (issue 19's fleet view), offscreen, against three real headless
// receivers on 127.0.0.1: one row each with its state and a combined rate while a stream is
// sent, New run on all three after one confirmation, a receiver whose token is refused left
// out with the reason, and the list kept in the settings without any token.

#include "core/remote/remotereceiver.h"
#include "ui/fleet/fleetdock.h"
#include "ui/fleet/fleetstore.h"
#include "ui/fleet/receiverspanel.h"
#include "ui/graph/throughputgraph.h"
#include "ui/mainwindow.h"

#include "receiverprocess.h"
#include "testsupport.h"

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;
using capture::FleetModel;
using capture::ReceiverEntry;
using capture::ReceiversPanel;

namespace {

constexpr int waitMs = 30000;

QString cell(const FleetModel &model, int row, FleetModel::Column column)
{
    return model.data(model.index(row, column)).toString();
}

} // namespace

class TestFleet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings under ~/.qttest, not the user's
        QSettings().clear();
        QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
    }

    void threeReceivers()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(6);
        const QString token = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(token, "fleet-token-0123456789"));
        const QString wrong = tmp.filePath(u"wrong"_s);
        QVERIFY(writeTokenFile(wrong, "not-the-fleet-token-0123"));
        std::vector<std::unique_ptr<Receiver>> receivers;
        for (int i = 0; i < 3; ++i) {
            const QString dir = tmp.filePath(u"r%1"_s.arg(i));
            QVERIFY(QDir().mkpath(dir));
            receivers.push_back(std::make_unique<Receiver>(
                dir, QStringList{u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                                 QString::number(ports[i]), u"-o"_s, dir + u"/out"_s, u"--status"_s,
                                 QString::number(ports[3 + i]), u"--control-token-file"_s, token,
                                 u"--stats-interval"_s, u"0"_s}));
            QVERIFY2(receivers.back()->startAndWaitUntilRecording(), receivers.back()->describe());
        }

        ReceiversPanel panel;
        panel.resize(900, 600);
        panel.show();
        QStringList asked;
        panel.setConfirmation([&asked](const QString &question) {
            asked.append(question);
            return true;
        });
        for (int i = 0; i < 4; ++i) { // the fourth: the third again, with a token it refuses
            QString error;
            const ReceiverEntry entry{i < 3 ? u"daq-%1"_s.arg(i) : u"daq-2 (old token)"_s,
                                      u"http://127.0.0.1:%1"_s.arg(ports[3 + std::min(i, 2)]),
                                      i < 3 ? token : wrong,
                                      {}};
            QVERIFY2(panel.addRemote(entry, &error), qPrintable(error));
        }
        FleetModel &model = *panel.model();
        QCOMPARE(model.rowCount(), 4);
        for (int row = 0; row < 4; ++row)
            QTRY_COMPARE_WITH_TIMEOUT(cell(model, row, FleetModel::State), u"running"_s, waitMs);
        QCOMPARE(cell(model, 1, FleetModel::Name), u"daq-1"_s);
        QCOMPARE(cell(model, 0, FleetModel::LastContact), u"now"_s);

        // A stream to two of them: the combined figures follow both.
        const QByteArray data = patternData(19, 4 * 1024 * 1024);
        QVERIFY(!sendAll(ports[0], data));
        QVERIFY(!sendAll(ports[1], data.left(1024 * 1024)));
        QTRY_COMPARE_WITH_TIMEOUT(model.combined().totalBytes, quint64(5 * 1024 * 1024), waitMs);
        const auto graphShowedRate = [&panel] {
            const auto samples = panel.graph()->history().total();
            return std::any_of(samples.begin(), samples.end(),
                               [](const auto &sample) { return sample.rate > 0; });
        };
        QTRY_VERIFY_WITH_TIMEOUT(graphShowedRate(), waitMs);

        // New run on all three, one question; the row whose token is refused is left out and
        // named with the reason.
        QTRY_VERIFY_WITH_TIMEOUT(!model.receiverAt(3)->canControl(), waitMs);
        QVERIFY2(model.receiverAt(3)->controlUnavailableReason().contains(u"token"_s),
                 qPrintable(model.receiverAt(3)->controlUnavailableReason()));
        QCOMPARE(panel.apply(ReceiversPanel::Action::NewRun, {0, 1, 2, 3}), 3);
        QCOMPARE(asked.size(), 1);
        QVERIFY2(asked[0].contains(u"daq-0, daq-1, daq-2?"_s), qPrintable(asked[0]));
        const QString said = panel.findChild<QLabel *>(u"fleetStatus"_s)->text();
        QVERIFY2(said.contains(u"Left out: daq-2 (old token) (the receiver refused the token)"_s),
                 qPrintable(said));
        for (int i = 0; i < 3; ++i)
            QTRY_COMPARE_WITH_TIMEOUT(statusByCurl(ports[3 + i]).value(u"run_number"_s).toInteger(),
                                      1, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(model, 0, FleetModel::Run), u"1"_s, waitMs);

        // Stop on the first two: their /status says so; the rows follow.
        QCOMPARE(panel.apply(ReceiversPanel::Action::Stop, {0, 1}), 2);
        QTRY_COMPARE_WITH_TIMEOUT(statusByCurl(ports[3]).value(u"state"_s).toString(), u"stopped"_s,
                                  waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(cell(model, 1, FleetModel::State), u"stopped"_s, waitMs);

        // A receiver that goes away: its row stays, with its last contact ageing.
        QVERIFY(receivers[2]->sendSignal(SIGKILL));
        QVERIFY(receivers[2]->waitForExit());
        QTRY_VERIFY_WITH_TIMEOUT(cell(model, 2, FleetModel::LastContact) != u"now"_s, waitMs);

        // Kept between runs: the entries, never a token.
        const QString settingsFile = tmp.filePath(u"settings.ini"_s);
        {
            QSettings store(settingsFile, QSettings::IniFormat);
            capture::saveReceiverEntries(store, panel.remoteEntries());
        }
        QSettings store(settingsFile, QSettings::IniFormat);
        QCOMPARE(capture::loadReceiverEntries(store), panel.remoteEntries());
        const QByteArray saved = readFile(settingsFile);
        QVERIFY(saved.contains("token_file"));
        QVERIFY(!saved.contains("fleet-token"));
        for (int i = 0; i < 2; ++i) {
            const QByteArray stop = receivers[i]->stopProblem();
            QVERIFY2(stop.isEmpty(), stop.constData());
        }
    }

    // The window's Receivers dock: what is added is kept in the settings (a second dock reads
    // it back), and a double-click opens a window of its own on that receiver.
    void dockKeepsAndOpens()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        Receiver receiver(tmp.path(), {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                                       QString::number(ports[0]), u"-o"_s, tmp.filePath(u"out"_s),
                                       u"--status"_s, QString::number(ports[1])});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const ReceiverEntry entry{u"rack-7"_s, u"http://127.0.0.1:%1"_s.arg(ports[1]), {}, {}};
        {
            capture::FleetDock dock(nullptr, {});
            QString error;
            QVERIFY2(dock.panel()->addRemote(entry, &error), qPrintable(error));
        }
        capture::FleetDock dock(nullptr, {});
        QCOMPARE(dock.panel()->remoteEntries(), QList<ReceiverEntry>{entry});
        dock.show();
        QTableView *table = dock.panel()->table();
        QTRY_COMPARE_WITH_TIMEOUT(cell(*dock.panel()->model(), 0, FleetModel::State), u"running"_s,
                                  waitMs);
        const QRect rect = table->visualRect(dock.panel()->model()->index(0, 0));
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, rect.center());
        capture::MainWindow *opened = nullptr;
        for (QWidget *w : QApplication::topLevelWidgets()) {
            if (auto *window = qobject_cast<capture::MainWindow *>(w);
                window && window->isVisible())
                opened = window;
        }
        QVERIFY(opened);
        QVERIFY2(opened->windowTitle().contains(u"127.0.0.1:%1"_s.arg(ports[1])),
                 qPrintable(opened->windowTitle()));
        opened->close();

        // Connect…: the dialog takes the address; the receiver joins the list and opens.
        QTimer::singleShot(0, [url = entry.url] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            dialog->findChild<QLineEdit *>(u"name"_s)->setText(u"rack-7 again"_s);
            dialog->findChild<QLineEdit *>(u"url"_s)->setText(url);
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        });
        dock.connectToReceiver();
        QCOMPARE(dock.panel()->model()->rowCount(), 2);
        QCOMPARE(dock.panel()->model()->nameAt(1), u"rack-7 again"_s);
        bool shown = false;
        for (QWidget *w : QApplication::topLevelWidgets())
            shown = shown || (qobject_cast<capture::MainWindow *>(w) && w->isVisible());
        QVERIFY(shown);
        QSettings().clear();
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // An entry that cannot be used is refused with one line naming what is wrong.
    void badEntries()
    {
        QTemporaryDir tmp;
        ReceiversPanel panel;
        QString error;
        QVERIFY(!panel.addRemote({u"x"_s, u"ftp://host:9100"_s, {}, {}}, &error));
        QVERIFY2(error.contains(u"ftp://host:9100"_s), qPrintable(error));
        const QString open = tmp.filePath(u"token"_s);
        QVERIFY(writeDataFile(open, "fleet-token-0123456789\n"));
        QVERIFY(
            QFile::setPermissions(open, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
        QVERIFY(!panel.addRemote({u"x"_s, u"http://127.0.0.1:9"_s, open, {}}, &error));
        QVERIFY2(error.contains(u"token file"_s) && error.contains(u"group or others"_s),
                 qPrintable(error));
        QVERIFY(!panel.addRemote({u"x"_s, u"https://127.0.0.1:9"_s, {}, open}, &error));
        QVERIFY2(error.contains(u"CA file"_s), qPrintable(error));
        QCOMPARE(panel.model()->rowCount(), 0);
    }
};

QTEST_MAIN(TestFleet)
#include "tst_fleet.moc"

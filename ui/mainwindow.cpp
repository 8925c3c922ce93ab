#include "ui/mainwindow.h"

#include "core/capture/settingsjson.h"
#include "core/net/portspec.h"
#include "core/remote/remotereceiver.h"
#include "core/util/units.h"
#include "ui/graph/throughputgraph.h"
#include "ui/logpanel.h"
#include "ui/models/connectionstablemodel.h"
#include "ui/models/filestablemodel.h"
#include "ui/models/portstablemodel.h"
#include "ui/remotebanner.h"
#include "ui/settingsdockbox.h"
#include "ui/settingspanel.h"
#include "ui/verifyjob.h"

#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QStorageInfo>
#include <QTableView>
#include <QTimer>
#include <QUrl>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
/// The directory itself if it exists, else its nearest existing parent (for free space).
QString existingAncestor(const QString &path)
{
    QFileInfo info(QDir(path).absolutePath());
    while (!info.exists() && !info.isRoot() && info.absolutePath() != info.absoluteFilePath())
        info = QFileInfo(info.absolutePath());
    return info.absoluteFilePath();
}
} // namespace

MainWindow::MainWindow(Receiver *receiver, const CommandLineOptions &options, QWidget *parent)
    : QMainWindow(parent)
    , m_receiver(receiver)
    , m_remote(qobject_cast<RemoteReceiver *>(receiver))
    , m_eventLog(receiver)
{
    setWindowTitle(tr("Capture Receiver"));
    setObjectName(u"mainWindow"_s);
    // The installed theme icon first; the built-in copy when running from the build tree.
    setWindowIcon(
        QIcon::fromTheme(u"capture-receiver"_s, QIcon(u":/icons/capture-receiver.svg"_s)));
    buildActions();
    buildLayout();
    if (!m_remote)
        buildFleetDock(options);
    connectController();
    m_verify = new VerifyJob(this);
    connect(m_verify, &VerifyJob::result, this, &MainWindow::onVerifyResult);
    connect(m_verify, &VerifyJob::progress, this, &MainWindow::onVerifyProgress);
    connect(m_verify, &VerifyJob::finished, this, &MainWindow::onVerifyFinished);
    loadSettings(options);
    if (m_remote)
        buildRemoteView();
    showRun(m_remote ? m_receiver->runNumber() : m_settings->settings().run);
    showState(m_receiver->state());

    m_freeSpaceTimer = new QTimer(this);
    m_freeSpaceTimer->setInterval(1000);
    connect(m_freeSpaceTimer, &QTimer::timeout, this, &MainWindow::updateFreeSpace);
    m_freeSpaceTimer->start();
    updateFreeSpace();

    if (options.portsGiven && !options.idle) // --idle: the control API starts it
        QTimer::singleShot(0, this, &MainWindow::startCapture);
}

MainWindow::~MainWindow()
{
    cancelVerification();
    saveSettings();
}

void MainWindow::connectController()
{
    Receiver *c = m_receiver;
    connect(&m_eventLog, &CaptureEventLog::entryAdded, m_log, &LogPanel::addEntry);
    connect(&m_eventLog, &CaptureEventLog::entryAdded, this,
            [this](CaptureEventLog::Level level, const QString &text) {
                if (level == CaptureEventLog::Level::Error)
                    statusBar()->showMessage(text, statusMessageMs);
            });
    connect(c, &Receiver::stateChanged, this, &MainWindow::showState);
    connect(c, &Receiver::controlAvailabilityChanged, this, &MainWindow::updateActions);
    connect(c->events(), &CaptureEvents::startFailed, this, &MainWindow::showStartFailure);
    connect(c->events(), &CaptureEvents::connectionOpened, m_connectionsModel,
            &ConnectionsTableModel::addConnection);
    connect(c->events(), &CaptureEvents::connectionClosed, m_connectionsModel,
            &ConnectionsTableModel::closeConnection);
    connect(c->events(), &CaptureEvents::fileOpened, m_filesModel, &FilesTableModel::addFile);
    connect(c->events(), &CaptureEvents::fileClosed, m_filesModel, &FilesTableModel::updateFile);
    connect(c->events(), &CaptureEvents::writeFailed, m_filesModel, &FilesTableModel::updateFile);
    connect(c->events(), &CaptureEvents::fileDeleted, m_filesModel, &FilesTableModel::markDeleted);
    connect(c->events(), &CaptureEvents::fileLost, m_filesModel, &FilesTableModel::markLost);
    connect(c->events(), &CaptureEvents::statsUpdated, this, &MainWindow::onSnapshot);
    connect(c->events(), &CaptureEvents::started, this, [this] {
        showRun(m_receiver->runNumber());
        m_startErrorBanner->hide();
        m_settings->clearStartFailure();
    });
    connect(c->events(), &CaptureEvents::runChanged, this, [this](qint64 run) {
        showRun(run);
        // The next start goes on from here, as a DAQ's next run would.
        CaptureSettings next = m_settings->settings();
        next.run = run;
        m_settings->setSettings(next);
    });
    connect(c->events(), &CaptureEvents::stopped, this, [this] {
        // Nothing arrives any more: the last snapshot's rate would read as live.
        m_rateLabel->setText(tr("Rate: %1").arg(formatRate(0)));
        m_portsModel->zeroRates();
        m_connectionsModel->zeroRates();
        statusBar()->showMessage(tr("Capture stopped; files closed."), statusMessageMs);
        if (m_closeWhenStopped)
            close();
    });
}

void MainWindow::startCapture()
{
    if (!isIdle() || !m_receiver->canControl())
        return;
    // A message about the previous run (or a Verify result) does not describe this one.
    statusBar()->clearMessage();
    if (m_remote) { // it starts with its own settings
        m_connectionsModel->clear();
        m_filesModel->keepAsLastRun(); // until cleared or the next start
        m_graph->startNewRun();        // the previous run's lines stay, greyed, as "last run"
        m_receiver->start(m_receiver->settings());
        return;
    }
    if (!m_settings->isValid()) {
        statusBar()->showMessage(m_settings->errorText(), statusMessageMs);
        return;
    }
    const CaptureSettings settings = m_settings->settings();
    saveSettings();
    m_portsModel->setPorts(settings.ports, settings.udpPorts);
    m_connectionsModel->clear();
    m_filesModel->keepAsLastRun(); // until cleared or the next start
    m_graph->startNewRun();
    m_receiver->start(settings);
}

void MainWindow::showStartFailure(const QList<ListenFailure> &failures, const QString &reason)
{
    m_portsModel->setStartFailure(failures, reason);
    if (!m_remote)
        m_settings->showStartFailure(failures, reason);
    QStringList what;
    for (const ListenFailure &failure : failures) {
        what.append(
            u"%1: %2"_s.arg(PortKey{failure.port, failure.protocol}.name(), failure.reason));
    }
    if (what.isEmpty())
        what.append(reason);
    m_startErrorText->setText(
        tr("<b>The capture did not start</b> — nothing is listening and no file was made. %1")
            .arg(what.join(u"; "_s).toHtmlEscaped()));
    m_startErrorBanner->show();
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    if (!m_userArranged)
        fitToWindow();
}

void MainWindow::stopCapture()
{
    if (m_receiver->state() != RunState::Running)
        return;
    if (!m_remote || m_closeWhenStopped) {
        stopNow();
        return;
    }
    // Nobody should stop the wrong receiver: say which one, and wait for a yes.
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Stop the remote capture?"),
        tr("Stop the capture of the receiver at %1?").arg(m_remote->url().toDisplayString()),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(u"confirmStopBox"_s);
    box->setInformativeText(tr("It stops accepting, takes in what its peers already sent and "
                               "closes its files; its process stays up, idle."));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box] {
        if (box->clickedButton() == box->button(QMessageBox::Yes))
            stopNow();
    });
    box->open();
}

void MainWindow::stopNow()
{
    if (m_receiver->state() != RunState::Running)
        return;
    m_receiver->stop();
    statusBar()->showMessage(tr("Stopping: taking in what peers already sent…"));
}

void MainWindow::openOutputFolder()
{
    const QString dir = QDir(m_settings->settings().outputDir).absolutePath();
    if (!QFileInfo(dir).isDir()) {
        statusBar()->showMessage(
            tr("%1 does not exist yet: it is created when a capture starts").arg(dir),
            statusMessageMs);
        return;
    }
    openFolder(dir);
}

bool MainWindow::openFolder(const QString &dir)
{
    if (QDesktopServices::openUrl(QUrl::fromLocalFile(dir)))
        return true;
    // Nothing opened it (no xdg-open, no file manager): say where the files are instead.
    const QString text =
        tr("Cannot open %1: no file manager is set up to open folders (xdg-open). The folder "
           "is %1")
            .arg(dir);
    m_log->addEntry(CaptureEventLog::Level::Warning, text);
    statusBar()->showMessage(text, statusMessageMs);
    return false;
}

void MainWindow::setManifestView(bool on)
{
    if (m_manifestViewAction->isChecked() != on)
        m_manifestViewAction->setChecked(on); // toggled() calls back here
    m_filesView->setColumnHidden(FilesTableModel::Digest, !on);
    m_filesView->setColumnHidden(FilesTableModel::CloseReason, !on);
}

void MainWindow::askAndVerify()
{
    const QString start = existingAncestor(m_settings->settings().outputDir);
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Verify a capture directory against its manifest"), start);
    if (dir.isEmpty())
        return;
    verifyDirectory(dir);
    // A dialog at the end only for the user's action, never for a programmatic call (tests).
    m_verifyShowsDialog = isVerifying();
}

void MainWindow::quitWhenStopped(bool immediately)
{
    m_closeWhenStopped = true;
    if (isIdle())
        close();
    else if (m_receiver->state() == RunState::Running && !immediately)
        stopNow();
    else
        m_receiver->abort();
}

bool MainWindow::isIdle() const
{
    const RunState state = m_receiver->state();
    return state == RunState::Idle || state == RunState::Failed;
}

void MainWindow::showState(RunState state)
{
    m_settings->setEditable(isIdle() && !m_remote);
    m_settingsBox->setCapturing(!isIdle(), m_receiver->settings());
    updateActions();
    const QString title = m_remote
                              ? tr("Capture Receiver — %1").arg(m_remote->url().toDisplayString())
                              : tr("Capture Receiver");
    switch (state) {
    case RunState::Idle:
    case RunState::Failed:
        setWindowTitle(title);
        break;
    case RunState::Starting:
    case RunState::Running: {
        // One arg() call: a remote URL in the title may hold "%1"-like text (a scope id).
        const CaptureSettings &s = m_receiver->settings();
        m_connectionsView->setColumnHidden(ConnectionsTableModel::Client, !s.tls.has_value());
        QStringList ports;
        if (!s.ports.isEmpty())
            ports.append(formatPortSpec(s.ports));
        if (!s.udpPorts.isEmpty())
            ports.append(tr("UDP %1").arg(formatPortSpec(s.udpPorts)));
        setWindowTitle(
            tr("%1 — run %2 — recording %3")
                .arg(title, QString::number(m_receiver->runNumber()), ports.join(u", "_s)));
        break;
    }
    case RunState::Stopping:
        setWindowTitle(tr("%1 — stopping").arg(title));
        break;
    }
}

void MainWindow::updateActions()
{
    const bool settingsValid = m_remote || m_settings->isValid();
    const bool control = m_receiver->canControl();
    const bool running = m_receiver->state() == RunState::Running;
    m_startAction->setEnabled(isIdle() && settingsValid && control);
    m_stopAction->setEnabled(running && control);
    m_rotateAction->setEnabled(running && control);
    m_newRunAction->setEnabled(running && control);
    // The reason on every control it disables, instead of its usual tip (its status tip).
    const QString off = tr("Not available: %1").arg(m_receiver->controlUnavailableReason());
    for (QAction *action : {m_stopAction, m_rotateAction, m_newRunAction})
        action->setToolTip(control ? action->statusTip() : off);
    if (!control)
        m_startAction->setToolTip(off);
    else if (!settingsValid)
        m_startAction->setToolTip(tr("Cannot start: %1").arg(m_settings->errorText()));
    else
        m_startAction->setToolTip(m_remote ? tr("Start the remote receiver's capture with its own "
                                                "settings (F5)")
                                           : tr("Start listening and recording (F5)"));
}

void MainWindow::startNewRun()
{
    if (m_receiver->state() != RunState::Running || !m_receiver->canControl())
        return;
    m_receiver->newRun();
    statusBar()->showMessage(tr("New run: every open file closes; the next files carry run %1.")
                                 .arg(m_receiver->runNumber() + 1),
                             statusMessageMs);
}

void MainWindow::showRun(qint64 run)
{
    m_runLabel->setText(tr("Run: %1").arg(run));
    showState(m_receiver->state());
}

void MainWindow::rotateFiles()
{
    if (m_receiver->state() != RunState::Running || !m_receiver->canControl())
        return;
    m_receiver->rotate();
    statusBar()->showMessage(tr("Rotating: every open file closes; the next byte of each stream "
                                "opens its next file."),
                             statusMessageMs);
}

void MainWindow::onSnapshot(const StatsSnapshot &snapshot)
{
    if (m_remote) {
        // Its ports and settings (shown read-only) follow its own: a start here sets neither.
        if (!m_portsModel->hasRowsOf(snapshot.ports))
            m_portsModel->setPortRows(snapshot.ports);
        // A run set while it is stopped (POST /api/run) comes with no event.
        const QString run = tr("Run: %1").arg(m_receiver->runNumber());
        if (m_runLabel->text() != run)
            showRun(m_receiver->runNumber());
        const QJsonObject settings = settingsJson(m_receiver->settings());
        if (settings != m_remoteSettingsShown) {
            m_remoteSettingsShown = settings;
            m_settings->setSettings(m_receiver->settings());
            m_settingsBox->setCapturing(!isIdle(), m_receiver->settings());
        }
    }
    m_portsModel->updateFromSnapshot(snapshot);
    m_connectionsModel->updateFromSnapshot(snapshot);
    m_filesModel->updateFromSnapshot(snapshot);
    if (snapshot.time.isValid())
        m_graph->addSnapshot(snapshot);
    m_rateLabel->setText(tr("Rate: %1").arg(formatRate(m_portsModel->totalRate()))); // 1 s mean
    m_bytesLabel->setText(tr("Received: %1").arg(formatBytes(snapshot.totalBytes)));
    m_connectionsLabel->setText(tr("Connections: %1").arg(snapshot.activeConnections));
    m_uptimeLabel->setText(tr("Up: %1").arg(formatDuration(snapshot.uptimeMs)));
}

void MainWindow::onPortSelectionChanged()
{
    QList<PortKey> ports;
    const QModelIndexList rows = m_portsView->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        const int row = m_portsProxy->mapToSource(index).row();
        ports.append({m_portsModel->portAt(row), m_portsModel->protocolAt(row)});
    }
    std::sort(ports.begin(), ports.end());
    m_graph->setSelectedPorts(ports);
}

void MainWindow::updateFreeSpace()
{
    if (m_remote)
        return; // its volume is not this host's
    const QStorageInfo storage(existingAncestor(m_settings->settings().outputDir));
    m_freeSpaceLabel->setText(
        storage.isValid() ? tr("Free: %1").arg(formatBytes(quint64(storage.bytesAvailable())))
                          : tr("Free: ?"));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (isIdle() || m_remote) { // a remote receiver goes on without this window
        cancelVerification();
        m_settingsBox->setCapturing(false, {}); // the arrangement kept is the idle one
        saveSettings();
        event->accept();
        return;
    }
    if (!m_closeWhenStopped) {
        const auto answer = QMessageBox::question(
            this, tr("Stop the capture?"),
            tr("A capture is running. Stop it (taking in what peers already sent and closing "
               "the files) and quit?"),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        quitWhenStopped(false);
    }
    event->ignore(); // closes for real once stopped() arrives
}

} // namespace capture

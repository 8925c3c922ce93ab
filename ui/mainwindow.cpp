#include "ui/mainwindow.h"

#include "core/manifest/manifest.h"
#include "core/net/portspec.h"
#include "core/util/units.h"
#include "ui/graph/throughputgraph.h"
#include "ui/logpanel.h"
#include "ui/models/connectionstablemodel.h"
#include "ui/models/filestablemodel.h"
#include "ui/models/modelroles.h"
#include "ui/models/portstablemodel.h"
#include "ui/settingspanel.h"
#include "ui/uisettings.h"
#include "ui/verifyjob.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStorageInfo>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
constexpr int statusMessageMs = 15000;

/// The directory itself if it exists, else its nearest existing parent (for free space).
QString existingAncestor(const QString &path)
{
    QFileInfo info(QDir(path).absolutePath());
    while (!info.exists() && !info.isRoot() && info.absolutePath() != info.absoluteFilePath())
        info = QFileInfo(info.absolutePath());
    return info.absoluteFilePath();
}
} // namespace

MainWindow::MainWindow(const CommandLineOptions &options, QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Capture Receiver"));
    setObjectName(u"mainWindow"_s);
    // The installed theme icon first; the built-in copy when running from the build tree.
    setWindowIcon(
        QIcon::fromTheme(u"capture-receiver"_s, QIcon(u":/icons/capture-receiver.svg"_s)));
    buildActions();
    buildLayout();
    connectController();
    m_verify = new VerifyJob(this);
    connect(m_verify, &VerifyJob::result, this, &MainWindow::onVerifyResult);
    connect(m_verify, &VerifyJob::finished, this, &MainWindow::onVerifyFinished);
    loadSettings(options);
    setPhase(Phase::Idle);

    m_freeSpaceTimer = new QTimer(this);
    m_freeSpaceTimer->setInterval(1000);
    connect(m_freeSpaceTimer, &QTimer::timeout, this, &MainWindow::updateFreeSpace);
    m_freeSpaceTimer->start();
    updateFreeSpace();

    if (options.portsGiven)
        QTimer::singleShot(0, this, &MainWindow::startCapture);
}

MainWindow::~MainWindow()
{
    cancelVerification();
    saveSettings();
}

void MainWindow::buildActions()
{
    QStyle *s = style();
    m_startAction = new QAction(s->standardIcon(QStyle::SP_MediaPlay), tr("&Start"), this);
    m_startAction->setObjectName(u"startAction"_s);
    m_startAction->setShortcuts({QKeySequence(Qt::Key_F5), QKeySequence(u"Ctrl+R"_s)});
    m_startAction->setToolTip(tr("Start listening and recording (F5)"));
    connect(m_startAction, &QAction::triggered, this, &MainWindow::startCapture);

    m_stopAction = new QAction(s->standardIcon(QStyle::SP_MediaStop), tr("S&top"), this);
    m_stopAction->setObjectName(u"stopAction"_s);
    m_stopAction->setShortcuts({QKeySequence(Qt::SHIFT | Qt::Key_F5), QKeySequence(u"Ctrl+T"_s)});
    m_stopAction->setToolTip(tr("Stop accepting, take in what peers already sent, close the files "
                                "(Shift+F5)"));
    connect(m_stopAction, &QAction::triggered, this, &MainWindow::stopCapture);

    m_openFolderAction =
        new QAction(s->standardIcon(QStyle::SP_DirOpenIcon), tr("Open &output folder"), this);
    m_openFolderAction->setObjectName(u"openFolderAction"_s);
    m_openFolderAction->setShortcut(QKeySequence(u"Ctrl+O"_s));
    m_openFolderAction->setToolTip(tr("Show the output directory in the file manager (Ctrl+O)"));
    connect(m_openFolderAction, &QAction::triggered, this, &MainWindow::openOutputFolder);

    m_verifyAction =
        new QAction(s->standardIcon(QStyle::SP_DialogApplyButton), tr("&Verify…"), this);
    m_verifyAction->setObjectName(u"verifyAction"_s);
    m_verifyAction->setToolTip(
        tr("Re-hash the files a directory's manifest.jsonl lists and compare (the output "
           "directory by default)"));
    connect(m_verifyAction, &QAction::triggered, this, &MainWindow::askAndVerify);

    m_manifestViewAction = new QAction(tr("&Manifest"), this);
    m_manifestViewAction->setObjectName(u"manifestViewAction"_s);
    m_manifestViewAction->setCheckable(true);
    m_manifestViewAction->setToolTip(tr("Show each file's SHA-256 and close reason"));
    connect(m_manifestViewAction, &QAction::toggled, this, &MainWindow::setManifestView);

    auto *toolbar = addToolBar(tr("Capture"));
    toolbar->setObjectName(u"captureToolBar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_startAction);
    toolbar->addAction(m_stopAction);
    toolbar->addSeparator();
    toolbar->addAction(m_openFolderAction);
    toolbar->addAction(m_verifyAction);
}

QTableView *MainWindow::makeTable(QAbstractItemModel *model, QSortFilterProxyModel **proxy,
                                  const QString &objectName, const QList<int> &widths)
{
    *proxy = new QSortFilterProxyModel(this);
    (*proxy)->setSourceModel(model);
    (*proxy)->setSortRole(RawValueRole);
    auto *view = new QTableView(this);
    view->setObjectName(objectName);
    view->setModel(*proxy);
    view->setSortingEnabled(true);
    view->sortByColumn(0, Qt::AscendingOrder);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // Fixed initial widths: resizing to contents would measure every row at every update.
    const int charWidth = view->fontMetrics().horizontalAdvance(u'0');
    for (int column = 0; column < widths.size(); ++column)
        view->setColumnWidth(column, widths[column] * charWidth + 16);
    return view;
}

QDockWidget *MainWindow::addDock(const QString &title, const QString &objectName, QWidget *content,
                                 Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName); // saveState() finds docks by name
    dock->setWidget(content);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::buildLayout()
{
    // Settings on the left.
    m_settings = new SettingsPanel(this);
    m_settings->setObjectName(u"settingsPanel"_s);
    QDockWidget *settingsDock =
        addDock(tr("Settings"), u"settingsDock"_s, m_settings, Qt::LeftDockWidgetArea);
    connect(m_settings, &SettingsPanel::settingsChanged, this, &MainWindow::updateActions);

    // Graph on top of the tables.
    m_graph = new ThroughputGraph(this);
    m_graph->setObjectName(u"throughputGraph"_s);
    auto *windowCombo = new QComboBox(this);
    windowCombo->setObjectName(u"graphWindowCombo"_s);
    for (const auto w : {ThroughputGraph::Window::OneMinute, ThroughputGraph::Window::TenMinutes,
                         ThroughputGraph::Window::OneHour})
        windowCombo->addItem(ThroughputGraph::windowName(w), int(w));
    windowCombo->setToolTip(tr("Time span the graph shows"));
    connect(windowCombo, &QComboBox::currentIndexChanged, this, [this, windowCombo] {
        m_graph->setWindow(ThroughputGraph::Window(windowCombo->currentData().toInt()));
    });
    auto *graphHint = new QLabel(tr("Select ports in the table to add their lines."), this);
    graphHint->setEnabled(false);
    auto *graphBar = new QHBoxLayout;
    graphBar->addWidget(new QLabel(tr("Throughput over"), this));
    graphBar->addWidget(windowCombo);
    graphBar->addStretch(1);
    graphBar->addWidget(graphHint);
    auto *graphBox = new QWidget(this);
    auto *graphLayout = new QVBoxLayout(graphBox);
    graphLayout->setContentsMargins(4, 4, 4, 0);
    graphLayout->addLayout(graphBar);
    graphLayout->addWidget(m_graph, 1);

    m_portsModel = new PortsTableModel(this);
    m_connectionsModel = new ConnectionsTableModel(this);
    m_filesModel = new FilesTableModel(this);
    m_portsView = makeTable(m_portsModel, &m_portsProxy, u"portsView"_s, {5, 9, 4, 5, 9, 10, 30});
    m_connectionsView = makeTable(m_connectionsModel, &m_connectionsProxy, u"connectionsView"_s,
                                  {17, 5, 8, 8, 9, 10, 40, 12});
    m_filesView = makeTable(m_filesModel, &m_filesProxy, u"filesView"_s, {17, 5, 8, 7, 16, 64});
    m_filesView->setToolTip(tr("Double-click a file to open its folder"));
    connect(m_portsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onPortSelectionChanged);
    connect(m_filesView, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString path = m_filesModel->pathAt(m_filesProxy->mapToSource(index).row());
        if (!path.isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath()));
    });

    auto *clearClosed = new QPushButton(tr("Clear closed"), this);
    clearClosed->setObjectName(u"clearClosedButton"_s);
    clearClosed->setToolTip(tr("Remove closed connections from the table"));
    connect(clearClosed, &QPushButton::clicked, m_connectionsModel,
            &ConnectionsTableModel::clearClosed);
    auto *connectionsBox = new QWidget(this);
    auto *connectionsLayout = new QVBoxLayout(connectionsBox);
    connectionsLayout->setContentsMargins(0, 0, 0, 0);
    connectionsLayout->addWidget(m_connectionsView, 1);
    auto *connectionsBar = new QHBoxLayout;
    auto *closedHint = new QLabel(tr("Closed connections stay, greyed, for 5 min."), this);
    closedHint->setEnabled(false);
    connectionsBar->addWidget(closedHint);
    connectionsBar->addStretch(1);
    connectionsBar->addWidget(clearClosed);
    connectionsLayout->addLayout(connectionsBar);

    auto *openContaining = new QPushButton(tr("Open containing folder"), this);
    openContaining->setToolTip(tr("Open the folder of the selected file"));
    connect(openContaining, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_filesView->currentIndex();
        const QString path = current.isValid()
                                 ? m_filesModel->pathAt(m_filesProxy->mapToSource(current).row())
                                 : QString();
        if (path.isEmpty())
            openOutputFolder();
        else
            QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath()));
    });
    auto *manifestButton = new QToolButton(this);
    manifestButton->setObjectName(u"manifestViewButton"_s);
    manifestButton->setDefaultAction(m_manifestViewAction);
    manifestButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto *viewBar = new QHBoxLayout;
    viewBar->addWidget(manifestButton);
    viewBar->addStretch(1);
    auto *verifyButton = new QToolButton(this);
    verifyButton->setDefaultAction(m_verifyAction);
    verifyButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto *filesBox = new QWidget(this);
    auto *filesLayout = new QVBoxLayout(filesBox);
    filesLayout->setContentsMargins(0, 0, 0, 0);
    filesLayout->addLayout(viewBar);
    filesLayout->addWidget(m_filesView, 1);
    auto *filesBar = new QHBoxLayout;
    filesBar->addWidget(verifyButton);
    filesBar->addStretch(1);
    filesBar->addWidget(openContaining);
    filesLayout->addLayout(filesBar);

    // Everything a user watches at once: graph on top, ports beside connections below, files
    // next to the settings, the log along the bottom. Docks can be rearranged; it is saved.
    auto titled = [this](const QString &title, QWidget *content) {
        auto *box = new QWidget(this);
        auto *layout = new QVBoxLayout(box);
        layout->setContentsMargins(4, 4, 4, 0);
        auto *label = new QLabel(title, box);
        QFont bold = label->font();
        bold.setBold(true);
        label->setFont(bold);
        layout->addWidget(label);
        layout->addWidget(content, 1);
        return box;
    };
    auto *tables = new QSplitter(Qt::Horizontal, this);
    tables->setObjectName(u"tablesSplitter"_s);
    tables->addWidget(titled(tr("Ports"), m_portsView));
    tables->addWidget(titled(tr("Connections"), connectionsBox));
    // Start wide enough to show the ports' numbers; connections take the rest.
    int portsWidth = 24;
    for (int column = 0; column < PortsTableModel::File; ++column)
        portsWidth += m_portsView->columnWidth(column);
    tables->setSizes({portsWidth, portsWidth * 3 / 2});
    tables->setStretchFactor(1, 1);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(u"centralSplitter"_s);
    splitter->addWidget(graphBox);
    splitter->addWidget(tables);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    QDockWidget *filesDock = addDock(tr("Files"), u"filesDock"_s, filesBox, Qt::LeftDockWidgetArea);

    // Log at the bottom.
    m_log = new LogPanel(this);
    m_log->setObjectName(u"logPanel"_s);
    QDockWidget *logDock = addDock(tr("Log"), u"logDock"_s, m_log, Qt::BottomDockWidgetArea);
    resizeDocks({settingsDock}, {fontMetrics().horizontalAdvance(u'0') * 42}, Qt::Horizontal);
    resizeDocks({settingsDock, filesDock},
                {m_settings->sizeHint().height(), fontMetrics().height() * 40}, Qt::Vertical);
    resizeDocks({logDock}, {fontMetrics().height() * 9}, Qt::Vertical);

    // Status bar: the numbers a user glances at.
    auto makeLabel = [this](const QString &name, const QString &tip) {
        auto *label = new QLabel(this);
        label->setObjectName(name);
        label->setToolTip(tip);
        statusBar()->addPermanentWidget(label);
        return label;
    };
    m_rateLabel = makeLabel(u"rateLabel"_s, tr("Total receive rate"));
    m_bytesLabel = makeLabel(u"bytesLabel"_s, tr("Total bytes received in this capture"));
    m_connectionsLabel = makeLabel(u"connectionsLabel"_s, tr("Open connections"));
    m_freeSpaceLabel = makeLabel(u"freeSpaceLabel"_s, tr("Free space on the output volume"));
    m_uptimeLabel = makeLabel(u"uptimeLabel"_s, tr("Time since the capture started"));
    onSnapshot(StatsSnapshot{});
}

void MainWindow::connectController()
{
    CaptureController *c = &m_controller;
    connect(&m_eventLog, &CaptureEventLog::entryAdded, m_log, &LogPanel::addEntry);
    connect(&m_eventLog, &CaptureEventLog::entryAdded, this,
            [this](CaptureEventLog::Level level, const QString &text) {
                if (level == CaptureEventLog::Level::Error)
                    statusBar()->showMessage(text, statusMessageMs);
            });
    connect(c, &CaptureController::started, this, [this] { setPhase(Phase::Running); });
    connect(c, &CaptureController::startFailed, this,
            [this](const QList<ListenFailure> &failures, const QString &) {
                m_portsModel->setListenFailures(failures);
                setPhase(Phase::Idle);
            });
    connect(c, &CaptureController::connectionOpened, m_connectionsModel,
            &ConnectionsTableModel::addConnection);
    connect(c, &CaptureController::connectionClosed, m_connectionsModel,
            &ConnectionsTableModel::closeConnection);
    connect(c, &CaptureController::fileOpened, m_filesModel, &FilesTableModel::addFile);
    connect(c, &CaptureController::fileClosed, m_filesModel, &FilesTableModel::updateFile);
    connect(c, &CaptureController::writeFailed, m_filesModel, &FilesTableModel::updateFile);
    connect(c, &CaptureController::fileDeleted, m_filesModel, &FilesTableModel::markDeleted);
    connect(c, &CaptureController::fileLost, m_filesModel, &FilesTableModel::markLost);
    connect(c, &CaptureController::statsUpdated, this, &MainWindow::onSnapshot);
    connect(c, &CaptureController::stopped, this, [this] {
        setPhase(Phase::Idle);
        statusBar()->showMessage(tr("Capture stopped; files closed."), statusMessageMs);
        if (m_closeWhenStopped)
            close();
    });
}

void MainWindow::startCapture()
{
    if (m_phase != Phase::Idle)
        return;
    if (!m_settings->isValid()) {
        statusBar()->showMessage(m_settings->errorText(), statusMessageMs);
        return;
    }
    const CaptureSettings settings = m_settings->settings();
    saveSettings();
    m_portsModel->setPorts(settings.ports);
    m_connectionsModel->clear();
    m_filesModel->clear();
    m_graph->clear();
    setPhase(Phase::Starting);
    m_controller.start(settings);
}

void MainWindow::stopCapture()
{
    if (m_phase != Phase::Running)
        return;
    setPhase(Phase::Stopping);
    statusBar()->showMessage(tr("Stopping: taking in what peers already sent…"));
    m_controller.stop();
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
    QDesktopServices::openUrl(QUrl::fromLocalFile(dir));
}

void MainWindow::setManifestView(bool on)
{
    if (m_manifestViewAction->isChecked() != on)
        m_manifestViewAction->setChecked(on); // toggled() calls back here
    m_filesView->setColumnHidden(FilesTableModel::Sha256, !on);
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

void MainWindow::verifyDirectory(const QString &dir)
{
    if (m_verify->isRunning())
        return;
    const QString path = QDir(dir).absolutePath();
    m_verifyShowsDialog = false;
    m_verifyAction->setEnabled(false);
    m_log->addEntry(
        CaptureEventLog::Level::Info,
        tr("verify: checking %1 against %2").arg(path, QString::fromUtf16(manifestFileName)));
    statusBar()->showMessage(tr("Verifying %1…").arg(path));
    m_verify->start(path);
}

bool MainWindow::isVerifying() const
{
    return m_verify->isRunning();
}

void MainWindow::onVerifyResult(const VerifyResult &result)
{
    const bool problem = result.status == VerifyResult::Status::Mismatch ||
                         result.status == VerifyResult::Status::Missing ||
                         result.status == VerifyResult::Status::Invalid;
    m_log->addEntry(
        problem ? CaptureEventLog::Level::Error : CaptureEventLog::Level::Info,
        u"verify: %1 %2: %3"_s.arg(verifyStatusName(result.status), result.file, result.detail));
}

void MainWindow::onVerifyFinished(const QString &dir, const VerifySummary &summary)
{
    m_verifyAction->setEnabled(true);
    const QString text = summary.error.isEmpty() ? tr("verify %1: %2").arg(dir, summary.text())
                                                 : tr("verify: %1").arg(summary.error);
    m_log->addEntry(summary.passed() ? CaptureEventLog::Level::Info : CaptureEventLog::Level::Error,
                    text);
    statusBar()->showMessage(text, statusMessageMs);
    if (m_verifyShowsDialog) {
        // Window-modal and non-blocking: the capture's tables keep updating behind it.
        auto *box = new QMessageBox(
            summary.passed() ? QMessageBox::Information : QMessageBox::Warning,
            summary.passed() ? tr("Verification passed") : tr("Verification found problems"), text,
            QMessageBox::Ok, this);
        box->setInformativeText(summary.passed() ? QString()
                                                 : tr("Each file's result is in the log."));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    m_verifyShowsDialog = false;
    Q_EMIT verificationFinished(summary.passed(), text);
}

void MainWindow::cancelVerification()
{
    if (!m_verify->cancel())
        return;
    m_verifyAction->setEnabled(true);
    m_log->addEntry(CaptureEventLog::Level::Warning, tr("verify: cancelled"));
}

void MainWindow::quitWhenStopped(bool immediately)
{
    m_closeWhenStopped = true;
    if (m_phase == Phase::Idle)
        close();
    else if (m_phase == Phase::Running && !immediately)
        stopCapture();
    else
        m_controller.abort();
}

void MainWindow::setPhase(Phase phase)
{
    m_phase = phase;
    m_settings->setEditable(phase == Phase::Idle);
    updateActions();
    const QString title = tr("Capture Receiver");
    switch (phase) {
    case Phase::Idle:
        setWindowTitle(title);
        break;
    case Phase::Starting:
    case Phase::Running:
        setWindowTitle(
            tr("%1 — recording %2").arg(title, formatPortSpec(m_controller.settings().ports)));
        break;
    case Phase::Stopping:
        setWindowTitle(tr("%1 — stopping").arg(title));
        break;
    }
}

void MainWindow::updateActions()
{
    m_startAction->setEnabled(m_phase == Phase::Idle && m_settings->isValid());
    m_startAction->setToolTip(m_settings->isValid()
                                  ? tr("Start listening and recording (F5)")
                                  : tr("Cannot start: %1").arg(m_settings->errorText()));
    m_stopAction->setEnabled(m_phase == Phase::Running);
}

void MainWindow::onSnapshot(const StatsSnapshot &snapshot)
{
    m_portsModel->updateFromSnapshot(snapshot);
    m_connectionsModel->updateFromSnapshot(snapshot);
    m_filesModel->updateFromSnapshot(snapshot);
    if (snapshot.time.isValid())
        m_graph->addSnapshot(snapshot);
    m_rateLabel->setText(tr("Rate: %1").arg(formatRate(snapshot.totalRate)));
    m_bytesLabel->setText(tr("Received: %1").arg(formatBytes(snapshot.totalBytes)));
    m_connectionsLabel->setText(tr("Connections: %1").arg(snapshot.activeConnections));
    m_uptimeLabel->setText(tr("Up: %1").arg(formatDuration(snapshot.uptimeMs)));
}

void MainWindow::onPortSelectionChanged()
{
    QList<quint16> ports;
    const QModelIndexList rows = m_portsView->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ports.append(m_portsModel->portAt(m_portsProxy->mapToSource(index).row()));
    std::sort(ports.begin(), ports.end());
    m_graph->setSelectedPorts(ports);
}

void MainWindow::updateFreeSpace()
{
    const QStorageInfo storage(existingAncestor(m_settings->settings().outputDir));
    m_freeSpaceLabel->setText(
        storage.isValid() ? tr("Free: %1").arg(formatBytes(quint64(storage.bytesAvailable())))
                          : tr("Free: ?"));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_phase == Phase::Idle) {
        cancelVerification();
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

void MainWindow::loadSettings(const CommandLineOptions &options)
{
    const UiSettings stored = UiSettings::load(QSettings());
    CaptureSettings s = options.settings;
    const QSet<QString> &given = options.givenOptions;
    if (!given.contains(u"bind"_s) && stored.bindAddress)
        s.bindAddress = *stored.bindAddress;
    if (!given.contains(u"ports"_s) && stored.ports) {
        const PortSpecResult ports = parsePortSpec(*stored.ports);
        if (ports.ok())
            s.ports = ports.ports;
    }
    if (!given.contains(u"output"_s) && stored.outputDir)
        s.outputDir = *stored.outputDir;
    if (!given.contains(u"split"_s) && stored.split)
        s.split = *stored.split;
    // The three files go together: from the command line or config file, or all from the store.
    const bool tlsGiven = given.contains(u"tls-cert"_s) || given.contains(u"tls-key"_s) ||
                          given.contains(u"tls-ca"_s);
    if (!tlsGiven && stored.tlsFiles) {
        s.tls.reset(); // the panel loads the stored files and reports what is wrong with them
        s.tlsFiles = *stored.tlsFiles;
    }
    m_settings->setSettings(s);

    if (!restoreGeometry(stored.geometry))
        resize(1280, 720);
    restoreState(stored.windowState);
    setManifestView(stored.filesManifestView);
}

void MainWindow::saveSettings() const
{
    const CaptureSettings s = m_settings->settings();
    UiSettings stored;
    stored.bindAddress = s.bindAddress;
    stored.ports = m_settings->portsText();
    stored.outputDir = s.outputDir;
    stored.split = s.split;
    stored.tlsFiles = s.tlsFiles;
    stored.geometry = saveGeometry();
    stored.windowState = saveState();
    stored.filesManifestView = m_manifestViewAction->isChecked();
    QSettings store;
    stored.save(store);
}

} // namespace capture

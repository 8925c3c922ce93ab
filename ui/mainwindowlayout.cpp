#include "ui/mainwindow.h"

#include "core/remote/remotereceiver.h"
#include "ui/fleet/fleetdock.h"
#include "ui/graph/throughputgraph.h"
#include "ui/logpanel.h"
#include "ui/models/connectionstablemodel.h"
#include "ui/models/filestablemodel.h"
#include "ui/models/portstablemodel.h"
#include "ui/remotebanner.h"
#include "ui/settingsdockbox.h"
#include "ui/settingspanel.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

// How the window is put together: its actions, toolbar, docks, tables and status bar. What
// it does with them is in mainwindow.cpp.

namespace capture {

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
    m_stopAction->setStatusTip(m_stopAction->toolTip());
    connect(m_stopAction, &QAction::triggered, this, &MainWindow::stopCapture);

    m_rotateAction =
        new QAction(s->standardIcon(QStyle::SP_BrowserReload), tr("&Rotate now"), this);
    m_rotateAction->setObjectName(u"rotateAction"_s);
    m_rotateAction->setShortcut(QKeySequence(u"Ctrl+Shift+R"_s));
    m_rotateAction->setToolTip(
        tr("Close every open file now; each stream's next byte opens its next file, no "
           "connection is dropped (as SIGUSR1; Ctrl+Shift+R)"));
    m_rotateAction->setStatusTip(m_rotateAction->toolTip());
    connect(m_rotateAction, &QAction::triggered, this, &MainWindow::rotateFiles);

    m_newRunAction =
        new QAction(s->standardIcon(QStyle::SP_FileDialogNewFolder), tr("&New run"), this);
    m_newRunAction->setObjectName(u"newRunAction"_s);
    m_newRunAction->setShortcut(QKeySequence(u"Ctrl+Shift+N"_s));
    m_newRunAction->setToolTip(
        tr("Close every open file and add one to the run number: the next files belong to the "
           "next run; no connection is dropped (Ctrl+Shift+N)"));
    m_newRunAction->setStatusTip(m_newRunAction->toolTip());
    connect(m_newRunAction, &QAction::triggered, this, &MainWindow::startNewRun);

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
    m_manifestViewAction->setToolTip(tr("Show each file's digest and close reason"));
    connect(m_manifestViewAction, &QAction::toggled, this, &MainWindow::setManifestView);

    auto *toolbar = addToolBar(tr("Capture"));
    toolbar->setObjectName(u"captureToolBar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_startAction);
    toolbar->addAction(m_stopAction);
    toolbar->addAction(m_rotateAction);
    toolbar->addAction(m_newRunAction);
    toolbar->addSeparator();
    toolbar->addAction(m_openFolderAction);
    toolbar->addAction(m_verifyAction);
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
    // Collapsed to a summary while capturing: the Files table below gets the height.
    m_settingsBox = new SettingsDockBox(m_settings, this);
    QDockWidget *settingsDock =
        addDock(tr("Settings"), u"settingsDock"_s, m_settingsBox, Qt::LeftDockWidgetArea);
    connect(m_settingsBox, &SettingsDockBox::collapsedChanged, this,
            &MainWindow::followSettingsCollapse);
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
    auto *graphBar = new QHBoxLayout;
    graphBar->addWidget(new QLabel(tr("Throughput over"), this));
    graphBar->addWidget(windowCombo);
    graphBar->addStretch(1);
    auto *graphBox = new QWidget(this);
    auto *graphLayout = new QVBoxLayout(graphBox);
    graphLayout->setContentsMargins(4, 4, 4, 0);
    graphLayout->addLayout(graphBar);
    graphLayout->addWidget(m_graph, 1);

    m_portsModel = new PortsTableModel(this);
    m_connectionsModel = new ConnectionsTableModel(this);
    m_filesModel = new FilesTableModel(this);
    m_portsView = makeTable(m_portsModel, &m_portsProxy, u"portsView"_s,
                            {5, 4, 15, 4, 5, 7, 9, 10, 9, 7, 30}, PortsTableModel::File);
    // What a user reads first stays on the left: port, state, bytes, rate.
    QHeaderView *portsHeader = m_portsView->horizontalHeader();
    portsHeader->moveSection(portsHeader->visualIndex(PortsTableModel::State), 1);
    portsHeader->moveSection(portsHeader->visualIndex(PortsTableModel::Bytes), 2);
    portsHeader->moveSection(portsHeader->visualIndex(PortsTableModel::Rate), 3);
    // The protocol and UDP columns only when the capture has a UDP port.
    const auto showUdpColumns = [this] {
        bool udp = false;
        for (int row = 0; row < m_portsModel->rowCount(); ++row)
            udp = udp || m_portsModel->protocolAt(row) == PortStats::Protocol::Udp;
        for (const int column :
             {PortsTableModel::Protocol, PortsTableModel::DatagramRate, PortsTableModel::Dropped})
            m_portsView->setColumnHidden(column, !udp);
    };
    connect(m_portsModel, &QAbstractItemModel::modelReset, this, showUdpColumns);
    showUdpColumns();
    m_connectionsView = makeTable(m_connectionsModel, &m_connectionsProxy, u"connectionsView"_s,
                                  {15, 20, 5, 8, 8, 9, 10, 40, 15}, ConnectionsTableModel::File);
    // Open connections first, most recent first; shown with TLS only (see showState()).
    m_connectionsView->sortByColumn(ConnectionsTableModel::Status, Qt::AscendingOrder);
    m_connectionsView->setColumnHidden(ConnectionsTableModel::Client, true);
    m_filesView = makeTable(m_filesModel, &m_filesProxy, u"filesView"_s, {28, 5, 8, 15, 16, 64, 9},
                            FilesTableModel::File);
    m_filesView->setToolTip(tr("Double-click a file to open its folder"));
    QHeaderView *filesHeader = m_filesView->horizontalHeader();
    filesHeader->moveSection(filesHeader->visualIndex(FilesTableModel::Verified),
                             filesHeader->visualIndex(FilesTableModel::State) + 1);
    // Shown once Verify… has results to put in it.
    m_filesView->setColumnHidden(FilesTableModel::Verified, true);
    connect(m_portsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::onPortSelectionChanged);
    connect(m_filesView, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString path = m_filesModel->pathAt(m_filesProxy->mapToSource(index).row());
        if (!path.isEmpty())
            openFolder(QFileInfo(path).absolutePath());
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
    closedHint->setWordWrap(true); // a narrow table (a small screen) keeps the Ports' room
    closedHint->setMinimumWidth(fontMetrics().horizontalAdvance(u'0') * 8);
    connectionsBar->addWidget(closedHint, 1);
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
            openFolder(QFileInfo(path).absolutePath());
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
    auto *clearLastRun = new QPushButton(tr("Clear last run"), this);
    clearLastRun->setObjectName(u"clearLastRunButton"_s);
    clearLastRun->setToolTip(tr("Remove the previous run's files (greyed, 'last run') from the "
                                "table; the files themselves stay on disk"));
    clearLastRun->setEnabled(false);
    connect(clearLastRun, &QPushButton::clicked, m_filesModel, &FilesTableModel::clearLastRun);
    connect(m_filesModel, &QAbstractItemModel::modelReset, clearLastRun,
            [this, clearLastRun] { clearLastRun->setEnabled(m_filesModel->hasLastRun()); });
    connect(m_filesModel, &QAbstractItemModel::dataChanged, clearLastRun,
            [this, clearLastRun] { clearLastRun->setEnabled(m_filesModel->hasLastRun()); });
    auto *filesBar = new QHBoxLayout;
    filesBar->addWidget(verifyButton);
    filesBar->addWidget(clearLastRun);
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
    // Start wide enough for port, state, bytes and rate at least; connections take the rest.
    int portsWidth = 24;
    for (int visual = 0; visual < 4; ++visual)
        portsWidth += m_portsView->columnWidth(portsHeader->logicalIndex(visual));
    tables->setSizes({portsWidth, portsWidth * 3 / 2});
    tables->setStretchFactor(1, 1);
    connect(tables, &QSplitter::splitterMoved, this, [this] { m_userArranged = true; });

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(u"centralSplitter"_s);
    splitter->addWidget(graphBox);
    splitter->addWidget(tables);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(makeStartErrorBanner());
    centralLayout->addWidget(splitter, 1);
    setCentralWidget(central);

    QDockWidget *filesDock = addDock(tr("Files"), u"filesDock"_s, filesBox, Qt::LeftDockWidgetArea);

    // Log at the bottom.
    m_log = new LogPanel(this);
    m_log->setObjectName(u"logPanel"_s);
    QDockWidget *logDock = addDock(tr("Log"), u"logDock"_s, m_log, Qt::BottomDockWidgetArea);
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
    m_runLabel = makeLabel(u"runLabel"_s, tr("Run number (--run; New run adds one)"));
    m_rateLabel = makeLabel(u"rateLabel"_s, tr("Total receive rate"));
    m_bytesLabel = makeLabel(u"bytesLabel"_s, tr("Total bytes received in this capture"));
    m_connectionsLabel = makeLabel(u"connectionsLabel"_s, tr("Open connections"));
    m_freeSpaceLabel = makeLabel(u"freeSpaceLabel"_s, tr("Free space on the output volume"));
    m_uptimeLabel = makeLabel(u"uptimeLabel"_s, tr("Time since the capture started"));
    onSnapshot(StatsSnapshot{});

    addPanelShortcuts();
}

QWidget *MainWindow::makeStartErrorBanner()
{
    m_startErrorBanner = new QFrame(this);
    m_startErrorBanner->setObjectName(u"startErrorBanner"_s);
    m_startErrorBanner->setAutoFillBackground(true);
    QPalette palette = m_startErrorBanner->palette();
    palette.setColor(QPalette::Window, QColor(0xfd, 0xe0, 0xdc)); // light red, dark text
    palette.setColor(QPalette::WindowText, QColor(0x5f, 0x21, 0x20));
    m_startErrorBanner->setPalette(palette);
    auto *layout = new QHBoxLayout(m_startErrorBanner);
    layout->setContentsMargins(8, 4, 4, 4);
    m_startErrorBanner->setAccessibleName(tr("Start failed"));
    m_startErrorText = new QLabel(m_startErrorBanner);
    m_startErrorText->setObjectName(u"startErrorText"_s);
    m_startErrorText->setWordWrap(true);
    m_startErrorText->setTextFormat(Qt::RichText);
    m_startErrorText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_startErrorText, 1);
    auto *dismiss = new QToolButton(m_startErrorBanner);
    dismiss->setObjectName(u"startErrorDismiss"_s);
    dismiss->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    dismiss->setToolTip(tr("Hide this message"));
    dismiss->setAutoRaise(true);
    connect(dismiss, &QToolButton::clicked, m_startErrorBanner, &QWidget::hide);
    layout->addWidget(dismiss, 0, Qt::AlignTop);
    m_startErrorBanner->hide();
    return m_startErrorBanner;
}

void MainWindow::buildFleetDock(const CommandLineOptions &options)
{
    m_fleet = new FleetDock(m_receiver, options, this);
    addDockWidget(Qt::RightDockWidgetArea, m_fleet);
    m_fleet->hide(); // until asked for; a saved layout may show it
    connect(m_fleet, &FleetDock::localRequested, this, [this] {
        raise();
        activateWindow();
    });
    QAction *toggle = m_fleet->toggleViewAction();
    toggle->setObjectName(u"receiversAction"_s);
    toggle->setShortcut(QKeySequence(u"Ctrl+Shift+E"_s));
    toggle->setToolTip(tr("Receivers: this one and others elsewhere, their rates, and Start, "
                          "Stop, Rotate, New run on several at once (Ctrl+Shift+E)"));
    auto *connectAction = new QAction(tr("Connect…"), this);
    connectAction->setObjectName(u"connectAction"_s);
    connectAction->setShortcut(QKeySequence(u"Ctrl+Shift+O"_s));
    connectAction->setToolTip(tr("Connect to a receiver elsewhere: its status URL, token file "
                                 "and CA file; it opens in a window of its own and joins the "
                                 "Receivers list (Ctrl+Shift+O)"));
    connect(connectAction, &QAction::triggered, m_fleet, &FleetDock::connectToReceiver);
    if (auto *toolbar = findChild<QToolBar *>()) {
        toolbar->addSeparator();
        toolbar->addAction(toggle);
        toolbar->addAction(connectAction);
    }
}

void MainWindow::buildRemoteView()
{
    m_banner = new RemoteBanner(m_remote, this);
    auto *box = new QWidget(this);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(takeCentralWidget(), 1);
    setCentralWidget(box);
    // What is shown of a receiver that does not answer is old: greyed until it answers again.
    connect(m_remote, &RemoteReceiver::connectionStateChanged, this,
            [this](RemoteReceiver::ConnectionState state) {
                const bool live = state != RemoteReceiver::ConnectionState::Lost;
                for (QWidget *w : std::initializer_list<QWidget *>{m_portsView, m_connectionsView,
                                                                   m_filesView, m_graph})
                    w->setEnabled(live);
            });
    // A restarted receiver's connections are gone: its own list follows in the next snapshot.
    connect(m_remote, &RemoteReceiver::restarted, m_connectionsModel,
            &ConnectionsTableModel::clear);
    // Its files and volume are on its host, not this one.
    const QString elsewhere = tr("Not available: the files are on the remote receiver's host");
    for (QAction *action : {m_openFolderAction, m_verifyAction}) {
        action->setEnabled(false);
        action->setToolTip(elsewhere);
    }
    m_freeSpaceLabel->hide();
    m_settings->setSettings(m_remote->settings());
    m_settings->setEditable(false);
}

} // namespace capture

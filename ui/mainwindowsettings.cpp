#include "ui/mainwindow.h"

#include "core/net/portspec.h"
#include "ui/graph/throughputgraph.h"
#include "ui/logpanel.h"
#include "ui/settingspanel.h"
#include "ui/uisettings.h"

#include <QAction>
#include <QComboBox>
#include <QHeaderView>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QTableView>

using namespace Qt::Literals::StringLiterals;

// What the window keeps between runs: the capture settings (not a remote receiver's) and its
// layout, through UiSettings.

namespace capture {

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
    if (!given.contains(u"udp-ports"_s) && stored.udpPorts) {
        const PortSpecResult ports = parsePortSpec(*stored.udpPorts);
        s.udpPorts = ports.ok() ? ports.ports : QList<quint16>{};
        if (!given.contains(u"ports"_s) && stored.ports && stored.ports->trimmed().isEmpty())
            s.ports.clear(); // UDP alone
    }
    if (!given.contains(u"output"_s) && stored.outputDir)
        s.outputDir = *stored.outputDir;
    if (!given.contains(u"split"_s) && stored.split)
        s.split = *stored.split;
    if (!given.contains(u"hash"_s) && stored.hash)
        s.hash = *stored.hash;
    if (!given.contains(u"run"_s) && stored.run)
        s.run = *stored.run;
    if (!given.contains(u"name-template"_s) && stored.nameTemplate)
        s.nameTemplate = *stored.nameTemplate;
    if (!given.contains(u"done-dir"_s) && stored.doneDir)
        s.doneDir = *stored.doneDir;
    if (!given.contains(u"on-file-closed"_s) && stored.onFileClosed)
        s.onFileClosed = *stored.onFileClosed;
    // The three files go together: from the command line or config file, or all from the store.
    const bool tlsGiven = given.contains(u"tls-cert"_s) || given.contains(u"tls-key"_s) ||
                          given.contains(u"tls-ca"_s);
    if (!tlsGiven && stored.tlsFiles) {
        s.tls.reset(); // the panel loads the stored files and reports what is wrong with them
        s.tlsFiles = *stored.tlsFiles;
    }
    m_settings->setSettings(s);

    if (!restoreGeometry(stored.geometry)) {
        // 1280x720 at most, and within the screen with room for a window manager's frame
        // and panel: the status bar must be on screen.
        const QSize available = screen()->availableGeometry().size() - QSize(16, 48);
        resize(QSize(1280, 720).boundedTo(available));
    }
    restoreState(stored.windowState);
    setManifestView(stored.filesManifestView);
    restoreArrangement(stored);
}

namespace {
/// A header's saved state is only good for the columns it was saved with: the key names
/// their count, so a version with another column starts from its defaults.
QString headerKey(const QTableView *view)
{
    return u"%1/%2"_s.arg(view->objectName()).arg(view->model()->columnCount());
}
} // namespace

void MainWindow::saveArrangement(UiSettings &stored) const
{
    for (const QTableView *view : {m_portsView, m_connectionsView, m_filesView})
        stored.views.insert(headerKey(view), view->horizontalHeader()->saveState());
    for (const QSplitter *splitter : findChildren<QSplitter *>()) {
        if (!splitter->objectName().isEmpty())
            stored.views.insert(splitter->objectName(), splitter->saveState());
    }
    stored.graphWindow = int(m_graph->window());
    stored.logLevel = int(m_log->minimumLevel());
    stored.graphIntervalMs = int(m_graph->interval());
    stored.graphLogScale = m_graph->logScale();
}

void MainWindow::restoreArrangement(const UiSettings &stored)
{
    for (QTableView *view : {m_portsView, m_connectionsView, m_filesView}) {
        QHeaderView *header = view->horizontalHeader();
        const QByteArray state = stored.views.value(headerKey(view));
        if (state.isEmpty() || !header->restoreState(state))
            continue;
        view->sortByColumn(header->sortIndicatorSection(), header->sortIndicatorOrder());
    }
    for (QSplitter *splitter : findChildren<QSplitter *>()) {
        const QByteArray state = stored.views.value(splitter->objectName());
        if (!splitter->objectName().isEmpty() && !state.isEmpty() &&
            splitter->restoreState(state) && splitter->objectName() == u"tablesSplitter"_s)
            m_userArranged = true; // sized by the user before: not fitted again
    }
    if (stored.graphWindow) {
        auto *combo = findChild<QComboBox *>(u"graphWindowCombo"_s);
        const int index = combo ? combo->findData(*stored.graphWindow) : -1;
        if (index >= 0)
            combo->setCurrentIndex(index);
    }
    if (stored.logLevel)
        m_log->setMinimumLevel(CaptureEventLog::Level(*stored.logLevel));
    if (stored.graphIntervalMs &&
        ThroughputGraph::intervalChoices().contains(*stored.graphIntervalMs))
        m_graph->setInterval(*stored.graphIntervalMs);
    if (stored.graphLogScale)
        m_graph->setLogScale(*stored.graphLogScale);
}

void MainWindow::saveSettings() const
{
    if (m_remote) { // the window's layout only: its settings are the other receiver's
        QSettings store;
        UiSettings stored = UiSettings::load(store);
        stored.geometry = saveGeometry();
        stored.windowState = saveState();
        stored.filesManifestView = m_manifestViewAction->isChecked();
        saveArrangement(stored);
        stored.save(store);
        return;
    }
    const CaptureSettings s = m_settings->settings();
    UiSettings stored;
    stored.bindAddress = s.bindAddress;
    stored.ports = m_settings->portsText();
    stored.udpPorts = m_settings->udpPortsText();
    stored.outputDir = s.outputDir;
    stored.split = s.split;
    stored.hash = s.hash;
    stored.run = s.run;
    stored.nameTemplate = s.nameTemplate;
    stored.doneDir = s.doneDir;
    stored.onFileClosed = s.onFileClosed;
    stored.tlsFiles = s.tlsFiles;
    stored.geometry = saveGeometry();
    stored.windowState = saveState();
    stored.filesManifestView = m_manifestViewAction->isChecked();
    saveArrangement(stored);
    QSettings store;
    stored.save(store);
}

} // namespace capture

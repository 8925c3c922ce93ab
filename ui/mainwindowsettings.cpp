#include "ui/mainwindow.h"

#include "core/net/portspec.h"
#include "ui/settingspanel.h"
#include "ui/uisettings.h"

#include <QAction>
#include <QSettings>

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

    if (!restoreGeometry(stored.geometry))
        resize(1280, 720);
    restoreState(stored.windowState);
    setManifestView(stored.filesManifestView);
}

void MainWindow::saveSettings() const
{
    if (m_remote) { // the window's layout only: its settings are the other receiver's
        QSettings store;
        UiSettings stored = UiSettings::load(store);
        stored.geometry = saveGeometry();
        stored.windowState = saveState();
        stored.filesManifestView = m_manifestViewAction->isChecked();
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
    QSettings store;
    stored.save(store);
}

} // namespace capture

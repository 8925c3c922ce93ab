#include "ui/fleet/fleetdock.h"

#include "ui/fleet/fleetstore.h"
#include "ui/fleet/receiverspanel.h"
#include "ui/mainwindow.h"

#include <QSettings>

using namespace Qt::Literals::StringLiterals;

namespace capture {

FleetDock::FleetDock(Receiver *local, const CommandLineOptions &options, QWidget *parent)
    : QDockWidget(tr("Receivers"), parent)
    , m_panel(new ReceiversPanel(this))
    , m_local(local)
    , m_options(options)
{
    setObjectName(u"receiversDock"_s);
    setWidget(m_panel);
    if (local)
        m_panel->addLocalReceiver(local);
    QSettings store;
    QStringList problems;
    for (const ReceiverEntry &entry : loadReceiverEntries(store)) {
        QString error;
        if (!m_panel->addRemote(entry, &error))
            problems.append(u"%1: %2"_s.arg(entry.name, error));
    }
    if (!problems.isEmpty())
        qWarning("receivers: %s", qPrintable(problems.join(u"; "_s)));
    connect(m_panel, &ReceiversPanel::entriesChanged, this, &FleetDock::save);
    connect(m_panel, &ReceiversPanel::openRequested, this, &FleetDock::open);
    connect(m_panel, &ReceiversPanel::aboutToRemove, this, [this](Receiver *receiver) {
        delete m_windows.take(receiver).data(); // it shows the receiver that goes
    });
}

FleetDock::~FleetDock()
{
    for (const QPointer<MainWindow> &window : std::as_const(m_windows))
        delete window.data();
}

void FleetDock::open(Receiver *receiver, const QString &)
{
    if (receiver == m_local) {
        Q_EMIT localRequested();
        return;
    }
    QPointer<MainWindow> &window = m_windows[receiver];
    if (!window) {
        window = new MainWindow(receiver, m_options);
        window->setAttribute(Qt::WA_DeleteOnClose);
    }
    window->show();
    window->raise();
    window->activateWindow();
}

void FleetDock::connectToReceiver()
{
    if (Receiver *receiver = m_panel->askToAdd())
        open(receiver, {});
}

void FleetDock::save() const
{
    QSettings store;
    saveReceiverEntries(store, m_panel->remoteEntries());
}

} // namespace capture

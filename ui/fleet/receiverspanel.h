#pragma once

#include "ui/fleet/fleetmodel.h"
#include "ui/fleet/fleetstore.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

class QTableView;
class QPushButton;
class QLabel;

namespace capture {

class Receiver;
class RemoteReceiver;
class ThroughputGraph;

/// The Receivers panel: several receivers (this process's and ones elsewhere) one row each,
/// a graph of their combined rate, and Start, Stop, Rotate and New run for the selected rows
/// at once after one confirmation. Double-clicking a row asks for that receiver's full view.
/// The receivers elsewhere are made from ReceiverEntry values and kept (without tokens) by
/// whoever owns the panel.
class ReceiversPanel : public QWidget
{
    Q_OBJECT

public:
    enum class Action { Start, Stop, Rotate, NewRun };

    explicit ReceiversPanel(QWidget *parent = nullptr);
    ~ReceiversPanel() override;

    /// This process's receiver, as the first row (not owned).
    void addLocalReceiver(Receiver *receiver);
    /// A receiver elsewhere; false with the reason when the entry cannot be used.
    bool addRemote(const ReceiverEntry &entry, QString *error);
    QList<ReceiverEntry> remoteEntries() const;

    FleetModel *model() { return &m_model; }
    QTableView *table() const { return m_table; }
    ThroughputGraph *graph() const { return m_graph; }

    /// Asks "do this to these?"; the default is a question box. Tests answer it themselves.
    void setConfirmation(std::function<bool(const QString &question)> confirm);
    /// Asks for a receiver elsewhere (name, status URL, token file, CA file) and adds it;
    /// the receiver, or nullptr when the dialog was cancelled.
    Receiver *askToAdd();
    /// Carries out `action` on the rows (those that cannot be controlled are left out and
    /// named in the status line); after the confirmation. Returns how many were asked.
    int apply(Action action, const QList<int> &rows);

Q_SIGNALS:
    /// A row was double-clicked: show that receiver in full.
    void openRequested(capture::Receiver *receiver, const QString &name);
    /// The remote entries changed (added, removed): time to save them.
    void entriesChanged();
    /// `receiver` is about to be destroyed (its row removed): let go of it now.
    void aboutToRemove(capture::Receiver *receiver);

private:
    void removeSelected();
    QList<int> selectedRows() const;
    void updateButtons();

    FleetModel m_model;
    QTableView *m_table = nullptr;
    ThroughputGraph *m_graph = nullptr;
    QLabel *m_status = nullptr;
    QList<QPushButton *> m_actionButtons;
    QPushButton *m_remove = nullptr;
    struct Remote
    {
        ReceiverEntry entry;
        std::unique_ptr<RemoteReceiver> receiver;
    };
    std::vector<Remote> m_remotes;
    std::function<bool(const QString &)> m_confirm;
};

} // namespace capture

#include "ui/fleet/receiverspanel.h"

#include "core/capture/receiver.h"
#include "core/remote/remotereceiver.h"
#include "ui/graph/throughputgraph.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

QString actionName(ReceiversPanel::Action action)
{
    switch (action) {
    case ReceiversPanel::Action::Start:
        return u"Start"_s;
    case ReceiversPanel::Action::Stop:
        return u"Stop"_s;
    case ReceiversPanel::Action::Rotate:
        return u"Rotate"_s;
    case ReceiversPanel::Action::NewRun:
        return u"New run"_s;
    }
    return {};
}

} // namespace

ReceiversPanel::ReceiversPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("Add…"), this);
    add->setObjectName(u"fleetAdd"_s);
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setObjectName(u"fleetRemove"_s);
    buttons->addWidget(add);
    buttons->addWidget(m_remove);
    buttons->addSpacing(16);
    for (const Action action : {Action::Start, Action::Stop, Action::Rotate, Action::NewRun}) {
        auto *button = new QPushButton(actionName(action), this);
        button->setObjectName(u"fleet"_s + actionName(action).remove(u' '));
        button->setToolTip(tr("%1 on the selected receivers").arg(actionName(action)));
        connect(button, &QPushButton::clicked, this,
                [this, action] { apply(action, selectedRows()); });
        buttons->addWidget(button);
        m_actionButtons.append(button);
    }
    buttons->addStretch();
    layout->addLayout(buttons);

    m_table = new QTableView(this);
    m_table->setObjectName(u"fleetTable"_s);
    m_table->setModel(&m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_table, 2);

    m_graph = new ThroughputGraph(this);
    m_graph->setObjectName(u"fleetGraph"_s);
    m_graph->setSelectHintEnabled(false); // no ports to select here
    m_graph->setToolTip(tr("The receivers' combined rate"));
    layout->addWidget(m_graph, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(u"fleetStatus"_s);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(&m_model, &FleetModel::refreshed, this,
            [this] { m_graph->addSnapshot(m_model.combined()); });
    connect(add, &QPushButton::clicked, this, &ReceiversPanel::askToAdd);
    connect(m_remove, &QPushButton::clicked, this, &ReceiversPanel::removeSelected);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        if (Receiver *r = m_model.receiverAt(index.row()))
            Q_EMIT openRequested(r, m_model.nameAt(index.row()));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ReceiversPanel::updateButtons);
    m_confirm = [this](const QString &question) {
        return QMessageBox::question(this, tr("Receivers"), question) == QMessageBox::Yes;
    };
    updateButtons();
}

ReceiversPanel::~ReceiversPanel() = default;

void ReceiversPanel::addLocalReceiver(Receiver *receiver)
{
    m_model.addReceiver(tr("this computer"), tr("(local)"), receiver);
}

bool ReceiversPanel::addRemote(const ReceiverEntry &entry, QString *error)
{
    std::unique_ptr<RemoteReceiver> receiver = makeRemoteReceiver(entry, error);
    if (!receiver)
        return false;
    RemoteReceiver *r = receiver.get();
    m_model.addReceiver(entry.name.isEmpty() ? QUrl(entry.url).authority() : entry.name, entry.url,
                        r);
    connect(r, &RemoteReceiver::commandFailed, this,
            [this, name = entry.name](const QString &action, const QString &reason) {
                m_status->setText(tr("%1: %2 failed: %3").arg(name, action, reason));
            });
    m_remotes.push_back({entry, std::move(receiver)});
    r->connectToReceiver();
    Q_EMIT entriesChanged();
    return true;
}

QList<ReceiverEntry> ReceiversPanel::remoteEntries() const
{
    QList<ReceiverEntry> entries;
    for (const Remote &remote : m_remotes)
        entries.append(remote.entry);
    return entries;
}

void ReceiversPanel::setConfirmation(std::function<bool(const QString &)> confirm)
{
    m_confirm = std::move(confirm);
}

int ReceiversPanel::apply(Action action, const QList<int> &rows)
{
    QList<Receiver *> targets;
    QStringList names;
    QStringList skipped;
    for (const int row : rows) {
        Receiver *r = m_model.receiverAt(row);
        if (!r)
            continue;
        if (!r->canControl()) {
            skipped.append(u"%1 (%2)"_s.arg(m_model.nameAt(row), r->controlUnavailableReason()));
            continue;
        }
        targets.append(r);
        names.append(m_model.nameAt(row));
    }
    if (targets.isEmpty()) {
        m_status->setText(skipped.isEmpty()
                              ? tr("No receiver selected.")
                              : tr("Cannot be driven: %1").arg(skipped.join(u"; "_s)));
        return 0;
    }
    const QString question = tr("%1 on %n receiver(s): %2?", nullptr, int(targets.size()))
                                 .arg(actionName(action), names.join(u", "_s));
    if (!m_confirm(question))
        return 0;
    for (Receiver *r : std::as_const(targets)) {
        switch (action) {
        case Action::Start:
            if (!r->isActive())
                r->start(r->settings());
            break;
        case Action::Stop:
            if (r->isActive())
                r->stop();
            break;
        case Action::Rotate:
            r->rotate();
            break;
        case Action::NewRun:
            r->newRun();
            break;
        }
    }
    m_status->setText(
        tr("%1 sent to %2.").arg(actionName(action), names.join(u", "_s)) +
        (skipped.isEmpty() ? QString() : tr(" Left out: %1.").arg(skipped.join(u"; "_s))));
    return int(targets.size());
}

QList<int> ReceiversPanel::selectedRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

void ReceiversPanel::updateButtons()
{
    const QList<int> rows = selectedRows();
    for (QPushButton *button : std::as_const(m_actionButtons))
        button->setEnabled(!rows.isEmpty());
    bool anyRemote = false;
    for (const int row : rows) {
        for (const Remote &remote : m_remotes)
            anyRemote = anyRemote || remote.receiver.get() == m_model.receiverAt(row);
    }
    m_remove->setEnabled(anyRemote);
}

void ReceiversPanel::removeSelected()
{
    const QList<int> rows = selectedRows();
    for (auto it = rows.crbegin(); it != rows.crend(); ++it) {
        Receiver *r = m_model.receiverAt(*it);
        const auto found =
            std::find_if(m_remotes.begin(), m_remotes.end(),
                         [r](const Remote &remote) { return remote.receiver.get() == r; });
        if (found == m_remotes.end())
            continue; // this computer's receiver stays
        Q_EMIT aboutToRemove(r);
        m_model.removeReceiverAt(*it);
        m_remotes.erase(found);
    }
    updateButtons();
    Q_EMIT entriesChanged();
}

Receiver *ReceiversPanel::askToAdd()
{
    QDialog dialog(this);
    dialog.setObjectName(u"addReceiverDialog"_s);
    dialog.setWindowTitle(tr("Add a receiver"));
    auto *form = new QFormLayout(&dialog);
    auto *name = new QLineEdit(&dialog);
    name->setObjectName(u"name"_s);
    auto *url = new QLineEdit(&dialog);
    url->setObjectName(u"url"_s);
    url->setPlaceholderText(u"http://daq-node-7:9100"_s);
    auto *token = new QLineEdit(&dialog);
    token->setObjectName(u"tokenFile"_s);
    token->setPlaceholderText(tr("a file holding its control token (optional)"));
    auto *ca = new QLineEdit(&dialog);
    ca->setObjectName(u"caFile"_s);
    ca->setPlaceholderText(tr("for https: its CA certificate file (optional)"));
    form->addRow(tr("Name"), name);
    form->addRow(tr("Status URL"), url);
    form->addRow(tr("Token file"), token);
    form->addRow(tr("CA file"), ca);
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(box);
    connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(box, &QDialogButtonBox::accepted, &dialog, [&] {
        QString error;
        if (addRemote({name->text().trimmed(), url->text().trimmed(), token->text().trimmed(),
                       ca->text().trimmed()},
                      &error))
            dialog.accept();
        else
            QMessageBox::warning(&dialog, tr("Add a receiver"), error);
    });
    if (dialog.exec() != QDialog::Accepted || m_remotes.empty())
        return nullptr;
    return m_remotes.back().receiver.get();
}

} // namespace capture

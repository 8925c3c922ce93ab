#include "ui/fleet/fleetmodel.h"

#include "core/capture/receiver.h"
#include "core/util/units.h"

#include <QBrush>
#include <QColor>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

constexpr int refreshIntervalMs = 250; // the engine's snapshot rate

QString contactText(const QDateTime &last)
{
    if (!last.isValid())
        return u"never"_s;
    const qint64 seconds = last.secsTo(QDateTime::currentDateTimeUtc());
    if (seconds < 2)
        return u"now"_s;
    if (seconds < 120)
        return u"%1 s ago"_s.arg(seconds);
    return u"%1 min ago"_s.arg(seconds / 60);
}

} // namespace

FleetModel::FleetModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_refresh.setInterval(refreshIntervalMs);
    connect(&m_refresh, &QTimer::timeout, this, &FleetModel::refresh);
    m_refresh.start();
}

void FleetModel::addReceiver(const QString &name, const QString &url, Receiver *receiver)
{
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
    m_rows.append({name, url, receiver});
    endInsertRows();
    connect(receiver, &QObject::destroyed, this, [this] {
        for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
            if (m_rows[row].receiver.isNull())
                removeReceiverAt(row);
        }
    });
}

void FleetModel::removeReceiverAt(int row)
{
    if (row < 0 || row >= m_rows.size())
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

Receiver *FleetModel::receiverAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].receiver.data() : nullptr;
}

QString FleetModel::nameAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].name : QString();
}

QString FleetModel::urlAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].url : QString();
}

quint64 FleetModel::dropsOf(const StatsSnapshot &s)
{
    return s.refusedNotAllowed + s.refusedOverLimit + s.idleClosed + s.tlsFailed +
           s.refusedProxyUntrusted + s.proxyFailed;
}

quint64 FleetModel::errorsOf(const StatsSnapshot &s)
{
    return s.writeErrors + s.filesLost + s.manifestErrors + s.handOffErrors + s.hooksFailed +
           s.hooksDropped;
}

StatsSnapshot FleetModel::combined() const
{
    StatsSnapshot sum;
    sum.time = QDateTime::currentDateTimeUtc();
    for (const Row &row : m_rows) {
        if (!row.receiver || !row.receiver->isActive())
            continue;
        const StatsSnapshot s = row.receiver->lastSnapshot();
        sum.totalBytes += s.totalBytes;
        sum.totalRate += s.totalRate;
        sum.activeConnections += s.activeConnections;
        sum.totalConnections += s.totalConnections;
        sum.filesClosed += s.filesClosed;
        sum.uptimeMs = std::max(sum.uptimeMs, s.uptimeMs);
    }
    return sum;
}

void FleetModel::refresh()
{
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    Q_EMIT refreshed();
}

int FleetModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FleetModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FleetModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows[index.row()];
    const Receiver *r = row.receiver.data();
    if (!r)
        return {};
    const StatsSnapshot s = r->lastSnapshot();
    const bool active = r->isActive();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name:
            return row.name;
        case Url:
            return row.url;
        case State:
            return runStateName(r->state());
        case Run:
            return r->runNumber();
        case Rate:
            return active ? formatRate(s.totalRate) : u"—"_s;
        case Bytes:
            return formatBytes(s.totalBytes);
        case Connections:
            return active ? s.activeConnections : 0;
        case Problems:
            return u"%1 / %2"_s.arg(errorsOf(s)).arg(dropsOf(s));
        case LastContact:
            return contactText(r->lastContact());
        }
    } else if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case State:
            return r->canControl() ? QVariant() : r->controlUnavailableReason();
        case Problems:
            return u"errors: %1 write, %2 files lost, %3 manifest lines lost, %4 not handed off, "
                   "%5 hooks failed, %6 dropped\ndrops: %7 not allowed, %8 over the limit, "
                   "%9 idle-closed, %10 TLS failed, %11 not from a balancer, %12 bad PROXY "
                   "header"_s.arg(s.writeErrors)
                       .arg(s.filesLost)
                       .arg(s.manifestErrors)
                       .arg(s.handOffErrors)
                       .arg(s.hooksFailed)
                       .arg(s.hooksDropped)
                       .arg(s.refusedNotAllowed)
                       .arg(s.refusedOverLimit)
                       .arg(s.idleClosed)
                       .arg(s.tlsFailed)
                       .arg(s.refusedProxyUntrusted)
                       .arg(s.proxyFailed);
        case LastContact:
            return r->lastContact().toLocalTime().toString(Qt::ISODate);
        default:
            return {};
        }
    } else if (role == Qt::ForegroundRole) {
        if (index.column() == Problems && errorsOf(s) > 0)
            return QBrush(QColor(0xb0, 0x20, 0x20));
        if (index.column() == LastContact &&
            (!r->lastContact().isValid() ||
             r->lastContact().secsTo(QDateTime::currentDateTimeUtc()) > 5))
            return QBrush(QColor(0xb0, 0x20, 0x20));
    } else if (role == Qt::TextAlignmentRole) {
        if (index.column() >= Run && index.column() <= Connections)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant FleetModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const names[] = {"Name",  "URL",  "State",          "Run",         "Rate",
                                        "Bytes", "Open", "Errors / drops", "Last contact"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace capture

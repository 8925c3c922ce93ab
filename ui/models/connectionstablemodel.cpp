#include "ui/models/connectionstablemodel.h"

#include "core/util/units.h"
#include "ui/models/modelroles.h"

#include <QApplication>
#include <QFileInfo>
#include <QPalette>

using namespace Qt::Literals::StringLiterals;

namespace capture {

ConnectionsTableModel::ConnectionsTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int ConnectionsTableModel::rowOf(quint64 id) const
{
    return m_rowOfId.value(id, -1);
}

ConnectionInfo ConnectionsTableModel::connectionAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row] : ConnectionInfo{};
}

void ConnectionsTableModel::addConnection(const ConnectionInfo &info)
{
    if (rowOf(info.id) >= 0)
        return;
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(info);
    m_rowOfId.insert(info.id, row);
    if (info.closed.isValid())
        ++m_closedCount;
    else
        m_idle.grew(info.id, info.opened); // first seen counts as growth when opened
    endInsertRows();
}

void ConnectionsTableModel::closeConnection(const ConnectionInfo &info)
{
    const int row = rowOf(info.id);
    if (row < 0) {
        addConnection(info); // closed before it was ever shown (e.g. the file could not be made)
    } else {
        if (!m_rows[row].closed.isValid())
            ++m_closedCount;
        m_rows[row] = info;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    m_rates.remove(info.id);
    m_idle.forget(info.id);
    if (m_closedCount > m_maxClosed)
        pruneClosed(QDateTime()); // only the cap here; retention is judged at snapshot time
}

void ConnectionsTableModel::updateFromSnapshot(const StatsSnapshot &snapshot)
{
    m_now = snapshot.time;
    const bool timed = snapshot.time.isValid();
    const qint64 ms = timed ? snapshot.time.toMSecsSinceEpoch() : 0;
    int first = -1;
    int last = -1;
    for (const ConnectionInfo &info : snapshot.connections) {
        const int row = rowOf(info.id);
        if (row < 0) {
            // Open before this view began (a receiver elsewhere it attached to): its row
            // starts here; the closed signal ends it as any other.
            addConnection(info);
            if (timed && !info.closed.isValid())
                m_rates.add(qint64(info.id), ms, info.bytesReceived, info.rate);
            continue;
        }
        ConnectionInfo &current = m_rows[row];
        if (current.closed.isValid())
            continue; // opened/closed signals own the row's lifetime
        if (timed && info.bytesReceived > current.bytesReceived)
            m_idle.grew(info.id, snapshot.time);
        current.bytesReceived = info.bytesReceived;
        current.bytesWritten = info.bytesWritten;
        // Averaged over the last second of snapshots (one 250 ms sample blinks).
        current.rate =
            timed ? m_rates.add(qint64(info.id), ms, info.bytesReceived, info.rate) : info.rate;
        current.file = info.file; // set with the connection's first byte
        first = first < 0 ? row : qMin(first, row);
        last = qMax(last, row);
        // Status only when it turns idle or active: Status is the default sort column, and a
        // signal for it makes the proxy re-sort (the tooltip's "for how long" is read live).
        if (m_idle.noteShown(info.id, isIdle(current)))
            Q_EMIT dataChanged(index(row, Status), index(row, Status));
    }
    // One signal for the span: thousands of open rows must not mean thousands of signals.
    if (first >= 0)
        Q_EMIT dataChanged(index(first, Duration), index(last, File));
    pruneClosed(m_now);
}

void ConnectionsTableModel::zeroRates()
{
    m_rates.clear();
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].rate == 0)
            continue;
        m_rows[row].rate = 0;
        Q_EMIT dataChanged(index(row, Rate), index(row, Rate));
    }
}

bool ConnectionsTableModel::isIdle(const ConnectionInfo &c) const
{
    return !c.closed.isValid() && m_idle.isIdle(c.id, m_now);
}

void ConnectionsTableModel::pruneClosed(const QDateTime &now)
{
    // Closed rows past their retention go, then the oldest closed rows over the cap.
    int excess = m_closedCount - m_maxClosed;
    QList<bool> remove(m_rows.size(), false);
    bool any = false;
    for (int row = 0; row < m_rows.size(); ++row) {
        const ConnectionInfo &info = m_rows[row];
        if (!info.closed.isValid())
            continue;
        const bool expired = now.isValid() && info.closed.msecsTo(now) > m_retentionMs;
        if (expired || excess > 0) {
            remove[row] = true;
            any = true;
            --excess;
        }
    }
    if (any)
        removeMarkedRows(remove);
}

void ConnectionsTableModel::removeMarkedRows(const QList<bool> &remove)
{
    // From the end, one contiguous run at a time, then the index is rebuilt once.
    for (int row = int(m_rows.size()) - 1; row >= 0;) {
        if (!remove[row]) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && remove[first - 1])
            --first;
        beginRemoveRows({}, first, row);
        for (int r = first; r <= row; ++r) {
            if (m_rows[r].closed.isValid())
                --m_closedCount;
        }
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }
    m_rowOfId.clear();
    for (int r = 0; r < m_rows.size(); ++r)
        m_rowOfId.insert(m_rows[r].id, r);
}

void ConnectionsTableModel::clearClosed()
{
    QList<bool> remove(m_rows.size(), false);
    for (int row = 0; row < m_rows.size(); ++row)
        remove[row] = m_rows[row].closed.isValid();
    removeMarkedRows(remove);
}

void ConnectionsTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOfId.clear();
    m_closedCount = 0;
    m_rates.clear();
    m_idle.clear();
    endResetModel();
}

int ConnectionsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConnectionsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ConnectionInfo &c = m_rows[index.row()];
    const auto column = Column(index.column());
    const bool closed = c.closed.isValid();
    const QDateTime end = closed ? c.closed : (m_now.isValid() ? m_now : c.opened);
    const qint64 durationMs = c.opened.isValid() ? qMax<qint64>(0, c.opened.msecsTo(end)) : 0;
    if (role == Qt::DisplayRole) {
        switch (column) {
        case Peer:
            return c.peerText();
        case Client:
            return c.tlsSubject;
        case LocalPort:
            return c.localPort;
        case Opened:
            return c.opened.toString(u"HH:mm:ss"_s);
        case Duration:
            return formatDuration(durationMs);
        case Bytes:
            return formatBytes(c.bytesReceived);
        case Rate:
            return closed ? QString() : formatRate(c.rate);
        case File:
            return QFileInfo(c.file).fileName();
        case Status:
            if (closed)
                return c.closeReason;
            return isIdle(c) ? m_idle.label(c.id) : tr("open");
        case ColumnCount:
            break;
        }
    } else if (role == RawValueRole) {
        switch (column) {
        case Peer:
            return c.peerText();
        case Client:
            return c.tlsSubject;
        case LocalPort:
            return c.localPort;
        case Opened:
            return c.opened.toMSecsSinceEpoch();
        case Duration:
            return durationMs;
        case Bytes:
            return c.bytesReceived;
        case Rate:
            return closed ? 0.0 : c.rate;
        case File:
            return c.file;
        case Status: {
            // Open first, most recently opened first; then closed, most recently closed first.
            constexpr qint64 closedBase = Q_INT64_C(1) << 50; // past any msecs since epoch
            return closed ? closedBase - c.closed.toMSecsSinceEpoch()
                          : -c.opened.toMSecsSinceEpoch();
        }
        case ColumnCount:
            break;
        }
    } else if (role == TieBreakRole) {
        return c.id;
    } else if (role == Qt::ForegroundRole && (closed || (column == Status && isIdle(c)))) {
        return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
    } else if (role == Qt::ToolTipRole) {
        if (column == Peer && !c.via.isEmpty())
            return tr("%1, through the load balancer %2 (PROXY protocol)").arg(c.peerText(), c.via);
        if (column == File)
            return c.file;
        if (column == Opened)
            return c.opened.toString(Qt::ISODateWithMs);
        if (column == Bytes) {
            QString text = tr("%1 bytes received").arg(c.bytesReceived);
            if (c.bytesWritten < c.bytesReceived)
                text += u'\n' + tr("%1 bytes not written").arg(c.bytesReceived - c.bytesWritten);
            return text;
        }
        if (column == Status && closed)
            return tr("closed at %1: %2").arg(c.closed.toString(u"HH:mm:ss"_s), c.closeReason);
        if (column == Status && isIdle(c))
            return m_idle.tooltip(c.id, m_now, tr("Open, but nothing received"));
    } else if (role == Qt::TextAlignmentRole) {
        if (column == LocalPort || column == Duration || column == Bytes || column == Rate)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant ConnectionsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole) {
        if (section == Rate)
            return tr("Receive rate, averaged over the last second");
        if (section == Status)
            return tr("Open connections first, most recent first; \"idle since\" when nothing "
                      "came for 5 s");
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Peer:
        return tr("Peer");
    case Client:
        return tr("TLS client");
    case LocalPort:
        return tr("Port");
    case Opened:
        return tr("Opened");
    case Duration:
        return tr("Duration");
    case Bytes:
        return tr("Bytes");
    case Rate:
        return tr("Rate");
    case File:
        return tr("File");
    case Status:
        return tr("Status");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace capture

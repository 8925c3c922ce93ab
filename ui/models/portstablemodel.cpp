#include "ui/models/portstablemodel.h"

#include "core/util/units.h"
#include "ui/models/modelroles.h"

#include <QApplication>
#include <QColor>
#include <QFileInfo>
#include <QPalette>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// The Refused column: connections closed before or instead of being recorded.
quint64 refusedTotal(const PortStats &p)
{
    return p.refusedNotAllowed + p.refusedOverLimit + p.idleClosed + p.tlsFailed +
           p.refusedProxyUntrusted + p.proxyFailed;
}

// RateWindow keys besides a row's key(): its datagrams, and the snapshot's total bytes.
constexpr qint64 datagramsKey = 0x100000;
constexpr qint64 totalKey = -1;
} // namespace

PortsTableModel::PortsTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

QString PortsTableModel::stateName(PortStats::State state)
{
    switch (state) {
    case PortStats::State::Listening:
        return tr("listening");
    case PortStats::State::Receiving:
        return tr("receiving");
    case PortStats::State::Error:
        return tr("error");
    case PortStats::State::Closed:
        return tr("closed");
    }
    return {};
}

void PortsTableModel::setPorts(const QList<quint16> &ports, const QList<quint16> &udpPorts)
{
    QList<PortStats> rows;
    for (const quint16 port : ports) {
        PortStats stats;
        stats.port = port;
        rows.append(stats);
    }
    for (const quint16 port : udpPorts) {
        PortStats stats;
        stats.port = port;
        stats.protocol = PortStats::Protocol::Udp;
        rows.append(stats);
    }
    setPortRows(rows);
}

void PortsTableModel::setPortRows(const QList<PortStats> &ports)
{
    beginResetModel();
    m_rows.clear();
    m_dropsGrew.clear();
    m_rowOfPort.clear();
    m_idle.clear();
    m_rates.clear();
    m_totalRate = 0;
    m_now = {};
    for (const PortStats &port : ports) {
        PortStats stats;
        stats.port = port.port;
        stats.protocol = port.protocol;
        m_rowOfPort.insert(key(stats.port, stats.protocol), int(m_rows.size()));
        m_rows.append(stats);
        m_dropsGrew.append(false);
    }
    endResetModel();
}

bool PortsTableModel::hasRowsOf(const QList<PortStats> &ports) const
{
    if (ports.size() != m_rows.size())
        return false;
    for (qsizetype i = 0; i < ports.size(); ++i) {
        if (ports[i].port != m_rows[i].port || ports[i].protocol != m_rows[i].protocol)
            return false;
    }
    return true;
}

void PortsTableModel::updateFromSnapshot(const StatsSnapshot &snapshot)
{
    // Rates from the cumulative counters over the last second; a snapshot without a time (as
    // some tests make) keeps the engine's single-sample rates.
    const bool timed = snapshot.time.isValid();
    const qint64 ms = timed ? snapshot.time.toMSecsSinceEpoch() : 0;
    if (timed) {
        m_now = snapshot.time;
        m_totalRate = m_rates.add(totalKey, ms, snapshot.totalBytes, snapshot.totalRate);
    } else {
        m_totalRate = snapshot.totalRate;
    }
    for (const PortStats &stats : snapshot.ports) {
        const int row = rowOfPort(stats.port, stats.protocol);
        if (row < 0)
            continue;
        PortStats shown = stats;
        if (timed) {
            const int k = key(stats.port, stats.protocol);
            shown.rate = m_rates.add(k, ms, stats.bytes, stats.rate);
            shown.datagramRate =
                m_rates.add(k | datagramsKey, ms, stats.datagrams, stats.datagramRate);
            // First seen counts as growth; then each snapshot with more bytes.
            if (!m_idle.hasGrown(row) || stats.bytes > m_rows[row].bytes)
                m_idle.grew(row, snapshot.time);
        }
        if (stats.state == PortStats::State::Closed)
            shown.rate = shown.datagramRate = 0; // stopped: nothing arrives any more
        const bool grew = stats.udpDropped > m_rows[row].udpDropped;
        const bool same = m_rows[row] == shown && m_dropsGrew[row] == grew;
        m_rows[row] = shown;
        m_dropsGrew[row] = grew;
        if (!m_idle.noteShown(row, isIdle(row)) && same)
            continue;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

void PortsTableModel::zeroRates()
{
    m_rates.clear();
    m_totalRate = 0;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].rate == 0 && m_rows[row].datagramRate == 0)
            continue;
        m_rows[row].rate = m_rows[row].datagramRate = 0;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

bool PortsTableModel::isIdle(int row) const
{
    return m_rows[row].state == PortStats::State::Receiving && m_idle.isIdle(row, m_now);
}

void PortsTableModel::setStartFailure(const QList<ListenFailure> &failures, const QString &reason)
{
    QStringList failed;
    for (const ListenFailure &failure : failures)
        failed.append(failure.protocol == PortStats::Protocol::Udp ? u"%1/udp"_s.arg(failure.port)
                                                                   : QString::number(failure.port));
    const QString notListening =
        failures.isEmpty()
            ? tr("Not listening: the capture did not start (%1)").arg(reason)
            : tr("Not listening: the capture did not start because port(s) %1 could not be "
                 "bound; no port is left bound")
                  .arg(failed.join(u", "_s));
    for (PortStats &row : m_rows) {
        row.state = PortStats::State::Closed;
        row.error = notListening;
        row.rate = 0;
        row.datagramRate = 0;
    }
    for (const ListenFailure &failure : failures) {
        const int row = rowOfPort(failure.port, failure.protocol);
        if (row < 0)
            continue;
        m_rows[row].state = PortStats::State::Error;
        m_rows[row].error = failure.reason;
    }
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

quint16 PortsTableModel::portAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].port : 0;
}

PortStats::Protocol PortsTableModel::protocolAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].protocol : PortStats::Protocol::Tcp;
}

int PortsTableModel::rowOfPort(quint16 port, PortStats::Protocol protocol) const
{
    return m_rowOfPort.value(key(port, protocol), -1);
}

int PortsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int PortsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PortsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const PortStats &p = m_rows[index.row()];
    const auto column = Column(index.column());
    const bool udp = p.protocol == PortStats::Protocol::Udp;
    if (role == Qt::DisplayRole) {
        switch (column) {
        case Port:
            return p.port;
        case Protocol:
            return protocolName(p.protocol);
        case DatagramRate:
            return udp ? QVariant(tr("%1/s").arg(qRound64(p.datagramRate))) : QVariant();
        case Dropped:
            return udp ? QVariant(p.udpDropped) : QVariant();
        case State:
            if (isIdle(index.row()))
                return m_idle.label(index.row());
            // A port closed by a failed start never listened: "closed" would say it had.
            return p.state == PortStats::State::Closed && !p.error.isEmpty() ? tr("not listening")
                                                                             : stateName(p.state);
        case Active:
            return p.activeConnections;
        case Total:
            return p.totalConnections;
        case Refused:
            return refusedTotal(p);
        case Bytes:
            return formatBytes(p.bytes);
        case Rate:
            return formatRate(p.rate);
        case File:
            return QFileInfo(p.currentFile).fileName();
        case ColumnCount:
            break;
        }
    } else if (role == RawValueRole) {
        switch (column) {
        case Port:
            return p.port;
        case Protocol:
            return int(p.protocol);
        case DatagramRate:
            return p.datagramRate;
        case Dropped:
            return p.udpDropped;
        case State:
            return int(p.state);
        case Active:
            return p.activeConnections;
        case Total:
            return p.totalConnections;
        case Refused:
            return refusedTotal(p);
        case Bytes:
            return p.bytes;
        case Rate:
            return p.rate;
        case File:
            return p.currentFile;
        case ColumnCount:
            break;
        }
    } else if (role == TieBreakRole) {
        return key(p.port, p.protocol);
    } else if (role == Qt::ForegroundRole) {
        if (column == Dropped && m_dropsGrew[index.row()])
            return QColor(Qt::red);
        if (column == State && isIdle(index.row())) // muted: connected, but nothing comes
            return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
    } else if (role == Qt::ToolTipRole) {
        if (column == Dropped && udp)
            return tr("%1 datagrams dropped by the kernel (receive buffer full), %2 cut by the "
                      "read buffer; %3 datagrams received")
                .arg(p.udpDropped)
                .arg(p.udpTruncated)
                .arg(p.datagrams);
        if (column == State && !p.error.isEmpty())
            return p.error;
        if (column == State && isIdle(index.row()))
            return m_idle.tooltip(index.row(), m_now, tr("Connected, but nothing received"));
        if (column == File && !p.currentFile.isEmpty())
            return p.currentFile;
        if (column == Bytes)
            return tr("%1 bytes").arg(p.bytes);
        if (column == Refused)
            return tr("%1 not in --allow, %2 over the connection limits, %3 closed after the "
                      "idle timeout, %4 failed TLS handshakes, %5 not from a --proxy-from "
                      "balancer, %6 without a valid PROXY header")
                .arg(p.refusedNotAllowed)
                .arg(p.refusedOverLimit)
                .arg(p.idleClosed)
                .arg(p.tlsFailed)
                .arg(p.refusedProxyUntrusted)
                .arg(p.proxyFailed);
    } else if (role == Qt::TextAlignmentRole) {
        if (column != State && column != File && column != Protocol)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant PortsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole) {
        if (section == Active)
            return tr("Connections open now");
        if (section == Total)
            return tr("Connections since the capture started");
        if (section == Refused)
            return tr("Connections refused (--allow, connection limits) or closed when idle");
        if (section == Rate)
            return tr("Receive rate, averaged over the last second");
        if (section == DatagramRate)
            return tr("UDP: datagrams per second, averaged over the last second");
        if (section == Dropped)
            return tr("UDP: datagrams the kernel dropped because the receive buffer was full "
                      "(red while it grows; raise --udp-buffer)");
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Port:
        return tr("Port");
    case Protocol:
        return tr("Protocol");
    case DatagramRate:
        return tr("Datagrams/s");
    case Dropped:
        return tr("Dropped");
    case State:
        return tr("State");
    case Active:
        return tr("Open");
    case Total:
        return tr("Total");
    case Refused:
        return tr("Refused");
    case Bytes:
        return tr("Bytes");
    case Rate:
        return tr("Rate");
    case File:
        return tr("Current file");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace capture

#pragma once

#include "core/capture/capturetypes.h"
#include "ui/models/idleclock.h"
#include "ui/models/ratewindow.h"

#include <QAbstractTableModel>

namespace capture {

/// The ports of a capture, one row each, updated from the engine's snapshots with
/// per-row dataChanged (never a reset while a capture runs), so selection and sorting survive.
/// Rates are averaged over the last second of snapshots (RateWindow); a port that is receiving
/// but got no new byte for IdleClock::afterMs reads "idle since HH:MM:SS".
class PortsTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Port,
        Protocol,
        State,
        Active,
        Total,
        Refused,
        Bytes,
        Rate,
        DatagramRate, ///< UDP: datagrams per second
        Dropped,      ///< UDP: datagrams the kernel dropped (red while it grows)
        File,
        ColumnCount
    };
    Q_ENUM(Column)

    explicit PortsTableModel(QObject *parent = nullptr);

    /// Starts a new capture's rows (the one place the model resets): the TCP ports, then the
    /// UDP ports (a port may be in both: a row each).
    void setPorts(const QList<quint16> &ports, const QList<quint16> &udpPorts = {});
    /// As setPorts(), with the rows of `ports` (TCP and UDP, in their order).
    void setPortRows(const QList<PortStats> &ports);
    void updateFromSnapshot(const StatsSnapshot &snapshot);
    /// The capture stopped: nothing arrives any more, every rate reads 0 (as the total).
    void zeroRates();
    /// The snapshots' total bytes per second, averaged as the rows' rates.
    double totalRate() const { return m_totalRate; }
    /// A start that failed: the ports that could not be bound read "error" (the reason in the
    /// state's tooltip), every other port "not listening" (nothing was left bound), with
    /// `reason` (or which ports failed) as the tooltip.
    void setStartFailure(const QList<ListenFailure> &failures, const QString &reason);

    quint16 portAt(int row) const;
    PortStats::Protocol protocolAt(int row) const;
    int rowOfPort(quint16 port, PortStats::Protocol protocol = PortStats::Protocol::Tcp) const;
    /// Whether the rows are `ports`' (port and protocol, in order).
    bool hasRowsOf(const QList<PortStats> &ports) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString stateName(PortStats::State state);

private:
    bool isIdle(int row) const;

    static int key(quint16 port, PortStats::Protocol protocol)
    {
        return int(port) | (protocol == PortStats::Protocol::Udp ? 0x10000 : 0);
    }

    QList<PortStats> m_rows;
    QList<bool> m_dropsGrew; ///< per row: the last snapshot had more drops than the one before
    QHash<int, int> m_rowOfPort;
    IdleClock<int> m_idle; ///< by row
    QDateTime m_now;       ///< the last snapshot's time
    RateWindow m_rates;    ///< keys: key() for bytes, key() | datagramsKey, totalKey
    double m_totalRate = 0;
};

} // namespace capture

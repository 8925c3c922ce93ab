#pragma once

#include "core/capture/capturetypes.h"
#include "ui/models/idleclock.h"
#include "ui/models/ratewindow.h"

#include <QAbstractTableModel>

namespace capture {

/// Open and recently closed connections. Open rows update from snapshots with per-row
/// dataChanged; closed rows stay (greyed, with their close reason) for a while or until
/// cleared, and their number is bounded. Rates are averaged over the last second of snapshots;
/// an open connection with no new byte for IdleClock::afterMs reads "idle since …".
/// The Status column sorts open connections first, most recent first, then closed ones, most
/// recently closed first (the window's default order).
class ConnectionsTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Peer,
        Client,
        LocalPort,
        Opened,
        Duration,
        Bytes,
        Rate,
        File,
        Status,
        ColumnCount
    };
    Q_ENUM(Column)

    explicit ConnectionsTableModel(QObject *parent = nullptr);

    /// How long a closed connection stays visible (default 5 minutes).
    void setClosedRetentionMs(qint64 ms) { m_retentionMs = ms; }
    /// At most this many closed rows are kept; the oldest go first (default 1000).
    void setMaxClosedRows(int rows) { m_maxClosed = rows; }

    void addConnection(const ConnectionInfo &info);
    void closeConnection(const ConnectionInfo &info);
    /// Updates open rows and drops closed rows past their retention (relative to `now`).
    void updateFromSnapshot(const StatsSnapshot &snapshot);
    void clearClosed();
    /// The capture stopped: the open rows' rates read 0.
    void zeroRates();
    void clear();

    int closedCount() const { return m_closedCount; }
    ConnectionInfo connectionAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void removeMarkedRows(const QList<bool> &remove);
    /// Drops closed rows over the cap, and with a valid `now` those past their retention.
    void pruneClosed(const QDateTime &now);
    int rowOf(quint64 id) const;
    bool isIdle(const ConnectionInfo &c) const;

    QList<ConnectionInfo> m_rows;
    QHash<quint64, int> m_rowOfId;
    QDateTime m_now;
    RateWindow m_rates;        ///< bytes received, by connection id
    IdleClock<quint64> m_idle; ///< open connections, by id
    qint64 m_retentionMs = 5 * 60 * 1000;
    int m_maxClosed = 1000;
    int m_closedCount = 0;
};

} // namespace capture

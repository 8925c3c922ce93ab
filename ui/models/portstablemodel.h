#pragma once

#include "core/capture/capturetypes.h"

#include <QAbstractTableModel>

namespace capture {

/// The ports of a capture, one row each, updated from the engine's snapshots with
/// per-row dataChanged (never a reset while a capture runs), so selection and sorting survive.
class PortsTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Port, State, Active, Total, Refused, Bytes, Rate, File, ColumnCount };
    Q_ENUM(Column)

    explicit PortsTableModel(QObject *parent = nullptr);

    /// Starts a new capture's rows (the one place the model resets).
    void setPorts(const QList<quint16> &ports);
    void updateFromSnapshot(const StatsSnapshot &snapshot);
    /// Marks ports that could not be bound; the reason becomes the state's tooltip.
    void setListenFailures(const QList<ListenFailure> &failures);

    quint16 portAt(int row) const;
    int rowOfPort(quint16 port) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString stateName(PortStats::State state);

private:
    QList<PortStats> m_rows;
    QHash<quint16, int> m_rowOfPort;
};

} // namespace capture

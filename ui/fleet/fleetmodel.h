#pragma once

#include "core/capture/capturetypes.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QTimer>

namespace capture {

class Receiver;

/// The Receivers panel's table: one row per receiver (this process's or one elsewhere, all
/// through the Receiver face), refreshed at the 4 Hz of the snapshots — one dataChanged for
/// all rows per tick, however many events arrive in between.
class FleetModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Name,
        Url,
        State,
        Run,
        Rate,
        Bytes,
        Connections,
        Problems,
        LastContact,
        ColumnCount
    };
    Q_ENUM(Column)

    explicit FleetModel(QObject *parent = nullptr);

    /// Adds a row for `receiver` (not owned; a row whose receiver is destroyed goes).
    void addReceiver(const QString &name, const QString &url, Receiver *receiver);
    void removeReceiverAt(int row);
    Receiver *receiverAt(int row) const;
    QString nameAt(int row) const;
    QString urlAt(int row) const;

    /// What all receivers add up to now (bytes, rate, connections, problems), for the
    /// combined graph; the time is now.
    StatsSnapshot combined() const;
    /// Refused, idle-closed and failed-TLS connections, and errors (write errors, files lost,
    /// manifest lines lost, hand-off errors, failed or dropped --on-file-closed commands).
    static quint64 dropsOf(const StatsSnapshot &snapshot);
    static quint64 errorsOf(const StatsSnapshot &snapshot);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// Once per refresh, after the rows were updated.
    void refreshed();

private:
    struct Row
    {
        QString name;
        QString url;
        QPointer<Receiver> receiver;
    };
    void refresh();

    QList<Row> m_rows;
    QTimer m_refresh;
};

} // namespace capture

#pragma once

#include "core/capture/capturetypes.h"
#include "ui/models/idleclock.h"

#include <QAbstractTableModel>
#include <QSet>

namespace capture {

/// The files of a capture: created, growing while written, then closed (with their SHA-256
/// and close reason), failed, or deleted by --max-files. At most 5000 rows (setMaxRows) are
/// kept: past that, the oldest finished files leave the table. A file being written whose size
/// did not grow for IdleClock::afterMs reads "idle since HH:MM:SS".
class FilesTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { File, Port, Size, State, CloseReason, Digest, Verified, ColumnCount };
    Q_ENUM(Column)

    explicit FilesTableModel(QObject *parent = nullptr);

    void addFile(const FileInfo &info);
    /// Closed, or failed (state Error with the reason): the row keeps its final size.
    void updateFile(const FileInfo &info);
    /// Deleted by --max-files: the row stays, shown as "deleted". Unknown paths are ignored.
    void markDeleted(const FileInfo &info);
    /// Lost (its directory went away, or it was deleted while written): shown as "lost", in
    /// the error colour, with the reason as tooltip.
    void markLost(const FileInfo &info);
    /// Live sizes of the files being written.
    void updateFromSnapshot(const StatsSnapshot &snapshot);
    void clear();
    /// A new capture starts: the rows so far stay, marked as the last run (greyed, "… (last
    /// run)"), until clearLastRun() or the next start; an earlier last run goes.
    void keepAsLastRun();
    void clearLastRun();
    bool hasLastRun() const { return !m_lastRunPaths.isEmpty(); }
    bool isLastRun(int row) const;
    /// Verify…'s result for the file at `absolutePath` ("OK", "MISMATCH", …), shown in the
    /// Verified column with `detail` as its tooltip, in the error colour when a `problem`.
    void setVerification(const QString &absolutePath, const QString &status, const QString &detail,
                         bool problem);
    /// Before a verification: drops earlier results and notes the rows' absolute paths.
    void clearVerifications();
    void setMaxRows(int rows) { m_maxRows = rows; }

    QString pathAt(int row) const;
    FileInfo fileAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString stateName(FileInfo::State state);

private:
    void markGone(const FileInfo &info, FileInfo::State state);
    void pruneFinished();
    /// Removes the last run's rows (a reset), keeping the row index right.
    void removeLastRunRows();
    bool isIdle(const FileInfo &f) const;

    struct Verification
    {
        QString status;
        QString detail;
        bool problem = false;
    };
    const Verification *verificationOf(const FileInfo &file) const;

    QList<FileInfo> m_rows;
    QHash<QString, Verification> m_verified; ///< by the row's path
    /// The rows' absolute paths (as Verify reports them) to their paths, made when a
    /// verification starts (clearVerifications()).
    QHash<QString, QString> m_pathOfAbsolute;
    QHash<QString, int> m_rowOfPath;
    int m_maxRows = 5000;
    IdleClock<QString> m_idle;    ///< files being written, by path
    QDateTime m_now;              ///< the last snapshot's time
    QSet<QString> m_lastRunPaths; ///< rows kept from the last run
};

} // namespace capture

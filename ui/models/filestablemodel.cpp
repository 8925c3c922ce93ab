#include "ui/models/filestablemodel.h"

#include "core/util/units.h"
#include "ui/models/modelroles.h"

#include <QApplication>
#include <QFileInfo>
#include <QFontDatabase>
#include <QPalette>

namespace capture {

QColor errorColor()
{
    const bool dark = QApplication::palette().color(QPalette::Base).lightness() < 128;
    return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc6, 0x28, 0x28);
}

FilesTableModel::FilesTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

QString FilesTableModel::stateName(FileInfo::State state)
{
    switch (state) {
    case FileInfo::State::Writing:
        return tr("writing");
    case FileInfo::State::Closed:
        return tr("closed");
    case FileInfo::State::Error:
        return tr("error");
    case FileInfo::State::Deleted:
        return tr("deleted");
    case FileInfo::State::Lost:
        return tr("lost");
    }
    return {};
}

void FilesTableModel::addFile(const FileInfo &info)
{
    if (m_rowOfPath.contains(info.path)) {
        updateFile(info);
        return;
    }
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(info);
    m_rowOfPath.insert(info.path, row);
    m_idle.grew(info.path, info.opened); // first seen counts as growth when opened
    endInsertRows();
    if (m_rows.size() > m_maxRows)
        pruneFinished();
}

void FilesTableModel::pruneFinished()
{
    // Files being written always stay; the oldest finished ones make room.
    qsizetype excess = m_rows.size() - m_maxRows;
    for (int row = 0; row < m_rows.size() && excess > 0;) {
        if (m_rows[row].state == FileInfo::State::Writing) {
            ++row;
            continue;
        }
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
        --excess;
    }
    m_rowOfPath.clear();
    for (int r = 0; r < m_rows.size(); ++r)
        m_rowOfPath.insert(m_rows[r].path, r);
    m_idle.forgetIf([this](const QString &path) { return !m_rowOfPath.contains(path); });
}

void FilesTableModel::keepAsLastRun()
{
    removeLastRunRows();
    for (const FileInfo &file : std::as_const(m_rows))
        m_lastRunPaths.insert(file.path);
    m_idle.unshowAll(); // nothing of the last run is live any more
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void FilesTableModel::clearLastRun()
{
    removeLastRunRows();
}

bool FilesTableModel::isLastRun(int row) const
{
    return row >= 0 && row < m_rows.size() && m_lastRunPaths.contains(m_rows[row].path);
}

void FilesTableModel::removeLastRunRows()
{
    if (m_lastRunPaths.isEmpty())
        return;
    beginResetModel();
    m_rows.removeIf([this](const FileInfo &file) { return m_lastRunPaths.contains(file.path); });
    for (const QString &path : std::as_const(m_lastRunPaths))
        m_idle.forget(path);
    m_lastRunPaths.clear();
    m_rowOfPath.clear();
    for (int row = 0; row < m_rows.size(); ++row)
        m_rowOfPath.insert(m_rows[row].path, row);
    endResetModel();
}

void FilesTableModel::updateFile(const FileInfo &info)
{
    const QString writtenAt = info.movedFrom.isEmpty() ? info.path : info.movedFrom;
    const int row = m_rowOfPath.value(writtenAt, -1);
    if (row < 0) {
        addFile(info);
        return;
    }
    if (writtenAt != info.path) { // handed on to --done-dir: the row follows the file
        m_rowOfPath.remove(writtenAt);
        m_rowOfPath.insert(info.path, row);
    }
    m_idle.unshow(writtenAt); // closed or failed: no longer idle
    FileInfo &current = m_rows[row];
    // A failure is final: a later "closed" report must not hide it.
    const bool keepError =
        current.state == FileInfo::State::Error && info.state != FileInfo::State::Error;
    const QString error = current.error;
    current = info;
    if (keepError) {
        current.state = FileInfo::State::Error;
        current.error = error;
    }
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void FilesTableModel::markDeleted(const FileInfo &info)
{
    markGone(info, FileInfo::State::Deleted);
}

void FilesTableModel::markLost(const FileInfo &info)
{
    markGone(info, FileInfo::State::Lost);
    const int row = m_rowOfPath.value(info.path, -1);
    if (row >= 0)
        m_rows[row].error = info.error;
}

void FilesTableModel::markGone(const FileInfo &info, FileInfo::State state)
{
    // A row already pruned (or from an earlier capture) is not brought back.
    const int row = m_rowOfPath.value(info.path, -1);
    if (row < 0 || m_rows[row].state == state)
        return;
    FileInfo &current = m_rows[row];
    current.state = state;
    if (current.digest.isEmpty())
        current.digest = info.digest;
    if (current.closeReason.isEmpty())
        current.closeReason = info.closeReason;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void FilesTableModel::updateFromSnapshot(const StatsSnapshot &snapshot)
{
    if (snapshot.time.isValid())
        m_now = snapshot.time;
    for (const FileInfo &info : snapshot.files) {
        const int row = m_rowOfPath.value(info.path, -1);
        if (row < 0 || m_rows[row].state != FileInfo::State::Writing)
            continue;
        const bool grew = info.bytes > m_rows[row].bytes;
        if (grew && snapshot.time.isValid())
            m_idle.grew(info.path, snapshot.time);
        const bool sizeChanged = m_rows[row].bytes != info.bytes;
        m_rows[row].bytes = info.bytes;
        // The state cell changes when the file turns idle or active again.
        if (!m_idle.noteShown(info.path, isIdle(m_rows[row])) && !sizeChanged)
            continue;
        Q_EMIT dataChanged(index(row, Size), index(row, State));
    }
}

bool FilesTableModel::isIdle(const FileInfo &f) const
{
    return f.state == FileInfo::State::Writing && m_idle.isIdle(f.path, m_now);
}

void FilesTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOfPath.clear();
    m_idle.clear();
    m_lastRunPaths.clear();
    m_now = {};
    endResetModel();
}

void FilesTableModel::setVerification(const QString &absolutePath, const QString &status,
                                      const QString &detail, bool problem)
{
    // Results come one per file, possibly thousands: one hash lookup each, no path work.
    const QString path = m_pathOfAbsolute.value(absolutePath);
    const int row = m_rowOfPath.value(path, -1);
    if (row < 0)
        return; // not in the table (pruned, another directory's): the log has it
    m_verified.insert(path, {status, detail, problem});
    Q_EMIT dataChanged(index(row, Verified), index(row, Verified));
}

void FilesTableModel::clearVerifications()
{
    m_verified.clear();
    m_pathOfAbsolute.clear();
    for (const FileInfo &file : std::as_const(m_rows))
        m_pathOfAbsolute.insert(QFileInfo(file.path).absoluteFilePath(), file.path);
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, Verified), index(int(m_rows.size()) - 1, Verified));
}

const FilesTableModel::Verification *FilesTableModel::verificationOf(const FileInfo &file) const
{
    const auto found = m_verified.constFind(file.path);
    return found == m_verified.cend() ? nullptr : &found.value();
}

QString FilesTableModel::pathAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].path : QString();
}

FileInfo FilesTableModel::fileAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row] : FileInfo{};
}

int FilesTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FilesTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FilesTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const FileInfo &f = m_rows[index.row()];
    const auto column = Column(index.column());
    if (role == Qt::DisplayRole) {
        switch (column) {
        case File: // as the manifest names it: with its --name-template sub-directories
            return f.name.isEmpty() ? QFileInfo(f.path).fileName() : f.name;
        case Port:
            return f.port;
        case Size:
            return formatBytes(f.bytes);
        case State:
            if (m_lastRunPaths.contains(f.path))
                return tr("%1 (last run)").arg(stateName(f.state));
            return isIdle(f) ? m_idle.label(f.path) : stateName(f.state);
        case CloseReason:
            return f.closeReason;
        case Digest:
            return f.digest.text(); // "xxh128 9c0e…": the algorithm, then the hex
        case Verified:
            if (const Verification *v = verificationOf(f))
                return v->status;
            return {};
        case ColumnCount:
            break;
        }
    } else if (role == RawValueRole) {
        switch (column) {
        case File:
            return f.path;
        case Port:
            return f.port;
        case Size:
            return f.bytes;
        case State:
            return int(f.state);
        case CloseReason:
            return f.closeReason;
        case Digest:
            return f.digest.hex;
        case Verified:
            if (const Verification *v = verificationOf(f))
                return v->status;
            return {};
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        if (column == File)
            return f.path;
        if (column == Size)
            return tr("%1 bytes").arg(f.bytes);
        if (column == State &&
            (f.state == FileInfo::State::Error || f.state == FileInfo::State::Lost))
            return f.error;
        if (column == State && isIdle(f))
            return m_idle.tooltip(f.path, m_now, tr("Open, but it has not grown"));
        if (column == State && f.state == FileInfo::State::Deleted)
            return tr("Deleted to keep the maximum number of files (--max-files)");
        if (column == Digest && !f.digest.isEmpty())
            return tr("%1 of the contents; check the file with: %2 %3")
                .arg(hashAlgorithmName(f.digest.algorithm), hashCheckCommand(f.digest.algorithm),
                     QFileInfo(f.path).fileName());
        if (column == Digest && f.state == FileInfo::State::Closed)
            return tr("Not hashed (--hash none)");
        if (column == CloseReason && !f.closeReason.isEmpty())
            return f.closeReason;
        if (column == Verified) {
            if (const Verification *v = verificationOf(f))
                return v->detail;
            return tr("Not verified (Verify… re-hashes the closed files)");
        }
    } else if (role == Qt::ForegroundRole) {
        if (column == Verified) {
            const Verification *v = verificationOf(f);
            if (v && v->problem)
                return errorColor();
        }
        if ((f.state == FileInfo::State::Error || f.state == FileInfo::State::Lost) &&
            column == State)
            return errorColor();
        if (f.state == FileInfo::State::Deleted || (column == State && isIdle(f)) ||
            m_lastRunPaths.contains(f.path))
            return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
    } else if (role == Qt::FontRole) {
        if (column == Digest)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    } else if (role == Qt::TextAlignmentRole) {
        if (column == Port || column == Size)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant FilesTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case File:
        return tr("File");
    case Port:
        return tr("Port");
    case Size:
        return tr("Size");
    case State:
        return tr("State");
    case CloseReason:
        return tr("Close reason");
    case Digest:
        return tr("Digest");
    case Verified:
        return tr("Verified");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace capture

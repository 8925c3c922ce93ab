#pragma once

#include <QString>

#include <sys/types.h>

namespace capture {

/// The output directory of a run, watched for being deleted, moved or replaced while files are
/// written into it: it is held open, and its identity (device, inode) and link count are
/// compared with what the path leads to now.
class OutputDirectory
{
public:
    OutputDirectory() = default;
    ~OutputDirectory();
    OutputDirectory(const OutputDirectory &) = delete;
    OutputDirectory &operator=(const OutputDirectory &) = delete;

    /// Creates `path` (and its parents) if needed and holds it open.
    bool open(const QString &path, QString *error);
    void close();
    QString path() const { return m_path; }

    enum class Change {
        None,
        Deleted, ///< removed (rm -rf): whatever it held is gone
        Moved,   ///< renamed away, or another directory (or file) now has its name
    };
    /// What happened to the directory since open(); cheap (one fstat, one stat).
    Change check() const;
    /// "deleted" / "moved or replaced".
    static QString describe(Change change);

private:
    QString m_path;
    int m_fd = -1;
    dev_t m_device = 0;
    ino_t m_inode = 0;
};

/// Creates `path` and its missing parents (0755); false with the reason if it cannot, or if
/// `path` is something other than a directory.
bool makeDirectory(const QString &path, QString *error);

} // namespace capture

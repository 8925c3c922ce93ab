#pragma once

#include "core/capture/outputdirectory.h"
#include "core/manifest/manifest.h"

#include <QList>
#include <QMap>
#include <QObject>

namespace capture {

/// The output directory of one run, watched: deleted, moved or replaced during the run, the
/// files this run wrote into it are lost. Keeps those files (by name) as they would be
/// reported; files --max-files deleted are not among them.
class RunDirectory : public QObject
{
    Q_OBJECT

public:
    explicit RunDirectory(QObject *parent = nullptr);

    /// Creates `path` if needed and watches it.
    bool open(const QString &path, QString *error);
    /// Stops watching (a directory that cannot be made again).
    void close() { m_directory.close(); }
    QString path() const { return m_directory.path(); }

    /// Checks the directory; true when it was lost. Then lost() has been emitted and handled
    /// (and while it is handled, every check says true). Called at every file open and close
    /// and periodically.
    bool check();
    /// lost() is being handled: files closed now are the lost directory's.
    bool isLosing() const { return m_losing; }

    /// A closed file of this run is in the directory.
    void addFile(const LostFile &file) { m_files.insert(file.file, file); }
    /// It was deleted (--max-files).
    void removeFile(const QString &name) { m_files.remove(name); }
    /// The files recorded so far, which are no longer recorded.
    QList<LostFile> takeFiles();

Q_SIGNALS:
    /// The directory went away. Handled at once (direct connection): the handler closes the
    /// open files (they are recorded here), takes the files, makes the directory again.
    void lost(capture::OutputDirectory::Change change);

private:
    OutputDirectory m_directory;
    QMap<QString, LostFile> m_files;
    bool m_losing = false;
};

} // namespace capture

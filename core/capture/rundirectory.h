#pragma once

#include "core/capture/outputdirectory.h"
#include "core/manifest/manifest.h"

#include <QList>
#include <QMap>
#include <QObject>

namespace capture {

class CaptureEvents;
struct RunCounters;

/// The output directory of one run and the run's record in its manifest. Watched: deleted,
/// moved or replaced during the run, the files this run wrote into it are lost; they are
/// reported, and the directory and its manifest are made again. Keeps those files (by name)
/// as they would be reported; files --max-files deleted are not among them.
class RunDirectory : public QObject
{
    Q_OBJECT

public:
    RunDirectory(ManifestWriter &manifest, RunCounters &counters, CaptureEvents &events,
                 QObject *parent = nullptr);

    /// Creates `path` if needed and watches it.
    bool open(const QString &path, QString *error);
    QString path() const { return m_directory.path(); }

    /// Writes `line` into the manifest; one it can neither write nor keep is counted and
    /// reported.
    void appendToManifest(const QByteArray &line);
    /// The run's first manifest line: written now, and again into a manifest made anew.
    void startRecord(const QByteArray &runStartLine);
    /// Warns once about what a crash left in the directory (unlisted files, runs that never
    /// stopped) and about another receiver recording there now.
    void warnAboutLeftovers();

    /// Checks the directory; true when it was lost. Then it has been handled: lost() was
    /// emitted (while it is handled, every check says true), the files are reported lost, the
    /// directory is made again. Called at every file open and close and periodically.
    bool check();
    /// lost() is being handled: files closed now are the lost directory's.
    bool isLosing() const { return m_losing; }

    /// A closed file of this run is in the directory.
    void addFile(const LostFile &file) { m_files.insert(file.file, file); }
    /// It was deleted (--max-files).
    void removeFile(const QString &name) { m_files.remove(name); }
    /// One file was deleted while it was written (`reason`): reported lost.
    void reportDeletedWhileWritten(const LostFile &file, const QString &reason);

Q_SIGNALS:
    /// The directory went away (`reason`). Handled at once (direct connection): the open files
    /// are closed (they are recorded here as lost), and --max-files forgets the closed ones.
    void lost(const QString &reason);

private:
    void reportLost(const QList<LostFile> &files, const QString &reason);

    ManifestWriter &m_manifest;
    RunCounters &m_counters;
    CaptureEvents &m_events;
    OutputDirectory m_directory;
    QMap<QString, LostFile> m_files;
    QByteArray m_runStartLine;
    bool m_losing = false;
};

} // namespace capture

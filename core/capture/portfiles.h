#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/capture/runparts.h"
#include "core/manifest/manifest.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <memory>
#include <vector>

namespace capture {

class FileSeries;
class FileSink;
class Retention;
class Session;

/// The files of one port: a FileSeries for the port (split=port) or for each connection,
/// their names (unique within the run), and what happens when one opens or closes (the
/// manifest, --max-files, the run's events). Counts the files it opened.
class PortFiles : public QObject
{
    Q_OBJECT

public:
    /// `sessions` are the port's open connections (the listener's), read to find their files.
    PortFiles(quint16 port, const CaptureSettings &settings, const RunParts &parts,
              const std::vector<Session *> &sessions, QObject *parent = nullptr);

    /// Where a new connection from `peer` writes: the port's series, or a new one.
    std::shared_ptr<FileSeries> seriesFor(const QHostAddress &peer, quint16 peerPort);
    /// A connection of `series` ended: its file closes with `reason` unless it is the port's
    /// or another connection still writes to it.
    void release(const std::shared_ptr<FileSeries> &series, const QString &reason);
    /// Writing to `series` failed: if it is the port's, the next connection starts a new file.
    void writeFailed(const std::shared_ptr<FileSeries> &series);
    /// Closes the port's shared file (split=port) once no connection writes to it.
    void closePortFile();

    /// UDP --split connection: keeps a source's `series` among the port's files, so that
    /// rotation, --rotate-interval and the open files reach it (no session holds it).
    void keep(const std::shared_ptr<FileSeries> &series) { m_kept.push_back(series); }
    /// Closes the kept series' files with `reason` and forgets them (at the stop).
    void closeKept(const QString &reason);
    /// Closes one kept series' file with `reason` and forgets it (a source gone idle or failed).
    void closeKept(const std::shared_ptr<FileSeries> &series, const QString &reason);

    /// --rotate-interval: closes the files whose interval has ended.
    void checkIntervals(qint64 nowMs);
    /// Closes every open file with `reason`; their connections go on into new files.
    void closeOpenFiles(const QString &reason);
    /// Closes the open files that were deleted while being written (reported as lost).
    void closeDeletedFiles();
    /// The output directory was lost: its closed files are no business of --max-files now.
    void forgetClosedFiles();

    /// The file being written now, as the port's state shows it.
    QString currentFile() const;
    void appendOpenFiles(QList<FileInfo> *out) const;
    int filesOpened() const { return m_filesOpened; }

private:
    void onFileOpened(const FileSink &sink);
    void onFileClosed(ManifestFile record, FileInfo info);
    void appendManifest(const QByteArray &line);
    int openFileCount() const;
    /// The series that have a file open now (the port's, or its connections').
    std::vector<std::shared_ptr<FileSeries>> openSeries() const;
    /// `base` the first time this run asks for it, then base_2, base_3, …, skipping names a file
    /// has: a name deleted by --max-files (or moved by --done-dir) is never given to another
    /// file of the run (the manifest names files).
    QString uniqueFileName(const QString &base, qint64 second);

    quint16 m_port;
    const CaptureSettings &m_settings;
    RunParts m_parts;
    const std::vector<Session *> &m_sessions;
    Retention *m_retention;                     ///< --max-files
    std::shared_ptr<FileSeries> m_portSeries;   // split=port: the files every connection appends to
    const QString m_host;                       // {host}
    quint64 m_seq = 0;                          // {seq} of the last file named
    qint64 m_seqRun = -1;                       // the run number m_seq counts in
    static constexpr int maxNameNumber = 10000; // then FileSink's own numbering takes over
    QString m_lastNameBase;                     // what uniqueFileName() was last asked for
    int m_lastNameNumber = 0;                   // its number before that
    QHash<QString, int> m_namesUsed;            // the last number given to each name (this second)
    qint64 m_namesSecond = 0;
    int m_filesOpened = 0;
    std::vector<std::shared_ptr<FileSeries>> m_kept; ///< keep(): UDP sources' series
};

} // namespace capture

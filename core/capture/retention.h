#pragma once

#include "core/capture/capturetypes.h"

#include <QObject>

#include <deque>

namespace capture {

class ManifestWriter;
class RunDirectory;
struct RunCounters;

/// --max-files for one port: keeps the port's closed files, oldest first, and deletes the
/// oldest while the port has more files than allowed; each deletion is recorded in the
/// manifest.
class Retention : public QObject
{
    Q_OBJECT

public:
    /// `maxFiles` 0: keeps every file.
    Retention(quint16 port, int maxFiles, ManifestWriter &manifest, RunCounters &counters,
              RunDirectory &directory, QObject *parent = nullptr);

    /// A file of the port was closed (and recorded).
    void fileClosed(const FileInfo &info);
    /// Deletes the oldest closed files while they and the `openFiles` are more than allowed.
    void enforce(int openFiles);
    /// The output directory was lost: its closed files are no business of --max-files now.
    void forgetClosedFiles() { m_closedFiles.clear(); }

Q_SIGNALS:
    void fileDeleted(const capture::FileInfo &info);
    void warningRaised(const QString &message);
    void errorRaised(const QString &message);

private:
    quint16 m_port;
    int m_maxFiles;
    ManifestWriter &m_manifest;
    RunCounters &m_counters;
    RunDirectory &m_directory;
    std::deque<FileInfo> m_closedFiles; // closed, not deleted, oldest first
};

} // namespace capture

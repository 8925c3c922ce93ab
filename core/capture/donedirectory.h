#pragma once

#include "core/capture/capturetypes.h"
#include "core/manifest/record.h"

#include <QString>

namespace capture {

/// --done-dir: where closed files are handed on. A closed file is moved there with rename(2),
/// keeping its name relative to the output directory (sub-directories are made as needed; a
/// name that is taken gets _2, _3, … as in the output directory, nothing is replaced), so that
/// whoever watches the directory only ever sees complete files.
class DoneDirectory
{
public:
    /// Makes `doneDir` (with its parents) and checks that it is on the file system of
    /// `outputDir` (which exists): rename(2) cannot cross file systems. False with one line
    /// saying why.
    bool open(const QString &outputDir, const QString &doneDir, QString *error);

    /// Moves the file `record` names from the output directory here, and updates `record`
    /// (its name, doneDir) and `info` (path, name). False with the reason, the file left where
    /// it was.
    bool moveIn(ManifestFile *record, FileInfo *info, QString *error) const;

    QString path() const { return m_path; }

private:
    /// After `name` (relative to the output directory) moved out: its directories below the
    /// output directory that are now empty.
    void removeEmptyDirectories(const QString &name) const;

    QString m_outputDir;
    QString m_path; ///< absolute
};

} // namespace capture

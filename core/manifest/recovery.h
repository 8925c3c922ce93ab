#pragma once

#include <QString>

#include <functional>

namespace capture {

/// What `capture-receiver recover DIR` did (or found it could not do).
struct RecoverSummary
{
    QString error;      ///< nothing was done: the directory or its manifest is unusable, or a
                        ///< receiver is recording there now
    int adopted = 0;    ///< unlisted files given a manifest line
    int runsClosed = 0; ///< runs that never stopped, given a stop line
    int failed = 0;     ///< unlisted files that could not be read (left unlisted)
};

/// Adopts what a crash left in `dir`: each file the manifest does not name gets a line with
/// its size and digest as found on disk (with the --hash of the manifest's last run; xxh128
/// when that was none) and "close_reason": "recovered", and each run that
/// never stopped gets a stop line marked "recovered". The files are only read, never changed.
/// `report` gets one line per file or run ("ADOPTED  name: …").
RecoverSummary recoverDirectory(const QString &dir,
                                const std::function<void(const QString &line)> &report);

} // namespace capture

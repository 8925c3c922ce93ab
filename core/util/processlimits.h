#pragma once

#include <QtGlobal>

namespace capture {

/// The most files this process may have open (the hard RLIMIT_NOFILE).
quint64 openFileHardLimit();

/// The most files this process may have open now (the soft RLIMIT_NOFILE).
quint64 openFileSoftLimit();

/// Raises the open-files soft limit to the hard limit; returns the new soft limit.
quint64 raiseOpenFileLimit();

/// Open files a capture of `portCount` ports needs at least: a listening socket, one
/// connection and one file per port, plus a reserve for the process itself.
quint64 openFilesNeeded(qsizetype portCount);

} // namespace capture

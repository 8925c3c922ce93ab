#pragma once

#include <QtGlobal>

namespace capture {

/// The counts one engine run keeps over all its ports: connection ids and open connections
/// (for --max-connections), and what the stop summary and the snapshots report.
struct RunCounters
{
    qint64 runNumber = 0; ///< --run now (a new run adds one)
    quint64 nextConnectionId = 1;
    int openConnections = 0; ///< accepted and not yet closed, over all ports (--max-connections)
    quint64 filesClosed = 0;
    quint64 writeErrors = 0;
    int manifestErrors = 0;
    quint64 handOffErrors = 0; ///< closed files that could not be moved to --done-dir
    quint64 filesLost = 0;
    /// Connections a stop closed with data still unread because the volume was at its margin.
    int leftUnreadConnections = 0;
    quint64 leftUnreadBytes = 0;
};

} // namespace capture

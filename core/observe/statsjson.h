#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QJsonObject>

namespace capture {

/// One port's figures as /status and the stats events give them (the same names in both).
QJsonObject portStatsJson(const PortStats &port);

/// One port's entry in /status: its figures, its current file and error.
QJsonObject portStatusJson(const PortStats &port);

/// One open connection's entry in /status.
QJsonObject connectionStatusJson(const ConnectionInfo &connection);

/// One open file's entry in /status ("open_files").
QJsonObject openFileStatusJson(const FileInfo &file);

/// The run's totals as /status ("totals") and the stats events ("total") give them.
QJsonObject totalsJson(const StatsSnapshot &snapshot);

/// One port's figures at the end of a run, as the "stopped" event gives them.
QJsonObject portSummaryJson(const PortSummary &port);

/// The run's figures at its end, its ports' included, as the "stopped" event gives them.
/// An --on-file-closed command's end, as the hook_finished event says it.
QJsonObject hookResultJson(const HookResult &result);

QJsonObject stopSummaryJson(const StopSummary &summary);

} // namespace capture

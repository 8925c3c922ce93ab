#pragma once

#include "capturetypes.h"

#include <QJsonObject>

namespace capture {

/// One port's figures as /status and the stats events give them (the same names in both).
QJsonObject portStatsJson(const PortStats &port);

/// The run's totals as /status ("totals") and the stats events ("total") give them.
QJsonObject totalsJson(const StatsSnapshot &snapshot);

} // namespace capture

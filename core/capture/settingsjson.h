#pragma once

#include "core/capture/capturesettings.h"

#include <QJsonObject>

namespace capture {

/// The settings of a run, as the manifest's run lines and /status give them.
QJsonObject settingsJson(const CaptureSettings &settings);

} // namespace capture

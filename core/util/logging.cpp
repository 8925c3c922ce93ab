#include "core/util/logging.h"

namespace capture {
Q_LOGGING_CATEGORY(lcCore, "capture.core", QtInfoMsg)
} // namespace capture

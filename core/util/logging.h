#pragma once

#include <QLoggingCategory>

namespace capture {
Q_DECLARE_LOGGING_CATEGORY(lcCore)
} // namespace capture

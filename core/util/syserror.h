#pragma once

#include <QString>

namespace capture {

/// The operating system's message for an errno value ("No space left on device"),
/// safe to call from any thread.
QString systemErrorString(int error);

} // namespace capture

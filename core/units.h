#pragma once

#include <QString>

namespace capture {

/// "0 B", "1.5 KiB", "12.3 MiB", … (powers of 1024, as file managers show sizes).
QString formatBytes(quint64 bytes);

/// "12.3 MB/s" style rates (powers of 1000, as network tools show them).
QString formatRate(double bytesPerSecond);

/// "1.234 s", "2 min 03 s", "1 h 02 min".
QString formatDuration(qint64 ms);

} // namespace capture

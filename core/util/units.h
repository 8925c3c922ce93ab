#pragma once

#include <QString>

#include <optional>

namespace capture {

/// "0 B", "1.5 KiB", "12.3 MiB", … (powers of 1024, as file managers show sizes).
QString formatBytes(quint64 bytes);

/// "12.3 MB/s" style rates (powers of 1000, as network tools show them).
QString formatRate(double bytesPerSecond);

/// "1.234 s", "2 min 03 s", "1 h 02 min".
QString formatDuration(qint64 ms);

/// Parses a size: a whole number with an optional suffix K, M, G or T (powers of 1024, upper
/// or lower case, an optional trailing "B" or "iB": "512", "64K", "1.5G" is refused). Nothing
/// if malformed, zero, or over 2^62.
std::optional<quint64> parseSize(const QString &text);

/// Parses a duration: a whole number with a unit s, m, h or d ("90s", "15m", "1h", "1d"; a
/// bare number is seconds). Nothing if malformed, zero, or over 366 days.
std::optional<qint64> parseDurationSeconds(const QString &text);

/// "1G", "64M", "1000" — the shortest exact spelling parseSize() reads back.
QString formatSizeSpec(quint64 bytes);

/// "1h", "15m", "90s" — the shortest exact spelling parseDurationSeconds() reads back.
QString formatDurationSpec(qint64 seconds);

/// Parses seconds as given to --drain-timeout or --idle-timeout (and capture-replay's
/// timeouts): "2", "0.5", "0"; up to three decimals, at most a week. Nothing if malformed.
std::optional<int> parseSecondsToMs(const QString &text);

} // namespace capture

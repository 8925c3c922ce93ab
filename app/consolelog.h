#pragma once

#include "core/observe/eventlog.h"

#include <QString>

/// The process's log output: one line per message on stderr, each starting with an ISO-8601
/// timestamp and a level, and appended to a log file when one is given. When stderr is the
/// systemd journal (JOURNAL_STREAM), lines carry a priority prefix instead of a timestamp.
namespace ConsoleLog {

/// Installs the Qt message handler. Returns false with `error` set if the log file cannot
/// be opened for appending.
bool install(const QString &logFile, QString *error);

/// Flushes and closes the log file.
void shutdown();

/// Writes one engine event line at its level (category capture.events).
void write(capture::CaptureEventLog::Level level, const QString &text);

} // namespace ConsoleLog

#pragma once

#include "core/capture/receiver.h"

#include <QObject>

namespace capture {

/// Turns a receiver's events into the log lines every front end shows (console, desktop
/// log panel), so both say the same thing in the same words.
class CaptureEventLog : public QObject
{
    Q_OBJECT

public:
    enum class Level { Debug, Info, Warning, Error };
    Q_ENUM(Level)

    explicit CaptureEventLog(Receiver *receiver, QObject *parent = nullptr);

    static QString levelName(Level level);

Q_SIGNALS:
    void entryAdded(capture::CaptureEventLog::Level level, const QString &text);

private:
    void add(Level level, const QString &text) { Q_EMIT entryAdded(level, text); }
    void onStarted();
    void onStartFailed(const QList<capture::ListenFailure> &failures, const QString &reason);
    void onConnectionClosed(const capture::ConnectionInfo &info);
    void onFileClosed(const capture::FileInfo &info);
    void onStopped(const capture::StopSummary &summary);

    Receiver *m_receiver;
};

} // namespace capture

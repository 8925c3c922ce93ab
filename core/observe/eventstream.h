#pragma once

#include "core/capture/receiver.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace capture {

/// --events: every event of a receiver as one JSON object per line ({"time": …, "event":
/// "connection_opened", …}), each line one write(2) — flushed as it happens, so
/// `tail -f FILE | jq` follows a capture. Kinds: started, listening, listen_failed,
/// start_failed, connection_opened, connection_closed, file_opened, file_closed, file_deleted,
/// write_error, warning, error, drain_started, stats (every stats interval), stopped.
class EventStream : public QObject
{
    Q_OBJECT

public:
    explicit EventStream(QObject *parent = nullptr);
    ~EventStream() override;

    /// Opens `path` for appending (created 0640), or standard output for "-". False with a
    /// one-line reason naming the file.
    bool open(const QString &path, QString *error);

    /// Follows `receiver`; a stats event every `statsIntervalMs` while capturing (0: none).
    void attach(Receiver *receiver, int statsIntervalMs);

    /// Lines that could not be written (a full disk, a closed pipe).
    int writeErrors() const { return m_writeErrors; }

Q_SIGNALS:
    /// Every event, as its JSON object (compact, no newline); with or without a file open.
    void eventProduced(const QString &kind, const QByteArray &json);

private:
    void emitEvent(const QString &kind, QJsonObject fields);
    void emitStats();

    Receiver *m_receiver = nullptr;
    int m_fd = -1;
    bool m_ownsFd = false;
    QString m_path;
    int m_writeErrors = 0;
    QTimer m_statsTimer;
};

} // namespace capture

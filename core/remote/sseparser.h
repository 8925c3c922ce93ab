#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace capture {

/// A Server-Sent Events (text/event-stream) parser as the HTML standard describes it: fed the
/// bytes as they arrive, in chunks cut anywhere, it gives the complete events. Lines end in
/// CRLF, LF or CR; a line starting with ':' is a comment; "data" lines join with '\n'; an
/// "id" line sets the last event id even without data; an empty line ends an event, and an
/// event without data is not dispatched. Pure: no sockets, no Qt objects.
class SseParser
{
public:
    struct Event
    {
        QString type{QStringLiteral("message")}; ///< the "event" field, "message" when absent
        QByteArray data;                         ///< the "data" lines, joined with '\n'
        QByteArray id;                           ///< the last event id when it was dispatched
        bool hasId = false;                      ///< this event carried an "id" line itself

        bool operator==(const Event &) const = default;
    };

    /// Takes the next bytes; returns the events they completed, oldest first.
    QList<Event> feed(const QByteArray &bytes);

    /// The last event id ("id" field) seen so far, as a reconnect sends it in Last-Event-ID.
    QByteArray lastEventId() const { return m_lastEventId; }
    /// The "retry" field's reconnection time in milliseconds, if one came.
    std::optional<qint64> retryMs() const { return m_retryMs; }

    /// Forgets a half-received line and event (a new connection); the last event id stays.
    void resetStream();

private:
    void processLine(const QByteArray &line, QList<Event> *out);

    QByteArray m_line;           ///< the incomplete line so far
    bool m_afterCr = false;      ///< the last byte was a CR: an LF right after it is skipped
    bool m_startOfStream = true; ///< a UTF-8 byte order mark at the very start is skipped
    QByteArray m_data;
    QString m_type;
    bool m_eventHasId = false;
    QByteArray m_lastEventId;
    std::optional<qint64> m_retryMs;
};

} // namespace capture

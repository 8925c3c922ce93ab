#pragma once

#include <QByteArray>
#include <QString>

#include <deque>

namespace capture {

/// The last events of a receiver, for event-stream clients that reconnect (Last-Event-ID):
/// each gets an id (1, 2, …, increasing for the life of the process); at most `capacity` are
/// kept, the oldest dropped first.
class EventHistory
{
public:
    explicit EventHistory(std::size_t capacity = 10000)
        : m_capacity(capacity)
    {}

    /// Keeps the event and returns its id.
    quint64 append(const QString &kind, const QByteArray &json);

    /// One event as a Server-Sent Events message: "id: N\nevent: KIND\ndata: JSON\n\n".
    static QByteArray message(quint64 id, const QString &kind, const QByteArray &json);

    /// The messages of the events after `lastId`, oldest first; when some of them are no
    /// longer kept, a "gap" event ({"lost": N}, without an id) comes first.
    QByteArray since(quint64 lastId) const;

    quint64 lastId() const { return m_nextId - 1; }

private:
    struct Event
    {
        quint64 id;
        QString kind;
        QByteArray json;
    };
    std::size_t m_capacity;
    std::deque<Event> m_events;
    quint64 m_nextId = 1;
};

} // namespace capture

#include "core/observe/eventhistory.h"

namespace capture {

quint64 EventHistory::append(const QString &kind, const QByteArray &json)
{
    const quint64 id = m_nextId++;
    m_events.push_back({id, kind, json});
    while (m_events.size() > m_capacity)
        m_events.pop_front();
    return id;
}

QByteArray EventHistory::message(quint64 id, const QString &kind, const QByteArray &json)
{
    return "id: " + QByteArray::number(id) + "\nevent: " + kind.toUtf8() + "\ndata: " + json +
           "\n\n";
}

QByteArray EventHistory::since(quint64 lastId) const
{
    QByteArray out;
    const quint64 oldest = m_events.empty() ? m_nextId : m_events.front().id;
    if (lastId + 1 < oldest)
        out += "event: gap\ndata: {\"lost\":" + QByteArray::number(oldest - lastId - 1) + "}\n\n";
    for (const Event &e : m_events) {
        if (e.id > lastId)
            out += message(e.id, e.kind, e.json);
    }
    return out;
}

} // namespace capture

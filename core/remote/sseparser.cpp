#include "core/remote/sseparser.h"

namespace capture {

QList<SseParser::Event> SseParser::feed(const QByteArray &bytes)
{
    QList<Event> out;
    if (bytes.isEmpty())
        return out;
    qsizetype at = 0;
    if (m_afterCr && !bytes.isEmpty() && bytes.front() == '\n')
        at = 1; // the LF of a CRLF cut between two chunks
    m_afterCr = false;
    while (at < bytes.size()) {
        const qsizetype end = [&] {
            for (qsizetype i = at; i < bytes.size(); ++i) {
                if (bytes[i] == '\n' || bytes[i] == '\r')
                    return i;
            }
            return qsizetype(-1);
        }();
        if (end < 0) {
            m_line += bytes.mid(at);
            break;
        }
        m_line += bytes.mid(at, end - at);
        if (m_startOfStream) {
            if (m_line.startsWith("\xEF\xBB\xBF"))
                m_line.remove(0, 3);
            m_startOfStream = false;
        }
        processLine(m_line, &out);
        m_line.clear();
        at = end + 1;
        if (bytes[end] == '\r') {
            if (at < bytes.size() && bytes[at] == '\n')
                ++at;
            else if (at == bytes.size())
                m_afterCr = true;
        }
    }
    return out;
}

void SseParser::resetStream()
{
    m_line.clear();
    m_afterCr = false;
    m_startOfStream = true;
    m_data.clear();
    m_type.clear();
    m_eventHasId = false;
}

void SseParser::processLine(const QByteArray &line, QList<Event> *out)
{
    if (line.isEmpty()) { // dispatch
        if (!m_data.isEmpty()) {
            Event event;
            if (!m_type.isEmpty())
                event.type = m_type;
            event.data = m_data.chopped(1); // the '\n' after the last data line
            event.id = m_lastEventId;
            event.hasId = m_eventHasId;
            out->append(event);
        }
        m_data.clear();
        m_type.clear();
        m_eventHasId = false;
        return;
    }
    if (line.front() == ':')
        return; // a comment (the server's greeting, keep-alives)
    const qsizetype colon = line.indexOf(':');
    const QByteArray field = colon < 0 ? line : line.left(colon);
    QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
    if (value.startsWith(' '))
        value.remove(0, 1);
    if (field == "data") {
        m_data += value + '\n';
    } else if (field == "event") {
        m_type = QString::fromUtf8(value);
    } else if (field == "id") {
        if (!value.contains('\0')) {
            m_lastEventId = value;
            m_eventHasId = true;
        }
    } else if (field == "retry") {
        bool ok = false;
        const qint64 ms = value.toLongLong(&ok);
        if (ok && ms >= 0 && !value.startsWith('+'))
            m_retryMs = ms;
    }
}

} // namespace capture

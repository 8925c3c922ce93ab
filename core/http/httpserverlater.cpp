#include "core/http/httpserverclient.h"

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

// HttpServer's answers that come later than the request: deferred answers and event streams.

namespace capture {

using namespace httpserver;

bool HttpServer::answer(quint64 id, const HttpResponse &response)
{
    const auto found = std::find_if(m_clients.begin(), m_clients.end(),
                                    [id](const auto &client) { return client->id == id; });
    if (found == m_clients.end() || (*found)->state != Client::State::Waiting)
        return false;
    Client *client = found->get();
    client->state = Client::State::Reading;
    client->lastActivity = ++m_activity;
    send(client, response, client->waitingHead, client->waitingKeepAlive);
    if (!client->waitingKeepAlive) {
        startClosing(client, {});
        return true;
    }
    client->timer->start(m_requestTimeoutMs);
    if (queuedOutput(client) > maxPendingOutput)
        client->paused = true;
    serve(client); // requests that came behind it
    return true;
}

void HttpServer::broadcast(QByteArrayView chunk)
{
    for (const auto &client : m_clients) {
        if (client->state != Client::State::Streaming)
            continue;
        const qint64 waiting = queuedOutput(client.get());
        client->streamGrace = std::min(client->streamGrace, waiting);
        if (waiting + chunk.size() > maxStreamBacklog + client->streamGrace) {
            evict(client.get(), u"event stream not read: dropped with %1 bytes waiting"_s.arg(
                                    queuedOutput(client.get())));
            continue;
        }
        client->socket->write(chunk.data(), chunk.size());
    }
}

int HttpServer::streamingClientCount() const
{
    return int(std::count_if(m_clients.begin(), m_clients.end(), [](const auto &client) {
        return client->state == Client::State::Streaming;
    }));
}

} // namespace capture

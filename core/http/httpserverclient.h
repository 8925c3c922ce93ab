#pragma once

// What httpserver.cpp and httpserverlater.cpp share of HttpServer's inside: its bounds and
// one client's state. Not for use outside core/http.

#include "core/http/httpserver.h"

#include <QByteArray>
#include <QSslSocket>
#include <QString>
#include <QTcpSocket>
#include <QTimer>

namespace capture {

namespace httpserver {

constexpr qsizetype requestHeadLimit = 8192;
// A client's further requests wait unread while more than this of its responses is queued.
constexpr qint64 maxPendingOutput = qint64(1024) * 1024;
constexpr qint64 resumeBelowOutput = maxPendingOutput / 2;
// What Qt buffers from one socket before it stops reading it: a full head and some slack.
constexpr qint64 socketReadBufferSize = qint64(16) * 1024;
// An event stream's kernel send buffer (Linux doubles it for its own bookkeeping).
constexpr qint64 streamSendBuffer = qint64(64) * 1024;
// How long a closing connection may take to read its last response and hang up.
constexpr int maxLingerMs = 2000;

} // namespace httpserver

struct HttpServer::Client
{
    /// Streaming: answered with an event stream, which goes on until either side closes.
    /// Waiting: its handler answers later (HttpResponse::deferred); nothing more is read.
    enum class State { Reading, Waiting, Streaming, Closing, Dead };

    quint64 id = 0;
    QTcpSocket *socket = nullptr;
    QSslSocket *tls = nullptr; // the same socket, with HTTPS
    QTimer *timer = nullptr;   // request deadline; while closing, the linger deadline
    QString peer;              // address:port, for messages
    QString peerAddress;       // the address alone
    QByteArray input;          // received and not answered yet
    quint64 served = 0;
    State state = State::Reading;
    bool paused = false; // too much output queued: requests wait unread
    bool busy = false;   // inside serve(); the handler might run a nested event loop
    bool writeShutDown = false;
    bool overLimit = false;   // let in over the client limit; holds no place until admitted
    quint64 lastActivity = 0; // HttpServer::m_activity when it last sent or took bytes
    // An event stream's first answer (the replayed history) may be larger than
    // maxStreamBacklog: what of it still waits is allowed on top of the bound.
    qint64 streamGrace = 0;
    // While Waiting: how the deferred answer goes out.
    bool waitingHead = false;
    bool waitingKeepAlive = false;
};

} // namespace capture

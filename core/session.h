#pragma once

#include "capturetypes.h"

#include <QObject>
#include <QPointer>

#include <memory>
#include <vector>

class QTcpSocket;

namespace capture {

class FileSink;

/// One accepted connection: moves every byte it receives into its FileSink, in order.
/// Lives in the engine's worker thread. The socket's read buffer is bounded, so a slow
/// sink slows the sender through TCP flow control instead of piling data up in memory.
class Session : public QObject
{
    Q_OBJECT

public:
    /// Takes ownership of `socket`. `readBuffer` is the engine's scratch buffer, shared by all
    /// sessions of the thread (reads are never concurrent).
    Session(quint64 id, QTcpSocket *socket, std::shared_ptr<FileSink> sink,
            std::vector<char> *readBuffer, QObject *parent = nullptr);
    ~Session() override;

    quint64 id() const { return m_info.id; }
    const std::shared_ptr<FileSink> &sink() const { return m_sink; }
    bool isFinished() const { return m_finished; }

    /// A copy of the connection's state, with the rate of the last period.
    ConnectionInfo info() const { return m_info; }
    quint64 bytesReceived() const { return m_info.bytesReceived; }

    /// Updates the rate from the bytes received since the last call.
    void tick(double seconds);

    /// Reads what the socket buffer and the kernel already hold (bounded by what was queued
    /// when called), then closes with `reason`.
    void finishAfterFinalRead(const QString &reason);

    /// Moves what Qt already buffered to the file, then closes at once with `reason`.
    void finish(const QString &reason);

Q_SIGNALS:
    /// The sink failed; `reason` is the operating system's message. finished() follows.
    void writeFailed(capture::Session *session, const QString &reason);
    /// The connection is closed; info() holds its final state. Emitted once.
    void finished(capture::Session *session);

private:
    void onReadyRead();
    void onDisconnected();
    /// Moves buffered bytes to the sink; returns false after a write failure.
    bool pump();

    QPointer<QTcpSocket> m_socket;
    std::shared_ptr<FileSink> m_sink;
    std::vector<char> *m_buffer;
    ConnectionInfo m_info;
    quint64 m_bytesAtLastTick = 0;
    QString m_socketError;
    bool m_finished = false;
};

} // namespace capture

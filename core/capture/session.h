#pragma once

#include "core/capture/capturetypes.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>
#include <vector>

namespace capture {

class FileSeries;
class ReadSource;

/// One accepted TCP connection: moves every byte it receives into its FileSeries, in order.
/// Lives in the engine's worker thread. It reads the socket descriptor directly into the
/// engine's one shared buffer and writes each chunk out before reading the next, so no
/// connection holds unwritten data in memory: when the disk is slower than the sender, the
/// kernel's socket buffer fills and TCP flow control slows the sender.
class Session : public QObject
{
    Q_OBJECT

public:
    /// Reads from `source` (a descriptor, or a TLS connection whose handshake is done).
    /// `origin` is who it is from (the socket's peer, or the client a PROXY header names) and
    /// the verified TLS client's subject, if any. `readBuffer` is the engine's scratch buffer,
    /// shared by all sessions of the thread (reads never overlap).
    Session(quint64 id, std::unique_ptr<ReadSource> source, const ConnectionOrigin &origin,
            std::shared_ptr<FileSeries> series, std::vector<char> *readBuffer,
            QObject *parent = nullptr);
    ~Session() override;

    quint64 id() const { return m_info.id; }
    const std::shared_ptr<FileSeries> &series() const { return m_series; }

    /// A copy of the connection's state, with the rate of the last period.
    ConnectionInfo info() const;
    quint64 bytesReceived() const { return m_info.bytesReceived; }

    /// Updates the rate from the bytes received since the last call.
    void tick(double seconds);

    /// Milliseconds since the peer last sent anything (or since the connection opened).
    qint64 idleMs() const { return m_lastData.elapsed(); }

    /// Stops (or resumes) reading; while stopped the data waits in the kernel and TCP slows
    /// the sender.
    void setPaused(bool paused);

    /// Reads what the kernel already holds for this connection (bounded by what was queued
    /// when called, so a peer that keeps sending cannot hold up a stop), then closes with
    /// `reason` (or "peer closed" if the peer's close was among it).
    void finishAfterFinalRead(const QString &reason);

    /// Closes at once with `reason`. Nothing read is lost: every chunk is written as it is read.
    void finish(const QString &reason);

    /// Reads what is there now, as if the socket had signalled it (a peer that has closed is
    /// finished). Unless reading is paused.
    void readNow() { onReadable(); }
    /// After waitingForFile(): tries again to open a file and read.
    void retryFile();
    bool isWaitingForFile() const { return m_waitingForFile; }
    bool isFinished() const { return m_finished; }
    /// Bytes the kernel still held for this connection when a stop closed it while reading was
    /// paused (--min-free-space): never read, so never lost inside the receiver, but not
    /// recorded either. 0 otherwise.
    quint64 leftUnread() const { return m_leftUnread; }
    /// Closed without sending a byte (a port scan, a health check): no file was made for it.
    /// Not so for a connection whose data was left unread (no file could be opened, or the
    /// volume was at its margin).
    bool sentNothing() const
    {
        return m_info.bytesReceived == 0 && m_leftUnread == 0 && !m_closedUnrecorded;
    }

Q_SIGNALS:
    /// The file failed; `reason` is the operating system's message. finished() follows.
    void writeFailed(capture::Session *session, const QString &reason);
    /// Data arrived but no file can be opened for it while the process is out of descriptors:
    /// the session stops reading (its data waits in the kernel) until retryFile().
    void waitingForFile(capture::Session *session, const QString &reason);
    /// The connection sent data but no file could be created for it: it is closed with
    /// `reason`, its data unread. finished() follows.
    void fileUnavailable(capture::Session *session, const QString &reason);
    /// The connection's first byte was written: info().file names its file now.
    void recordingStarted(capture::Session *session);
    /// The connection is closed; info() holds its final state. Emitted once.
    void finished(capture::Session *session);

private:
    enum class ReadOutcome { Drained, BudgetUsed, PeerClosed, Failed, WaitingForFile, NoFile };

    void onReadable();
    /// Reads and writes until the socket has nothing more, up to `budget` bytes.
    /// With `stopWhenPaused`, stops early once reading is paused (--min-free-space).
    ReadOutcome readAvailable(qint64 budget, bool stopWhenPaused);
    /// Before a read while the series has no file: whether data is there (a file is then
    /// opened for it), the peer closed without any, or nothing is there yet.
    ReadOutcome prepareFile();
    void updateWatching();
    /// Data came but no file could be made for it: reported, closed with the data unread.
    void closeUnrecorded(const QString &reason);

    std::unique_ptr<ReadSource> m_source;
    bool m_paused = false;
    bool m_waitingForFile = false;
    std::shared_ptr<FileSeries> m_series;
    std::vector<char> *m_buffer;
    ConnectionInfo m_info;
    quint64 m_bytesAtLastTick = 0;
    QElapsedTimer m_lastData;
    QString m_error;
    bool m_finished = false;
    quint64 m_leftUnread = 0;
    bool m_closedUnrecorded = false; // closed with data it could not record (no file)
};

} // namespace capture

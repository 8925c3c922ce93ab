#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>

class QSocketNotifier;
class QSslSocket;

namespace capture {

/// What one read from a connection gave: data, nothing now, the end of the stream, or an
/// error with its reason. A value: nothing is passed on the side (no errno).
struct ReadResult
{
    enum class Kind { Data, WouldBlock, Eof, Error };

    Kind kind = Kind::WouldBlock;
    qint64 bytes = 0; ///< with Data: how many were read (> 0)
    QString error;    ///< with Error: the reason, as the connection's close reason

    static ReadResult data(qint64 bytes) { return {Kind::Data, bytes, {}}; }
    static ReadResult wouldBlock() { return {Kind::WouldBlock, 0, {}}; }
    static ReadResult eof() { return {Kind::Eof, 0, {}}; }
    static ReadResult failure(const QString &reason) { return {Kind::Error, 0, reason}; }
};

/// Where a session's bytes come from: a plain descriptor or a TLS connection. Emits readable()
/// when there may be something to read (data, the end, an error).
class ReadSource : public QObject
{
    Q_OBJECT

public:
    ~ReadSource() override = default;

    virtual ReadResult read(char *data, qint64 capacity) = 0;
    /// Without consuming anything: Data when bytes are there, Eof when the peer closed without
    /// more, WouldBlock when nothing is known yet (an error is reported by the next read()).
    virtual ReadResult::Kind peek() = 0;
    /// Bytes queued for reading now (what a final read takes).
    virtual qint64 queued() = 0;
    /// Whether readable() is wanted: off while the session does not read.
    virtual void setWatching(bool watching) = 0;
    /// Reading may go on after a pause: a source that buffers data itself announces what it
    /// holds, since nothing else will.
    virtual void announceBuffered() = 0;
    /// Closes the connection.
    virtual void close() = 0;

    QHostAddress peerAddress() const { return m_peerAddress; }
    quint16 peerPort() const { return m_peerPort; }
    quint16 localPort() const { return m_localPort; }

Q_SIGNALS:
    void readable();

protected:
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    quint16 m_localPort = 0;
};

/// A connected, non-blocking descriptor, read with read(2) straight into the caller's buffer.
class DescriptorSource : public ReadSource
{
    Q_OBJECT

public:
    /// Takes ownership of `fd`.
    explicit DescriptorSource(int fd);
    ~DescriptorSource() override;

    ReadResult read(char *data, qint64 capacity) override;
    ReadResult::Kind peek() override;
    qint64 queued() override;
    void setWatching(bool watching) override;
    void announceBuffered() override {}
    void close() override;

private:
    int m_fd;
    QSocketNotifier *m_notifier;
};

/// A TLS connection whose handshake is done: its decrypted bytes.
class TlsSource : public ReadSource
{
    Q_OBJECT

public:
    /// Takes `socket` (reparented).
    explicit TlsSource(QSslSocket *socket);
    ~TlsSource() override;

    ReadResult read(char *data, qint64 capacity) override;
    ReadResult::Kind peek() override;
    qint64 queued() override;
    void setWatching(bool) override {}
    void announceBuffered() override;
    void close() override;

private:
    QSslSocket *m_socket;
};

} // namespace capture

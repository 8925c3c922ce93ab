#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QHostAddress>
#include <QObject>

#include <optional>
#include <vector>

class QSslSocket;

namespace capture {

class RefusalLog;
struct RunCounters;

/// The TLS handshakes in progress on one port. A connection gets its file and session only
/// once its handshake has succeeded (established()); one that fails or is not done within
/// --tls-handshake-timeout is closed, counted and reported like a refusal.
class TlsHandshakes : public QObject
{
    Q_OBJECT

public:
    /// Decrypted data wait in a socket only up to `readBufferSize`; beyond it TCP holds the
    /// sender back.
    TlsHandshakes(quint16 port, const CaptureSettings &settings, qint64 readBufferSize,
                  RunCounters &counters, RefusalLog &log, QObject *parent = nullptr);

    /// Starts the server side of the handshake on the accepted, non-blocking `fd` from
    /// `origin`.
    void start(int fd, quint64 id, const ConnectionOrigin &origin);
    /// Closes every handshake in progress with `reason`.
    void abortAll(const QString &reason);

    int count() const { return int(m_handshakes.size()); }
    quint64 failed() const { return m_failed; }

Q_SIGNALS:
    /// The handshake of connection `id` succeeded: `socket` is the receiver's to take.
    /// `origin` is the one given to start(), with the verified client certificate's subject
    /// if the peer was verified.
    void established(QSslSocket *socket, quint64 id, const capture::ConnectionOrigin &origin);

private:
    void onEncrypted(QSslSocket *socket);
    struct Handshake
    {
        QSslSocket *socket;
        quint64 id;
        ConnectionOrigin origin;
    };

    /// Removes `socket` from the handshakes in progress; its handshake, or nothing if it was
    /// already done with.
    std::optional<Handshake> take(QSslSocket *socket);
    void fail(QSslSocket *socket, const QString &reason);
    void countFailure(const QString &from, const QString &reason);

    quint16 m_port;
    const CaptureSettings &m_settings;
    qint64 m_readBufferSize;
    RunCounters &m_counters;
    RefusalLog &m_log;
    std::vector<Handshake> m_handshakes;
    quint64 m_failed = 0;
};

} // namespace capture

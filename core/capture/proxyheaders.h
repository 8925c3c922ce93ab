#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QObject>

namespace capture {

class RefusalLog;

/// --proxy-protocol: the PROXY headers being read on one port. Each accepted connection (from
/// an address in --proxy-from) is read up to the end of its header and not a byte further, so
/// what follows (the stream, or a TLS handshake) stays in the socket for whoever takes the
/// connection next. A connection whose header is partial, malformed, oversized, of an unknown
/// version or not complete within --handshake-timeout is closed, counted and reported like a
/// refusal; no file is made for it.
class ProxyHeaders : public QObject
{
    Q_OBJECT

public:
    ProxyHeaders(quint16 port, const CaptureSettings &settings, RefusalLog &log,
                 QObject *parent = nullptr);
    ~ProxyHeaders() override;

    /// Starts reading the header of the accepted, non-blocking `fd`.
    void start(int fd);
    /// At a stop: takes the headers that have arrived by now (received() is emitted for
    /// them before this returns) and closes the connections still without one.
    void finishAll();

    int count() const { return int(m_pending.size()); }
    quint64 failed() const { return m_failed; }
    /// Connections closed or reset before sending a byte (health checks: no header, no file).
    quint64 closedEmpty() const { return m_closedEmpty; }

Q_SIGNALS:
    /// The header of `fd` has been read (and only it): `origin` is who the connection is from.
    void received(int fd, const capture::ConnectionOrigin &origin);

private:
    class Pending;
    void read(Pending *pending);
    void fail(Pending *pending, const QString &reason);
    void closeEmpty(Pending *pending);
    void remove(Pending *pending);

    quint16 m_port;
    const CaptureSettings &m_settings;
    RefusalLog &m_log;
    std::vector<Pending *> m_pending;
    quint64 m_failed = 0;
    quint64 m_closedEmpty = 0;
};

} // namespace capture

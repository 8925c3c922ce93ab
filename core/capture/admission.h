#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <functional>

namespace capture {

struct RunCounters;

/// Lines about connections closed before they got a file (refused at accept, failed TLS
/// handshakes): at most one a second per port, so that a flood cannot flood the log; the
/// next line says how many were left out.
class RefusalLog : public QObject
{
    Q_OBJECT

public:
    /// `what` is refused: "connection(s)", or a UDP port's "datagram(s)".
    explicit RefusalLog(quint16 port, QObject *parent = nullptr,
                        const QString &what = QStringLiteral("connection(s)"));

    void report(const QString &line);
    /// As report(), with the line made only when it is logged (a flood of refused datagrams
    /// must not format a line each).
    void report(const std::function<QString()> &makeLine);
    /// At a stop: says how many were left out since the last line, if any.
    void flush();

Q_SIGNALS:
    void warningRaised(const QString &message);

private:
    quint16 m_port;
    QString m_what;
    QElapsedTimer m_lastReport;
    quint64 m_notReported = 0;
};

/// Which connection limit a new connection would pass with `openOnPort` open on its port
/// ("--max-connections-per-port 4 reached", "--max-connections 100 reached"); empty if none.
QString connectionLimitReached(const CaptureSettings &settings, const RunCounters &counters,
                               int openOnPort);

/// Who may connect to one port: --proxy-from, --allow, --max-connections and
/// --max-connections-per-port. A connection refused is closed at once, counted and reported
/// to the RefusalLog.
class Admission
{
public:
    Admission(quint16 port, const CaptureSettings &settings, const RunCounters &counters,
              RefusalLog &log);

    /// --proxy-protocol: whether the peer of `fd` may send a PROXY header (--proxy-from); if
    /// not, it is refused. A peer already gone (reset before it is looked at: a balancer's
    /// health check) is trusted here; its header read finds it closed.
    bool checkProxyTrusted(int fd);
    /// Whether `origin`, the client of `fd`, is allowed (--allow); if not, `fd` is refused.
    bool checkAllowed(int fd, const ConnectionOrigin &origin);
    /// Whether a limit is reached with `openOnPort` connections open on the port.
    bool isFull(int openOnPort) const;
    /// Whether a connection may be taken with `openOnPort` open; if not, `fd` is refused.
    bool checkLimits(int fd, const ConnectionOrigin &origin, int openOnPort);

    quint64 refusedNotAllowed() const { return m_refusedNotAllowed; }
    quint64 refusedOverLimit() const { return m_refusedOverLimit; }
    quint64 refusedProxyUntrusted() const { return m_refusedProxyUntrusted; }

private:
    void refuse(int fd, const QString &from, const QString &reason, quint64 *counter);

    quint16 m_port;
    const CaptureSettings &m_settings;
    const RunCounters &m_counters;
    RefusalLog &m_log;
    quint64 m_refusedNotAllowed = 0;
    quint64 m_refusedOverLimit = 0;
    quint64 m_refusedProxyUntrusted = 0;
};

} // namespace capture

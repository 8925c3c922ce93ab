#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/runparts.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>

#include <functional>
#include <memory>

#include <sys/socket.h>

namespace capture {

class FileSeries;
class PortFiles;
class RefusalLog;

/// The senders of one UDP port: which series each datagram goes to (the port's, or with
/// --split connection its source address:port's), who may send (--allow), how many sources
/// may have a file open at once (--max-connections-per-port, and with the TCP connections
/// --max-connections), and the closing of a source's file after --idle-timeout without a
/// datagram. A datagram refused is counted and reported (rate-limited), never written.
class UdpSources
{
public:
    UdpSources(quint16 port, const CaptureSettings &settings, const RunParts &parts,
               PortFiles *files, RefusalLog *log);
    ~UdpSources();
    UdpSources(const UdpSources &) = delete;
    UdpSources &operator=(const UdpSources &) = delete;

    struct Target
    {
        FileSeries *series = nullptr; ///< nullptr: refused (counted)
        quint64 id = 0;               ///< its connection id in the manifest
    };
    /// Where a datagram from `source` goes; `nowMs` is the time of its batch.
    Target route(const sockaddr_storage &source, qint64 nowMs);
    /// --idle-timeout with --split connection: closes the files of sources silent that long.
    /// `beforeClose` is told of each first.
    void closeIdle(qint64 nowMs, const std::function<void(FileSeries *)> &beforeClose);
    /// Writing to `series` failed: it is closed with `reason`, the next datagram starts anew.
    void writeFailed(FileSeries *series, const QString &reason);
    /// At the stop: every source's file closes ("stopped").
    void closeAll();
    /// The port's series (--split port), if it has one.
    FileSeries *portSeries() const { return m_shared.series.get(); }

    int open() const;                       ///< sources with a series now
    quint64 seen() const { return m_seen; } ///< sources that got a series (split connection)
    quint64 refusedNotAllowed() const { return m_refusedNotAllowed; }
    quint64 refusedOverLimit() const { return m_refusedOverLimit; }
    quint64 idleClosed() const { return m_idleClosed; }

private:
    struct Source
    {
        std::shared_ptr<FileSeries> series;
        quint64 id = 0;
        qint64 lastSeenMs = 0;
    };
    Source newSource(const QHostAddress &peer, quint16 peerPort, const QString &peerText);
    /// Whether `source` may send (--allow); remembered per address:port.
    bool allowed(const QByteArray &key, const sockaddr_storage &source);
    void refuse(const sockaddr_storage &source, const QString &reason, quint64 *counter);
    void forget(QHash<QByteArray, Source>::iterator it, const QString &reason);

    quint16 m_port;
    const CaptureSettings &m_settings;
    RunParts m_parts;
    PortFiles *m_files;
    RefusalLog *m_log;
    Source m_shared;                     ///< --split port: the port's series
    QHash<QByteArray, Source> m_sources; ///< --split connection: per source address:port
    QHash<QByteArray, bool> m_allowed;   ///< --allow's answer per source (bounded)
    QByteArray m_lastKey;                ///< the last source routed (most datagrams repeat it)
    Source *m_last = nullptr;
    quint64 m_seen = 0;
    quint64 m_refusedNotAllowed = 0;
    quint64 m_refusedOverLimit = 0;
    quint64 m_idleClosed = 0;
};

/// The source of a datagram as an address (an IPv4-mapped one as IPv4) and port.
std::pair<QHostAddress, quint16> datagramSource(const sockaddr_storage &sa);

} // namespace capture

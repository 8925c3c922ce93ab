#pragma once

#include "core/util/digest.h"

#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QMetaType>
#include <QString>

namespace capture {

/// A port as the engine sees it. Plain values; safe to copy across threads.
struct PortStats
{
    enum class State { Listening, Receiving, Error, Closed };

    quint16 port = 0;
    State state = State::Listening;
    QString error; ///< reason when state is Error
    int activeConnections = 0;
    quint64 totalConnections = 0;
    quint64 bytes = 0;             ///< bytes received on this port since start
    double rate = 0;               ///< bytes per second over the last snapshot period
    QString currentFile;           ///< path of the file being written, if any
    int files = 0;                 ///< files created for this port since start
    quint64 refusedNotAllowed = 0; ///< connections closed at accept: peer not in --allow
    quint64 refusedOverLimit = 0;  ///< closed at accept: over --max-connections(-per-port)
    quint64 idleClosed = 0;        ///< closed after --idle-timeout of silence
    quint64 tlsFailed = 0;         ///< TLS handshakes that failed or timed out (no file made)
    quint64 emptyConnections = 0;  ///< closed without sending a byte (no file made for them)
    /// --proxy-protocol: connections closed at accept because the peer is not in --proxy-from
    quint64 refusedProxyUntrusted = 0;
    /// --proxy-protocol: closed because the PROXY header was missing, malformed or late
    quint64 proxyFailed = 0;
    /// UDP (--udp-ports): the port's protocol, datagrams received (and per second over the
    /// last period), dropped by the kernel (receive buffer full: SO_RXQ_OVFL) and cut by
    /// the read buffer (counted; written only in pcap, marked there).
    enum class Protocol { Tcp, Udp };
    Protocol protocol = Protocol::Tcp;
    quint64 datagrams = 0;
    double datagramRate = 0;
    quint64 udpDropped = 0;
    quint64 udpTruncated = 0;

    bool operator==(const PortStats &) const = default;
};

/// Who a connection is from: its peer, or with --proxy-protocol the client the balancer's
/// PROXY header names, with the balancer as `via`.
struct ConnectionOrigin
{
    QHostAddress address;
    quint16 port = 0;
    QString via;        ///< the balancer's "address:port" when the peer came from a PROXY header
    QString tlsSubject; ///< the verified client certificate's subject, if any

    /// "1.2.3.4:5", or "1.2.3.4:5 via 10.0.0.1:6" behind a balancer.
    QString text() const;

    bool operator==(const ConnectionOrigin &) const = default;
};

/// One connection, open or closed.
struct ConnectionInfo
{
    quint64 id = 0;           ///< unique within one engine run
    QHostAddress peerAddress; ///< with --proxy-protocol: the client the PROXY header names
    quint16 peerPort = 0;
    QString via; ///< --proxy-protocol: the balancer's "address:port" the connection came through
    quint16 localPort = 0;
    QDateTime opened;
    QDateTime closed;          ///< invalid while open
    quint64 bytesReceived = 0; ///< bytes read from the socket
    quint64 bytesWritten = 0;  ///< of those, bytes that reached the file
    double rate = 0;
    QString file;
    QString closeReason; ///< why it closed ("peer closed", "write error: …", …)
    QString tlsSubject;  ///< TLS: the verified client certificate's subject ("CN=…")

    QString peerText() const;
    /// The peer, "via" the balancer when there is one (for log lines).
    QString peerViaText() const;
    qint64 durationMs() const;

    bool operator==(const ConnectionInfo &) const = default;
};

/// One output file.
struct FileInfo
{
    /// Lost: the file is gone while or after it was written (its directory was deleted, moved
    /// or replaced, or the file itself was deleted); `error` says which.
    enum class State { Writing, Closed, Error, Deleted, Lost };

    QString path;
    QString name; ///< as the manifest names it: relative to the output directory (or --done-dir)
    QString movedFrom; ///< --done-dir: the path it was written at (`path` is where it is now)
    quint16 port = 0;
    qint64 runNumber = 0; ///< --run when the file was opened
    quint64 bytes = 0;
    State state = State::Writing;
    QString error; ///< set when state is Error
    QDateTime opened;
    QDateTime closed;
    QString closeReason; ///< once closed: "peer closed", "rotation (size)", "stopped", …
    FileDigest digest;   ///< once closed: of the contents (algorithm none with --hash none)

    bool operator==(const FileInfo &) const = default;
};

/// A periodic picture of the engine (4 Hz). The UI and the console read only these.
struct StatsSnapshot
{
    QDateTime time;
    qint64 uptimeMs = 0;
    QList<PortStats> ports;
    QList<ConnectionInfo> connections; ///< open connections
    QList<FileInfo> files;             ///< open files
    quint64 totalBytes = 0;
    double totalRate = 0;
    int activeConnections = 0;
    quint64 totalConnections = 0;
    quint64 filesClosed = 0; ///< files closed since start (connection end, rotation, error)
    quint64 writeErrors = 0; ///< write failures since start
    quint64 filesLost = 0;   ///< files of this run that are gone (FileInfo::State::Lost)
    /// Manifest lines lost (could be neither written nor kept, or not rewritten after the
    /// manifest was deleted)
    quint64 manifestErrors = 0;
    quint64 manifestLinesPending = 0; ///< manifest lines kept, waiting to be written
    quint64 refusedNotAllowed = 0;
    quint64 refusedOverLimit = 0;
    quint64 idleClosed = 0;
    quint64 tlsFailed = 0;
    quint64 emptyConnections = 0;
    quint64 refusedProxyUntrusted = 0;
    quint64 proxyFailed = 0;
    bool pausedForSpace = false; ///< reading paused: less than --min-free-space left
    qint64 runNumber = 0;        ///< --run now
    /// --on-file-closed: hooks finished with exit status 0, failed (another status, a signal,
    /// the timeout, could not start) or not run (queue full), and waiting or running now.
    quint64 hooksSucceeded = 0;
    quint64 hooksFailed = 0;
    quint64 hooksDropped = 0;
    int hooksPending = 0;
    quint64 handOffErrors = 0; ///< closed files that could not be moved to --done-dir

    bool operator==(const StatsSnapshot &) const = default;
};

/// Appends `port` to `snapshot` and adds its counts to the snapshot's totals.
void addPort(StatsSnapshot *snapshot, const PortStats &port);

/// A port that could not be bound, with the operating system's reason.
struct ListenFailure
{
    quint16 port = 0;
    QString reason;
    PortStats::Protocol protocol = PortStats::Protocol::Tcp; ///< a UDP port (--udp-ports)

    bool operator==(const ListenFailure &) const = default;
};

/// What one port recorded during a run; part of the final summary.
struct PortSummary
{
    quint16 port = 0;
    int files = 0;
    quint64 connections = 0;
    quint64 emptyConnections = 0; ///< of those, closed without sending a byte (no file)
    quint64 bytesReceived = 0;
    quint64 bytesWritten = 0;
    /// UDP: as in PortStats.
    PortStats::Protocol protocol = PortStats::Protocol::Tcp;
    quint64 datagrams = 0;
    quint64 udpDropped = 0;
    quint64 udpTruncated = 0;

    bool operator==(const PortSummary &) const = default;
};

/// The end of a run.
struct StopSummary
{
    QList<PortSummary> ports;
    quint64 bytesReceived = 0;
    quint64 bytesWritten = 0;
    int drainTimedOut = 0;  ///< connections still open when the drain timeout passed
    int manifestErrors = 0; ///< manifest lines that could not be written
    /// Connections closed by the stop with data left unread in the kernel, because the output
    /// volume was at its --min-free-space margin (and those bytes).
    int leftUnreadForSpace = 0;
    quint64 bytesLeftUnread = 0;
    quint64 filesLost = 0; ///< files of this run that are gone (FileInfo::State::Lost)
    bool aborted = false;  ///< stopped at once rather than drained
    qint64 uptimeMs = 0;
    /// Set when a stop condition ended the run ("--stop-after-bytes 1G: 1073741824 bytes
    /// written"); empty when it was asked to stop.
    QString stopCondition;
    qint64 runNumber = 0; ///< --run at the end (New run adds one)
    /// --on-file-closed hooks still waiting or running when the run stopped: the process waits
    /// for them (up to --hook-timeout each) before it exits; CaptureEvents::hooksIdle() follows.
    int hooksPending = 0;

    bool operator==(const StopSummary &) const = default;
};

/// How one --on-file-closed command ended.
struct HookResult
{
    QString file; ///< the closed file it was run for (its path)
    quint16 port = 0;
    qint64 runNumber = 0;
    int exitCode = -1; ///< when it exited normally
    bool exitedNormally = false;
    bool timedOut = false; ///< killed after --hook-timeout
    QString error;         ///< could not be started, or how it ended if not normally
    QString output;        ///< the last lines it wrote (standard output and error)
    qint64 durationMs = 0;
    bool succeeded() const { return exitedNormally && exitCode == 0 && error.isEmpty(); }
    /// "exit status 0", "exit status 3", "killed by signal 9 after --hook-timeout 300 s", …
    QString outcome() const;

    bool operator==(const HookResult &) const = default;
};

/// Machine-readable names of the states, as the events, the status JSON and the manifest use
/// them: "listening", "receiving", "error", "closed"; "writing", "closed", "error", "deleted".
QString portStateName(PortStats::State state);
/// "tcp", "udp".
QString protocolName(PortStats::Protocol protocol);
QString fileStateName(FileInfo::State state);

/// Registers the value types for queued connections; call once before starting an engine.
void registerCaptureMetaTypes();

} // namespace capture

Q_DECLARE_METATYPE(capture::PortStats)
Q_DECLARE_METATYPE(capture::ConnectionInfo)
Q_DECLARE_METATYPE(capture::FileInfo)
Q_DECLARE_METATYPE(capture::StatsSnapshot)
Q_DECLARE_METATYPE(capture::ListenFailure)
Q_DECLARE_METATYPE(capture::StopSummary)
Q_DECLARE_METATYPE(capture::HookResult)

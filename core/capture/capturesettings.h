#pragma once

#include "core/capture/filesink.h"
#include "core/manifest/record.h" // SplitMode
#include "core/net/address.h"
#include "core/tls/tlsconfig.h"
#include "core/util/digest.h"

#include <QHostAddress>
#include <QList>
#include <QMetaType>
#include <QSslConfiguration>
#include <QString>

#include <optional>

namespace capture {

/// How datagrams go into a file (--udp-format; core/capture/udpformat.h).
enum class UdpFormat { Pcap, Raw, LengthPrefixed };
/// "pcap", "raw", "length-prefixed".
QString udpFormatName(UdpFormat format);
std::optional<UdpFormat> udpFormatFromName(const QString &name);

/// Everything the engine needs to run a capture. A plain value, copied across threads.
struct CaptureSettings
{
    QHostAddress bindAddress{QHostAddress::AnyIPv4};
    QList<quint16> ports;
    /// --udp-ports: UDP ports, each read in batches into its files (a port may be in both).
    QList<quint16> udpPorts;
    UdpFormat udpFormat = UdpFormat::Pcap; ///< --udp-format
    /// --udp-buffer: the receive buffer asked for each UDP socket.
    qint64 udpBufferSize = qint64(8) * 1024 * 1024;
    QString outputDir{QStringLiteral("output")};
    /// --done-dir: closed files are moved here (same file system); empty: they stay.
    QString doneDir;
    SplitMode split = SplitMode::Port;
    qint64 run = 0; ///< --run: the run number the capture starts with
    /// --name-template (NameTemplate); empty: today's names (NameTemplate::defaultText()).
    QString nameTemplate;
    int drainTimeoutMs = 2000; ///< how long a graceful stop waits for peers to close
    /// Size of each read, and of the one buffer all connections of the engine read into.
    qint64 readBufferSize = qint64(1024) * 1024;
    int snapshotIntervalMs = 250;               ///< period of StatsSnapshot signals (4 Hz)
    HashAlgorithm hash = HashAlgorithm::Xxh128; ///< how each file is fingerprinted as written
    quint64 rotateSize = 0;       ///< start a new file when one reaches this size; 0 = never
    qint64 rotateIntervalSec = 0; ///< and at each multiple of this many seconds; 0 = never
    int maxFiles = 0;             ///< per port, delete the oldest closed file beyond; 0 = keep all
    /// Stop conditions: a graceful stop, as on SIGTERM, once the run has lasted this many
    /// seconds, received this many bytes (all ports) or closed this many files; 0 = never.
    qint64 stopAfterSec = 0;
    quint64 stopAfterBytes = 0;
    int stopAfterFiles = 0;
    /// --on-file-closed: a command run for each closed file (split into words like a shell
    /// would, run directly), at most hookJobs at once and hookQueue waiting, each stopped
    /// after hookTimeoutSec.
    QString onFileClosed;
    int hookJobs = 2;
    int hookQueue = 10000;
    qint64 hookTimeoutSec = 300;
    /// Peers that may connect (--allow); empty: everyone. Others are closed at accept.
    QList<std::pair<QHostAddress, int>> allow;
    int maxConnections = 0;        ///< open connections in all, beyond closed at once; 0 = any
    int maxConnectionsPerPort = 0; ///< open connections per port, likewise
    int idleTimeoutMs = 0;         ///< close a connection silent for this long; 0 = never
    quint64 minFreeSpace = 0;      ///< pause reading while the output has less free; 0 = off
    /// TLS only on every port when set (--tls-cert/--tls-key[/--tls-ca]).
    std::optional<QSslConfiguration> tls;
    TlsFiles tlsFiles; ///< the files `tls` was loaded from (shown in the desktop settings)
    /// A TLS handshake, or with proxyProtocol the PROXY header, not done by then closes the
    /// connection.
    int handshakeTimeoutMs = 10000;
    /// --proxy-protocol: every connection starts with a PROXY v1 or v2 header (HAProxy's
    /// send-proxy), accepted only from `proxyFrom`; its client becomes the connection's peer.
    bool proxyProtocol = false;
    QList<std::pair<QHostAddress, int>> proxyFrom; ///< --proxy-from: who may send the header
    FileSink::Factory sinkFactory; ///< makes the output files; empty: FileSink::create
};

} // namespace capture

Q_DECLARE_METATYPE(capture::CaptureSettings)

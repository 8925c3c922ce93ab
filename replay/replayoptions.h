#pragma once

#include "core/util/digest.h"

#include <QString>
#include <QStringList>

#include <cstdint>

namespace replay {

enum class ProtocolChoice { Tcp, Udp, All };
/// What one stream (one connection to the receiver) carries.
enum class StreamsBy {
    Host, ///< every flow of one source address, interleaved (pcap2stream's mapping)
    Flow, ///< one flow direction: source address:port -> destination address:port
};

/// Everything capture-replay's command line sets.
struct ReplayOptions
{
    QString captureFile;
    QString server;
    std::uint16_t basePort = 0;
    double speed = 0; ///< 0: as fast as possible; 1: the capture's timing; 2: twice as fast
    ProtocolChoice protocol = ProtocolChoice::Tcp;
    /// --to udp: each UDP payload as one datagram to base_port + k (implies --protocol udp).
    bool toUdp = false;
    QString filter;         ///< a libpcap BPF expression
    bool reassemble = true; ///< TCP reassembly per flow direction (--no-reassembly: off)
    StreamsBy streams = StreamsBy::Host;
    bool dryRun = false;
    /// The summary's per-stream digest: the receiver's --hash, so the two compare directly.
    capture::HashAlgorithm hash = capture::HashAlgorithm::Xxh128;
    bool tls = false;
    QString tlsCa, tlsCert, tlsKey;
    bool quiet = false;
    int connectTimeoutMs = 10000; ///< connect and TLS handshake, per connection
    int closeTimeoutMs = 30000;   ///< waiting for the receiver to close after the last byte
};

struct ReplayCommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion, UsageError };
    Action action = Action::Run;
    ReplayOptions options;
    QString text; ///< help or version text, or the one-line usage error
};

/// Parses the full argument list (argv[0] first). Never exits: a usage error comes back as
/// Action::UsageError with one line naming the bad value. Needs a QCoreApplication.
ReplayCommandLine parseReplayCommandLine(const QStringList &arguments);

} // namespace replay

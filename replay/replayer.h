#pragma once

#include "replay/packetdecoder.h"
#include "replay/pcapsource.h"
#include "replay/progressmeter.h"
#include "replay/replayoptions.h"
#include "replay/streamconnection.h"
#include "replay/tcpreassembler.h"
#include "replay/udpsender.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace capture {
class HashWorker;
class Digest;
} // namespace capture

namespace replay {

/// Exit statuses of capture-replay.
enum ExitStatus { Delivered = 0, NotDelivered = 1, Usage = 2, Interrupted = 130 };

/// How the packets read were used: every packet counts exactly once.
struct PacketCounts
{
    std::uint64_t read = 0;
    std::uint64_t sent = 0; ///< payload packets replayed (or, with --dry-run, mapped)
    std::uint64_t noPayload = 0;
    std::uint64_t otherTransport = 0; ///< TCP or UDP payload left out by --protocol
    std::uint64_t fragments = 0;
    std::uint64_t truncated = 0;
    std::uint64_t otherProtocol = 0;
    std::uint64_t notIp = 0;
};

/// One source address of the capture (--streams flow: one flow direction) and the TCP stream
/// that carries its payload.
struct ReplayStream
{
    ReplayStream();
    ~ReplayStream();

    int index = 0; ///< k: the order in which the source first carried payload
    SourceAddress source;
    std::string sourceText; ///< the source address, or the flow ("a:p->b:q")
    int port = 0;           ///< base_port + k; > 65535 when no port is left for it
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;   ///< payload bytes sent for it (reassembled: as the sender meant)
    ReassemblyCounts repaired; ///< what reassembly repaired, over its flows
    std::vector<int> flows;    ///< the ids of the flows behind it, in order of first payload
    std::shared_ptr<capture::Digest> hash; ///< --hash's (none: null), inline or by the worker
    std::vector<std::uint8_t> unhashed;    ///< payload not yet handed to the hash worker
    std::string digest;                    ///< hex digest of those bytes, once the replay ends
    std::unique_ptr<StreamConnection> connection;
    std::unique_ptr<UdpSender> udp; ///< --to udp: instead of the connection
    std::string error;              ///< why it was not delivered in full (empty: it was)
    std::string note;               ///< a warning that does not make it fail
    bool receiverClosed = false;
    bool reset = false;   ///< given up: its connection was aborted with a TCP reset
    bool pending = false; ///< in Replayer::m_pending (has queued bytes)
    /// --speed 0: the queued bytes at which send() writes next (see Replayer::send()).
    std::size_t flushAt = 0;
    std::chrono::steady_clock::time_point lastProgress;
};

/// Reads the capture packet by packet and sends each source's payload on its own connection,
/// at the capture's pace (--speed) or as fast as the receiver takes it. Non-blocking: one
/// poll() loop serves every connection, so a slow receiver port holds back only its own stream
/// until its bounded queue is full. The summary's digests (--hash) are computed as the payload
/// is sent (xxh128), or by a worker thread from per-stream batches of payload (sha256).
class Replayer
{
public:
    /// `interrupts` counts SIGINT/SIGTERM: the first stops reading (what was read is still
    /// sent, within --close-timeout), the second abandons what is still queued.
    Replayer(const ReplayOptions &options, const std::atomic<int> *interrupts, std::FILE *out,
             std::FILE *err);
    ~Replayer();

    /// Runs the whole replay and prints the summary; returns the exit status.
    int run();

private:
    bool setUp();
    /// Counts a packet with payload and hands it to its stream: through the reassembler, or
    /// as it is.
    void replayPayload(const DecodedPacket &packet);
    /// A TCP segment without payload: its SYN, FIN or RST matters to the reassembly.
    void replayControl(const DecodedPacket &packet);
    /// The stream of `flow`'s payload, made on its first payload packet.
    ReplayStream *streamOf(const TcpReassembler::Flow &flow);
    ReplayStream *streamFor(const SourceAddress &source);
    ReplayStream *addStream(const SourceAddress &source, std::string text);
    /// Bytes of `flow` in order (from the reassembler, or a packet as it is): hashed and sent.
    /// `held`: they are the reassembler's, valid only during the call.
    void deliver(const TcpReassembler::Flow &flow, const std::uint8_t *data, std::size_t size,
                 bool held);
    /// After the last packet: what the reassembler holds is sent, and its counts are summed.
    void finishReassembly();
    /// Warnings about streams that merge several flows (--streams host).
    void warnAboutMergedFlows();
    void connectStream(ReplayStream *stream);
    /// Sends (or queues) `size` bytes; `copy`: they must be copied if they are queued (not
    /// from the capture's read buffer).
    void send(ReplayStream *stream, const std::uint8_t *data, std::size_t size, bool copy);
    /// Adds a payload to its stream's digest (xxh128: at once; sha256: batched for the worker).
    void hash(ReplayStream *stream, const std::uint8_t *data, std::size_t size);
    /// Hands a stream's batch to the hash worker; `release` also frees the batch's memory.
    void handToHasher(ReplayStream *stream, bool release);
    /// Polls the connections with queued bytes for up to `timeoutMs` and sends what they take.
    void pump(int timeoutMs);
    /// Sends what `stream` has queued, as much as its socket takes now (failStream() on an
    /// error); true when some of it went.
    bool flushStream(ReplayStream *stream);
    void waitUntil(std::chrono::steady_clock::time_point due);
    /// Sends everything queued (until it is sent, the stream fails, or a second interrupt).
    void drain();
    /// Until `deadline` (or a second interrupt), polls `streams` for reading and calls
    /// `stillWaiting` on each readable one; those for which it says false leave `streams`.
    void awaitReadable(std::vector<ReplayStream *> &streams,
                       std::chrono::steady_clock::time_point deadline,
                       const std::function<bool(ReplayStream *)> &stillWaiting);
    /// TLS 1.3 with a client certificate asked for: waits briefly for each receiver to show
    /// that it accepted it; streams whose receiver refused it fail.
    void confirmAcceptance();
    void closeConnections();
    /// Gives a stream up: aborts its connection with a reset, so the receiver sees it cut.
    void failStream(ReplayStream *stream, const std::string &reason);
    void printSummary(double seconds);
    void printFlows();
    bool interrupted() const; ///< a first SIGINT/SIGTERM came: stop reading
    bool abandon() const;     ///< a second one came: stop sending too
    void message(const std::string &text);
    void showProgress();

    static constexpr int pollSliceMs = 100; ///< interrupts are noticed at least this often

    ReplayOptions m_options;
    const std::atomic<int> *m_interrupts;
    std::FILE *m_out;
    std::FILE *m_err;
    std::string m_server;
    std::vector<ServerAddress> m_addresses;
    TlsClient m_tls;
    std::vector<std::unique_ptr<ReplayStream>> m_streams;
    std::unordered_map<SourceAddress, ReplayStream *, SourceAddressHash> m_bySource;
    /// The capture's flows (also without --streams flow or reassembly: for the summary) and,
    /// by flow id, each one's stream and figures.
    std::unique_ptr<TcpReassembler> m_flows;
    struct FlowUse
    {
        ReplayStream *stream = nullptr; ///< null until the flow carries payload
        std::uint64_t packets = 0;
        std::uint64_t bytes = 0;
    };
    std::vector<FlowUse> m_flowUse;
    bool m_sendByReference = false;        ///< payloads are queued as references (queueReference())
    std::vector<ReplayStream *> m_pending; ///< streams with bytes queued
    std::uint64_t m_queuedBytes = 0;       ///< over all streams
    PacketCounts m_counts;
    std::string m_linkTypeName;
    std::string m_readError; ///< the capture ended in a truncated or bad record
    bool m_interrupted = false;
    PcapSource *m_source = nullptr;                ///< while run() reads it
    std::unique_ptr<capture::HashWorker> m_hasher; ///< SHA-256 only
    std::size_t m_batchMemory = 0;                 ///< held by the streams' unhashed batches
    std::unique_ptr<ProgressMeter> m_progress;
};

} // namespace replay

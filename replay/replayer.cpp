#include "replay/replayer.h"

#include "core/util/digest.h"
#include "core/util/hashworker.h"

#include <openssl/ssl.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace replay {

using std::chrono::steady_clock;

namespace {
// Bounds on what waits in memory: per stream, and over all streams together.
constexpr std::size_t maxQueuedPerStream = 4 * 1024 * 1024;
constexpr std::uint64_t maxQueuedTotal = 64 * 1024 * 1024;
// As fast as possible: payloads are gathered up to this much per sendmsg(2), as much as the
// capture's read buffer holds (1 MiB; measured: 256 KiB costs 10-25 % more CPU, and so do
// larger batches with a larger read buffer, which no longer fits the cache).
constexpr std::size_t batchBytes = 1024 * 1024;
// SHA-256 digests: payloads are gathered per stream up to this much (more than any IP
// payload) and then hashed by a worker thread, in blocks of this size, a few in flight. When the
// batches of many streams together hold more than maxBatchMemory, all are handed over and
// freed, so memory stays bounded however many sources a capture has.
constexpr std::size_t hashBatchBytes = 128 * 1024;
constexpr int hashBlocksInFlight = 16;
constexpr std::size_t maxBatchMemory = 16 * 1024 * 1024;
bool wanted(ProtocolChoice choice, Transport transport)
{
    return choice == ProtocolChoice::All ||
           (choice == ProtocolChoice::Tcp) == (transport == Transport::Tcp);
}
} // namespace

ReplayStream::ReplayStream() = default;
ReplayStream::~ReplayStream() = default;

Replayer::Replayer(const ReplayOptions &options, const std::atomic<int> *interrupts, std::FILE *out,
                   std::FILE *err)
    : m_options(options)
    , m_interrupts(interrupts)
    , m_out(out)
    , m_err(err)
    , m_server(options.server.toStdString())
{}

Replayer::~Replayer()
{
    m_hasher.reset();  // before the digests it may still be working on
    m_streams.clear(); // connections (and their SSL objects) before the context
    if (m_tls.context)
        SSL_CTX_free(m_tls.context);
}

void Replayer::message(const std::string &text)
{
    std::fprintf(m_err, "capture-replay: %s\n", text.c_str());
    std::fflush(m_err);
}

bool Replayer::interrupted() const
{
    return m_interrupts && m_interrupts->load() > 0;
}

bool Replayer::abandon() const
{
    return m_interrupts && m_interrupts->load() >= 2;
}

bool Replayer::setUp()
{
    if (m_options.dryRun)
        return true;
    std::string error;
    if (!resolveServer(m_server, &m_addresses, &error)) {
        message(error);
        return false;
    }
    if (m_options.tls) {
        m_tls.context =
            createTlsContext(m_options.tlsCa.toStdString(), m_options.tlsCert.toStdString(),
                             m_options.tlsKey.toStdString(), &error);
        if (!m_tls.context) {
            message(error);
            return false;
        }
        m_tls.serverName = m_server;
        if (m_tls.serverName.size() > 2 && m_tls.serverName.front() == '[')
            m_tls.serverName = m_tls.serverName.substr(1, m_tls.serverName.size() - 2);
    }
    return true;
}

int Replayer::run()
{
    PcapSource source;
    std::string error;
    if (!source.open(m_options.captureFile.toStdString(), m_options.filter.toStdString(), &error)) {
        message(error);
        return Usage;
    }
    m_linkTypeName = source.linkTypeName();
    if (!linkTypeSupported(source.linkType())) {
        message(std::string("'") + m_options.captureFile.toStdString() + "': link type " +
                m_linkTypeName +
                " is not supported (supported: Ethernet, Linux cooked SLL and SLL2, raw IP, "
                "BSD loopback)");
        return Usage;
    }
    if (!setUp())
        return Usage;
    // xxh128 hashes about as fast as the worker's copy of the bytes would go: on this thread.
    // SHA-256 is ten times slower: on the worker's, while this one reads and sends.
    if (capture::hashesOffThread(m_options.hash))
        m_hasher = std::make_unique<capture::HashWorker>(hashBatchBytes, hashBlocksInFlight);

    // Payloads are sent straight from the capture's read buffer where it keeps them; what the
    // socket has not taken when the buffer is reused is copied then.
    m_sendByReference = source.keepsPacketsUntilReuse() && m_options.speed == 0;
    if (m_sendByReference)
        source.setBeforeReuse([this] {
            for (const auto &stream : m_streams) {
                if (!stream->error.empty() || !stream->connection ||
                    stream->connection->queuedBytes() == 0)
                    continue;
                flushStream(stream.get());
                stream->connection->keepQueued();
            }
        });
    m_flows = std::make_unique<TcpReassembler>(
        [this](const TcpReassembler::Flow &flow, const std::uint8_t *data, std::size_t size,
               bool held) { deliver(flow, data, size, held); });
    m_source = &source;
    m_progress = std::make_unique<ProgressMeter>(
        m_err, !m_options.quiet && !m_options.dryRun && ::isatty(2), source.size());
    const steady_clock::time_point start = steady_clock::now();
    bool haveFirstTimestamp = false;
    std::int64_t firstTimestampNs = 0;
    CapturedPacket packet;
    for (;;) {
        if (interrupted()) {
            m_interrupted = true;
            message("interrupted: sending what was read (press Ctrl+C again to stop at once)");
            break;
        }
        const PcapSource::Next next = source.next(&packet);
        if (next == PcapSource::Next::End)
            break;
        if (next == PcapSource::Next::Error) {
            m_readError = source.errorString();
            break;
        }
        ++m_counts.read;
        const DecodedPacket decoded =
            decodePacket(source.linkType(), packet.data, packet.capturedLength);
        switch (decoded.kind) {
        case PacketKind::Payload:
            break;
        case PacketKind::NoPayload:
            ++m_counts.noPayload;
            if (m_options.reassemble && decoded.transport == Transport::Tcp &&
                wanted(m_options.protocol, Transport::Tcp))
                replayControl(decoded);
            continue;
        case PacketKind::Fragment:
            ++m_counts.fragments;
            continue;
        case PacketKind::Truncated:
            ++m_counts.truncated;
            continue;
        case PacketKind::OtherProtocol:
            ++m_counts.otherProtocol;
            continue;
        case PacketKind::NotIp:
        case PacketKind::UnsupportedLink:
            ++m_counts.notIp;
            continue;
        }
        if (!wanted(m_options.protocol, decoded.transport)) {
            ++m_counts.otherTransport;
            continue;
        }
        if (m_options.speed > 0) {
            if (!haveFirstTimestamp) {
                haveFirstTimestamp = true;
                firstTimestampNs = packet.timestampNs;
            }
            // Due relative to the first payload packet: replaying starts with data at once.
            const double offsetNs =
                double(std::max<std::int64_t>(0, packet.timestampNs - firstTimestampNs)) /
                m_options.speed;
            waitUntil(start + std::chrono::nanoseconds(std::int64_t(offsetNs)));
            if (interrupted()) {
                --m_counts.read; // not replayed, so not counted: the counts add up to "read"
                continue;        // the interrupt is handled at the top of the loop
            }
        }
        ++m_counts.sent;
        replayPayload(decoded);
        showProgress();
    }
    finishReassembly();
    if (m_options.streams == StreamsBy::Host)
        warnAboutMergedFlows();
    if (!m_readError.empty() && m_counts.read == 0) {
        m_progress->finish();
        m_source = nullptr;
        message(std::string("'") + m_options.captureFile.toStdString() +
                "' has no readable packet: " + m_readError);
        return Usage;
    }
    if (!m_options.dryRun) {
        drain();
        closeConnections();
    }
    m_progress->finish();
    m_source = nullptr;
    const double seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
    for (const auto &stream : m_streams) {
        if (m_hasher) {
            handToHasher(stream.get(), true);
            stream->digest = m_hasher->finish(stream->hash).toStdString();
        } else if (stream->hash) {
            stream->digest = stream->hash->finalHex().toStdString();
        }
    }
    if (!m_readError.empty())
        message("warning: '" + m_options.captureFile.toStdString() +
                "' ends in a bad record after " + std::to_string(m_counts.read) +
                " good packets (" + m_readError + "); what came before it was replayed");
    if (!m_options.quiet || m_options.dryRun) // the mapping is what a dry run is for
        printSummary(seconds);
    if (m_options.dryRun)
        printFlows();

    if (m_interrupted)
        return Interrupted;
    const bool allDelivered = std::all_of(m_streams.begin(), m_streams.end(),
                                          [](const auto &s) { return s->error.empty(); });
    return allDelivered && m_readError.empty() ? Delivered : NotDelivered;
}

ReplayStream *Replayer::streamFor(const SourceAddress &source)
{
    if (const auto found = m_bySource.find(source); found != m_bySource.end())
        return found->second;
    ReplayStream *stream = addStream(source, source.text());
    m_bySource.emplace(source, stream);
    return stream;
}

ReplayStream *Replayer::addStream(const SourceAddress &source, std::string text)
{
    auto stream = std::make_unique<ReplayStream>();
    stream->index = int(m_streams.size());
    stream->source = source;
    stream->sourceText = std::move(text);
    stream->port = int(m_options.basePort) + stream->index;
    stream->flushAt = batchBytes;
    if (m_options.hash != capture::HashAlgorithm::None)
        stream->hash = std::make_shared<capture::Digest>(m_options.hash);
    ReplayStream *raw = stream.get();
    m_streams.push_back(std::move(stream));
    if (raw->port > 65535)
        failStream(raw, "no port left for it: base_port + " + std::to_string(raw->index) + " = " +
                            std::to_string(raw->port) + " is past 65535");
    else if (!m_options.dryRun)
        connectStream(raw);
    return raw;
}

void Replayer::hash(ReplayStream *stream, const std::uint8_t *data, std::size_t size)
{
    if (!m_hasher) {
        if (stream->hash)
            stream->hash->update(reinterpret_cast<const char *>(data), qint64(size));
        return;
    }
    std::vector<std::uint8_t> &batch = stream->unhashed;
    if (batch.size() + size > hashBatchBytes)
        handToHasher(stream, false);
    if (size > hashBatchBytes) { // not from an IP packet; straight to the worker
        m_hasher->update(stream->hash, reinterpret_cast<const char *>(data), qint64(size));
        return;
    }
    if (batch.capacity() == 0) {
        batch.reserve(hashBatchBytes);
        m_batchMemory += batch.capacity();
    }
    batch.insert(batch.end(), data, data + size);
    if (m_batchMemory > maxBatchMemory) {
        for (const auto &each : m_streams)
            handToHasher(each.get(), true);
    }
}

void Replayer::handToHasher(ReplayStream *stream, bool release)
{
    std::vector<std::uint8_t> &batch = stream->unhashed;
    if (!batch.empty())
        m_hasher->update(stream->hash, reinterpret_cast<const char *>(batch.data()),
                         qint64(batch.size()));
    batch.clear();
    if (release && batch.capacity() > 0) {
        m_batchMemory -= batch.capacity();
        std::vector<std::uint8_t>().swap(batch);
    }
}

void Replayer::connectStream(ReplayStream *stream)
{
    if (m_options.toUdp) {
        stream->udp = std::make_unique<UdpSender>();
        std::string error;
        if (!stream->udp->open(m_addresses, std::uint16_t(stream->port), &error))
            failStream(stream, "cannot open a UDP socket: " + error);
        return;
    }
    stream->connection = std::make_unique<StreamConnection>();
    if (!stream->connection->connect(
            m_addresses, std::uint16_t(stream->port), m_options.tls ? &m_tls : nullptr,
            std::chrono::milliseconds(m_options.connectTimeoutMs), [this] { return abandon(); }))
        failStream(stream, "cannot connect: " + stream->connection->errorString());
}

void Replayer::failStream(ReplayStream *stream, const std::string &reason)
{
    if (!stream->error.empty())
        return;
    stream->error = reason;
    std::uint64_t sent = stream->udp ? stream->udp->bytesSent() : 0;
    if (stream->connection) {
        m_queuedBytes -= stream->connection->queuedBytes();
        sent = stream->connection->bytesSent();
        // A FIN would let the receiver record the stream as ended by its peer.
        stream->reset = stream->connection->abort();
    }
    message("stream " + std::to_string(stream->index) + " (" + stream->sourceText + " -> port " +
            std::to_string(stream->port) + "): " + reason + "; " + std::to_string(sent) +
            " bytes were sent, the rest of this source's data is not" +
            (stream->reset ? "; the connection was aborted with a reset (TCP RST)" : ""));
}

void Replayer::send(ReplayStream *stream, const std::uint8_t *data, std::size_t size, bool copy)
{
    if (stream->udp && stream->error.empty()) {
        std::string error;
        if (!stream->udp->send(data, size, &error))
            failStream(stream, error);
        return;
    }
    if (!stream->error.empty() || !stream->connection)
        return;
    StreamConnection &connection = *stream->connection;
    const std::size_t queuedBefore = connection.queuedBytes();
    const std::uint64_t sentBefore = connection.bytesSent();
    if (m_options.speed > 0) {
        connection.send(data, size); // on time: now, not when a batch is full
    } else {
        // Written a batch at a time; once the socket is full, tried again only after another
        // batch came (or when pump() finds it writable): not one failing write(2) per packet.
        if (m_sendByReference && !copy)
            connection.queueReference(data, size);
        else if (m_sendByReference)
            connection.queueCopy(data, size); // behind the references: they stay uncopied
        else
            connection.queue(data, size);
        if (connection.queuedBytes() >= stream->flushAt) {
            connection.flush();
            stream->flushAt = connection.queuedBytes() + batchBytes;
        }
    }
    m_queuedBytes = m_queuedBytes - queuedBefore + connection.queuedBytes();
    if (connection.failed()) {
        failStream(stream, connection.errorString());
        return;
    }
    if (connection.queuedBytes() > 0 && !stream->pending) {
        stream->pending = true;
        stream->lastProgress = steady_clock::now();
        m_pending.push_back(stream);
    } else if (connection.bytesSent() > sentBefore) {
        stream->lastProgress = steady_clock::now(); // the receiver is taking data
    }
    while (stream->error.empty() && !abandon() &&
           (connection.queuedBytes() > maxQueuedPerStream || m_queuedBytes > maxQueuedTotal))
        pump(pollSliceMs);
}

bool Replayer::flushStream(ReplayStream *stream)
{
    StreamConnection &connection = *stream->connection;
    const std::size_t queuedBefore = connection.queuedBytes();
    connection.flush();
    stream->flushAt = connection.queuedBytes() + batchBytes;
    m_queuedBytes = m_queuedBytes - queuedBefore + connection.queuedBytes();
    if (connection.failed()) {
        failStream(stream, connection.errorString());
        return false;
    }
    return connection.queuedBytes() < queuedBefore;
}

void Replayer::pump(int timeoutMs)
{
    std::erase_if(m_pending, [](ReplayStream *s) {
        const bool keep = s->error.empty() && s->connection && s->connection->queuedBytes() > 0;
        s->pending = keep;
        return !keep;
    });
    std::vector<pollfd> fds;
    fds.reserve(m_pending.size());
    for (const ReplayStream *s : m_pending)
        fds.push_back({s->connection->descriptor(), s->connection->pollEvents(), 0});
    const int ready = ::poll(fds.data(), fds.size(), timeoutMs);
    const steady_clock::time_point now = steady_clock::now();
    for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
        if (fds[i].revents == 0)
            continue;
        ReplayStream *stream = m_pending[i];
        if (flushStream(stream))
            stream->lastProgress = now;
    }
    for (ReplayStream *stream : m_pending) {
        if (stream->error.empty() &&
            now - stream->lastProgress > std::chrono::milliseconds(m_options.closeTimeoutMs))
            failStream(stream, "the receiver took nothing for " +
                                   secondsText(m_options.closeTimeoutMs) + " (--close-timeout)");
    }
}

void Replayer::showProgress()
{
    if (!m_progress || !m_source || !m_progress->due())
        return;
    std::uint64_t sent = 0;
    for (const auto &stream : m_streams)
        sent += stream->connection ? stream->connection->bytesSent() : 0;
    m_progress->update(m_source->position(), m_counts.read, sent);
}

void Replayer::waitUntil(steady_clock::time_point due)
{
    for (;;) {
        showProgress();
        if (interrupted())
            return;
        const auto left = due - steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero())
            return;
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        pump(int(std::min<long long>(ms, pollSliceMs)));
    }
}

} // namespace replay

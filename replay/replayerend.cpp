// The end of a replay: the queues drained, the receivers' acceptance confirmed (TLS 1.3), the
// connections closed and the summary printed.

#include "replay/replayer.h"

#include "core/util/digest.h"

#include <poll.h>

#include <algorithm>

namespace replay {

using std::chrono::steady_clock;

namespace {
// At the end, how long TLS 1.3 receivers that asked for a client certificate get to show that
// they accepted it (see StreamConnection::checkAcceptance) before close_notify is sent.
constexpr auto acceptanceWait = std::chrono::seconds(2);
} // namespace

void Replayer::drain()
{
    for (auto &stream : m_streams) {
        if (stream->error.empty() && stream->connection && stream->connection->queuedBytes() > 0 &&
            !stream->pending) {
            stream->pending = true;
            stream->lastProgress = steady_clock::now();
            m_pending.push_back(stream.get());
        }
    }
    while (m_queuedBytes > 0 && !abandon()) {
        pump(pollSliceMs);
        showProgress();
    }
    if (abandon()) {
        for (auto &stream : m_streams) {
            if (stream->error.empty() && stream->connection &&
                stream->connection->queuedBytes() > 0)
                failStream(stream.get(), "stopped by a second interrupt with " +
                                             std::to_string(stream->connection->queuedBytes()) +
                                             " bytes not sent");
        }
    }
}

void Replayer::awaitReadable(std::vector<ReplayStream *> &streams,
                             steady_clock::time_point deadline,
                             const std::function<bool(ReplayStream *)> &stillWaiting)
{
    while (!streams.empty() && !abandon() && steady_clock::now() < deadline) {
        std::vector<pollfd> fds;
        for (const ReplayStream *s : streams)
            fds.push_back({s->connection->descriptor(), POLLIN, 0});
        if (::poll(fds.data(), fds.size(), pollSliceMs) <= 0)
            continue;
        std::vector<ReplayStream *> still;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].revents == 0 || stillWaiting(streams[i]))
                still.push_back(streams[i]);
        }
        streams.swap(still);
    }
}

void Replayer::confirmAcceptance()
{
    // After close_notify, a receiver's close would look the same whether it had accepted this
    // client or not; a session ticket tells (capture-receiver sends it once data came, so it
    // is usually here already).
    std::vector<ReplayStream *> waiting;
    auto check = [this](ReplayStream *stream) {
        const StreamConnection::Acceptance acceptance = stream->connection->checkAcceptance();
        if (acceptance == StreamConnection::Acceptance::Refused)
            failStream(stream, stream->connection->errorString());
        return acceptance == StreamConnection::Acceptance::Unknown;
    };
    for (auto &stream : m_streams) {
        if (stream->error.empty() && stream->connection && check(stream.get()))
            waiting.push_back(stream.get());
    }
    awaitReadable(waiting, steady_clock::now() + acceptanceWait, check);
    // Left waiting: receivers that send no ticket. Their close_notify decides (receiverClosed()).
}

void Replayer::closeConnections()
{
    confirmAcceptance();
    std::vector<ReplayStream *> open;
    for (auto &stream : m_streams) {
        if (!stream->error.empty() || !stream->connection)
            continue;
        if (!stream->connection->shutdownWriting())
            failStream(stream.get(), stream->connection->errorString());
        else
            open.push_back(stream.get());
    }
    // The receiver closes its side once it has read everything: then the stream is complete.
    awaitReadable(open, steady_clock::now() + std::chrono::milliseconds(m_options.closeTimeoutMs),
                  [this](ReplayStream *stream) {
                      if (stream->connection->receiverClosed())
                          stream->receiverClosed = true;
                      else if (stream->connection->failed())
                          failStream(stream, stream->connection->errorString());
                      return !stream->receiverClosed && stream->error.empty();
                  });
    for (ReplayStream *stream : open) {
        const int unacknowledged = stream->connection->unacknowledgedBytes();
        if (unacknowledged == 0)
            stream->note = "the receiver did not close within " +
                           secondsText(m_options.closeTimeoutMs) + ", but acknowledged every byte";
        else
            failStream(stream, "the receiver did not close within " +
                                   secondsText(m_options.closeTimeoutMs) + " and " +
                                   (unacknowledged > 0 ? std::to_string(unacknowledged) +
                                                             " bytes are not acknowledged"
                                                       : std::string("delivery is unconfirmed")));
    }
    for (auto &stream : m_streams) {
        if (stream->connection)
            stream->connection->close();
        if (stream->udp)
            stream->udp->close();
        if (!stream->note.empty())
            message("stream " + std::to_string(stream->index) + " (" + stream->sourceText +
                    " -> port " + std::to_string(stream->port) + "): " + stream->note);
    }
}

void Replayer::printSummary(double seconds)
{
    std::uint64_t bytes = 0;
    std::uint64_t sent = 0;
    std::uint64_t datagrams = 0;
    for (const auto &stream : m_streams) {
        bytes += stream->bytes;
        sent += stream->connection ? stream->connection->bytesSent() : 0;
        sent += stream->udp ? stream->udp->bytesSent() : 0;
        datagrams += stream->udp ? stream->udp->datagrams() : 0;
    }
    const std::string target = m_options.dryRun ? std::string("(dry run: nothing sent)")
                                                : "to " + m_server +
                                                      (m_options.tls     ? " over TLS"
                                                       : m_options.toUdp ? " over UDP"
                                                                         : "");
    std::fprintf(m_out, "replayed %s (%s) %s in %.2f s: %zu stream(s), %s of payload",
                 m_options.captureFile.toUtf8().constData(), m_linkTypeName.c_str(), target.c_str(),
                 seconds, m_streams.size(), sizeText(bytes).c_str());
    if (!m_options.dryRun)
        std::fprintf(m_out, ", %s sent (%s/s)", sizeText(sent).c_str(),
                     sizeText(std::uint64_t(seconds > 0 ? double(sent) / seconds : 0)).c_str());
    std::fprintf(m_out, "\n");
    if (m_options.toUdp && !m_options.dryRun)
        std::fprintf(m_out,
                     "datagrams: %llu sent; UDP may drop them on the way or at the receiver "
                     "without telling the sender: compare with the datagrams the receiver "
                     "recorded and dropped (its manifest and /status)\n",
                     (unsigned long long)datagrams);
    const PacketCounts &c = m_counts;
    std::fprintf(m_out,
                 "packets: %llu read, %llu with payload %s, %llu without payload, "
                 "%llu %s payload left out by --protocol, %llu IP fragments skipped (not "
                 "reassembled), %llu truncated skipped, %llu other IP protocols, %llu not IP\n",
                 (unsigned long long)c.read, (unsigned long long)c.sent,
                 m_options.dryRun ? "mapped" : "replayed", (unsigned long long)c.noPayload,
                 (unsigned long long)c.otherTransport,
                 m_options.protocol == ProtocolChoice::Udp ? "TCP" : "UDP",
                 (unsigned long long)c.fragments, (unsigned long long)c.truncated,
                 (unsigned long long)c.otherProtocol, (unsigned long long)c.notIp);
    if (m_options.reassemble) {
        ReassemblyCounts total;
        for (const auto &stream : m_streams)
            total += stream->repaired;
        std::fprintf(m_out,
                     "TCP reassembly: %zu flow(s), %llu retransmitted bytes dropped, %llu "
                     "segments reordered, %llu gap(s) given up, %llu bytes missing\n",
                     m_flows ? m_flows->flows().size() : std::size_t(0),
                     (unsigned long long)total.retransmittedBytes,
                     (unsigned long long)total.reorderedSegments, (unsigned long long)total.gaps,
                     (unsigned long long)total.missingBytes);
    } else {
        std::fprintf(m_out, "TCP reassembly: off (--no-reassembly): segments sent as captured, "
                            "in capture order\n");
    }
    // The digest column is named after its algorithm (the receiver's manifest key); none: no
    // column at all.
    const bool hashed = m_options.hash != capture::HashAlgorithm::None;
    const int digestWidth = capture::hashHexLength(m_options.hash);
    const std::string digestName = capture::hashAlgorithmName(m_options.hash).toStdString();
    auto digestColumn = [&](const std::string &text) {
        return hashed ? text +
                            std::string(std::size_t(std::max(0, digestWidth - int(text.size()))),
                                        ' ') +
                            "  "
                      : std::string();
    };
    const bool flows = m_options.streams == StreamsBy::Flow;
    // A flow ("[2001:db8::1]:40000->[2001:db8::2]:80") is longer than an address.
    const int sourceWidth = flows ? 47 : 39;
    std::fprintf(m_out, "%6s  %-*s  %5s  %10s  %14s  %12s  %9s  %6s  %12s  %s%s\n", "stream",
                 sourceWidth, flows ? "flow" : "source", "port", "packets", "bytes", "retrans",
                 "reordered", "gaps", "missing", digestColumn(digestName).c_str(), "result");
    for (const auto &stream : m_streams) {
        std::string result;
        if (m_options.dryRun)
            result = stream->port > 65535 ? "no port left" : "-";
        else if (!stream->error.empty())
            result = "FAILED: " + stream->error + (stream->reset ? " (aborted with a reset)" : "");
        else if (m_interrupted)
            result = "interrupted: sent what was read";
        else if (stream->udp) // no word comes back: whether it arrived the receiver tells
            result = "sent " + std::to_string(stream->udp->datagrams()) + " datagram(s)";
        else
            result = "delivered";
        // Without reassembly nothing was repaired, and nothing counted: "-".
        auto repaired = [this](std::uint64_t value) {
            return m_options.reassemble ? std::to_string(value) : std::string("-");
        };
        const ReassemblyCounts &r = stream->repaired;
        std::fprintf(m_out, "%6d  %-*s  %5s  %10llu  %14llu  %12s  %9s  %6s  %12s  %s%s\n",
                     stream->index, sourceWidth, stream->sourceText.c_str(),
                     stream->port > 65535 ? "-" : std::to_string(stream->port).c_str(),
                     (unsigned long long)stream->packets, (unsigned long long)stream->bytes,
                     repaired(r.retransmittedBytes).c_str(), repaired(r.reorderedSegments).c_str(),
                     repaired(r.gaps).c_str(), repaired(r.missingBytes).c_str(),
                     digestColumn(stream->digest).c_str(), result.c_str());
    }
    std::fflush(m_out);
}

void Replayer::printFlows()
{
    std::fprintf(m_out,
                 "\nflows behind each stream:\n%6s  %-47s  %10s  %14s  %12s  %9s  %6s  %12s\n",
                 "stream", "flow", "packets", "bytes", "retrans", "reordered", "gaps", "missing");
    for (const auto &stream : m_streams) {
        for (const int id : stream->flows) {
            const TcpReassembler::Flow &flow = *m_flows->flows()[std::size_t(id)];
            const FlowUse &use = m_flowUse[std::size_t(id)];
            const ReassemblyCounts &r = flow.counts;
            std::fprintf(m_out, "%6d  %-47s  %10llu  %14llu  %12llu  %9llu  %6llu  %12llu\n",
                         stream->index, flow.key.text().c_str(), (unsigned long long)use.packets,
                         (unsigned long long)use.bytes, (unsigned long long)r.retransmittedBytes,
                         (unsigned long long)r.reorderedSegments, (unsigned long long)r.gaps,
                         (unsigned long long)r.missingBytes);
        }
    }
    std::fflush(m_out);
}

} // namespace replay

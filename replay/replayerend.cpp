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
        if (!stream->note.empty())
            message("stream " + std::to_string(stream->index) + " (" + stream->sourceText +
                    " -> port " + std::to_string(stream->port) + "): " + stream->note);
    }
}

void Replayer::printSummary(double seconds)
{
    std::uint64_t bytes = 0;
    std::uint64_t sent = 0;
    for (const auto &stream : m_streams) {
        bytes += stream->bytes;
        sent += stream->connection ? stream->connection->bytesSent() : 0;
    }
    const std::string target = m_options.dryRun
                                   ? std::string("(dry run: nothing sent)")
                                   : "to " + m_server + (m_options.tls ? " over TLS" : "");
    std::fprintf(m_out, "replayed %s (%s) %s in %.2f s: %zu stream(s), %s of payload",
                 m_options.captureFile.toUtf8().constData(), m_linkTypeName.c_str(), target.c_str(),
                 seconds, m_streams.size(), sizeText(bytes).c_str());
    if (!m_options.dryRun)
        std::fprintf(m_out, ", %s sent (%s/s)", sizeText(sent).c_str(),
                     sizeText(std::uint64_t(seconds > 0 ? double(sent) / seconds : 0)).c_str());
    std::fprintf(m_out, "\n");
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
    std::fprintf(m_out, "%6s  %-39s  %5s  %10s  %14s  %s%s\n", "stream", "source", "port",
                 "packets", "bytes", digestColumn(digestName).c_str(), "result");
    for (const auto &stream : m_streams) {
        std::string result;
        if (m_options.dryRun)
            result = stream->port > 65535 ? "no port left" : "-";
        else if (!stream->error.empty())
            result = "FAILED: " + stream->error + (stream->reset ? " (aborted with a reset)" : "");
        else if (m_interrupted)
            result = "interrupted: sent what was read";
        else
            result = "delivered";
        std::fprintf(m_out, "%6d  %-39s  %5s  %10llu  %14llu  %s%s\n", stream->index,
                     stream->sourceText.c_str(),
                     stream->port > 65535 ? "-" : std::to_string(stream->port).c_str(),
                     (unsigned long long)stream->packets, (unsigned long long)stream->bytes,
                     digestColumn(stream->digest).c_str(), result.c_str());
    }
    std::fflush(m_out);
}

} // namespace replay

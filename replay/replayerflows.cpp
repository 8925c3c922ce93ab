// The flows of a replay: each packet with payload to its flow and stream, through the TCP
// reassembler (or as captured), and the warnings about streams that merge flows.

#include "replay/replayer.h"

namespace replay {

void Replayer::replayPayload(const DecodedPacket &packet)
{
    TcpReassembler::Flow &flow = m_flows->flow(FlowKey::of(packet));
    ReplayStream *stream = streamOf(flow);
    ++stream->packets;
    ++m_flowUse[std::size_t(flow.id)].packets;
    if (m_options.reassemble && packet.transport == Transport::Tcp)
        m_flows->segment(flow, packet.sequence, packet.tcpFlags, packet.payload,
                         packet.payloadSize);
    else
        deliver(flow, packet.payload, packet.payloadSize, false);
}

void Replayer::replayControl(const DecodedPacket &packet)
{
    if ((packet.tcpFlags & (tcpflags::Syn | tcpflags::Fin | tcpflags::Rst)) == 0)
        return; // a bare ACK: nothing for the reassembly
    m_flows->segment(m_flows->flow(FlowKey::of(packet)), packet.sequence, packet.tcpFlags, nullptr,
                     0);
}

ReplayStream *Replayer::streamOf(const TcpReassembler::Flow &flow)
{
    if (std::size_t(flow.id) >= m_flowUse.size())
        m_flowUse.resize(std::size_t(flow.id) + 1);
    FlowUse &use = m_flowUse[std::size_t(flow.id)];
    if (!use.stream) {
        use.stream = m_options.streams == StreamsBy::Flow
                         ? addStream(flow.key.source, flow.key.text())
                         : streamFor(flow.key.source);
        use.stream->flows.push_back(flow.id);
    }
    return use.stream;
}

void Replayer::deliver(const TcpReassembler::Flow &flow, const std::uint8_t *data, std::size_t size,
                       bool held)
{
    if (std::size_t(flow.id) >= m_flowUse.size() || !m_flowUse[std::size_t(flow.id)].stream)
        return; // cannot be: a flow holds bytes only after its first payload packet
    FlowUse &use = m_flowUse[std::size_t(flow.id)];
    ReplayStream *stream = use.stream;
    use.bytes += size;
    stream->bytes += size;
    hash(stream, data, size);
    if (!m_options.dryRun)
        send(stream, data, size, held);
}

void Replayer::finishReassembly()
{
    m_flows->finish(); // gaps that never filled are given up; what was held is sent
    for (const auto &flow : m_flows->flows()) {
        if (std::size_t(flow->id) < m_flowUse.size() && m_flowUse[std::size_t(flow->id)].stream)
            m_flowUse[std::size_t(flow->id)].stream->repaired += flow->counts;
    }
}

void Replayer::warnAboutMergedFlows()
{
    int hosts = 0;
    std::string example;
    for (const auto &stream : m_streams) {
        if (stream->flows.size() < 2)
            continue;
        if (++hosts == 1)
            example = stream->sourceText + ": " + std::to_string(stream->flows.size()) + " flows";
    }
    if (hosts > 0)
        message("warning: " + std::to_string(hosts) + " source host(s) send on several flows (" +
                example + (hosts > 1 ? ", ..." : "") +
                "), interleaved into one stream per host; --streams flow gives each flow its "
                "own stream");
    int conversations = 0;
    for (const auto &flow : m_flows->flows()) {
        if (std::size_t(flow->id) >= m_flowUse.size() || !m_flowUse[std::size_t(flow->id)].stream)
            continue;
        const TcpReassembler::Flow *other = m_flows->find(flow->key.reversed());
        if (!other || other->id < flow->id || std::size_t(other->id) >= m_flowUse.size() ||
            !m_flowUse[std::size_t(other->id)].stream)
            continue;
        if (++conversations == 1)
            example = flow->key.text();
    }
    if (conversations > 0)
        message("warning: both directions of " + std::to_string(conversations) +
                " conversation(s) carry payload (" + example + (conversations > 1 ? ", ..." : "") +
                " and back), each direction into the stream of its source host; --streams flow "
                "gives each direction its own stream");
}

} // namespace replay

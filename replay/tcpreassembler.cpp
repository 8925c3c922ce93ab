#include "replay/tcpreassembler.h"

#include <sys/socket.h>

#include <algorithm>

namespace replay {

namespace {

std::string endpointText(const SourceAddress &address, std::uint16_t port)
{
    const std::string host = address.text();
    return (address.family == AF_INET6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

} // namespace

std::string FlowKey::text() const
{
    return (transport == Transport::Udp ? "udp:" : "") + endpointText(source, sourcePort) + "->" +
           endpointText(destination, destinationPort);
}

std::size_t FlowKeyHash::operator()(const FlowKey &key) const noexcept
{
    const SourceAddressHash address;
    std::size_t hash = address(key.source);
    hash = hash * 0x9e3779b97f4a7c15ULL + address(key.destination);
    hash =
        hash * 0x9e3779b97f4a7c15ULL + ((std::size_t(key.transport == Transport::Udp) << 32) |
                                        (std::size_t(key.sourcePort) << 16) | key.destinationPort);
    return hash ^ (hash >> 29);
}

ReassemblyCounts &ReassemblyCounts::operator+=(const ReassemblyCounts &other)
{
    retransmittedBytes += other.retransmittedBytes;
    reorderedSegments += other.reorderedSegments;
    gaps += other.gaps;
    missingBytes += other.missingBytes;
    return *this;
}

TcpReassembler::TcpReassembler(Output output, std::size_t maxHeldPerFlow, std::size_t maxHeldTotal)
    : m_output(std::move(output))
    , m_maxHeldPerFlow(maxHeldPerFlow)
    , m_maxHeldTotal(maxHeldTotal)
{}

TcpReassembler::~TcpReassembler() = default;

TcpReassembler::Flow &TcpReassembler::flow(const FlowKey &key)
{
    if (m_last && m_last->key == key) // most segments: the last one's flow
        return *m_last;
    if (const auto found = m_byKey.find(key); found != m_byKey.end())
        return *(m_last = found->second);
    auto made = std::make_unique<Flow>();
    made->id = int(m_flows.size());
    made->key = key;
    m_last = made.get();
    m_byKey.emplace(key, m_last);
    m_flows.push_back(std::move(made));
    return *m_last;
}

const TcpReassembler::Flow *TcpReassembler::find(const FlowKey &key) const
{
    const auto found = m_byKey.find(key);
    return found == m_byKey.end() ? nullptr : found->second;
}

void TcpReassembler::segment(Flow &flow, std::uint32_t sequence, std::uint8_t flags,
                             const std::uint8_t *data, std::size_t size)
{
    if (flags & tcpflags::Rst) {
        // The connection is gone: what is missing will not come. (A RST's payload, if any, is
        // a diagnostic, not stream data.)
        giveUpAll(flow);
        flow.closed = flow.started;
        return;
    }
    if (flags & tcpflags::Syn) {
        if (!flow.synSeen || sequence != flow.isn) {
            // The first SYN, or a new connection on the same ports: it starts over.
            giveUpAll(flow);
            flow.started = flow.synSeen = true;
            flow.finSeen = flow.closed = false;
            flow.isn = sequence;
            flow.next = sequence + 1;
        }
        ++sequence; // the SYN takes one sequence number; data (TCP Fast Open) follows it
    }
    if (!flow.started) {
        if (size == 0)
            return;
        flow.started = true; // captured mid-way: it starts at its first segment with data
        flow.next = sequence;
    }
    // Serial-number arithmetic (RFC 1982): how far ahead of the next byte this segment starts.
    const std::int32_t ahead = std::int32_t(sequence - flow.next);
    if (size > 0) {
        if (ahead <= 0) {
            const std::uint64_t behind = std::uint64_t(-std::int64_t(ahead));
            if (behind >= size) {
                flow.counts.retransmittedBytes += size;
            } else {
                flow.counts.retransmittedBytes += behind;
                m_output(flow, data + behind, size - std::size_t(behind), false);
                advance(flow, size - std::size_t(behind));
                if (!flow.held.empty())
                    deliverHeld(flow, true);
            }
        } else {
            hold(flow, flow.nextAt + std::uint64_t(ahead), data, size);
            enforceLimits(flow);
        }
    }
    if (flags & tcpflags::Fin) {
        const std::int64_t finAhead = std::int32_t(sequence + std::uint32_t(size) - flow.next);
        flow.finSeen = true;
        flow.finAt = flow.nextAt + std::uint64_t(std::max<std::int64_t>(0, finAhead));
    }
    if (flow.finSeen)
        checkFin(flow);
}

void TcpReassembler::checkFin(Flow &flow)
{
    if (flow.closed || flow.nextAt < flow.finAt)
        return;
    // The FIN is reached: the flow has ended; nothing it holds can be filled any more.
    flow.closed = true;
    giveUpAll(flow);
}

void TcpReassembler::finish()
{
    for (const auto &flow : m_flows)
        giveUpAll(*flow);
}

void TcpReassembler::advance(Flow &flow, std::size_t bytes)
{
    flow.next += std::uint32_t(bytes);
    flow.nextAt += bytes;
}

void TcpReassembler::hold(Flow &flow, std::uint64_t at, const std::uint8_t *data, std::size_t size)
{
    const std::uint64_t end = at + size;
    std::uint64_t cursor = at;
    auto it = flow.held.upper_bound(at);
    if (it != flow.held.begin()) {
        const auto before = std::prev(it);
        if (before->first + before->second.bytes.size() > at)
            it = before;
    }
    bool first = true;
    std::size_t kept = 0;
    std::size_t memory = 0;
    while (cursor < end) {
        if (it != flow.held.end() && it->first <= cursor) { // already held: skip it
            cursor = std::max(cursor, it->first + it->second.bytes.size());
            ++it;
            continue;
        }
        const std::uint64_t pieceEnd = it != flow.held.end() && it->first < end ? it->first : end;
        Flow::Piece piece;
        piece.bytes.assign(data + (cursor - at), data + (pieceEnd - at));
        piece.firstOfSegment = first;
        first = false;
        kept += piece.bytes.size();
        memory += piece.bytes.size() + pieceCost;
        flow.held.emplace_hint(it, cursor, std::move(piece));
        cursor = pieceEnd;
    }
    flow.counts.retransmittedBytes += size - kept;
    if (memory == 0)
        return;
    if (flow.heldMemory == 0)
        m_holding.push_back(&flow);
    flow.heldMemory += memory;
    m_heldMemory += memory;
}

void TcpReassembler::releaseHeld(Flow &flow, std::size_t memory)
{
    flow.heldMemory -= memory;
    m_heldMemory -= memory;
    if (flow.heldMemory == 0)
        std::erase(m_holding, &flow);
}

void TcpReassembler::deliverHeld(Flow &flow, bool filled)
{
    while (!flow.held.empty()) {
        const auto it = flow.held.begin();
        if (it->first > flow.nextAt)
            return; // a gap before it
        const std::vector<std::uint8_t> &bytes = it->second.bytes;
        const std::uint64_t end = it->first + bytes.size();
        if (end > flow.nextAt) {
            const std::size_t skip = std::size_t(flow.nextAt - it->first);
            flow.counts.retransmittedBytes += skip; // sent meanwhile by an in-order segment
            if (filled && it->second.firstOfSegment)
                ++flow.counts.reorderedSegments;
            m_output(flow, bytes.data() + skip, bytes.size() - skip, true);
            advance(flow, bytes.size() - skip);
        } else {
            flow.counts.retransmittedBytes += bytes.size();
        }
        const std::size_t memory = bytes.size() + pieceCost;
        flow.held.erase(it);
        releaseHeld(flow, memory);
    }
}

void TcpReassembler::giveUpFirstGap(Flow &flow)
{
    if (flow.held.empty())
        return;
    const std::uint64_t first = flow.held.begin()->first;
    if (first > flow.nextAt) {
        ++flow.counts.gaps;
        flow.counts.missingBytes += first - flow.nextAt;
        advance(flow, std::size_t(first - flow.nextAt));
    }
    deliverHeld(flow, false);
}

void TcpReassembler::giveUpAll(Flow &flow)
{
    while (!flow.held.empty())
        giveUpFirstGap(flow);
}

void TcpReassembler::enforceLimits(Flow &flow)
{
    while (flow.heldMemory > m_maxHeldPerFlow)
        giveUpFirstGap(flow);
    while (m_heldMemory > m_maxHeldTotal && !m_holding.empty()) {
        Flow *most =
            *std::max_element(m_holding.begin(), m_holding.end(), [](const Flow *a, const Flow *b) {
                return a->heldMemory < b->heldMemory;
            });
        giveUpFirstGap(*most);
    }
}

} // namespace replay

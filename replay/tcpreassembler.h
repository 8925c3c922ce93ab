#pragma once

#include "replay/packetdecoder.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace replay {

/// One direction of a TCP (or UDP) conversation: source address:port -> destination
/// address:port.
struct FlowKey
{
    SourceAddress source;
    SourceAddress destination;
    std::uint16_t sourcePort = 0;
    std::uint16_t destinationPort = 0;
    Transport transport = Transport::Tcp;

    bool operator==(const FlowKey &) const = default;
    /// The other direction of the same conversation.
    FlowKey reversed() const
    {
        return {destination, source, destinationPort, sourcePort, transport};
    }
    /// "10.0.0.1:40000->10.0.0.2:80", "[2001:db8::1]:40000->[2001:db8::2]:80", UDP with a
    /// "udp:" in front (no spaces: one word in a table).
    std::string text() const;
    static FlowKey of(const DecodedPacket &packet)
    {
        return {packet.source, packet.destination, packet.sourcePort, packet.destinationPort,
                packet.transport};
    }
};

struct FlowKeyHash
{
    std::size_t operator()(const FlowKey &key) const noexcept;
};

/// What the reassembly of one flow direction repaired.
struct ReassemblyCounts
{
    std::uint64_t retransmittedBytes = 0; ///< bytes already sent (or held) again: dropped
    std::uint64_t reorderedSegments = 0;  ///< segments held ahead of a gap that then filled
    std::uint64_t gaps = 0;               ///< gaps given up (bytes never captured)
    std::uint64_t missingBytes = 0;       ///< the bytes in those gaps

    bool operator==(const ReassemblyCounts &) const = default;
    ReassemblyCounts &operator+=(const ReassemblyCounts &other);
};

/// Puts the payload of each TCP flow direction back in sequence order, as the sender meant
/// it: bytes already delivered are trimmed from retransmissions (whole or partial overlaps), a
/// segment ahead of a gap is held (copied) until the gap fills, 32-bit sequence numbers wrap
/// around. A SYN sets a flow's initial sequence number; a flow captured without its SYN starts
/// at its first segment with payload. A gap is given up (held bytes delivered, the missing
/// bytes counted) when the flow's held bytes pass `maxHeldPerFlow`, all flows' together pass
/// `maxHeldTotal` (the flow holding most gives up its first gap), at a RST, when the FIN is
/// reached, and at finish(). No sockets, no clock: the caller feeds segments in capture order
/// and gets bytes through the Output callback. Memory: a few hundred bytes per flow plus the
/// held bytes, bounded by `maxHeldTotal`.
class TcpReassembler
{
public:
    struct Flow;
    /// Delivers `size` bytes of `flow`, in order. `held`: they come from the reassembler's own
    /// memory, valid only during the call (copy them); otherwise they point into the segment
    /// just given to segment().
    using Output = std::function<void(const Flow &flow, const std::uint8_t *data, std::size_t size,
                                      bool held)>;

    struct Flow
    {
        int id = 0; ///< 0, 1, 2 … in order of first appearance
        FlowKey key;
        ReassemblyCounts counts;
        /// Memory its held pieces take: their bytes plus a fixed cost per piece, so that many
        /// tiny pieces count too. What the bounds compare.
        std::size_t heldMemory = 0;
        /// Where the next byte delivered stands in the flow: bytes delivered plus bytes given
        /// up, since its first (or its SYN's) sequence number. During an Output call: where the
        /// bytes delivered start.
        std::uint64_t position() const { return nextAt; }

    private:
        friend class TcpReassembler;
        /// One held piece; pieces never overlap. Keyed by the 64-bit position (bytes since the
        /// flow's start, so wrap-around needs no care there).
        struct Piece
        {
            std::vector<std::uint8_t> bytes;
            bool firstOfSegment = false; ///< counts as a reordered segment when delivered
        };
        bool started = false;     ///< the position of the next byte is known
        bool synSeen = false;     ///< started by a SYN (isn valid)
        bool finSeen = false;     ///< a FIN was captured: finAt valid
        bool closed = false;      ///< the FIN was reached or a RST came
        std::uint32_t isn = 0;    ///< the SYN's sequence number
        std::uint32_t next = 0;   ///< the sequence number of the next byte to deliver
        std::uint64_t nextAt = 0; ///< the same as a 64-bit position
        std::uint64_t finAt = 0;
        std::map<std::uint64_t, Piece> held;
    };

    static constexpr std::size_t defaultMaxHeldPerFlow = 4 * 1024 * 1024;
    static constexpr std::size_t defaultMaxHeldTotal = 64 * 1024 * 1024;

    explicit TcpReassembler(Output output, std::size_t maxHeldPerFlow = defaultMaxHeldPerFlow,
                            std::size_t maxHeldTotal = defaultMaxHeldTotal);
    ~TcpReassembler();
    TcpReassembler(const TcpReassembler &) = delete;
    TcpReassembler &operator=(const TcpReassembler &) = delete;

    /// The flow of `key`, made on first use.
    Flow &flow(const FlowKey &key);
    /// The flow of `key` if there is one (not made).
    const Flow *find(const FlowKey &key) const;
    /// One captured TCP segment of `flow` (with or without payload; its SYN, FIN and RST
    /// flags). Delivers what is now in order, through the Output.
    void segment(Flow &flow, std::uint32_t sequence, std::uint8_t flags, const std::uint8_t *data,
                 std::size_t size);
    /// The end of the capture: every flow gives up its gaps and delivers what it holds.
    void finish();

    const std::vector<std::unique_ptr<Flow>> &flows() const { return m_flows; }
    /// Memory all flows' held pieces take (see Flow::heldMemory); never above the bound.
    std::size_t heldMemory() const { return m_heldMemory; }
    /// The fixed cost each held piece counts beside its bytes (a map node and a vector).
    static constexpr std::size_t pieceCost = 96;

private:
    /// Holds the part of [at, at + size) that no held piece covers yet (copied).
    void hold(Flow &flow, std::uint64_t at, const std::uint8_t *data, std::size_t size);
    /// Delivers the held pieces that are now in order; `filled`: a gap before them was filled
    /// (so they count as reordered), not given up.
    void deliverHeld(Flow &flow, bool filled);
    /// Gives up the gap before the first held piece and delivers what is then in order.
    void giveUpFirstGap(Flow &flow);
    /// Gives up every gap: delivers everything held.
    void giveUpAll(Flow &flow);
    void advance(Flow &flow, std::size_t bytes);
    void checkFin(Flow &flow);
    void enforceLimits(Flow &flow);
    void releaseHeld(Flow &flow, std::size_t memory);

    Output m_output;
    std::size_t m_maxHeldPerFlow;
    std::size_t m_maxHeldTotal;
    std::size_t m_heldMemory = 0;
    std::vector<std::unique_ptr<Flow>> m_flows;
    std::unordered_map<FlowKey, Flow *, FlowKeyHash> m_byKey;
    Flow *m_last = nullptr;
    std::vector<Flow *> m_holding; ///< flows with held bytes (for the overall bound)
};

} // namespace replay

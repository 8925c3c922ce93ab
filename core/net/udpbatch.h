#pragma once

#include <QString>
#include <QtGlobal>

#include <netinet/in.h>
#include <sys/socket.h>
#include <vector>

struct mmsghdr;
struct iovec;

namespace capture {

/// One datagram of a batch, pointing into the batch's buffers (valid until the next read).
struct Datagram
{
    const char *data = nullptr;
    qint64 captured = 0; ///< bytes in `data`
    qint64 length = 0;   ///< the datagram's real length: more than `captured` when truncated
    sockaddr_storage source{};
    /// Where it was sent (IP_PKTINFO / IPV6_PKTINFO); family AF_UNSPEC when not known.
    sockaddr_storage destination{};
    qint64 seconds = 0; ///< kernel receive time (SO_TIMESTAMPNS); 0 when not given
    qint64 nanoseconds = 0;
    /// SO_RXQ_OVFL: the socket's drop count when this datagram was queued, if given.
    bool hasDropCount = false;
    quint32 dropCount = 0;

    bool truncated() const { return length > captured; }
};

/// Reads up to slotCount() datagrams with one recvmmsg(2) into fixed slots of slotSize() bytes,
/// with their control messages. A UDP payload is at most 65,507 bytes (IPv4) or 65,527
/// (IPv6, no jumbograms), so with the default slot size no datagram is ever cut; a smaller
/// one (tests) makes truncation possible, which Datagram::truncated() tells.
class UdpBatch
{
public:
    static constexpr int defaultSlots = 64;
    static constexpr qint64 defaultSlotSize = 65536;

    explicit UdpBatch(int slotCount = defaultSlots, qint64 slotSize = defaultSlotSize);
    ~UdpBatch();
    UdpBatch(const UdpBatch &) = delete;
    UdpBatch &operator=(const UdpBatch &) = delete;

    /// Reads what `fd` holds, up to slotCount() datagrams, never blocking. Returns how many were
    /// read (0: nothing there), or -1 with `error` set.
    int read(int fd, QString *error);
    const Datagram &at(int i) const { return m_datagrams[size_t(i)]; }

    int slotCount() const { return m_slots; }
    qint64 slotSize() const { return m_slotSize; }

    /// Scratch space for what the caller makes of a batch (the engine thread's, shared).
    std::vector<char> output;

private:
    int m_slots;
    qint64 m_slotSize;
    std::vector<char> m_buffer;
    std::vector<char> m_control;
    std::vector<mmsghdr> m_headers;
    std::vector<iovec> m_iov;
    std::vector<Datagram> m_datagrams;
};

} // namespace capture

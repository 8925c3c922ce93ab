#include "core/net/udpbatch.h"

#include "core/util/syserror.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/uio.h>

namespace capture {

namespace {
// Room for a timestamp, a drop count and an IPv6 packet-info message, with their headers.
constexpr size_t controlSize =
    CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(quint32)) + CMSG_SPACE(sizeof(in6_pktinfo));
} // namespace

UdpBatch::UdpBatch(int slotCount, qint64 slotSize)
    : m_slots(qMax(1, slotCount))
    , m_slotSize(qMax<qint64>(1, slotSize))
    , m_buffer(size_t(m_slots) * size_t(m_slotSize))
    , m_control(size_t(m_slots) * controlSize)
    , m_headers(size_t(m_slots))
    , m_iov(size_t(m_slots))
    , m_datagrams(size_t(m_slots))
{}

UdpBatch::~UdpBatch() = default;

int UdpBatch::read(int fd, QString *error)
{
    for (int i = 0; i < m_slots; ++i) {
        m_iov[size_t(i)] = {m_buffer.data() + size_t(i) * size_t(m_slotSize), size_t(m_slotSize)};
        msghdr &h = m_headers[size_t(i)].msg_hdr;
        h = {};
        h.msg_name = &m_datagrams[size_t(i)].source;
        h.msg_namelen = sizeof(sockaddr_storage);
        h.msg_iov = &m_iov[size_t(i)];
        h.msg_iovlen = 1;
        h.msg_control = m_control.data() + size_t(i) * controlSize;
        h.msg_controllen = controlSize;
        m_headers[size_t(i)].msg_len = 0;
    }
    int n = 0;
    do
        // MSG_TRUNC: msg_len is the datagram's real length even when the slot cut it.
        n = ::recvmmsg(fd, m_headers.data(), unsigned(m_slots), MSG_DONTWAIT | MSG_TRUNC, nullptr);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (error)
            *error = systemErrorString(errno);
        return -1;
    }
    for (int i = 0; i < n; ++i) {
        const mmsghdr &m = m_headers[size_t(i)];
        Datagram &d = m_datagrams[size_t(i)];
        d.data = static_cast<const char *>(m_iov[size_t(i)].iov_base);
        d.length = qint64(m.msg_len);
        d.captured = qMin<qint64>(d.length, m_slotSize);
        if ((m.msg_hdr.msg_flags & MSG_TRUNC) && d.length <= d.captured)
            d.length = d.captured + 1; // cut, by how much not known: marked all the same
        d.destination.ss_family = AF_UNSPEC;
        d.seconds = 0;
        d.nanoseconds = 0;
        d.hasDropCount = false;
        auto *h = const_cast<msghdr *>(&m.msg_hdr);
        for (cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts{};
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                d.seconds = ts.tv_sec;
                d.nanoseconds = ts.tv_nsec;
            } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                std::memcpy(&d.dropCount, CMSG_DATA(c), sizeof d.dropCount);
                d.hasDropCount = true;
            } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                in_pktinfo info{};
                std::memcpy(&info, CMSG_DATA(c), sizeof info);
                auto *sa = reinterpret_cast<sockaddr_in *>(&d.destination);
                sa->sin_family = AF_INET;
                sa->sin_addr = info.ipi_addr;
            } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
                in6_pktinfo info{};
                std::memcpy(&info, CMSG_DATA(c), sizeof info);
                auto *sa = reinterpret_cast<sockaddr_in6 *>(&d.destination);
                sa->sin6_family = AF_INET6;
                sa->sin6_addr = info.ipi6_addr;
            }
        }
    }
    return n;
}

} // namespace capture

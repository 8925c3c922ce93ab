#pragma once

#include "replay/serveraddress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace replay {

/// --to udp: one stream's datagrams, each payload sent as one datagram on a UDP socket
/// connected to the receiver's port (blocking: the kernel paces it; nothing is queued here).
class UdpSender
{
public:
    UdpSender() = default;
    ~UdpSender();
    UdpSender(const UdpSender &) = delete;
    UdpSender &operator=(const UdpSender &) = delete;

    /// Opens a socket towards the first of `addresses` that takes one, at `port`; false with
    /// `error` set.
    bool open(const std::vector<ServerAddress> &addresses, std::uint16_t port, std::string *error);
    /// Sends `size` bytes as one datagram; false with `error` set (a datagram larger than
    /// UDP carries, or the receiver's host said nothing listens on the port).
    bool send(const std::uint8_t *data, std::size_t size, std::string *error);
    void close();

    std::uint64_t datagrams() const { return m_datagrams; }
    std::uint64_t bytesSent() const { return m_bytes; }

private:
    int m_fd = -1;
    std::uint64_t m_datagrams = 0;
    std::uint64_t m_bytes = 0;
};

} // namespace replay

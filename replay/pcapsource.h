#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct pcap;
struct pcap_pkthdr;

namespace replay {

/// One packet read from a capture: valid until the next call to PcapSource::next().
struct CapturedPacket
{
    std::int64_t timestampNs = 0; ///< since the epoch, nanoseconds
    const std::uint8_t *data = nullptr;
    std::size_t capturedLength = 0;
    std::size_t originalLength = 0;
};

/// Reads a pcap or pcapng file (or "-" for standard input) through libpcap, packet by
/// packet, never holding more than one packet: memory stays bounded however large the file.
class PcapSource
{
public:
    PcapSource() = default;
    ~PcapSource();
    PcapSource(const PcapSource &) = delete;
    PcapSource &operator=(const PcapSource &) = delete;

    /// Opens `path` and, when `filter` is not empty, applies it as a BPF expression. On failure
    /// returns false with a one-line `error` (not a capture, unreadable, truncated header,
    /// invalid filter).
    bool open(const std::string &path, const std::string &filter, std::string *error);

    int linkType() const { return m_linkType; }
    /// "EN10MB (Ethernet)" style name of the link type.
    std::string linkTypeName() const;

    enum class Next { Packet, End, Error };
    /// The next packet that passes the filter, the end of the file, or an error (errorString():
    /// a truncated record, a read error).
    Next next(CapturedPacket *packet);
    const std::string &errorString() const { return m_error; }

    /// Bytes of the file read so far and its size (0 when unknown: a pipe), for progress.
    std::uint64_t position() const;
    std::uint64_t size() const { return m_size; }

private:
    pcap *m_pcap = nullptr;
    int m_linkType = -1;
    std::uint64_t m_size = 0;
    std::string m_error;
};

} // namespace replay

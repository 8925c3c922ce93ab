#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct pcap;
struct bpf_program;

namespace replay {

/// One packet read from a capture: valid until the next call to PcapSource::next(), or with
/// PcapSource::keepsPacketsUntilReuse() until the reader announces that it reuses its buffer.
struct CapturedPacket
{
    std::int64_t timestampNs = 0; ///< since the epoch, nanoseconds
    const std::uint8_t *data = nullptr;
    std::size_t capturedLength = 0;
    std::size_t originalLength = 0;
};

/// Reads a pcap or pcapng file (or "-" for standard input) packet by packet, memory bounded
/// however large the file. libpcap opens every capture (its checks, its messages, the BPF
/// filter); the records of a classic pcap file are then read here, in large reads into one
/// buffer, not copied one by one (libpcap's per-record reads were most of the replay's cost).
/// pcapng and standard input stay with libpcap.
class PcapSource
{
public:
    PcapSource();
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

    /// A classic pcap file is read into one buffer that packets point into: a packet's bytes
    /// then stay where they are across next() calls until `beforeReuse` (setBeforeReuse()) is
    /// called. False for pcapng and standard input (libpcap's own buffer).
    bool keepsPacketsUntilReuse() const { return m_fd >= 0; }
    /// Called before the buffer's bytes are moved or overwritten.
    void setBeforeReuse(std::function<void()> beforeReuse)
    {
        m_beforeReuse = std::move(beforeReuse);
    }

    /// Bytes of the file read so far and its size (0 when unknown: a pipe), for progress.
    std::uint64_t position() const;
    std::uint64_t size() const { return m_size; }

private:
    /// A classic pcap file: its records are read by nextRecord() from here on.
    bool openDirect(const std::string &path);
    Next nextRecord(CapturedPacket *packet);
    /// Makes at least `bytes` unread bytes available in m_buffer (fewer only at the end of
    /// the file, or on a read error: m_error set).
    bool fill(std::size_t bytes);

    pcap *m_pcap = nullptr;
    int m_linkType = -1;
    std::uint64_t m_size = 0;
    std::string m_error;

    // Direct reading (openDirect()): the file, the buffer and its unread bytes [m_begin, m_end).
    int m_fd = -1;
    std::unique_ptr<std::uint8_t[]> m_buffer;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    std::uint64_t m_fileOffset = 0; ///< of m_buffer[m_end]
    bool m_swapped = false;         ///< the file's byte order is not this machine's
    bool m_nanoseconds = false;     ///< its timestamps' fraction counts ns, not µs
    std::uint32_t m_snapshot = 0;
    std::unique_ptr<bpf_program> m_filter; ///< --filter, compiled; null: none
    std::function<void()> m_beforeReuse;
};

} // namespace replay

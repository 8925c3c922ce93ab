#include "replay/pcapsource.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace replay {

namespace {
// Direct reading: one read(2) fills up to this much; a record is at most 16 + 256 KiB.
constexpr std::size_t readBufferBytes = 1024 * 1024;
constexpr std::size_t recordHeaderBytes = 16;
constexpr std::size_t fileHeaderBytes = 24;
// libpcap's bound on a record's captured length (MAXIMUM_SNAPLEN) for the link types replayed.
constexpr std::uint32_t maximumSnapshot = 262144;

std::uint32_t read32(const std::uint8_t *p, bool swapped)
{
    std::uint32_t value;
    std::memcpy(&value, p, sizeof value);
    return swapped ? __builtin_bswap32(value) : value;
}
} // namespace

PcapSource::PcapSource() = default;

PcapSource::~PcapSource()
{
    if (m_filter)
        pcap_freecode(m_filter.get());
    if (m_fd >= 0)
        ::close(m_fd);
    if (m_pcap)
        pcap_close(m_pcap);
}

bool PcapSource::open(const std::string &path, const std::string &filter, std::string *error)
{
    // Checked first so that the message says what is wrong in the user's words, not libpcap's.
    if (path != "-") {
        struct stat st
        {};
        if (::stat(path.c_str(), &st) != 0) {
            *error = "cannot read '" + path + "': " + std::strerror(errno);
            return false;
        }
        if (S_ISDIR(st.st_mode)) {
            *error = "cannot read '" + path + "': it is a directory";
            return false;
        }
        if (S_ISREG(st.st_mode))
            m_size = std::uint64_t(st.st_size);
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    m_pcap =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!m_pcap) {
        const std::string reason = errbuf;
        if (reason.find("unknown file format") != std::string::npos)
            *error = "'" + path + "' is not a pcap or pcapng capture (" + reason + ")";
        else if (reason.find("truncated") != std::string::npos)
            *error = "'" + path + "' is truncated: " + reason;
        else
            *error = "cannot read '" + path + "': " + reason;
        return false;
    }
    m_linkType = pcap_datalink(m_pcap);
    if (!filter.empty()) {
        auto program = std::make_unique<bpf_program>();
        if (pcap_compile(m_pcap, program.get(), filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            *error = "invalid --filter '" + filter + "': " + pcap_geterr(m_pcap);
            return false;
        }
        m_filter = std::move(program); // kept: direct reading applies it itself
        if (pcap_setfilter(m_pcap, m_filter.get()) != 0) {
            *error = "cannot apply --filter '" + filter + "': " + pcap_geterr(m_pcap);
            return false;
        }
    }
    if (m_size > 0)
        openDirect(path); // else (or when it cannot) libpcap reads on
    return true;
}

bool PcapSource::openDirect(const std::string &path)
{
    // Only classic pcap with libpcap's standard header (µs or ns timestamps, either byte
    // order); libpcap has checked that header already, so it is read here for the byte order.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    std::uint8_t header[fileHeaderBytes];
    if (::pread(fd, header, sizeof header, 0) != ssize_t(sizeof header)) {
        ::close(fd);
        return false;
    }
    std::uint32_t magic;
    std::memcpy(&magic, header, sizeof magic);
    switch (magic) {
    case 0xa1b2c3d4:
    case 0xa1b23c4d:
        m_swapped = false;
        break;
    case 0xd4c3b2a1:
    case 0x4d3cb2a1:
        m_swapped = true;
        break;
    default: // pcapng, or a pcap variant only libpcap knows
        ::close(fd);
        return false;
    }
    m_nanoseconds = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    m_fd = fd;
    ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    m_buffer = std::make_unique<std::uint8_t[]>(readBufferBytes);
    m_begin = m_end = 0;
    m_fileOffset = fileHeaderBytes;
    m_snapshot = std::uint32_t(pcap_snapshot(m_pcap)); // as libpcap corrected it
    return true;
}

bool PcapSource::fill(std::size_t bytes)
{
    if (m_end - m_begin >= bytes)
        return true;
    if (m_begin > 0) { // what is left moves to the front; the reads then fill the rest
        if (m_beforeReuse)
            m_beforeReuse();
        std::memmove(m_buffer.get(), m_buffer.get() + m_begin, m_end - m_begin);
        m_end -= m_begin;
        m_begin = 0;
    }
    while (m_end < bytes) {
        const ssize_t n =
            ::pread(m_fd, m_buffer.get() + m_end, readBufferBytes - m_end, off_t(m_fileOffset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            m_error = std::string("read error: ") + std::strerror(errno);
            return false;
        }
        if (n == 0)
            return false; // the end of the file
        m_end += std::size_t(n);
        m_fileOffset += std::uint64_t(n);
    }
    return true;
}

PcapSource::Next PcapSource::nextRecord(CapturedPacket *packet)
{
    for (;;) {
        if (!fill(recordHeaderBytes)) {
            if (!m_error.empty())
                return Next::Error;
            if (m_end == m_begin)
                return Next::End;
            // libpcap's words, so that either reader reports a cut file alike.
            m_error = "truncated dump file; tried to read " + std::to_string(recordHeaderBytes) +
                      " header bytes, only got " + std::to_string(m_end - m_begin);
            return Next::Error;
        }
        const std::uint8_t *header = m_buffer.get() + m_begin;
        const std::uint32_t seconds = read32(header, m_swapped);
        const std::uint32_t fraction = read32(header + 4, m_swapped);
        const std::uint32_t captured = read32(header + 8, m_swapped);
        const std::uint32_t original = read32(header + 12, m_swapped);
        if (captured > maximumSnapshot) {
            m_error = "invalid packet capture length " + std::to_string(captured) +
                      ", bigger than maximum of " + std::to_string(maximumSnapshot);
            return Next::Error;
        }
        if (!fill(recordHeaderBytes + captured)) {
            if (!m_error.empty())
                return Next::Error;
            m_error = "truncated dump file; tried to read " + std::to_string(captured) +
                      " captured bytes, only got " +
                      std::to_string(m_end - m_begin - recordHeaderBytes);
            return Next::Error;
        }
        const std::uint8_t *data = m_buffer.get() + m_begin + recordHeaderBytes;
        m_begin += recordHeaderBytes + captured;
        // As libpcap does: bytes past the file's snapshot length are dropped.
        const std::uint32_t kept = std::min(captured, m_snapshot);
        if (m_filter) {
            pcap_pkthdr h{};
            h.caplen = kept;
            h.len = original;
            h.ts.tv_sec = time_t(seconds);
            h.ts.tv_usec = suseconds_t(fraction);
            if (pcap_offline_filter(m_filter.get(), &h, data) == 0)
                continue;
        }
        packet->timestampNs = std::int64_t(seconds) * 1'000'000'000 +
                              std::int64_t(fraction) * (m_nanoseconds ? 1 : 1000);
        packet->data = data;
        packet->capturedLength = kept;
        packet->originalLength = original;
        return Next::Packet;
    }
}

std::string PcapSource::linkTypeName() const
{
    const char *name = pcap_datalink_val_to_name(m_linkType);
    const char *description = pcap_datalink_val_to_description(m_linkType);
    std::string text = name ? name : "link type " + std::to_string(m_linkType);
    if (description)
        text += std::string(" (") + description + ")";
    return text;
}

PcapSource::Next PcapSource::next(CapturedPacket *packet)
{
    if (m_fd >= 0)
        return nextRecord(packet);
    pcap_pkthdr *header = nullptr;
    const unsigned char *data = nullptr;
    const int result = pcap_next_ex(m_pcap, &header, &data);
    if (result == 1) {
        packet->timestampNs =
            std::int64_t(header->ts.tv_sec) * 1'000'000'000 + std::int64_t(header->ts.tv_usec);
        packet->data = data;
        // libpcap already bounds caplen by what it read; the data never extends past it.
        packet->capturedLength = header->caplen;
        packet->originalLength = header->len;
        return Next::Packet;
    }
    if (result == PCAP_ERROR_BREAK)
        return Next::End;
    m_error = pcap_geterr(m_pcap);
    return Next::Error;
}

std::uint64_t PcapSource::position() const
{
    if (m_fd >= 0)
        return m_fileOffset - (m_end - m_begin);
    if (!m_pcap || m_size == 0)
        return 0;
    FILE *file = pcap_file(m_pcap);
    const off_t offset = file ? ::ftello(file) : -1;
    return offset > 0 ? std::uint64_t(offset) : 0;
}

} // namespace replay

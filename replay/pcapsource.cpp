#include "replay/pcapsource.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace replay {

PcapSource::~PcapSource()
{
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
        bpf_program program{};
        if (pcap_compile(m_pcap, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            *error = "invalid --filter '" + filter + "': " + pcap_geterr(m_pcap);
            return false;
        }
        const int set = pcap_setfilter(m_pcap, &program);
        pcap_freecode(&program);
        if (set != 0) {
            *error = "cannot apply --filter '" + filter + "': " + pcap_geterr(m_pcap);
            return false;
        }
    }
    return true;
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
    if (!m_pcap || m_size == 0)
        return 0;
    FILE *file = pcap_file(m_pcap);
    const off_t offset = file ? ::ftello(file) : -1;
    return offset > 0 ? std::uint64_t(offset) : 0;
}

} // namespace replay

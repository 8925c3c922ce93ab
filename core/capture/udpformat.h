#pragma once

#include "core/capture/capturesettings.h"
#include "core/net/udpbatch.h"

#include <QByteArray>

#include <vector>

namespace capture {

/// How datagrams go into a file (--udp-format). Pure: no sockets, no files.
///  - pcap: a pcap file (nanosecond timestamps, magic 0xa1b23c4d, LINKTYPE_RAW) whose every
///    record is one datagram with its kernel receive time, behind an IPv4 or IPv6 and a UDP
///    header built from its real source and destination. IPv4's UDP checksum is 0 (none);
///    IPv6's is computed, as IPv6 requires one. A datagram cut by the read buffer keeps its
///    real length in the record (orig_len > incl_len), the pcap way of marking it.
///  - raw: the payloads one after another.
///  - length-prefixed: each payload after its length, 4 bytes big-endian.
namespace udpformat {

/// What every file of the format starts with (pcap: its global header; others: nothing).
QByteArray fileHeader(UdpFormat format);

/// The UDP ports' file names without --name-template: udp_{port}_{ts}.pcap (.bin when not
/// pcap), with _{peer}_{peerport} per source (--split connection).
QString defaultNameTemplate(UdpFormat format, SplitMode split);

/// Size of the pcap global header.
inline constexpr qint64 pcapHeaderSize = 24;

/// What append() adds for `d`: 0 when it adds nothing (a truncated datagram, not pcap).
qint64 recordSize(UdpFormat format, const Datagram &d);

/// Appends `d`, received on `localPort`, to `out`. A truncated datagram is appended only in
/// pcap (marked there); false: it was not appended.
bool append(std::vector<char> *out, UdpFormat format, const Datagram &d, quint16 localPort);

} // namespace udpformat

} // namespace capture

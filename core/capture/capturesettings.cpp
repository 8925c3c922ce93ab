#include "core/capture/capturesettings.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString udpFormatName(UdpFormat format)
{
    switch (format) {
    case UdpFormat::Pcap:
        return u"pcap"_s;
    case UdpFormat::Raw:
        return u"raw"_s;
    case UdpFormat::LengthPrefixed:
        return u"length-prefixed"_s;
    }
    return u"pcap"_s;
}

std::optional<UdpFormat> udpFormatFromName(const QString &name)
{
    for (const UdpFormat format : {UdpFormat::Pcap, UdpFormat::Raw, UdpFormat::LengthPrefixed}) {
        if (name == udpFormatName(format))
            return format;
    }
    return std::nullopt;
}

} // namespace capture

// Fuzz target: the value parsers of the command line and config file — sizes, durations,
// seconds, the --status endpoint and --allow entries. Every input goes through all of them.

#include "fuzzcheck.h"

#include "core/capture/capturesettings.h"
#include "core/config/commandline.h"
#include "core/net/address.h"
#include "core/util/units.h"

using namespace capture;
using namespace Qt::Literals::StringLiterals;

namespace {

// The documented grammar of a size, after trimming: digits, then K, M, G or T (any case),
// then nothing, "B" or "iB" (any case). Plain ASCII, so nothing outside it is taken.
bool isSizeSpelling(QStringView text)
{
    qsizetype i = 0;
    while (i < text.size() && text[i] >= u'0' && text[i] <= u'9')
        ++i;
    if (i == 0)
        return false;
    QString unit = text.sliced(i).toString();
    for (const QChar c : unit) {
        if (c.unicode() > 0x7f)
            return false;
    }
    unit = unit.toUpper();
    static const QStringList units{u""_s, u"K"_s, u"M"_s, u"G"_s, u"T"_s};
    for (const QString &prefix : units) {
        if (unit == prefix || unit == prefix + u"B"_s || unit == prefix + u"IB"_s)
            return true;
    }
    return false;
}

void checkSize(const QString &text)
{
    const auto size = parseSize(text);
    if (!size)
        return;
    FUZZ_CHECK(*size > 0 && *size <= (quint64(1) << 62));
    // Known finding: the unit is upper-cased by Unicode rules, so "1kıb" (dotless i) reads as 1K.
    if (fuzz::strict() || !text.contains(QChar(0x131)))
        FUZZ_CHECK(isSizeSpelling(QStringView(text).trimmed()));
    // formatSizeSpec promises the shortest spelling that parseSize reads back.
    const QString spec = formatSizeSpec(*size);
    FUZZ_CHECK(parseSize(spec) == size);
}

void checkDuration(const QString &text)
{
    const auto seconds = parseDurationSeconds(text);
    if (!seconds)
        return;
    FUZZ_CHECK(*seconds > 0 && *seconds <= qint64(366) * 86400);
    FUZZ_CHECK(parseDurationSeconds(formatDurationSpec(*seconds)) == seconds);
}

void checkSeconds(const QString &text)
{
    const auto ms = parseSecondsToMs(text);
    if (!ms)
        return;
    FUZZ_CHECK(*ms >= 0 && *ms <= 7 * 24 * 3600 * 1000);
    // Milliseconds written as seconds with three decimals read back exactly.
    FUZZ_CHECK(parseSecondsToMs(QString::number(*ms / 1000) + u'.' +
                                QString::number(*ms % 1000).rightJustified(3, u'0')) == ms);
}

void checkStatusEndpoint(const QString &text)
{
    const auto endpoint = parseStatusEndpoint(text);
    if (!endpoint)
        return;
    const auto &[address, port] = *endpoint;
    FUZZ_CHECK(port != 0);
    FUZZ_CHECK(!address.isNull());
    // The log's spelling of the endpoint is itself a valid --status value for the same one.
    const auto again = parseStatusEndpoint(endpointText(address, port));
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->second == port);
    FUZZ_CHECK(again->first.isEqual(address, QHostAddress::TolerantConversion));
}

void checkAllowEntry(const QString &text)
{
    const auto subnet = parseAllowEntry(text);
    if (!subnet)
        return;
    const auto &[network, prefix] = *subnet;
    FUZZ_CHECK(!network.isNull());
    const int maxPrefix = network.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
    FUZZ_CHECK(prefix >= 0 && prefix <= maxPrefix);
    // Its text form reads back as the same network.
    FUZZ_CHECK(parseAllowEntry(allowEntryText(*subnet)) == subnet);
    // A peer with the network's own address may connect. "::" is never a peer (and Qt reads it
    // as the IPv4 0.0.0.0). Known finding: an IPv4-mapped network (::ffff:10.0.0.0/104) is
    // accepted, but peerAllowed() matches mapped peers as IPv4, so it admits no one.
    bool mapped = false;
    network.toIPv4Address(&mapped);
    if (network != QHostAddress(QHostAddress::AnyIPv6) && (fuzz::strict() || !mapped))
        FUZZ_CHECK(peerAllowed({*subnet}, network));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = fuzz::text(data, size);
    checkSize(text);
    checkDuration(text);
    checkSeconds(text);
    checkStatusEndpoint(text);
    checkAllowEntry(text);
    return 0;
}

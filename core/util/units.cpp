#include "core/util/units.h"

#include <QRegularExpression>

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString formatBytes(quint64 bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024)
        return u"%1 B"_s.arg(bytes);
    double value = double(bytes);
    int unit = -1;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return u"%1 %2"_s.arg(value, 0, 'f', value < 10 ? 2 : 1).arg(QLatin1StringView(units[unit]));
}

QString formatRate(double bytesPerSecond)
{
    static const char *const units[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
    double value = bytesPerSecond < 0 ? 0 : bytesPerSecond;
    int unit = 0;
    while (value >= 1000.0 && unit < 4) {
        value /= 1000.0;
        ++unit;
    }
    // Three significant digits: "1.20 GB/s", "12.3 MB/s", "250 kB/s".
    const int decimals = unit == 0 || value >= 100 ? 0 : (value < 10 ? 2 : 1);
    return u"%1 %2"_s.arg(value, 0, 'f', decimals).arg(QLatin1StringView(units[unit]));
}

QString formatDuration(qint64 ms)
{
    if (ms < 60'000)
        return u"%1 s"_s.arg(double(ms) / 1000.0, 0, 'f', 3);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return u"%1 min %2 s"_s.arg(s / 60).arg(s % 60, 2, 10, QChar(u'0'));
    return u"%1 h %2 min"_s.arg(s / 3600).arg((s % 3600) / 60, 2, 10, QChar(u'0'));
}

namespace {

// Digits, then an optional unit made of letters; both parts are checked by the callers.
bool splitNumber(const QString &text, quint64 *number, QString *unit)
{
    qsizetype digits = 0;
    while (digits < text.size() && text[digits] >= u'0' && text[digits] <= u'9')
        ++digits;
    if (digits == 0 || digits > 18)
        return false;
    *number = QStringView(text).left(digits).toULongLong();
    *unit = text.mid(digits);
    return true;
}

} // namespace

std::optional<quint64> parseSize(const QString &text)
{
    quint64 number = 0;
    QString unit;
    if (!splitNumber(text.trimmed(), &number, &unit))
        return std::nullopt;
    for (const QChar c : std::as_const(unit)) {
        if (c.unicode() > 127)
            return std::nullopt; // toUpper() would turn a dotless i into an I
    }
    unit = unit.toUpper();
    if (unit.endsWith(u"IB"))
        unit.chop(2);
    else if (unit.endsWith(u'B'))
        unit.chop(1);
    int shift = 0;
    if (unit.isEmpty())
        shift = 0;
    else if (unit == u"K")
        shift = 10;
    else if (unit == u"M")
        shift = 20;
    else if (unit == u"G")
        shift = 30;
    else if (unit == u"T")
        shift = 40;
    else
        return std::nullopt;
    constexpr quint64 maxSize = quint64(1) << 62;
    if (number == 0 || number > (maxSize >> shift))
        return std::nullopt;
    return number << shift;
}

std::optional<qint64> parseDurationSeconds(const QString &text)
{
    quint64 number = 0;
    QString unit;
    if (!splitNumber(text.trimmed(), &number, &unit))
        return std::nullopt;
    quint64 factor = 0;
    if (unit.isEmpty() || unit == u"s")
        factor = 1;
    else if (unit == u"m")
        factor = 60;
    else if (unit == u"h")
        factor = 3600;
    else if (unit == u"d")
        factor = 86400;
    else
        return std::nullopt;
    constexpr quint64 maxSeconds = 366ULL * 86400;
    if (number == 0 || number > maxSeconds / factor)
        return std::nullopt;
    return qint64(number * factor);
}

QString formatSizeSpec(quint64 bytes)
{
    static const char units[] = {'T', 'G', 'M', 'K'};
    for (int i = 0; i < 4; ++i) {
        const int shift = 40 - 10 * i;
        if (bytes != 0 && bytes % (quint64(1) << shift) == 0)
            return QString::number(bytes >> shift) + QLatin1Char(units[i]);
    }
    return QString::number(bytes);
}

QString formatDurationSpec(qint64 seconds)
{
    if (seconds != 0 && seconds % 86400 == 0)
        return QString::number(seconds / 86400) + u'd';
    if (seconds != 0 && seconds % 3600 == 0)
        return QString::number(seconds / 3600) + u'h';
    if (seconds != 0 && seconds % 60 == 0)
        return QString::number(seconds / 60) + u'm';
    return QString::number(seconds) + u's';
}

std::optional<int> parseSecondsToMs(const QString &text)
{
    static const QRegularExpression pattern(u"^\\d{1,9}(\\.\\d{1,3})?$"_s);
    if (!pattern.match(text).hasMatch())
        return std::nullopt;
    const double seconds = text.toDouble();
    constexpr double maxSeconds = 7 * 24 * 3600; // a week
    if (seconds > maxSeconds)
        return std::nullopt;
    return int(std::lround(seconds * 1000.0));
}

} // namespace capture

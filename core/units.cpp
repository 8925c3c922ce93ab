#include "units.h"

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
    return u"%1 %2"_s.arg(value, 0, 'f', decimals)
        .arg(QLatin1StringView(units[unit]));
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

} // namespace capture

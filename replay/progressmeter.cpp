#include "replay/progressmeter.h"

#include <cmath>

namespace replay {

using std::chrono::steady_clock;

std::string sizeText(std::uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
}

std::string secondsText(int ms)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g s", double(ms) / 1000.0);
    return text;
}

ProgressMeter::ProgressMeter(std::FILE *out, bool enabled, std::uint64_t totalFileBytes)
    : m_out(out)
    , m_enabled(enabled)
    , m_total(totalFileBytes)
    , m_start(steady_clock::now())
    , m_lastDraw(m_start)
{}

bool ProgressMeter::due() const
{
    return m_enabled && steady_clock::now() - m_lastDraw >= std::chrono::milliseconds(200);
}

void ProgressMeter::update(std::uint64_t filePosition, std::uint64_t packets, std::uint64_t bytes,
                           bool force)
{
    if (!m_enabled)
        return;
    if (!force && !due())
        return;
    const auto now = steady_clock::now();
    m_lastDraw = now;
    const double seconds = std::chrono::duration<double>(now - m_start).count();
    const double rate = seconds > 0 ? double(bytes) / seconds : 0;
    char bar[32] = {};
    char eta[32] = "ETA --:--";
    if (m_total > 0) {
        const double fraction = std::min(1.0, double(filePosition) / double(m_total));
        const int filled = int(fraction * 20);
        for (int i = 0; i < 20; ++i)
            bar[i] = i < filled ? '#' : '.';
        if (fraction > 0 && seconds > 1) {
            const long left = std::lround(seconds / fraction - seconds);
            std::snprintf(eta, sizeof eta, "ETA %ld:%02ld", left / 60, left % 60);
        }
        std::fprintf(m_out, "\r[%s] %3d%%  ", bar, int(fraction * 100));
    } else {
        std::fprintf(m_out, "\r");
    }
    std::fprintf(m_out, "%llu packets  %s sent  %s/s  %s\033[K",
                 static_cast<unsigned long long>(packets), sizeText(bytes).c_str(),
                 sizeText(std::uint64_t(rate)).c_str(), m_total > 0 ? eta : "");
    std::fflush(m_out);
    m_drawn = true;
}

void ProgressMeter::finish()
{
    if (m_enabled && m_drawn) {
        std::fprintf(m_out, "\r\033[K");
        std::fflush(m_out);
    }
    m_drawn = false;
}

} // namespace replay

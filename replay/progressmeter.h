#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace replay {

/// A one-line progress bar on a terminal (packets, bytes, rate, ETA), redrawn at most five
/// times a second; does nothing when disabled (stderr is not a terminal, or --quiet).
class ProgressMeter
{
public:
    ProgressMeter(std::FILE *out, bool enabled, std::uint64_t totalFileBytes);

    /// `filePosition` of `totalFileBytes` read; `packets` read and `bytes` of payload sent.
    void update(std::uint64_t filePosition, std::uint64_t packets, std::uint64_t bytes,
                bool force = false);
    /// Whether update() would draw now (at most five times a second).
    bool due() const;
    /// Clears the line, so what follows starts on a clean one.
    void finish();

private:
    std::FILE *m_out;
    bool m_enabled;
    std::uint64_t m_total;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_lastDraw;
    bool m_drawn = false;
};

/// "1.5 GiB", "312 KiB", "17 B".
std::string sizeText(std::uint64_t bytes);

/// A duration given in milliseconds, in seconds: "2.5 s", "10 s".
std::string secondsText(int ms);

} // namespace replay

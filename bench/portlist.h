#pragma once
// The port-spec syntax of capture-receiver (5000, 5000-5009, 5000,5002,6000-6010) for the
// benchmark tools, which do not link Qt.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

inline std::optional<uint16_t> parsePort(std::string_view text)
{
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > 65535)
        return std::nullopt;
    return uint16_t(value);
}

/// The ports in the order given, or nothing with `error` naming the bad item.
inline std::optional<std::vector<uint16_t>> parsePortList(std::string_view spec, std::string *error)
{
    std::vector<uint16_t> ports;
    std::vector<bool> seen(65536, false);
    while (true) {
        const size_t comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        const size_t dash = item.find('-');
        const auto first = parsePort(item.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : parsePort(item.substr(dash + 1));
        if (!first || !last || *last < *first) {
            *error = "invalid port or range '" + std::string(item) + "'";
            return std::nullopt;
        }
        for (uint32_t port = *first; port <= *last; ++port) {
            if (seen[port]) {
                *error = "duplicate port " + std::to_string(port);
                return std::nullopt;
            }
            seen[port] = true;
            ports.push_back(uint16_t(port));
        }
        if (comma == std::string_view::npos)
            return ports;
        spec.remove_prefix(comma + 1);
    }
}

} // namespace bench

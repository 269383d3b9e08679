// sim/time.cpp - the duration syntax and the formatting of simulated time.
#include "sim/time.h"

#include <fmt/format.h>

namespace kmsim::sim {

std::int64_t duration_unit_ns(std::string_view unit)
{
    if (unit == "ns")
        return 1;
    if (unit == "us")
        return 1000;
    if (unit == "ms")
        return 1000 * 1000;
    if (unit == "s")
        return 1000 * 1000 * 1000;
    return 0;
}

std::optional<std::string> parse_duration(std::string_view text, duration& out)
{
    std::size_t i = 0;
    std::uint64_t v = 0;
    bool overflow = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const unsigned d = static_cast<unsigned>(text[i] - '0');
        overflow |= v > (UINT64_MAX - d) / 10;
        v = v * 10 + d;
        ++i;
    }
    if (i == 0)
        return fmt::format("'{}' is not a duration: write a number and a unit, as 500us or 2s", text);
    const std::string_view unit = text.substr(i);
    const std::int64_t mult = duration_unit_ns(unit);
    if (mult == 0)
        return fmt::format("'{}': a duration needs a unit: ns, us, ms or s", text);
    const duration d = units(v, mult);
    if (overflow || d == forever())
        return fmt::format("'{}' is longer than simulated time can hold (about 292 years)", text);
    out = d;
    return std::nullopt;
}

std::string dmesg_timestamp(time_point t)
{
    std::int64_t ns = to_ns(t);
    return fmt::format("[{:5d}.{:06d}] ", ns / 1000000000, (ns % 1000000000) / 1000);
}

std::string format_seconds(time_point t)
{
    const std::int64_t ns = to_ns(t);
    return fmt::format("{}.{:06} s", ns / 1000000000, (ns % 1000000000) / 1000);
}

}  // namespace kmsim::sim

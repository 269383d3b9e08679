// sim/time.h - simulated time: integer nanoseconds on a clock of its own.
//
// Owns: the time types every layer uses, the arithmetic that keeps them from
// wrapping, the duration syntax users type ("500us", "2s") and the
// dmesg-style timestamp format.
// Does not own: "now" - that belongs to an engine (there is no global clock,
// so two engines can run side by side in one process).
// Invariants: time is an int64 count of nanoseconds since boot; it never goes
// backwards within one engine. Nothing wraps: a time or duration past what
// int64 nanoseconds hold (about 292 years) saturates to never() / forever(),
// which no run reaches.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace kmsim::sim {

// A clock that never ticks by itself: time_points are only made by an engine.
struct sim_clock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<sim_clock, duration>;
    static constexpr bool is_steady = true;
};

using duration = sim_clock::duration;
using time_point = sim_clock::time_point;

constexpr duration nsecs(std::int64_t n) { return duration(n); }
constexpr duration usecs(std::int64_t n) { return duration(n * 1000); }
constexpr duration msecs(std::int64_t n) { return duration(n * 1000 * 1000); }
constexpr duration secs(std::int64_t n) { return duration(n * 1000 * 1000 * 1000); }

constexpr std::int64_t to_ns(time_point t) { return t.time_since_epoch().count(); }
constexpr std::int64_t to_ns(duration d) { return d.count(); }
constexpr time_point at_ns(std::int64_t n) { return time_point(duration(n)); }

// ---- saturating arithmetic: what kernel calls with huge arguments use

constexpr duration forever() { return duration::max(); }
constexpr time_point never() { return time_point::max(); }

// N units of UNIT_NS nanoseconds (udelay(n): unit 1000), or forever() when
// that does not fit.
constexpr duration units(std::uint64_t n, std::int64_t unit_ns)
{
    std::int64_t ns = 0;
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        __builtin_mul_overflow(static_cast<std::int64_t>(n), unit_ns, &ns))
        return forever();
    return duration(ns);
}

// T + D for D >= 0, or never() when that does not fit.
constexpr time_point saturating_add(time_point t, duration d)
{
    std::int64_t ns = 0;
    if (__builtin_add_overflow(to_ns(t), d.count(), &ns))
        return never();
    return time_point(duration(ns));
}

// D * N for D >= 0, or forever() when that does not fit.
constexpr duration saturating_mul(duration d, std::uint64_t n)
{
    return units(n, d.count());
}

// ---- durations as users write them

// Nanoseconds in one UNIT ("ns", "us", "ms", "s"), or 0 for anything else.
std::int64_t duration_unit_ns(std::string_view unit);

// "500us", "2s": digits then a unit. Returns the error, or nullopt and sets
// OUT. Durations beyond what simulated time holds are errors, not wraps.
std::optional<std::string> parse_duration(std::string_view text, duration& out);

// "[    0.002000] " as dmesg prints it: seconds right-aligned in 5, then
// microseconds in 6 (printk truncates nanoseconds to microseconds).
std::string dmesg_timestamp(time_point t);

// "1.234567 s": seconds with microseconds, for summaries.
std::string format_seconds(time_point t);

}  // namespace kmsim::sim

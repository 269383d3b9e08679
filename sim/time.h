// sim/time.h - simulated time: integer nanoseconds on a clock of its own.
//
// Owns: the time types every layer uses and the dmesg-style timestamp format.
// Does not own: "now" - that belongs to an engine (there is no global clock,
// so two engines can run side by side in one process).
// Invariant: time is an int64 count of nanoseconds since boot; it never goes
// backwards within one engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

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

// "[    0.002000] " as dmesg prints it: seconds right-aligned in 5, then
// microseconds in 6 (printk truncates nanoseconds to microseconds).
std::string dmesg_timestamp(time_point t);

}  // namespace kmsim::sim

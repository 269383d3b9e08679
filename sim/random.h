// sim/random.h - the one seeded random source of a simulation, with named sub-streams.
//
// Owns: every random choice a run makes (interrupt jitter, tie-breaks, rand()).
// Invariant: a stream's sequence depends only on (seed, stream name), never on
// how many other streams exist or how often they were used, so adding a random
// choice in one place does not shift the choices made elsewhere.
// The generator is xoshiro256** seeded through splitmix64; ranges are drawn by
// rejection, not by std distributions (whose output is implementation-defined).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kmsim::sim {

class random_stream {
public:
    explicit random_stream(std::uint64_t seed);
    std::uint64_t next();
    // Uniform in [lo, hi], both included; lo <= hi.
    std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi);

private:
    std::uint64_t s_[4];
};

class random_source {
public:
    explicit random_source(std::uint64_t seed) : seed_(seed) {}
    std::uint64_t seed() const { return seed_; }
    // The stream named NAME, created on first use.
    random_stream& stream(std::string_view name);

private:
    std::uint64_t seed_;
    std::map<std::string, random_stream, std::less<>> streams_;
};

}  // namespace kmsim::sim

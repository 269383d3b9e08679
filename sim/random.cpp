// sim/random.cpp - xoshiro256** streams derived from (seed, name).
#include "sim/random.h"

namespace kmsim::sim {

namespace {

std::uint64_t splitmix64(std::uint64_t& x)
{
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view s)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

random_stream::random_stream(std::uint64_t seed)
{
    for (auto& s : s_)
        s = splitmix64(seed);
}

std::uint64_t random_stream::next()
{
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t random_stream::uniform(std::uint64_t lo, std::uint64_t hi)
{
    if (lo >= hi)
        return lo;
    const std::uint64_t span = hi - lo;
    if (span == UINT64_MAX)
        return next();
    const std::uint64_t n = span + 1;
    // Reject the top partial bucket so every value is equally likely.
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    std::uint64_t r;
    do {
        r = next();
    } while (r >= limit);
    return lo + r % n;
}

random_stream& random_source::stream(std::string_view name)
{
    auto it = streams_.find(name);
    if (it == streams_.end())
        it = streams_.emplace(std::string(name), random_stream(seed_ ^ fnv1a(name))).first;
    return it->second;
}

}  // namespace kmsim::sim

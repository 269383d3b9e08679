// mm/reciprocal_div.h - division by a constant as a multiply and shifts: the kernel's lib/math/reciprocal_div.c.
//
// Owns: reciprocal_value() and reciprocal_divide(), which SLUB uses to turn
// an offset in a slab into an object index (obj_to_index()) without a
// division. Exact for every 32-bit dividend and divisor d >= 1.
#pragma once

#include <algorithm>
#include <cstdint>

namespace kmsim::mm {

struct reciprocal_value {
    std::uint32_t m = 0;
    std::uint8_t sh1 = 0, sh2 = 0;
};

inline reciprocal_value make_reciprocal_value(std::uint32_t d)
{
    const int l = d == 1 ? 0 : 32 - __builtin_clz(d - 1);  // fls(d - 1)
    std::uint64_t m = ((1ULL << 32) * ((1ULL << l) - d)) / d + 1;
    reciprocal_value r;
    r.m = static_cast<std::uint32_t>(m);
    r.sh1 = static_cast<std::uint8_t>(std::min(l, 1));
    r.sh2 = static_cast<std::uint8_t>(std::max(l - 1, 0));
    return r;
}

inline std::uint32_t reciprocal_divide(std::uint32_t a, reciprocal_value r)
{
    const std::uint32_t t = static_cast<std::uint32_t>((static_cast<std::uint64_t>(a) * r.m) >> 32);
    return (t + ((a - t) >> r.sh1)) >> r.sh2;
}

}  // namespace kmsim::mm

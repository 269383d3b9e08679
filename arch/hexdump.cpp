// arch/hexdump.cpp - print_hex_dump() with rowsize 16, groupsize 1, ASCII.
#include "arch/hexdump.h"

#include <fmt/format.h>

#include <algorithm>

namespace kmsim::arch {

std::string hex_dump(std::string_view prefix, dump_prefix type, std::uint64_t addr, const std::uint8_t* p,
                     std::size_t len)
{
    std::string out;
    for (std::size_t off = 0; off < len; off += 16) {
        const std::size_t n = std::min<std::size_t>(16, len - off);
        std::string hex, ascii;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint8_t c = p[off + k];
            hex += fmt::format("{}{:02x}", k ? " " : "", c);
            ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
        }
        out += prefix;
        if (type == dump_prefix::address)
            out += fmt::format("{:016x}: ", addr + off);
        out += fmt::format("{:<49}{}\n", hex, ascii);
    }
    return out;
}

}  // namespace kmsim::arch

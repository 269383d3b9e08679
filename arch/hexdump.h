// arch/hexdump.h - print_hex_dump(): bytes as the kernel's reports show them.
//
// Owns: the one hex dump format of lib/hexdump.c with rowsize 16, groupsize
// 1 and ASCII, as SLUB's object dumps and kmemleak print it:
//     PREFIX[ADDRESS: ]xx xx xx ... xx  ascii.....
// The hex column is padded to 49 characters; bytes outside 0x20..0x7e are
// '.' in the ASCII column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kmsim::arch {

enum class dump_prefix { none, address };

// LEN bytes at P, 16 to a line, each line starting with PREFIX and, for
// dump_prefix::address, the address of its first byte (ADDR + offset).
std::string hex_dump(std::string_view prefix, dump_prefix type, std::uint64_t addr, const std::uint8_t* p,
                     std::size_t len);

}  // namespace kmsim::arch

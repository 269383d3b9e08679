// arch/printk.h - printk's formatting: the level prefix and lib/vsprintf.c's conversions.
//
// Owns: turning a printk format and its arguments into the text of one log
// record - the KERN_<LEVEL> prefix ("\001" then a digit), the conversions
// %d %i %u %x %X %c %s %p %px %pGg with flags, widths and length modifiers,
// and the record's limit (PRINTKRB_RECORD_MAX, 1024 bytes with the NUL and
// the level prefix). Any front end formats printk through this.
#pragma once

#include "arch/kernel_log.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kmsim::arch {

// The values of a printk's arguments: V[i] the value of argument i, TEXT[i]
// its text when it is a string literal (else nullptr), for %s.
struct printk_args {
    std::span<const std::uint64_t> v;
    std::span<const std::string* const> text;
};

// The %p extensions that name things of a layer above (%pGg: GFP flags, from
// mm): the text for VALUE, given the extension's letters ("Gg").
using pointer_extension = std::string (*)(std::string_view letters, std::uint64_t value);

// vprintk_store(): the record's text (without the trailing newline) and its
// LEVEL (MESSAGE_LOGLEVEL_DEFAULT, warning, without a prefix). %pGg is
// formatted by GFP_NAMES.
std::string vsprintf_record(std::string_view format, printk_args args, pointer_extension gfp_names,
                            log_level& level);

}  // namespace kmsim::arch

// scenarios/limits.h - how big a scenario may be: the limits checked when it is parsed.
//
// Owns: the sizes no real scenario reaches but a hostile or generated one
// could, chosen so that every accepted scenario runs within the fiber stacks
// and memory kmsim gives it. Each is reported at parse time with
// FILE:LINE:COL and exit status 2, the same in every build.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kmsim::scenarios {

// Bytes of a scenario file (kmsim run/check read nothing larger).
inline constexpr std::size_t max_file_bytes = 4u << 20;

// Blocks (if, repeat, while, for) nested inside one body.
inline constexpr int max_block_depth = 32;

// Levels of one expression: operators, parentheses, calls inside calls.
// A 64-term sum is 64 levels deep.
inline constexpr int max_expr_depth = 64;

// Threads a scenario declares, block devices' workers included (the machine
// itself runs at most arch::max_kernel_threads, its own daemons among them).
inline constexpr std::size_t max_threads = 4096;

// Arguments of one kernel call (printk's values included).
inline constexpr std::size_t max_call_args = 64;
// A module's exported function takes its integer and pointer arguments in
// the six registers of the x86-64 calling convention.
inline constexpr std::size_t max_module_call_args = 6;

// Integers in one global array, and in all globals together (8 bytes each:
// 64 MiB of the host's memory at most).
inline constexpr std::uint64_t max_global_array = 1u << 20;
inline constexpr std::uint64_t max_global_words = 1u << 23;

// Frames of scenario functions one context may have at once: deeper
// recursion stops the run with an error.
inline constexpr int max_func_depth = 256;

// printk field widths, as lib/vsprintf.c's FIELD_WIDTH_MAX.
inline constexpr unsigned long max_printk_width = (1u << 23) - 1;

}  // namespace kmsim::scenarios

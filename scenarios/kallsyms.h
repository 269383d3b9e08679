// scenarios/kallsyms.h - a module's symbols and source lines: what %pS and call traces print for its code.
//
// Owns: reading a loaded module's ELF symbols and DWARF line table
// (elfutils libdwfl; kmsim reads no DWARF itself) and the frame each code
// address stands for, made once per address and kept for the module's
// lifetime (frames hold views of its strings):
//   function  "oob_init+0x2a/0x60 [kasan_oob]"  (kernel/kallsyms.c's %pS)
//   file:line "kasan_oob.c", 12                 (the line of the call)
// A return address is looked up one byte back, in the call instruction, as
// scripts/decode_stacktrace.sh does.
#pragma once

#include "arch/context.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

struct Dwfl;

namespace kmsim::scenarios {

class kallsyms {
public:
    kallsyms() = default;
    ~kallsyms();
    kallsyms(const kallsyms&) = delete;
    kallsyms& operator=(const kallsyms&) = delete;

    // Reads the module MODNAME built at PATH, mapped with load bias BIAS.
    void load(const std::string& path, std::uintptr_t bias, std::string modname);

    // The frame for code address PC: a return address (RETURN_ADDRESS) or
    // the address of a function (%pS of a function pointer).
    const arch::frame& frame_at(std::uintptr_t pc, bool return_address = true);
    // "oob_init+0x2a/0x60 [kasan_oob]"; "" when PC is in no symbol.
    std::string symbol(std::uintptr_t pc);
    // The name of the function at FN ("stats_fn"), kept as long as the
    // module: what a kernel call's frame shows for a function argument.
    const std::string& function_name(std::uintptr_t fn);

    // What the function at FN returns, from its DWARF type: how many bytes
    // of the result register are its value (0 for void, 8 if unknown) and
    // whether it is signed.
    struct return_type {
        int size = 8;
        bool is_signed = false;
    };
    return_type returns(std::uintptr_t fn);

private:
    Dwfl* dwfl_ = nullptr;
    std::string modname_;
    std::unordered_map<std::uintptr_t, arch::frame> frames_;
    std::unordered_map<std::uintptr_t, const std::string*> names_;
    std::deque<std::string> strings_;  // what the frames' views point at
};

}  // namespace kmsim::scenarios

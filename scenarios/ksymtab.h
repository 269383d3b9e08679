// scenarios/ksymtab.h - the functions kmsim exports to C modules: the kernel's symbol table, as modules see it.
//
// Owns: the list of exported names and their native entry points, in a
// fixed order (kbuild links a stub per entry into every module, which jumps
// through the module's import table at that index). Each entry is a thin
// adapter: it converts the C arguments (host addresses to kernel
// addresses), makes the call through the kernel-call table (kernel_api) in
// the running context, with the module's frames on its stack, charges its
// cost, and converts the result back. The KASAN callbacks of
// -fsanitize=kernel-address (__asan_load4_noabort, ...) are entries too:
// they check module loads and stores with mm's KASAN.
// Invariant: no entry holds kernel logic of its own; what the kernel does
// is in arch/ and mm/, reached through the table.
#pragma once

#include <string_view>
#include <vector>

namespace kmsim::scenarios {

struct ksym {
    std::string_view name;
    void* address;
};

// Every export, in the order of the modules' import tables.
const std::vector<ksym>& ksymtab();
// The index of NAME in ksymtab(), or -1.
int find_ksym(std::string_view name);

}  // namespace kmsim::scenarios

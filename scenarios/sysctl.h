// scenarios/sysctl.h - the sysctls a scenario may set: one table, their ranges and where each goes.
//
// Owns: each sysctl's name, the kernel's range for it (its proc handler's
// extra1/extra2), how many numbers it takes, and where its value goes: into
// the memory the node boots with (watermarks are computed at boot), or into
// the running machine. The parser checks names and values against the table;
// the runner applies each at its moment through it.
#pragma once

#include "arch/machine.h"
#include "mm/kernel_memory.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kmsim::scenarios {

struct sysctl_entry {
    std::string_view name;
    std::uint64_t min, max;  // each number's range
    std::size_t count;       // numbers it takes (vm.lowmem_reserve_ratio: one per zone)
    // Exactly one of these: a value the node boots with, or one the machine
    // takes before anything runs.
    void (*at_boot)(mm::memory_config& c, std::span<const std::uint64_t> v) = nullptr;
    void (*at_start)(arch::machine& m, mm::kernel_memory& mem, std::span<const std::uint64_t> v) = nullptr;
};

const std::vector<sysctl_entry>& sysctls();
const sysctl_entry* find_sysctl(std::string_view name);

}  // namespace kmsim::scenarios

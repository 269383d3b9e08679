// scenarios/world.h - one simulation of a scenario: the machine, memory and objects it declares.
//
// Owns: the engine, the machine, the kernel memory, the scenario's locks,
// completions and caches, and what the run records for its summary -
// allocations per GFP mask, allocation failures per context. Built from a
// parsed scenario by the runner. (Live allocations, for KASAN and leaks, are
// kmemleak's, in mm.)
#pragma once

#include "arch/completion.h"
#include "arch/machine.h"
#include "arch/mutex.h"
#include "arch/spinlock.h"
#include "drivers/blockdev.h"
#include "mm/kernel_memory.h"
#include "scenarios/ast.h"
#include "scenarios/kernel_api.h"
#include "sim/engine.h"

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace kmsim::scenarios {

// The summary's rows per GFP mask (later masks share one "(other masks)"
// row): bounded however many masks a scenario makes up.
inline constexpr std::size_t max_gfp_rows = 256;

struct gfp_stats {
    std::uint64_t calls = 0;
    std::uint64_t failed = 0;
    std::int64_t stall_ns_max = 0;
};

struct world {
    const scenario& sc;
    sim::engine eng;
    arch::machine m;
    mm::kernel_memory mem;
    kernel_objects objects;  // the scenario's locks, completions, caches, block devices
    kernel_api api;          // the kernel calls, over the above

    std::map<std::string, gfp_stats> by_gfp;               // key: %pGg of the effective mask
    std::uint64_t alloc_calls = 0, alloc_failed = 0;
    std::map<std::string, std::uint64_t> failures_by_context;
    std::string assert_message;                             // set when an assertion failed
    std::vector<mm::shrink_control> shrink_stack;           // sc of the shrinkers running now

    world(const scenario& s, sim::engine_config ecfg, arch::machine_config mcfg, mm::memory_config memcfg)
        : sc(s), eng(std::move(ecfg)), m(eng, mcfg), mem(m, std::move(memcfg)), api(kernel_env{m, mem, objects})
    {
    }
};

// Runs BODY in the current context; returns the value of `return`, if any.
// FIRST_SLOT, when given, is the value of variable slot 0 (a request's `rq`).
// OWNER names the body in stacks, which KASAN and kmemleak keep for the whole
// run: it must live as long as the world (the scenario's names do).
std::uint64_t run_body(world& w, const body& b, const std::string& owner, int decl_line,
                       std::optional<std::uint64_t> first_slot = std::nullopt);

}  // namespace kmsim::scenarios

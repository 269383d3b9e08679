// scenarios/world.h - one simulation of a scenario: the machine, memory and objects it declares, and how it is built.
//
// Owns: the engine, the machine, the kernel memory, the scenario's locks,
// completions, caches, block devices and shrinkers, and what the run records
// for its summary - allocations per GFP mask, allocation failures per
// context. build_world() makes one from a parsed scenario, ready to run:
// nothing in it is shared with any other world, so a process may build and
// run as many as it likes, one after another or side by side. (Live
// allocations, for KASAN and leaks, are kmemleak's, in mm.)
#pragma once

#include "arch/completion.h"
#include "arch/machine.h"
#include "arch/mutex.h"
#include "arch/spinlock.h"
#include "drivers/blockdev.h"
#include "mm/kernel_memory.h"
#include "scenarios/ast.h"
#include "scenarios/kernel_api.h"
#include "scenarios/module.h"
#include "sim/engine.h"
#include "sim/error.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
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

// The allocation statistics of a run: calls and failures per effective GFP
// mask (after the task's memalloc scopes), the longest stall, failures per
// context.
struct alloc_stats {
    std::map<std::string, gfp_stats> by_gfp;  // key: %pGg of the effective mask
    std::uint64_t calls = 0, failed = 0;
    std::map<std::string, std::uint64_t> failures_by_context;
};

struct world {
    const scenario& sc;
    // The scenario's C modules, in load order. Declared before the engine,
    // so destroyed after it: unfinished fibers unwind through module frames.
    std::vector<std::unique_ptr<module>> modules;
    // What module code made of the kernel: lock classes by the address of
    // their C struct lock_class_key, the struct task_struct `current` points
    // at for each context.
    std::unordered_map<std::uintptr_t, std::unique_ptr<arch::lock_class_key>> module_lock_keys;
    std::unordered_map<const arch::context*, std::unique_ptr<module_task_struct>> module_tasks;
    std::map<int, module_irq> module_irqs;       // by line: request_irq()'s bindings
    std::set<const sim::actor*> module_threads;  // the kthreads module code made
    // The kind and id kmsim gave each C lock, wait queue, completion,
    // tasklet, timer and work item, by its address (scenarios/ksymtab.cpp).
    std::unordered_map<std::uintptr_t, std::pair<int, std::uint64_t>> module_object_ids;
    std::deque<std::string> module_irq_names;    // what free_irq() returned, kept for module code
    // Strings module code passed to kernel calls that keep them (a thread's
    // name, a cache's): the stacks KASAN and kmemleak keep show them.
    std::set<std::string> module_strings;
    // The exported function each module call of the scenario reaches
    // (indexed like scenario::module_calls).
    std::vector<std::uintptr_t> module_call_targets;
    std::string module_warnings;  // the compiler's, for standard error
    // The kworkers and ksoftirqd start at boot when the scenario or a
    // module uses them.
    bool uses_workqueues = false, uses_softirqs = false;
    std::string insmod_error;     // "ERROR: could not insert module ...", when an init failed
    // The variables of every body running now (each an interpreter frame on
    // its context's stack): kmemleak's roots, as the kernel's task stacks.
    // Declared before the machine, whose contexts drop theirs as they unwind.
    std::vector<const std::vector<std::uint64_t>*> live_vars;
    // The scenario's globals, every one a run of integers (global_decl::offset).
    std::vector<std::uint64_t> globals;
    // Lock classes named with class=, by name.
    std::map<std::string, std::unique_ptr<arch::lock_class_key>> lock_classes;
    sim::engine eng;
    arch::machine m;
    mm::kernel_memory mem;
    kernel_objects objects;  // the scenario's locks, completions, caches, block devices
    kernel_api api;          // the kernel calls, over the above
    std::vector<std::unique_ptr<mm::shrinker>> shrinkers;  // the scenario's, registered with reclaim

    alloc_stats allocs;
    std::string assert_message;                    // set when an assertion failed
    std::vector<mm::shrink_control> shrink_stack;  // sc of the shrinkers running now

    world(const scenario& s, sim::engine_config ecfg, arch::machine_config mcfg, mm::memory_config memcfg)
        : sc(s), eng(std::move(ecfg)), m(eng, mcfg), mem(m, std::move(memcfg)), api(kernel_env{m, mem, objects})
    {
    }
};

struct build_options {
    std::uint64_t seed = 1;
    std::string version;    // for the log's first line
    sim::diagnostics diag;  // kmsim's own debug lines
    sim::chooser* chooser = nullptr;  // nullptr: kmsim's own choices
    // Called once the machine and memory exist and before anything boots:
    // where the renderers attach to the kernel log and the tracepoints.
    std::function<void(world&)> attach;
};

// Builds the world SC declares - machine, memory, objects, block devices,
// reclaimable memory, sysctls, kswapd, threads and IRQ sources - ready for
// its engine to run. Throws scenario_error at the line of a declaration the
// machine cannot hold.
std::unique_ptr<world> build_world(const scenario& sc, const build_options& opts);

// The frame of the body that made the kernel call now running in C.
inline const arch::frame& caller_of(const arch::context& c)
{
    KMSIM_ASSERT(c.caller_frame(), "a kernel call without frames");
    return *c.caller_frame();
}

// Runs function F of the scenario with the argument ARG in the current
// context (a kernel thread's body); returns its result.
std::uint64_t run_function(world& w, const func_decl& f, std::uint64_t arg);

// Runs BODY in the current context; returns the value of `return`, if any.
// FIRST_SLOT, when given, is the value of variable slot 0 (a request's `rq`).
// OWNER names the body in stacks, which KASAN and kmemleak keep for the whole
// run: it must live as long as the world (the scenario's names do).
std::uint64_t run_body(world& w, const body& b, const std::string& owner, int decl_line,
                       std::optional<std::uint64_t> first_slot = std::nullopt);

}  // namespace kmsim::scenarios

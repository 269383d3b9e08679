// scenarios/run.h - running a built world to its end, and what the run leaves behind as a value.
//
// Owns: scenario_run, everything the expectations are judged on and the
// summary is rendered from that is not the world's final state itself -
// the engine's outcome, the reports `expect report` lines matched as they
// were raised, the values of `expect stat` paths at the end, the leaks
// kmemleak found, the allocation statistics. run_world() runs a world once;
// a world is not run twice.
#pragma once

#include "scenarios/world.h"
#include "sim/engine.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kmsim::scenarios {

// The first report an `expect report` or `expect no report` line matched:
// one whose title or body contains the line's text, raised in the named
// context if it names one. They are matched as reports are raised: reports
// past the log's limit of one kind are not kept, and still count.
struct report_hit {
    bool found = false;
    sim::time_point when{};
    std::string title;
};

struct scenario_run {
    std::uint64_t seed = 1;
    sim::run_limits limits;
    sim::run_result engine;  // outcome, end time, events, steps, why it stopped, the deadlock
    // Indexed like scenario::expects; meaningful only for the kinds that use them.
    std::vector<report_hit> report_hits;
    std::vector<std::optional<std::uint64_t>> stat_values;  // nullopt: no such stat
    std::uint64_t leaks = 0;
    alloc_stats allocs;
    std::string assert_message;  // "" unless an assertion failed
    std::string insmod_error;    // "ERROR: could not insert module ...", when a module's init failed

    // engine.result as the summary names it ("completed", "deadlock", ...).
    std::string outcome() const { return sim::to_string(engine.result); }
};

// Runs W under LIMITS to its end, then lets kmemleak scan. W must be fresh
// from build_world().
scenario_run run_world(world& w, const sim::run_limits& limits);

// The value of an `expect stat` path ("zone.Normal.free", "vmstat.NAME",
// "meminfo.NAME", "slab.CACHE.FIELD", "time", "leaks", "min_free_kbytes")
// in W now; nullopt for a path kmsim has no number for.
std::optional<std::uint64_t> stat_value(const world& w, const std::string& path);

}  // namespace kmsim::scenarios

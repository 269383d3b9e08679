// scenarios/explore.h - kmsim explore: many runs of one scenario under other legal schedules and injected faults.
//
// Owns: the search. Each run is a whole run of the scenario, built fresh in
// this process (the scenario is parsed once), under a schedule made from
// (seed, run index) by a strategy; a run fails when an expectation or an
// assert fails (without expectations: a deadlock, a panic or any report).
// A failing run is shrunk - deviations are dropped one at a time while the
// run still fails the same way - and printed as `kmsim run` would print it,
// with its deviations in words and the token that replays it.
//
// Strategies:
//   pct     Burckhardt et al., ASPLOS 2010: random task priorities decide
//           every choice among tasks, and D-1 change points placed
//           uniformly among the K choice points lower the running task's
//           priority; a bug of depth D among n tasks is found with
//           probability at least 1/(n K^(D-1)) per run;
//   random  every point deviates with probability D/K.
// Faults: each allocation call is a point of two kinds: `alloc` may fail it
// (failslab, fail_page_alloc; never a __GFP_NOFAIL request, as the
// kernel's should_fail_*() refuse), `reclaim` may send it into direct
// reclaim first, as if its zone were below the min watermark (a mask that
// may block, outside reclaim: shrinkers run with its mask, and the
// __GFP_IO/__GFP_FS gates apply).
#pragma once

#include "scenarios/ast.h"
#include "scenarios/schedule.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace kmsim::scenarios {

struct world;
struct run_options;

enum class explore_strategy { pct, random };

struct explore_options {
    std::uint64_t runs = 1000;
    explore_strategy strategy = explore_strategy::pct;
    unsigned depth = 3;
    bool fail_allocs = false;     // --faults alloc
    bool force_reclaim = false;   // --faults reclaim
    std::uint64_t seed = 1;
    std::uint64_t shard_index = 0, shard_count = 1;
    bool keep_going = false;  // up to 10 distinct failures: failed expectations, outcome, deadlock cycle
    unsigned jobs = 1;          // worker processes; the result does not depend on it
    double time_limit_s = 0;    // stop starting runs after this long (0: no limit)
    std::ostream* progress = nullptr;  // where the progress line goes (a terminal), or nowhere
    std::string version = "0.0.0";
    bool color = false;
};

struct explore_failure {
    std::uint64_t run = 0;
    schedule shrunk;  // with the deviations described
    std::string outcome;
    std::vector<std::string> failed_expectations;  // their text; "assert: MESSAGE" for an assert
};

struct explore_result {
    std::uint64_t runs = 0;
    std::uint64_t failing_runs = 0;
    double runs_per_second = 0;
    std::vector<explore_failure> failing;  // distinct failures, in run order (one without --keep-going)
};

// Explores SC; prints each failing run (its log, deviations, replay line)
// to OUT. FILE is what the replay line names.
explore_result explore(const scenario& sc, const std::string& file, const explore_options& opts, std::ostream& out);

// Hooks CHOOSER's fault points into W's allocators and lets it describe its
// deviations from W's state. For a run (explore's, or --schedule's).
void attach_schedule(world& w, schedule_chooser& chooser);

// The JSON of RESULT as docs/explore.md specifies it.
void write_explore_json(std::ostream& out, const explore_result& result, const explore_options& opts);

// `kmsim explore --merge`: the shards' JSON TEXTS (read from FILES) as one
// summary - runs and failing runs added, failing runs by run index, the
// shard 0 of 1 - or nullopt with *ERROR naming the file that is not one.
struct merged_explore {
    std::string json;
    std::uint64_t failing_runs = 0;
};
std::optional<merged_explore> merge_explore_json(const std::vector<std::string>& texts,
                                                 const std::vector<std::string>& files, std::string* error);

}  // namespace kmsim::scenarios

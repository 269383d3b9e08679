// scenarios/runner.h - `kmsim run`: build a scenario's world, run it, judge it, render it.
//
// Owns: the composition of the four steps for one run - build_world()
// (scenarios/world.h), run_world() (scenarios/run.h), judge()
// (scenarios/judge.h) and the renderers: the kernel log and the -v call
// lines as the run goes, then the summary, the /proc views and the JSON
// summary (scenarios/summary.h).
#pragma once

#include "scenarios/ast.h"
#include "scenarios/judge.h"
#include "sim/engine.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace kmsim::scenarios {

struct world;

enum class verbosity { quiet, normal, verbose };
// --explain: none; the allocations that left the fast path; (=all) every one.
enum class explain_level { none, slow, all };

struct run_options {
    std::optional<std::uint64_t> seed;
    std::optional<std::int64_t> until_ns;
    std::uint64_t max_steps = sim::default_max_steps;  // --budget
    verbosity level = verbosity::normal;
    bool color = false;
    explain_level explain = explain_level::none;
    std::vector<std::string> show;  // buddyinfo, zoneinfo, slabinfo, meminfo, vmstat, kmemleak
    std::string json_path;          // "" none, "-" json_stream
    std::string ftrace_path;        // --ftrace FILE: "" none
    std::string trace_path;         // --trace FILE (Chrome trace-event JSON): "" none
    std::string html_path;          // --html FILE: "" none
    std::ostream* json_stream = nullptr;  // where "-" writes: the caller's standard output
    std::string version = "0.0.0";
    sim::diagnostics diag;  // kmsim's own debug lines (KMSIM_LOG), not the run's output
    sim::chooser* chooser = nullptr;  // the scheduling decisions (nullptr: kmsim's own); must outlive the run
    // Called once the world is built, before it boots (explore and
    // --schedule hook their fault points here).
    std::function<void(world&)> prepare;
};

struct run_report {
    std::string outcome;
    std::vector<expectation_result> expectations;
    int exit_code = 0;  // 0 all held, 1 one failed or an assert did
    std::string compiler_warnings;  // what gcc said of the scenario's modules, when it compiled them
};

// An output kmsim cannot write (--json into a directory, a full disk): bad
// command-line input, found before the run when possible.
struct output_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Runs SC, writing the log and summary to OUT (with --json -, the caller
// passes standard error as OUT and standard output as json_stream). Throws scenario_error for
// problems found only now (a declaration the machine cannot hold), and
// output_error.
run_report run_scenario(const scenario& sc, const run_options& opts, std::ostream& out);

}  // namespace kmsim::scenarios

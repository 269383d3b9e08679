// scenarios/summary.h - the summary `kmsim run` prints after the kernel log, and the JSON summary.
//
// Owns: the text after "--- summary ---" (outcome, allocations per GFP mask,
// reports, leaks, expectations, the /proc views asked for) and the JSON
// summary's contents (docs/scenario-language.md). Both render a finished
// run - its value and the world's final state - and change nothing.
#pragma once

#include "scenarios/judge.h"
#include "scenarios/run.h"
#include "scenarios/world.h"

#include <ostream>
#include <string>
#include <vector>

namespace kmsim::scenarios {

// Terminal colours, for a summary and log that go to a terminal.
namespace ansi {
inline constexpr const char* red = "\033[1;31m";
inline constexpr const char* green = "\033[1;32m";
inline constexpr const char* reset = "\033[0m";
}  // namespace ansi

struct summary_style {
    bool color = false;
    std::vector<std::string> show;  // /proc views to print after it
};

void print_summary(std::ostream& out, const world& w, const scenario_run& run,
                   const std::vector<expectation_result>& verdicts, const summary_style& style);

// The JSON summary, as `--json` writes it; VERSION is kmsim's.
void write_json_summary(std::ostream& out, const world& w, const scenario_run& run,
                        const std::vector<expectation_result>& verdicts, const std::string& version);

}  // namespace kmsim::scenarios

// scenarios/judge.h - a scenario's expectations, judged against a finished run.
//
// Owns: the verdict of each `expect` line and why a failed one failed.
// judge() is a pure function of the scenario and the run's value: judging
// twice gives the same verdicts, and nothing is run or printed.
#pragma once

#include "scenarios/ast.h"
#include "scenarios/run.h"

#include <string>
#include <vector>

namespace kmsim::scenarios {

struct expectation_result {
    int line = 0;
    std::string text;
    bool held = false;
    std::string why;  // for a failed one
};

// One result per line of SC.expects, in order.
std::vector<expectation_result> judge(const scenario& sc, const scenario_run& run);

// kmsim run's exit status: 0 when every expectation held and no `assert`
// failed, 1 otherwise.
int exit_code(const scenario_run& run, const std::vector<expectation_result>& verdicts);

}  // namespace kmsim::scenarios

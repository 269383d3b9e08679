// scenarios/judge.cpp - a scenario's expectations, judged against a finished run.
#include "scenarios/judge.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::scenarios {

namespace {

bool compare(std::uint64_t a, const std::string& op, std::uint64_t b)
{
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == ">=") return a >= b;
    return a > b;
}

const char* plural(std::uint64_t n) { return n == 1 ? "" : "s"; }

expectation_result judge_one(const expect_decl& e, std::size_t i, const scenario_run& run)
{
    expectation_result r;
    r.line = e.pos.line;
    r.text = e.source;
    switch (e.k) {
    case expect_decl::kind::completed:
    case expect_decl::kind::deadlock:
        r.held = run.engine.result ==
                 (e.k == expect_decl::kind::completed ? sim::outcome::completed : sim::outcome::deadlock);
        r.why = "the run ended: " + run.outcome();
        break;
    case expect_decl::kind::report:
        r.held = run.report_hits[i].found;
        r.why = "no such report";
        break;
    case expect_decl::kind::no_report:
        r.held = !run.report_hits[i].found;
        if (!r.held)
            r.why = fmt::format("reported at {}: {}", sim::dmesg_timestamp(run.report_hits[i].when),
                                run.report_hits[i].title);
        break;
    case expect_decl::kind::failure:
    case expect_decl::kind::no_failure: {
        std::uint64_t n = 0;
        for (const auto& [ctx, count] : run.allocs.failures_by_context)
            if (e.context.empty() || ctx == e.context)
                n += count;
        r.held = (e.k == expect_decl::kind::failure) == (n > 0);
        r.why = fmt::format("{} allocation{} failed", n, plural(n));
        break;
    }
    case expect_decl::kind::no_leaks:
        r.held = run.leaks == 0;
        r.why = fmt::format("{} allocation{} never freed", run.leaks, plural(run.leaks));
        break;
    case expect_decl::kind::stat:
        if (const auto& v = run.stat_values[i]; !v) {
            r.held = false;
            r.why = "no such stat: " + e.path;
        } else {
            r.held = compare(*v, e.op, e.number);
            r.why = fmt::format("{} is {}", e.path, *v);
        }
        break;
    }
    return r;
}

}  // namespace

std::vector<expectation_result> judge(const scenario& sc, const scenario_run& run)
{
    std::vector<expectation_result> out;
    for (std::size_t i = 0; i < sc.expects.size(); ++i)
        out.push_back(judge_one(sc.expects[i], i, run));
    return out;
}

int exit_code(const scenario_run& run, const std::vector<expectation_result>& verdicts)
{
    const bool held = std::all_of(verdicts.begin(), verdicts.end(), [](const expectation_result& r) { return r.held; });
    return held && run.assert_message.empty() && run.insmod_error.empty() ? 0 : 1;
}

}  // namespace kmsim::scenarios

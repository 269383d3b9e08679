// tests/scenarios/judge_test.cpp - the four steps of a run apart: build, run, judge, render.
#include "scenarios/judge.h"
#include "scenarios/parser.h"
#include "scenarios/run.h"
#include "scenarios/summary.h"
#include "scenarios/world.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace kmsim;
using namespace kmsim::scenarios;

namespace {

const char* const leaky = R"(scenario "judged"
machine cpus=1 memory=64M
thread t
  p = kmalloc(100, GFP_KERNEL)
  q = kmalloc(1 << 30, GFP_KERNEL | __GFP_NOWARN)
end
expect completed
expect deadlock
expect no leaks
expect failure in t
expect no report
expect stat zone.DMA32.managed > 1000
expect stat zone.Nowhere.free == 0
)";

// SC's world, built and run to its end.
struct finished {
    std::unique_ptr<world> w;
    scenario_run run;
};
finished build_and_run(const scenario& sc)
{
    build_options b;
    b.version = "test";
    finished f{build_world(sc, b), {}};
    f.run = run_world(*f.w, {});
    return f;
}

}  // namespace

TEST_CASE("judge is a pure function of the scenario and the run's value", "[scenarios][judge]")
{
    const scenario sc = parse_scenario(leaky, "judged.kms");
    auto [w, run] = build_and_run(sc);
    CHECK(run.outcome() == "completed");
    CHECK(run.leaks == 1);
    CHECK(run.allocs.calls == 2);
    CHECK(run.allocs.failed == 1);

    const auto verdicts = judge(sc, run);
    REQUIRE(verdicts.size() == 7);
    CHECK(verdicts[0].held);
    CHECK_FALSE(verdicts[1].held);
    CHECK(verdicts[1].why == "the run ended: completed");
    CHECK_FALSE(verdicts[2].held);
    CHECK(verdicts[2].why == "1 allocation never freed");
    CHECK(verdicts[3].held);
    CHECK_FALSE(verdicts[4].held);  // kmemleak's finding is a report: nothing points to p any more
    INFO(verdicts[4].why);
    CHECK(verdicts[4].why.find("unreferenced object 0x") != std::string::npos);
    CHECK(verdicts[5].held);
    CHECK_FALSE(verdicts[6].held);
    CHECK(verdicts[6].why == "no such stat: zone.Nowhere.free");
    CHECK(exit_code(run, verdicts) == 1);

    // Judging again, or judging a copy after the world is gone, changes nothing.
    const scenario_run copy = run;
    w.reset();
    const auto again = judge(sc, copy);
    REQUIRE(again.size() == verdicts.size());
    for (std::size_t i = 0; i < again.size(); ++i) {
        CHECK(again[i].held == verdicts[i].held);
        CHECK(again[i].why == verdicts[i].why);
    }
}

TEST_CASE("a run's value can be judged against altered facts", "[scenarios][judge]")
{
    const scenario sc = parse_scenario(leaky, "judged.kms");
    scenario_run run;
    run.engine.result = sim::outcome::deadlock;
    run.report_hits.resize(sc.expects.size());
    run.report_hits[4] = report_hit{true, sim::at_ns(2000000), "BUG: sleeping function called from invalid context"};
    run.stat_values.resize(sc.expects.size());
    run.stat_values[5] = 10;
    const auto v = judge(sc, run);
    CHECK_FALSE(v[0].held);
    CHECK(v[1].held);
    CHECK(v[2].held);  // no leaks
    CHECK_FALSE(v[3].held);
    CHECK(v[3].why == "0 allocations failed");
    CHECK_FALSE(v[4].held);
    CHECK(v[4].why == "reported at [    0.002000] : BUG: sleeping function called from invalid context");
    CHECK_FALSE(v[5].held);
    CHECK(v[5].why == "zone.DMA32.managed is 10");
}

TEST_CASE("rendering a finished run twice prints the same summary and JSON", "[scenarios][judge]")
{
    const scenario sc = parse_scenario(leaky, "judged.kms");
    const auto [w, run] = build_and_run(sc);
    const auto verdicts = judge(sc, run);
    std::ostringstream s1, s2, j1, j2;
    print_summary(s1, *w, run, verdicts, summary_style{false, {"meminfo"}});
    print_summary(s2, *w, run, verdicts, summary_style{false, {"meminfo"}});
    write_json_summary(j1, *w, run, verdicts, "test");
    write_json_summary(j2, *w, run, verdicts, "test");
    CHECK(s1.str() == s2.str());
    CHECK(j1.str() == j2.str());
    CHECK(s1.str().find("leaks: 1\n") != std::string::npos);
    CHECK(s1.str().find("--- /proc/meminfo ---\nMemTotal:") != std::string::npos);
    CHECK(j1.str().find("\"leaks\": [{\"context\": \"t\", \"line\": 4, \"call\": \"kmalloc\", \"size\": 100}]") !=
          std::string::npos);
}

// tests/scenarios/explore_test.cpp - schedules as tokens, and explore finding, shrinking and replaying failing runs.
#include "scenarios/bundled.h"
#include "scenarios/explore.h"
#include "scenarios/parser.h"
#include "scenarios/runner.h"
#include "scenarios/world.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace kmsim::scenarios;

namespace {

const char* const abba = R"(machine cpus=1 memory=64M
lock a mutex
lock b mutex
thread t1
  mutex_lock(a)
  mutex_lock(b)
  mutex_unlock(b)
  mutex_unlock(a)
end
thread t2
  mutex_lock(b)
  mutex_lock(a)
  mutex_unlock(a)
  mutex_unlock(b)
end
expect completed
)";

// The same threads with one lock order: no schedule can deadlock them.
const char* const abba_fixed = R"(machine cpus=1 memory=64M
lock a mutex
lock b mutex
thread t1
  mutex_lock(a)
  mutex_lock(b)
  mutex_unlock(b)
  mutex_unlock(a)
end
thread t2
  mutex_lock(a)
  mutex_lock(b)
  mutex_unlock(b)
  mutex_unlock(a)
end
expect completed
expect no report
)";

const char* const leaky_probe = R"(machine cpus=1 memory=64M
thread probe
  a = kmalloc(64, GFP_KERNEL)
  b = kmalloc(128, GFP_KERNEL)
  c = kmalloc(32, GFP_KERNEL | __GFP_NOFAIL)
  kfree(c)
  if b == NULL
    return
  end
  kfree(b)
  kfree(a)
end
expect no leaks
)";

}  // namespace

TEST_CASE("a schedule's token is printable, has no spaces, and reads back", "[scenarios][explore]")
{
    schedule s;
    s.seed = 42;
    s.deviations = {{choice_kind::preempt, 14, 1}, {choice_kind::irq_arrival, 2, 1500}, {choice_kind::fail, 7, 1},
                    {choice_kind::lock_waiter, 0, 2}};
    const std::string t = encode(s);
    CHECK(t == "1.s42.p14.i2-1500.f7.l0-2");
    std::string why;
    const auto back = decode(t, &why);
    REQUIRE(back);
    CHECK(back->seed == 42);
    CHECK(back->deviations == s.deviations);
    CHECK_FALSE(decode("2.s1", &why));
    CHECK_FALSE(decode("1.s1.x3", &why));
    CHECK(why == "'x3' is not a deviation (a letter of ownlcpifr and a number)");
    CHECK_FALSE(decode("1.s1.p3-0", &why));
    CHECK(why == "'p3-0' takes kmsim's own choice: it is no deviation");
    CHECK(decode("1.s7", &why)->deviations.empty());
}

TEST_CASE("explore finds the ABBA that needs one preemption, shrunk to it, and the token replays it", "[scenarios][explore]")
{
    const scenario sc = parse_scenario(abba, "abba.kms");
    explore_options o;
    o.version = "test";
    std::ostringstream out;
    const explore_result r = explore(sc, "abba.kms", o, out);
    REQUIRE(r.failing.size() == 1);
    CHECK(r.failing_runs == 1);  // it stops at the first
    const explore_failure& f = r.failing[0];
    CHECK(f.outcome == "deadlock");
    CHECK(f.failed_expectations == std::vector<std::string>{"expect completed"});
    REQUIRE(f.shrunk.deviations.size() == 1);
    CHECK(f.shrunk.deviations[0].kind == choice_kind::preempt);
    CHECK(f.shrunk.deviations[0].text == "preempt t1 after mutex_lock(a) at abba.kms:5");
    const std::string token = encode(f.shrunk);
    CHECK(out.str().find("\nreplay: kmsim run abba.kms --schedule " + token + "\n") != std::string::npos);

    // The token replays the same run: `kmsim run --schedule` prints what explore printed.
    std::string why;
    auto s = decode(token, &why);
    REQUIRE(s);
    schedule_chooser replay(*s);
    run_options ro;
    ro.version = "test";
    ro.seed = s->seed;
    ro.chooser = &replay;
    ro.prepare = [&replay](world& w) { attach_schedule(w, replay); };
    std::ostringstream again;
    const run_report rep = run_scenario(sc, ro, again);
    CHECK(rep.outcome == "deadlock");
    CHECK(out.str().find(again.str()) != std::string::npos);
}

TEST_CASE("the fixed twin stays clean over 1000 runs of either strategy", "[scenarios][explore]")
{
    const scenario sc = parse_scenario(abba_fixed, "fixed.kms");
    for (explore_strategy st : {explore_strategy::pct, explore_strategy::random}) {
        explore_options o;
        o.strategy = st;
        o.depth = 4;
        std::ostringstream out;
        const explore_result r = explore(sc, "fixed.kms", o, out);
        CHECK(r.runs == 1000);
        CHECK(r.failing_runs == 0);
    }
}

TEST_CASE("alloc faults find a leak on an error path with one injected failure and never fail __GFP_NOFAIL",
          "[scenarios][explore]")
{
    const scenario sc = parse_scenario(leaky_probe, "probe.kms");
    explore_options o;
    std::ostringstream clean;
    CHECK(explore(sc, "probe.kms", o, clean).failing_runs == 0);  // no faults: no leak

    o.fail_allocs = true;
    o.keep_going = true;
    std::ostringstream out;
    const explore_result r = explore(sc, "probe.kms", o, out);
    REQUIRE_FALSE(r.failing.empty());
    for (const explore_failure& f : r.failing) {
        REQUIRE(f.shrunk.deviations.size() == 1);
        CHECK(f.shrunk.deviations[0].kind == choice_kind::fail);
        CHECK(f.shrunk.deviations[0].text.find("__GFP_NOFAIL") == std::string::npos);
    }
    CHECK(r.failing[0].shrunk.deviations[0].text == "fail kmalloc(128, GFP_KERNEL) at probe.kms:4");
    CHECK(out.str().find("FAULT_INJECTION: forcing a failure.\nname failslab, interval 1, probability 0, space 0, "
                         "times 0\n") == std::string::npos);  // the log's lines carry timestamps
    CHECK(out.str().find("] FAULT_INJECTION: forcing a failure.\n") != std::string::npos);
    CHECK(out.str().find("] name failslab, interval 1, probability 0, space 0, times 0\n") != std::string::npos);

    std::ostringstream json;
    write_explore_json(json, r, o);
    CHECK(json.str().find("\"strategy\": \"pct\"") != std::string::npos);
    CHECK(json.str().find("\"faults\": [\n    \"alloc\"\n  ]") != std::string::npos);
    CHECK(json.str().find("\"kind\": \"fail\"") != std::string::npos);
    CHECK(json.str().find("\"failed_expectations\": [\n        \"expect no leaks\"\n      ]") != std::string::npos);
}

TEST_CASE("reclaim faults expose a filesystem reclaim recursion under plenty of free memory", "[scenarios][explore]")
{
    const std::string writer = R"(machine cpus=1 memory=64M
lock fs_lock mutex
shrinker inode_cache objects=1000 size=256
  if (sc.gfp_mask & __GFP_FS) == 0
    return SHRINK_STOP
  end
  mutex_lock(fs_lock)
  mutex_unlock(fs_lock)
  return sc.nr_to_scan
end
thread writer
  mutex_lock(fs_lock)
  buf = kmalloc(512, MASK)
  kfree(buf)
  mutex_unlock(fs_lock)
end
expect completed
)";
    auto with = [&](const std::string& mask) {
        std::string text = writer;
        text.replace(text.find("MASK"), 4, mask);
        return parse_scenario(text, "fs.kms");
    };
    explore_options o;
    o.force_reclaim = true;
    std::ostringstream out;
    const explore_result r = explore(with("GFP_KERNEL"), "fs.kms", o, out);
    REQUIRE(r.failing.size() == 1);
    CHECK(r.failing[0].outcome == "deadlock");
    REQUIRE(r.failing[0].shrunk.deviations.size() == 1);
    CHECK(r.failing[0].shrunk.deviations[0].text == "force direct reclaim at kmalloc(512, GFP_KERNEL) at fs.kms:13");
    CHECK(encode(r.failing[0].shrunk) == "1.s1.r0");
    // GFP_NOFS: reclaim runs the shrinker without __GFP_FS, which stops at once.
    o.fail_allocs = true;
    std::ostringstream clean;
    CHECK(explore(with("GFP_NOFS"), "fs.kms", o, clean).failing_runs == 0);
}

TEST_CASE("the bundled explore pairs: explore finds each bug with one deviation, and clears each fixed twin",
          "[scenarios][explore][bundled]")
{
    struct pair {
        const char* name;
        bool alloc, reclaim;
        const char* deviation;
    };
    for (const pair& p : {pair{"explore-abba", false, false, "preempt t1 after mutex_lock(a) at explore-abba.kms:18"},
                          pair{"explore-irq-window", false, false, "deliver nic at "},
                          pair{"explore-leak", true, false, "fail kmalloc(128, GFP_KERNEL) at explore-leak.kms:19"},
                          pair{"explore-fs-reclaim", false, true,
                               "force direct reclaim at kmalloc(512, GFP_KERNEL) at explore-fs-reclaim.kms:28"}}) {
        INFO(p.name);
        explore_options o;
        o.fail_allocs = p.alloc;
        o.force_reclaim = p.reclaim;
        const bundled_scenario* bug = find_bundled(p.name);
        REQUIRE(bug);
        std::ostringstream out;
        const explore_result r =
            explore(parse_scenario(bug->source, std::string(p.name) + ".kms"), p.name, o, out);
        REQUIRE(r.failing.size() == 1);
        CHECK(r.runs < 50);  // found within a few runs
        REQUIRE(r.failing[0].shrunk.deviations.size() == 1);
        CHECK(r.failing[0].shrunk.deviations[0].text.rfind(p.deviation, 0) == 0);

        // The twin, with every fault kind.
        const std::string twin = std::string(p.name) + "-fixed";
        const bundled_scenario* fixed = find_bundled(twin);
        REQUIRE(fixed);
        o.fail_allocs = o.force_reclaim = true;
        std::ostringstream clean;
        const explore_result c = explore(parse_scenario(fixed->source, twin + ".kms"), twin, o, clean);
        CHECK(c.runs == 1000);
        CHECK(c.failing_runs == 0);
    }
}

TEST_CASE("every bundled scenario can be explored", "[scenarios][explore][bundled]")
{
    for (const auto& b : bundled_scenarios()) {
        INFO(b.name);
        explore_options o;
        o.runs = 8;
        o.fail_allocs = o.force_reclaim = true;
        std::ostringstream out;
        CHECK_NOTHROW(explore(parse_scenario(b.source, std::string(b.name) + ".kms"), b.name, o, out));
    }
}

TEST_CASE("more jobs find the same runs as one worker, shards cover the runs and merging adds them up",
          "[scenarios][explore]")
{
    const bundled_scenario* b = find_bundled("explore-leak");
    REQUIRE(b);
    const scenario sc = parse_scenario(b->source, "explore-leak.kms");
    auto run = [&](unsigned jobs, bool keep_going, std::uint64_t shard, std::uint64_t shards) {
        explore_options o;
        o.fail_allocs = true;
        o.jobs = jobs;
        o.keep_going = keep_going;
        o.shard_index = shard;
        o.shard_count = shards;
        o.runs = 300;
        std::ostringstream out;
        explore_result r = explore(sc, "explore-leak.kms", o, out);
        std::ostringstream json;
        write_explore_json(json, r, o);
        return std::pair{r, json.str()};
    };
    const auto [one, one_json] = run(1, false, 0, 1);
    const auto [two, two_json] = run(2, false, 0, 1);
    REQUIRE(one.failing.size() == 1);
    REQUIRE(two.failing.size() == 1);
    CHECK(two.failing[0].run == one.failing[0].run);
    CHECK(encode(two.failing[0].shrunk) == encode(one.failing[0].shrunk));
    CHECK(two.runs == one.runs);

    const auto [all, all_json] = run(2, true, 0, 1);
    std::vector<std::string> shards;
    std::uint64_t failing = 0;
    for (std::uint64_t i = 0; i < 3; ++i) {
        const auto [part, part_json] = run(1, true, i, 3);
        failing += part.failing_runs;
        shards.push_back(part_json);
    }
    CHECK(failing == all.failing_runs);
    std::string why;
    const auto merged = merge_explore_json(shards, {"a.json", "b.json", "c.json"}, &why);
    REQUIRE(merged);
    CHECK(merged->failing_runs == all.failing_runs);
    CHECK(merged->json.find("\"runs\": 300,") != std::string::npos);
    CHECK(merged->json.find("\"shard\": {\n    \"index\": 0,\n    \"count\": 1\n  }") != std::string::npos);
    CHECK_FALSE(merge_explore_json({"{}"}, {"x.json"}, &why));
    CHECK(why == "x.json is not the JSON of kmsim explore");
}

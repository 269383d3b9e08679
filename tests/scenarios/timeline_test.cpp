// tests/scenarios/timeline_test.cpp - --trace and --html: the timeline of a run, as the files show it.
//
// The Chrome trace is read back as JSON and checked for what Perfetto users
// rely on: a track per CPU, slices named after contexts with their kind and
// pid, a handler nested in the task it interrupted, counters for free pages
// with the watermarks, the reports as instants, waits with who ended them.
// The HTML page's own drawing is tested in a browser (tests/tools/
// html_browser_test.cpp); here, that it is self-contained and small.
#include "scenarios/bundled.h"
#include "scenarios/parser.h"
#include "scenarios/runner.h"
#include "scenarios/timeline.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace kmsim::scenarios;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct files {
    json trace;
    std::string html;
    std::string trace_text;
};

files run_to_files(const std::string& text, const std::string& name)
{
    const fs::path dir = fs::temp_directory_path() / fmt::format("kmsim-timeline-{}", ::getpid());
    fs::create_directories(dir);
    run_options o;
    o.version = "test";
    o.level = verbosity::quiet;
    o.trace_path = (dir / (name + ".json")).string();
    o.html_path = (dir / (name + ".html")).string();
    std::ostringstream out;
    run_scenario(parse_scenario(text, name + ".kms"), o, out);
    files f;
    std::ifstream t(o.trace_path), h(o.html_path);
    std::stringstream ts, hs;
    ts << t.rdbuf();
    hs << h.rdbuf();
    f.trace_text = ts.str();
    f.trace = json::parse(f.trace_text);
    f.html = hs.str();
    fs::remove_all(dir);
    return f;
}

files run_bundled(const std::string& name) { return run_to_files(find_bundled(name)->source, name); }

std::vector<json> events(const json& trace, const std::string& ph)
{
    std::vector<json> out;
    for (const json& e : trace["traceEvents"])
        if (e["ph"] == ph)
            out.push_back(e);
    return out;
}

// Slices of one track never overlap unless one holds the other: what
// Perfetto needs to nest them, and what "a handler on top of the task" means.
void check_nesting(const std::vector<json>& slices)
{
    std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> tracks;
    for (const json& e : slices)
        tracks[{e["pid"].get<int>(), e["tid"].get<int>()}].emplace_back(e["ts"].get<double>(),
                                                                          e["ts"].get<double>() + e["dur"].get<double>());
    for (auto& [track, spans] : tracks) {
        std::sort(spans.begin(), spans.end(),
                  [](auto& a, auto& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); });
        std::vector<double> open;  // ends of the enclosing spans
        for (const auto& [b, e] : spans) {
            while (!open.empty() && open.back() <= b + 1e-9)
                open.pop_back();
            INFO("track " << track.first << "/" << track.second << " span " << b << ".." << e);
            if (!open.empty())
                CHECK(e <= open.back() + 1e-6);
            open.push_back(e);
        }
    }
}

}  // namespace

TEST_CASE("the Chrome trace: a track per CPU, the worker in process context, the handlers in hard-IRQ context", "[timeline]")
{
    const files f = run_bundled("irq-vs-process");
    std::map<int, std::string> cpu_tracks;
    for (const json& m : events(f.trace, "M"))
        if (m["name"] == "thread_name" && m["pid"] == 0)
            cpu_tracks[m["tid"].get<int>()] = m["args"]["name"];
    CHECK(cpu_tracks == std::map<int, std::string>{{0, "CPU0"}, {1, "CPU1"}});

    std::vector<json> cpu_slices, worker, eth0, buggy;
    for (const json& x : events(f.trace, "X")) {
        if (x["pid"] != 0)
            continue;
        cpu_slices.push_back(x);
        if (x["name"] == "worker")
            worker.push_back(x);
        else if (x["name"] == "eth0")
            eth0.push_back(x);
        else if (x["name"] == "buggy")
            buggy.push_back(x);
    }
    REQUIRE(worker.size() == 101);  // msleep(1) gives the CPU away 100 times
    CHECK(worker[0]["args"]["context"] == "task");
    CHECK(worker[0]["args"]["pid"] == 100);
    CHECK(worker[0]["tid"] == 0);
    REQUIRE(eth0.size() == 20);
    for (const json& e : eth0) {
        CHECK(e["args"]["context"] == "hardirq");
        CHECK(e["args"]["irq"] == 11);
        CHECK(e["tid"] == 1);
    }
    // buggy lands at 2005 us while worker is in udelay(10): on top of it.
    REQUIRE(buggy.size() == 1);
    CHECK(buggy[0]["ts"] == 2005.0);
    CHECK(buggy[0]["args"]["pid"] == 100);
    const bool nested = std::any_of(worker.begin(), worker.end(), [&](const json& w) {
        return w["ts"].get<double>() <= 2005.0 &&
               buggy[0]["ts"].get<double>() + buggy[0]["dur"].get<double>() <=
                   w["ts"].get<double>() + w["dur"].get<double>();
    });
    CHECK(nested);
    check_nesting(events(f.trace, "X"));

    // The reports, as instants named by their title, on the CPU that raised them.
    std::vector<std::string> reports;
    for (const json& i : events(f.trace, "i"))
        if (i["cat"] == "report") {
            reports.push_back(i["name"]);
            CHECK(i["tid"] == 0);
            CHECK(i["ts"].get<double>() >= 2005.0);  // raised in buggy's handler
            CHECK(i["ts"].get<double>() <= buggy[0]["ts"].get<double>() + buggy[0]["dur"].get<double>());
        }
    CHECK(reports == std::vector<std::string>{"WARNING: inconsistent lock state",
                                              "BUG: sleeping function called from invalid context at "
                                              "irq-vs-process.kms:39"});

    // The worker's calls and its sleeps, on its own track.
    int worker_track = -1;
    for (const json& m : events(f.trace, "M"))
        if (m["name"] == "thread_name" && m["pid"] == 1 && m["args"]["name"] == "worker/100")
            worker_track = m["tid"];
    std::size_t calls = 0, sleeps = 0;
    for (const json& x : events(f.trace, "X"))
        if (x["pid"] == 1 && x["tid"] == worker_track) {
            calls += x["cat"] == "call";
            sleeps += x["cat"] == "wait";
        }
    CHECK(calls == 400);  // kzalloc, udelay, msleep, kfree per loop
    CHECK(sleeps == 100);
}

TEST_CASE("the Chrome trace: counters for free pages per zone and its watermarks", "[timeline]")
{
    const files f = run_bundled("watermarks-kswapd");
    // Each counter's values, as Perfetto makes tracks of them: "free pages Normal free".
    std::map<std::string, std::vector<std::pair<double, std::uint64_t>>> counters;
    for (const json& c : events(f.trace, "C"))
        for (const auto& [k, v] : c["args"].items())
            counters[c["name"].get<std::string>() + " " + k].emplace_back(c["ts"].get<double>(),
                                                                           v.get<std::uint64_t>());
    REQUIRE(counters.count("free pages Normal free"));
    REQUIRE(counters.count("free pages Normal min"));
    REQUIRE(counters.count("slab pages pages"));
    REQUIRE(counters.count("page cache pages"));
    const std::uint64_t min = counters["free pages Normal min"].front().second;
    const std::uint64_t low = counters["free pages Normal low"].front().second;
    const std::uint64_t high = counters["free pages Normal high"].front().second;
    CHECK(min < low);
    CHECK(low < high);
    // Free pages swing around low and high while kswapd keeps up, and reach
    // min in the burst.
    std::uint64_t lowest = ~0ull;
    int rises_to_high = 0;
    bool below_low = false;
    for (const auto& [t, v] : counters["free pages Normal free"]) {
        lowest = std::min(lowest, v);
        if (v < low)
            below_low = true;
        if (below_low && v >= high) {
            ++rises_to_high;
            below_low = false;
        }
    }
    CHECK(rises_to_high >= 4);
    CHECK(lowest <= min + 32);
    // And the page cache is what was reclaimed.
    CHECK(counters["page cache pages"].back().second < counters["page cache pages"].front().second);

    std::size_t wakes = 0, direct = 0;
    for (const json& i : events(f.trace, "i")) {
        wakes += i["cat"] == "kswapd_wake";
        direct += i["cat"] == "direct_reclaim";
    }
    CHECK(wakes >= 5);
    CHECK(direct > 0);
}

TEST_CASE("the Chrome trace: a wait for a mutex ends with an arrow from the task that released it", "[timeline]")
{
    const files f = run_to_files(R"(scenario "handoff"
machine cpus=2
lock m mutex
thread holder cpu=0
  mutex_lock(m)
  msleep(5)
  mutex_unlock(m)
end
thread waiter cpu=1
  udelay(100)
  mutex_lock(m)
  mutex_unlock(m)
end
)",
                                 "handoff");
    std::map<int, std::string> tracks;
    for (const json& m : events(f.trace, "M"))
        if (m["name"] == "thread_name" && m["pid"] == 1)
            tracks[m["tid"].get<int>()] = m["args"]["name"];
    json wait;
    for (const json& x : events(f.trace, "X"))
        if (x["cat"] == "wait" && tracks[x["tid"].get<int>()] == "waiter/101")
            wait = x;
    REQUIRE(!wait.is_null());
    CHECK(wait["name"].get<std::string>().find("mutex") != std::string::npos);
    CHECK(wait["ts"].get<double>() == Approx(100.0).margin(0.1));  // when it blocks, after udelay(100)
    const std::vector<json> starts = events(f.trace, "s"), ends = events(f.trace, "f");
    REQUIRE(starts.size() == 1);
    REQUIRE(ends.size() == 1);
    CHECK(tracks[starts[0]["tid"].get<int>()] == "holder/100");
    CHECK(tracks[ends[0]["tid"].get<int>()] == "waiter/101");
    CHECK(starts[0]["id"] == ends[0]["id"]);
    CHECK(ends[0]["ts"].get<double>() == Approx(wait["ts"].get<double>() + wait["dur"].get<double>()));
    // The holder's msleep(5) ends: 6 jiffies at HZ=1000, msecs_to_jiffies(5) + 1.
    CHECK(ends[0]["ts"].get<double>() == Approx(6000.0).margin(1.0));
}

TEST_CASE("the trace and the page: every bundled scenario, nested, self-contained, small and the same every time",
          "[timeline]")
{
    for (const auto& b : bundled_scenarios()) {
        INFO(b.name);
        const files f = run_bundled(b.name);
        check_nesting(events(f.trace, "X"));
        CHECK(f.html.size() < 5u * 1024 * 1024);
        // Self-contained: no script, style or image from elsewhere. (The one
        // URL is SVG's namespace, a name and not a request.)
        CHECK(f.html.find("<script src") == std::string::npos);
        CHECK(f.html.find("<link") == std::string::npos);
        std::string rest = f.html;
        for (std::size_t at; (at = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;)
            rest.erase(at, 26);
        CHECK(rest.find("http://") == std::string::npos);
        CHECK(rest.find("https://") == std::string::npos);
        if (std::string(b.name) == "irq-vs-process")
            CHECK(run_bundled(b.name).trace_text == f.trace_text);
    }
}

TEST_CASE("a counter keeps at most max_buckets buckets, and its lowest and highest values", "[timeline]")
{
    counter_series s;
    std::uint64_t lo = ~0ull, hi = 0;
    for (std::int64_t i = 0; i < 1000000; ++i) {
        const std::uint64_t v = 5000 + static_cast<std::uint64_t>((i * 7919) % 1000) - (i == 777777 ? 4000 : 0);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        s.sample(i * 10, v);
    }
    CHECK(s.buckets.size() <= timeline::max_buckets);
    std::uint64_t blo = ~0ull, bhi = 0;
    for (const counter_bucket& b : s.buckets) {
        blo = std::min(blo, b.min);
        bhi = std::max(bhi, b.max);
    }
    CHECK(blo == lo);
    CHECK(bhi == hi);
    const auto pts = counter_points(s, 10000000);
    CHECK(pts.back().first == 10000000);
    CHECK(std::is_sorted(pts.begin(), pts.end(), [](auto& a, auto& b) { return a.first < b.first; }));
}

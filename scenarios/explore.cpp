// scenarios/explore.cpp - runs under strategies, failure detection, shrinking, and the report of a failing run.
#include "scenarios/explore.h"

#include "scenarios/judge.h"
#include "scenarios/run.h"
#include "scenarios/runner.h"
#include "scenarios/summary_json.h"
#include "scenarios/world.h"
#include "sim/random.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>

namespace kmsim::scenarios {

namespace {

// "kmalloc(128, GFP_KERNEL) at probe.kms:9", or the context's line when
// it is not in a call.
std::string where(const arch::context& c)
{
    return c.frames().empty() ? c.name() : c.frames().back().format();
}

}  // namespace

void attach_schedule(world& w, schedule_chooser& chooser)
{
    // The last kernel call each context made, to say where a preemption came.
    auto last_call = std::make_shared<std::unordered_map<const arch::context*, arch::frame>>();
    w.api.call_done.attach([last_call, &w](const call_record& r) {
        if (const arch::context* c = w.m.current_context())
            (*last_call)[c] = r.frame;
    });
    chooser.describe = [&w, last_call](deviation& d) {
        d.time_ns = sim::to_ns(w.eng.now());
        const arch::context* c = w.m.current_context();
        d.context = c ? c->name() : "";
        switch (d.kind) {
        case choice_kind::preempt: {
            auto it = last_call->find(c);
            d.text = it != last_call->end() ? fmt::format("preempt {} after {}", d.context, it->second.format())
                                            : fmt::format("preempt {} before its first kernel call", d.context);
            break;
        }
        case choice_kind::fail:
            d.text = fmt::format("fail {}", c ? where(*c) : "an allocation at boot");
            break;
        case choice_kind::reclaim:
            d.text = fmt::format("force direct reclaim at {}", c ? where(*c) : "an allocation at boot");
            break;
        case choice_kind::irq_arrival:
            d.text = fmt::format("deliver {} at {}.{:09} ({} ns into its jitter window{})",
                                 d.chosen.empty() ? "the interrupt" : d.chosen, d.arrival_ns / 1000000000,
                                 d.arrival_ns % 1000000000, d.value,
                                 d.cpu >= 0 ? fmt::format(", on CPU{}", d.cpu) : std::string());
            break;
        case choice_kind::next_task:
            d.text = fmt::format("run {} next instead of the oldest runnable task", d.chosen);
            break;
        case choice_kind::lock_waiter:
            d.text = fmt::format("hand the released lock to {} instead of the first waiter", d.chosen);
            break;
        case choice_kind::completion_waiter:
            d.text = fmt::format("let complete() wake {} instead of the first waiter", d.chosen);
            break;
        case choice_kind::wake_cpu:
            d.text = fmt::format("queue the woken task on CPU choice #{} instead of the usual one", d.value + 1);
            break;
        case choice_kind::event_order:
            d.text = fmt::format("run event #{} of those due at this instant first", d.value + 1);
            break;
        }
        if (c && d.kind != choice_kind::preempt && d.kind != choice_kind::fail && d.kind != choice_kind::reclaim)
            d.text += fmt::format(" (in {})", d.context);
    };
    // Fault injection: every allocation call a context makes is one point
    // (failslab for slab objects, fail_page_alloc for pages and large
    // kmalloc; a slab's own pages are its call's); boot's are not, and
    // __GFP_NOFAIL ones are never failed (should_failslab() and
    // should_fail_alloc_page() refuse them).
    auto fault = [&w, &chooser](mm::gfp_t gfp, const char* name) {
        if (!w.m.current_context())
            return false;
        arch::context& c = w.m.current();
        // Reclaim first: a point only for a mask that may block, outside reclaim.
        const mm::gfp_t effective = mm::current_gfp_context(gfp, c.task_flags());
        if ((effective & mm::gfp::DIRECT_RECLAIM) && !(c.task_flags() & mm::PF_MEMALLOC) && chooser.should_reclaim()) {
            w.m.log().printk(w.m.now(), arch::log_level::warning,
                             fmt::format("kmsim: explore forces direct reclaim here, as if the zone were below its "
                                         "min watermark\n{}",
                                         w.m.dump_stack(c)),
                             c.name(), c.on_cpu() ? c.on_cpu()->id() : -1);
            w.mem.pages().force_direct_reclaim(gfp);
        }
        if ((gfp & mm::gfp::NOFAIL) || !chooser.should_fail())
            return false;
        w.m.log().printk(w.m.now(), arch::log_level::warning,
                         fmt::format("FAULT_INJECTION: forcing a failure.\nname {}, interval 1, probability 0, "
                                     "space 0, times 0\n{}",
                                     name, w.m.dump_stack(c)),
                         c.name(), c.on_cpu() ? c.on_cpu()->id() : -1);
        return true;
    };
    w.mem.slabs().should_failslab = [fault](const mm::kmem_cache&, mm::gfp_t g) { return fault(g, "failslab"); };
    w.mem.pages().should_fail_alloc_page = [fault, &w](mm::gfp_t g, unsigned) {
        return !w.mem.slabs().growing() && fault(g, "fail_page_alloc");
    };
}

namespace {

// How a run failed: its outcome and what did not hold. Two runs fail "the
// same way" when these are equal.
struct verdict {
    bool failed = false;
    std::string outcome;
    std::vector<std::string> failed_expectations;
    std::string cycle;  // a deadlock's cycle, as contexts and what they wait for (tells failures apart)
    bool operator==(const verdict& o) const
    {
        return failed == o.failed && outcome == o.outcome && failed_expectations == o.failed_expectations;
    }
};

struct one_run {
    verdict v;
    std::vector<deviation> taken;
    std::uint64_t points = 0;
};

// When each CPU's state changed in a run: the instants its kernel calls
// returned (a lock just taken, interrupts just enabled ...), in ns, sorted.
using cpu_instants = std::vector<std::vector<std::int64_t>>;

one_run run_once(const scenario& sc, const schedule& s, strategy_fn strategy, const explore_options& opts,
                 cpu_instants* instants = nullptr)
{
    schedule_chooser chooser(s, std::move(strategy));
    build_options b;
    b.seed = s.seed;
    b.version = opts.version;
    b.chooser = &chooser;
    b.attach = [&chooser, instants](world& w) {
        attach_schedule(w, chooser);
        if (!instants)
            return;
        instants->assign(static_cast<std::size_t>(w.m.nr_cpus()), {});
        w.api.call_done.attach([&w, instants](const call_record&) {
            if (const arch::context* c = w.m.current_context(); c && c->on_cpu())
                (*instants)[static_cast<std::size_t>(c->on_cpu()->id())].push_back(sim::to_ns(w.m.now()));
        });
    };
    const std::unique_ptr<world> w = build_world(sc, b);
    const scenario_run run = run_world(*w, sim::run_limits{});
    const std::vector<expectation_result> verdicts = judge(sc, run);

    one_run r;
    r.v.outcome = run.outcome();
    for (const expectation_result& e : verdicts)
        if (!e.held)
            r.v.failed_expectations.push_back(e.text);
    if (!run.assert_message.empty())
        r.v.failed_expectations.push_back("assert: " + run.assert_message);
    if (run.engine.deadlock)
        for (const sim::wait_edge& e : run.engine.deadlock->cycle)
            r.v.cycle += e.context + " -> " + e.waits_for + "; ";
    if (sc.expects.empty()) {
        // Without expectations: a deadlock, a panic or any report.
        const bool reported = !w->m.log().reports().empty() || w->m.log().suppressed_total() != 0;
        r.v.failed = r.v.outcome == "deadlock" || r.v.outcome == "panic" || reported || !run.assert_message.empty();
    } else {
        r.v.failed = !r.v.failed_expectations.empty();
    }
    r.taken = chooser.taken();
    r.points = chooser.total_points();
    return r;
}

// The strategy of run INDEX: which points deviate, and how.
strategy_fn make_strategy(const explore_options& opts, std::uint64_t run_index, std::uint64_t expected_points,
                          std::shared_ptr<const cpu_instants> instants)
{
    auto rng = std::make_shared<sim::random_stream>(opts.seed * 0x9e3779b97f4a7c15ULL + run_index + 1);
    const std::uint64_t k = std::max<std::uint64_t>(expected_points, 1);
    auto seen = std::make_shared<std::uint64_t>(0);
    auto deviate = [rng, instants, fail_allocs = opts.fail_allocs,
                    force_reclaim = opts.force_reclaim](const choice_point& p) -> std::optional<std::int64_t> {
        switch (p.kind) {
        case choice_kind::fail:
            if (!fail_allocs)
                return std::nullopt;
            return 1;
        case choice_kind::reclaim:
            if (!force_reclaim)
                return std::nullopt;
            return 1;
        case choice_kind::irq_arrival: {
            // Mostly aimed: just after an instant its CPU's state changed
            // (in kmsim's own run) inside the window - a lock just taken,
            // interrupts just re-enabled - where a short critical section
            // is; else anywhere in the window.
            const auto max = static_cast<std::uint64_t>(p.alternatives);
            if (instants && p.cpu >= 0 && static_cast<std::size_t>(p.cpu) < instants->size() && rng->uniform(0, 3)) {
                const std::vector<std::int64_t>& at = (*instants)[static_cast<std::size_t>(p.cpu)];
                const auto lo = std::upper_bound(at.begin(), at.end(), p.from_ns - 1);
                const auto hi = std::upper_bound(lo, at.end(), p.from_ns + p.alternatives - 1);
                if (lo != hi) {
                    const auto n = static_cast<std::uint64_t>(hi - lo);
                    const std::int64_t t = *(lo + static_cast<std::ptrdiff_t>(rng->uniform(0, n - 1)));
                    return std::min<std::int64_t>(t - p.from_ns + 1, p.alternatives);
                }
            }
            return static_cast<std::int64_t>(rng->uniform(0, max));
        }
        default:
            if (p.alternatives < 2)
                return std::nullopt;
            return static_cast<std::int64_t>(rng->uniform(1, static_cast<std::uint64_t>(p.alternatives - 1)));
        }
    };
    if (opts.strategy == explore_strategy::random) {
        const std::uint64_t d = std::max(1u, opts.depth);
        return [rng, seen, k, d, deviate](const choice_point& p) -> std::optional<std::int64_t> {
            ++*seen;
            if (rng->uniform(1, k) > d)
                return std::nullopt;
            return deviate(p);
        };
    }
    // pct (Burckhardt et al.): every task gets a random priority when first
    // seen, all above D; the highest-priority candidate wins every choice
    // among tasks (which task runs, which waiter gets a lock or wakes, and
    // a running task yields at a preemption point to a higher one). D-1
    // change points, placed uniformly among the points the run is expected
    // to meet, lower the running task's priority to D-1, ..., 1. A change
    // point that falls on an interrupt's arrival or an allocation deviates
    // there instead (an aimed delay, an injected fault).
    struct pct_state {
        std::unordered_map<const sim::actor*, std::uint64_t> priority;
        std::map<std::uint64_t, std::uint64_t> change_points;  // step -> the priority it gives
        std::uint64_t step = 0;
    };
    auto st = std::make_shared<pct_state>();
    const unsigned d = std::max(1u, opts.depth);
    for (unsigned i = 1; i < d; ++i)
        st->change_points.emplace(rng->uniform(0, k - 1), d - i);
    return [st, rng, d, deviate](const choice_point& p) -> std::optional<std::int64_t> {
        auto prio = [&](const sim::actor* a) {
            auto [it, fresh] = st->priority.try_emplace(a, 0);
            if (fresh)
                it->second = d + rng->uniform(0, 1ULL << 40);
            return it->second;
        };
        const auto change = st->change_points.find(st->step++);
        if (change != st->change_points.end()) {
            if (!p.actors && p.kind != choice_kind::next_task && p.kind != choice_kind::lock_waiter &&
                p.kind != choice_kind::completion_waiter && p.kind != choice_kind::preempt)
                return deviate(p);
            if (p.current)
                st->priority[p.current] = change->second;
        }
        if (!p.actors || p.alternatives < 2)
            return std::nullopt;
        std::size_t best = 0;
        for (std::size_t i = 1; i < static_cast<std::size_t>(p.alternatives); ++i)
            if (prio(p.actors[i]) > prio(p.actors[best]))
                best = i;
        if (best == 0)
            return std::nullopt;
        return static_cast<std::int64_t>(best);
    };
}

// Drops deviations one at a time while the run still fails the same way,
// until none can go.
std::vector<deviation> shrink(const scenario& sc, std::uint64_t seed, std::vector<deviation> devs, const verdict& v,
                              const explore_options& opts)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t i = 0; i < devs.size(); ++i) {
            schedule s{seed, devs};
            s.deviations.erase(s.deviations.begin() + static_cast<std::ptrdiff_t>(i));
            const one_run r = run_once(sc, s, {}, opts);
            if (r.v == v) {
                devs = r.taken;  // what the shorter schedule really took
                changed = true;
                break;
            }
        }
    }
    return devs;
}

}  // namespace

namespace {

// The runs of the shard, in index order, in OPTS.jobs worker processes
// (forked: each has its own address space, so building and tearing down
// worlds does not contend in the host kernel's mm as threads would). The
// workers take run positions from a shared counter and report each failing
// run as its position and schedule token; this process replays those
// schedules to recover the runs. Without --keep-going the search stops at
// the first failing position: later ones are abandoned, earlier ones
// finish (one may fail first), so any --jobs finds the same run.
struct search_result {
    std::uint64_t runs = 0;
    std::vector<std::pair<std::uint64_t, one_run>> failing;  // by run index
};

struct shared_counters {
    std::atomic<std::uint64_t> next{0}, done{0}, failed{0}, first_fail{0};
    std::atomic<bool> out_of_time{false};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "counters shared between processes");

// One worker's loop: runs positions until there are none (or the search
// stopped), calling ON_FAIL for each failing one.
template <typename OnFail>
void work(const scenario& sc, std::uint64_t seed, const explore_options& opts, std::uint64_t points,
          const std::shared_ptr<const cpu_instants>& instants, const std::vector<std::uint64_t>& indices,
          shared_counters& sh, std::chrono::steady_clock::time_point start, OnFail&& on_fail,
          const std::function<void()>& tick)
{
    for (;;) {
        const std::uint64_t pos = sh.next++;
        if (pos >= indices.size() || (!opts.keep_going && pos > sh.first_fail.load()))
            break;
        if (opts.time_limit_s > 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > opts.time_limit_s) {
            sh.out_of_time = true;
            break;
        }
        one_run r = run_once(sc, schedule{seed, {}}, make_strategy(opts, indices[pos], points, instants), opts);
        if (r.v.failed) {
            ++sh.failed;
            for (std::uint64_t f = sh.first_fail.load(); pos < f && !sh.first_fail.compare_exchange_weak(f, pos);)
                ;
            on_fail(pos, std::move(r));
        }
        ++sh.done;
        if (tick)
            tick();
    }
}

search_result search(const scenario& sc, std::uint64_t seed, const explore_options& opts, std::uint64_t points,
                     const std::shared_ptr<const cpu_instants>& instants)
{
    std::vector<std::uint64_t> indices;
    for (std::uint64_t i = opts.shard_index; i < opts.runs; i += std::max<std::uint64_t>(opts.shard_count, 1))
        indices.push_back(i);
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };

    void* mem = ::mmap(nullptr, sizeof(shared_counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    KMSIM_ASSERT(mem != MAP_FAILED, "mmap of explore's shared counters");
    auto* sh = new (mem) shared_counters;
    sh->first_fail = indices.size();
    double last_report = 0;
    auto progress = [&] {
        if (!opts.progress || elapsed() - last_report < 0.25)
            return;
        last_report = elapsed();
        *opts.progress << fmt::format("\rkmsim explore: {} runs, {:.0f} runs/s, {} failing ", sh->done.load(),
                                      static_cast<double>(sh->done.load()) / last_report, sh->failed.load())
                       << std::flush;
    };

    std::vector<std::pair<std::uint64_t, one_run>> failing;  // by position
    const unsigned jobs = std::max(1u, opts.jobs);
    if (jobs == 1) {
        work(sc, seed, opts, points, instants, indices, *sh, start,
             [&](std::uint64_t pos, one_run&& r) { failing.emplace_back(pos, std::move(r)); }, progress);
    } else {
        // Each worker writes "POSITION TOKEN\n" for a failing run.
        std::vector<int> pipes;
        std::vector<pid_t> pids;
        std::cout.flush();
        std::cerr.flush();
        for (unsigned w = 0; w < jobs; ++w) {
            int fd[2];
            KMSIM_ASSERT(::pipe(fd) == 0, "pipe for an explore worker");
            const pid_t pid = ::fork();
            KMSIM_ASSERT(pid >= 0, "fork of an explore worker");
            if (pid == 0) {
                ::close(fd[0]);
                for (int other : pipes)
                    ::close(other);
                work(sc, seed, opts, points, instants, indices, *sh, start,
                     [&](std::uint64_t pos, one_run&& r) {
                         const std::string line = fmt::format("{} {}\n", pos, encode(schedule{seed, r.taken}));
                         for (std::size_t off = 0; off < line.size();) {
                             const ssize_t n = ::write(fd[1], line.data() + off, line.size() - off);
                             if (n <= 0)
                                 ::_exit(3);
                             off += static_cast<std::size_t>(n);
                         }
                     },
                     {});
                ::_exit(0);
            }
            ::close(fd[1]);
            pipes.push_back(fd[0]);
            pids.push_back(pid);
        }
        std::string lines;
        std::vector<pollfd> fds;
        for (int fd : pipes)
            fds.push_back(pollfd{fd, POLLIN, 0});
        for (std::size_t open = fds.size(); open > 0;) {
            if (::poll(fds.data(), fds.size(), 250) > 0)
                for (pollfd& p : fds) {
                    if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP)))
                        continue;
                    char buf[4096];
                    const ssize_t n = ::read(p.fd, buf, sizeof buf);
                    if (n > 0) {
                        lines.append(buf, static_cast<std::size_t>(n));
                    } else {
                        ::close(p.fd);
                        p.fd = -1;
                        --open;
                    }
                }
            progress();
        }
        for (pid_t pid : pids) {
            int status = 0;
            ::waitpid(pid, &status, 0);
            KMSIM_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "an explore worker failed");
        }
        // Replay each reported failure here, to have its run.
        std::istringstream in(lines);
        for (std::uint64_t pos; in >> pos;) {
            std::string token, why;
            in >> token;
            const auto s = decode(token, &why);
            KMSIM_ASSERT(s, "a worker's schedule token reads back: " + why);
            failing.emplace_back(pos, run_once(sc, *s, {}, opts));
        }
    }
    if (opts.progress && elapsed() > 0.25)
        *opts.progress << "\r" << std::string(60, ' ') << "\r" << std::flush;

    std::sort(failing.begin(), failing.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    search_result r;
    if (!opts.keep_going && !failing.empty()) {
        // As one worker would have: the runs up to the first failure.
        failing.resize(1);
        r.runs = failing.front().first + 1;
    } else {
        r.runs = sh->done.load();
    }
    for (auto& [pos, run] : failing)
        r.failing.emplace_back(indices[pos], std::move(run));
    sh->~shared_counters();
    ::munmap(mem, sizeof(shared_counters));
    return r;
}

}  // namespace

explore_result explore(const scenario& sc, const std::string& file, const explore_options& opts, std::ostream& out)
{
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t seed = sc.seed ? *sc.seed : 1;
    // kmsim's own run tells how many choice points a run meets, and when
    // each CPU's state changes.
    auto instants = std::make_shared<cpu_instants>();
    const one_run baseline = run_once(sc, schedule{seed, {}}, {}, opts, instants.get());
    for (auto& at : *instants)
        std::sort(at.begin(), at.end());

    search_result found = search(sc, seed, opts, baseline.points, instants);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    explore_result result;
    result.runs = found.runs;
    result.failing_runs = found.failing.size();
    result.runs_per_second = secs > 0 ? static_cast<double>(result.runs) / secs : 0;

    std::set<std::vector<std::string>> seen_failures;
    for (auto& [index, r] : found.failing) {
        std::vector<std::string> key = r.v.failed_expectations;
        key.push_back(r.v.outcome);
        key.push_back(r.v.cycle);
        if (!seen_failures.insert(key).second || result.failing.size() >= 10)
            continue;
        explore_failure f;
        f.run = index;
        f.outcome = r.v.outcome;
        f.failed_expectations = r.v.failed_expectations;
        f.shrunk = schedule{seed, shrink(sc, seed, r.taken, r.v, opts)};

        // The run, as `kmsim run FILE --schedule TOKEN` prints it.
        out << fmt::format("kmsim explore: run {} fails ({}{}); shrunk to {} deviation{}:\n\n", index, f.outcome,
                           f.failed_expectations.empty() ? "" : ", " + f.failed_expectations.front(),
                           f.shrunk.deviations.size(), f.shrunk.deviations.size() == 1 ? "" : "s");
        schedule_chooser replay(f.shrunk);
        run_options ro;
        ro.version = opts.version;
        ro.color = opts.color;
        ro.chooser = &replay;
        ro.prepare = [&replay](world& w) { attach_schedule(w, replay); };
        run_scenario(sc, ro, out);
        f.shrunk.deviations = replay.taken();
        out << "\ndeviations from kmsim's own schedule:\n";
        for (const deviation& d : f.shrunk.deviations)
            out << fmt::format("  {}{}\n", sim::dmesg_timestamp(sim::at_ns(d.time_ns)), d.text);
        out << fmt::format("replay: kmsim run {} --schedule {}\n", file, encode(f.shrunk));
        result.failing.push_back(std::move(f));
    }
    out << fmt::format("kmsim explore: {} run{}, {} failing ({} strategy, depth {}, seed {}{})\n", result.runs,
                       result.runs == 1 ? "" : "s", result.failing_runs,
                       opts.strategy == explore_strategy::pct ? "pct" : "random", opts.depth, opts.seed,
                       opts.fail_allocs && opts.force_reclaim ? ", faults alloc,reclaim"
                       : opts.fail_allocs                     ? ", faults alloc"
                       : opts.force_reclaim                   ? ", faults reclaim"
                                                              : "");
    return result;
}

void write_explore_json(std::ostream& out, const explore_result& result, const explore_options& opts)
{
    json doc;
    doc["runs"] = result.runs;
    doc["failing_runs"] = result.failing_runs;
    doc["runs_per_second"] = static_cast<std::uint64_t>(result.runs_per_second);
    doc["seed"] = opts.seed;
    doc["strategy"] = opts.strategy == explore_strategy::pct ? "pct" : "random";
    json faults = json::array();
    if (opts.fail_allocs)
        faults.push_back("alloc");
    if (opts.force_reclaim)
        faults.push_back("reclaim");
    doc["faults"] = faults;
    doc["shard"] = {{"index", opts.shard_index}, {"count", opts.shard_count}};
    json& failing = doc["failing"] = json::array();
    for (const explore_failure& f : result.failing) {
        json devs = json::array();
        for (const deviation& d : f.shrunk.deviations)
            devs.push_back({{"kind", to_string(d.kind)}, {"time_ns", d.time_ns}, {"context", d.context}, {"call", d.text}});
        failing.push_back({{"run", f.run},
                           {"schedule", encode(f.shrunk)},
                           {"outcome", f.outcome},
                           {"failed_expectations", f.failed_expectations},
                           {"deviations", devs}});
    }
    out << doc.dump(2) << "\n";
}

std::optional<merged_explore> merge_explore_json(const std::vector<std::string>& texts,
                                                 const std::vector<std::string>& files, std::string* error)
{
    json out;
    std::uint64_t runs = 0, failing_runs = 0, per_second = 0;
    json failing = json::array();
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const json doc = json::parse(texts[i], nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("runs") || !doc.contains("failing") ||
            !doc["runs"].is_number_unsigned() || !doc["failing"].is_array()) {
            if (error)
                *error = fmt::format("{} is not the JSON of kmsim explore", i < files.size() ? files[i] : "?");
            return std::nullopt;
        }
        if (i == 0)
            out = doc;
        else if (doc.value("seed", json()) != out.value("seed", json()) ||
                 doc.value("strategy", json()) != out.value("strategy", json()) ||
                 doc.value("faults", json()) != out.value("faults", json())) {
            if (error)
                *error = fmt::format("{} explored with another seed, strategy or fault kinds than {}", files[i],
                                     files[0]);
            return std::nullopt;
        }
        runs += doc["runs"].get<std::uint64_t>();
        failing_runs += doc.value("failing_runs", std::uint64_t{0});
        per_second += doc.value("runs_per_second", std::uint64_t{0});
        for (const json& f : doc["failing"])
            failing.push_back(f);
    }
    std::stable_sort(failing.begin(), failing.end(),
                     [](const json& a, const json& b) { return a.value("run", 0) < b.value("run", 0); });
    out["runs"] = runs;
    out["failing_runs"] = failing_runs;
    out["runs_per_second"] = per_second;  // all machines together
    out["shard"] = {{"index", 0}, {"count", 1}};
    out["failing"] = failing;
    return merged_explore{out.dump(2) + "\n", failing_runs};
}

}  // namespace kmsim::scenarios

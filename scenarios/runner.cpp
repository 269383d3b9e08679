// scenarios/runner.cpp - from a scenario to a run, its verdicts and its summary.
#include "scenarios/runner.h"

#include "mm/proc.h"
#include "scenarios/kernel_api.h"
#include "scenarios/summary_json.h"
#include "scenarios/sysctl.h"
#include "scenarios/parser.h"
#include "scenarios/world.h"
#include "sim/error.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <set>

namespace kmsim::scenarios {

namespace {

// A scenario `shrinker` block: its objects live in a kmem_cache of its name;
// reclaim runs its body as scan_objects, in the reclaiming task.
class scenario_shrinker final : public mm::shrinker {
public:
    scenario_shrinker(world& w, const shrinker_decl& d)
        : mm::shrinker(d.name), w_(w), d_(d), owner_("shrinker " + d.name)
    {
    }
    void populate()
    {
        cache_ = w_.mem.slabs().create(d_.name, static_cast<std::uint32_t>(d_.size), {});
        // At boot (GFP_BOOT_MASK: no reclaim), quietly: running out is the
        // scenario's error, reported at its line.
        for (std::uint64_t i = 0; i < d_.objects; ++i) {
            std::uint64_t o = w_.mem.slabs().alloc(cache_, mm::GFP_KERNEL | mm::gfp::NOWARN);
            if (!o)
                throw sim::config_error(fmt::format("shrinker {}: {} objects of {} bytes do not fit in memory at boot "
                                                    "({} did)",
                                                    d_.name, d_.objects, d_.size, i));
            w_.mem.kmemleak().not_leak(o);  // the shrinker's lists hold them
            objects_.push_back(o);
        }
    }
    std::uint64_t count_objects(const mm::shrink_control&) override { return objects_.size(); }
    std::uint64_t scan_objects(const mm::shrink_control& sc) override
    {
        w_.shrink_stack.push_back(sc);
        const std::uint64_t r = run_body(w_, d_.code, owner_, d_.pos.line);
        w_.shrink_stack.pop_back();
        if (r == mm::SHRINK_STOP)
            return r;
        const std::uint64_t n = std::min<std::uint64_t>(r, objects_.size());
        for (std::uint64_t i = 0; i < n; ++i) {
            w_.mem.slabs().free(cache_, objects_.back());
            objects_.pop_back();
        }
        return n;
    }

private:
    world& w_;
    const shrinker_decl& d_;
    const std::string owner_;  // the body's name in stacks, which outlive a scan
    mm::kmem_cache* cache_ = nullptr;
    std::vector<std::uint64_t> objects_;
};

// Reports listed one per line in the summary; the JSON lists every kept one.
constexpr std::size_t max_summary_reports = 30;

const char* RED = "\033[1;31m";
const char* GREEN = "\033[1;32m";
const char* RESET = "\033[0m";

[[noreturn]] void fail_at(const scenario& sc, source_pos p, const std::string& msg)
{
    diagnostic d{sc.file, p.line, p.col, msg,
                 p.line >= 1 && p.line <= static_cast<int>(sc.lines.size()) ? sc.lines[static_cast<std::size_t>(p.line - 1)] : ""};
    throw scenario_error(d);
}

mm::memory_config memory_config_of(const scenario& sc)
{
    mm::memory_config c;
    if (!sc.zones.empty()) {
        if (sc.machine && sc.machine->memory)
            fail_at(sc, sc.zones.front().pos, "give either machine memory= or zone lines, not both");
        for (const auto& z : sc.zones)
            c.node.zones.push_back({z.type, z.size, z.reserved});
    } else {
        c.node.memory = sc.machine && sc.machine->memory ? sc.machine->memory : (256ULL << 20);
    }
    for (const auto& s : sc.sysctls)
        if (s.entry->at_boot)
            s.entry->at_boot(c, s.numbers);
    c.slab = sc.boot_params;
    return c;
}

// The body that made the call being run: the frame below the call's own.
const arch::frame& caller_of(const arch::context& c)
{
    KMSIM_ASSERT(c.caller_frame(), "a kernel call without frames");
    return *c.caller_frame();
}

// The allocation statistics of the summary: calls and failures per
// effective GFP mask (after the task's memalloc scopes), the longest stall,
// failures per context.
void record_call(world& w, const call_record& c)
{
    if (!c.args.alloc)
        return;
    static const std::string no_flags = "0x0", other = "(other masks)";
    const arch::context* t = w.m.current_task();
    const mm::gfp_t effective = mm::current_gfp_context(c.args.alloc->gfp, t ? t->task_flags() : 0);
    const std::string& name = w.api.gfp_name(effective);
    const std::string& key = name.empty() ? no_flags : name;
    auto row = w.by_gfp.find(key);
    if (row == w.by_gfp.end())
        row = w.by_gfp.try_emplace(w.by_gfp.size() < max_gfp_rows ? key : other).first;
    gfp_stats& st = row->second;
    ++st.calls;
    ++w.alloc_calls;
    st.stall_ns_max = std::max(st.stall_ns_max, sim::to_ns(w.m.now() - c.start));
    if (!c.args.alloc->ok) {
        ++st.failed;
        ++w.alloc_failed;
        ++w.failures_by_context[std::string(caller_of(w.m.current()).function)];
    }
}

// Which threads may complete each completion (for deadlock reports).
void find_completers(const block& blk, std::set<std::uint64_t>& out)
{
    std::function<void(const expr&)> in_expr = [&](const expr& e) {
        if (e.k == expr::kind::call && e.call->completes)
            out.insert(e.args[0]->value);
        for (const auto& a : e.args)
            in_expr(*a);
    };
    for (const auto& s : blk) {
        for (const auto& e : s->exprs)
            in_expr(*e);
        for (const auto& b : s->bodies)
            find_completers(b, out);
    }
}

std::optional<std::uint64_t> stat_value(world& w, const std::string& path)
{
    auto& n = w.mem.nd();
    if (path == "time")
        return static_cast<std::uint64_t>(sim::to_ns(w.eng.now()));
    if (path == "min_free_kbytes")
        return n.min_free_kbytes();
    if (path == "leaks")
        return w.mem.kmemleak().leak_count();
    if (path.rfind("vmstat.", 0) == 0) {
        const std::string item = path.substr(7);
        if (item == "nr_free_pages")
            return n.nr_free_pages();
        for (int i = 0; i < mm::NR_VM_ITEMS; ++i)
            if (item == mm::vm_item_name(static_cast<mm::vm_item>(i)))
                return w.mem.vm()[static_cast<mm::vm_item>(i)];
        return std::nullopt;
    }
    if (path.rfind("zone.", 0) == 0) {
        const auto dot = path.find('.', 5);
        if (dot == std::string::npos)
            return std::nullopt;
        const std::string zname = path.substr(5, dot - 5), field = path.substr(dot + 1);
        for (int t = 0; t < mm::MAX_NR_ZONES; ++t) {
            const mm::zone& z = n.zone_at(t);
            if (z.name != zname)
                continue;
            if (field == "free") return z.nr_free_pages;
            if (field == "min") return z.min_wmark();
            if (field == "low") return z.low_wmark();
            if (field == "high") return z.high_wmark();
            if (field == "spanned") return z.spanned_pages;
            if (field == "present") return z.present_pages;
            if (field == "managed") return z.managed_pages;
        }
        return std::nullopt;
    }
    if (path.rfind("slab.", 0) == 0) {
        const auto dot = path.rfind('.');
        if (dot <= 5)
            return std::nullopt;
        const mm::kmem_cache* s = w.mem.slabs().find(path.substr(5, dot - 5));
        if (!s)
            return std::nullopt;
        const std::string field = path.substr(dot + 1);
        if (field == "active_objs") return s->active_objs();
        if (field == "num_objs") return s->total_objects;
        if (field == "objsize") return s->size;
        if (field == "objperslab") return s->objects;
        if (field == "pagesperslab") return 1ULL << s->order;
        if (field == "num_slabs" || field == "active_slabs") return s->nr_slabs;
        return std::nullopt;
    }
    if (path.rfind("meminfo.", 0) == 0) {
        for (const mm::meminfo_line& l : mm::meminfo(n, w.mem.vm()))
            if (path.compare(8, std::string::npos, l.name) == 0)
                return l.kb;
        return std::nullopt;
    }
    return std::nullopt;
}

bool compare(std::uint64_t a, const std::string& op, std::uint64_t b)
{
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == ">=") return a >= b;
    return a > b;
}

}  // namespace

run_report run_scenario(const scenario& sc, const run_options& opts, std::ostream& out)
{
    // An output that cannot be written is found now, not after the run.
    std::ofstream json_file;
    if (!opts.json_path.empty() && opts.json_path != "-") {
        json_file.open(opts.json_path, std::ios::out | std::ios::trunc);
        if (!json_file)
            throw output_error(fmt::format("--json {}: cannot write it: {}", opts.json_path, std::strerror(errno)));
    }
    const std::uint64_t seed = opts.seed ? *opts.seed : sc.seed ? *sc.seed : 1;
    arch::machine_config mcfg;
    mcfg.cpus = sc.machine ? sc.machine->cpus : 1;
    mcfg.hz = sc.machine ? sc.machine->hz : 1000;
    std::unique_ptr<world> wp;
    try {
        sim::engine_config ecfg{seed};
        ecfg.diag = opts.diag;
        opts.diag.debug("world {}: cpus={} hz={} seed={}", sc.file, mcfg.cpus, mcfg.hz, seed);
        wp = std::make_unique<world>(sc, std::move(ecfg), mcfg, memory_config_of(sc));
    } catch (const sim::config_error& e) {
        fail_at(sc, sc.machine ? sc.machine->pos : sc.zones.empty() ? source_pos{1, 1} : sc.zones.front().pos,
                e.what());
    }
    world& w = *wp;
    w.eng.set_chooser(opts.chooser);
    for (int t = 0; t < mm::MAX_NR_ZONES; ++t)
        if (const mm::zone& z = w.mem.nd().zone_at(t); z.populated())
            opts.diag.debug("zone {}: pfn {:#x}-{:#x}, {} pages managed, watermarks min {} low {} high {}", z.name,
                            z.zone_start_pfn, z.end_pfn(), z.managed_pages, z.min_wmark(), z.low_wmark(),
                            z.high_wmark());
    const bool verbose = opts.level == verbosity::verbose;
    const bool color = opts.color;

    // The kernel log streams out as the run goes.
    w.m.log().sink = [&](const arch::log_line& l) {
        if (opts.level == verbosity::quiet && !l.in_report)
            return;
        std::string line = l.format();
        if (color && l.in_report && (l.text.rfind("BUG", 0) == 0 || l.text.rfind("WARNING", 0) == 0 ||
                                     l.text.rfind("INFO:", 0) == 0 || l.text.rfind("Kernel panic", 0) == 0 ||
                                     l.text.find("page allocation failure") != std::string::npos))
            line = fmt::format("{}{}{}", RED, line, RESET);
        out << line << '\n';
    };
    // Every kernel call the scenario makes: the allocation statistics, and
    // with -v a line per call.
    w.api.call_done.attach([&w](const call_record& c) { record_call(w, c); });
    if (verbose)
        w.api.call_done.attach([&](const call_record& c) {
            const arch::context& ctx = w.m.current();
            out << sim::dmesg_timestamp(w.m.now()) << "[CPU" << (ctx.on_cpu() ? ctx.on_cpu()->id() : -1) << " "
                << caller_of(ctx).function << "] " << c.frame.name();
            if (c.call.args.size() == 1 && c.call.args[0] == arg_kind::format)
                out << "()";  // printk's frame names only the function
            if (c.call.result != result_kind::none)
                out << (c.result > 0xffff ? fmt::format(" = {:#x}", c.result) : fmt::format(" = {}", c.result));
            out << '\n';
        });

    // Objects.
    for (const auto& l : sc.locks) {
        if (l.is_mutex) {
            w.objects.mutexes.push_back(std::make_unique<arch::mutex>(w.m, l.name));
            w.objects.spinlocks.push_back(nullptr);
        } else {
            w.objects.spinlocks.push_back(std::make_unique<arch::spinlock>(w.m, l.name));
            w.objects.mutexes.push_back(nullptr);
        }
    }
    for (const auto& c : sc.completions)
        w.objects.completions.push_back(std::make_unique<arch::completion>(w.m, c.name));
    for (const auto& c : sc.caches) {
        try {
            w.objects.caches.push_back(w.mem.slabs().create(c.name, static_cast<std::uint32_t>(c.size),
                                                    {static_cast<std::uint32_t>(c.align), c.flags}));
        } catch (const sim::config_error& e) {
            fail_at(sc, c.pos, e.what());
        }
    }

    // Block devices, then reclaimable memory, then kswapd and the flusher.
    for (const auto& d : sc.blockdevs) {
        drivers::blockdev_config cfg;
        cfg.name = d.name;
        cfg.latency = sim::nsecs(d.latency_ns);
        cfg.irq_line = d.irq;
        cfg.cpu = d.cpu;
        cfg.depth = static_cast<unsigned>(d.depth);
        cfg.worker_pid = 70 + static_cast<int>(w.objects.blockdevs.size());  // boot-time kthreads: low pids
        try {
            w.objects.blockdevs.push_back(std::make_unique<drivers::blockdev>(w.m, cfg));
        } catch (const sim::config_error& e) {
            fail_at(sc, d.pos, e.what());
        }
        if (d.request)
            w.objects.blockdevs.back()->request_handler = [&w, &d, owner = "request " + d.name](std::uint64_t rq,
                                                                                                std::uint64_t) {
                run_body(w, *d.request, owner, d.pos.line, rq);  // OWNER lives as long as the handler
            };
        w.objects.blockdevs.back()->start();
    }
    // Reclaimable memory at boot: what does not fit is an error at the line
    // that asked for it, found before anything runs.
    std::vector<std::unique_ptr<scenario_shrinker>> shrinkers;
    auto at_boot = [&](source_pos p, auto&& fill) {
        try {
            fill();
        } catch (const sim::config_error& e) {
            fail_at(sc, p, e.what());
        }
    };
    for (const auto& d : sc.shrinkers) {
        shrinkers.push_back(std::make_unique<scenario_shrinker>(w, d));
        at_boot(d.pos, [&] { shrinkers.back()->populate(); });
        w.mem.reclaim().register_shrinker(*shrinkers.back());
    }
    if (sc.pagecache_clean)
        at_boot(sc.pagecache_clean_pos, [&] { w.mem.reclaim().add_clean_page_cache(sc.pagecache_clean / mm::PAGE_SIZE); });
    for (const auto& d : sc.pagecache_dirty)
        at_boot(d.pos, [&] {
            w.mem.reclaim().add_dirty_page_cache(d.bytes / mm::PAGE_SIZE, *w.objects.blockdevs[static_cast<std::size_t>(d.device)]);
        });
    if (sc.anon)
        at_boot(sc.anon_pos, [&] {
            w.mem.reclaim().add_anon(sc.anon / mm::PAGE_SIZE,
                                     sc.anon_swap >= 0 ? w.objects.blockdevs[static_cast<std::size_t>(sc.anon_swap)].get() : nullptr);
        });
    for (const auto& s : sc.sysctls)
        if (s.entry->at_start)
            s.entry->at_start(w.m, w.mem, s.numbers);
    if (verbose) {
        // The -v log's kswapd lines, from vmscan's tracepoints.
        auto kswapd_line = [&](const std::string& text) {
            out << sim::dmesg_timestamp(w.m.now()) << "[CPU" << w.m.smp_processor_id() << " kswapd0] " << text << '\n';
        };
        w.m.trace().mm_vmscan_kswapd_wake.attach([kswapd_line](int zid, unsigned order) {
            kswapd_line(fmt::format("kswapd0: woken, order {}, highest zone {}", order, mm::zone_name(zid)));
        });
        w.m.trace().kswapd_pass_done.attach([kswapd_line](std::uint64_t total, bool balanced) {
            kswapd_line(fmt::format("kswapd0: reclaimed {} pages, {}", total,
                                    balanced ? "balanced" : "nothing more to reclaim"));
        });
    }
    w.mem.reclaim().start_kswapd();
    w.mem.reclaim().start_flusher();
    opts.diag.debug("objects: {} locks, {} completions, {} caches, {} block devices, {} shrinkers", sc.locks.size(),
                    sc.completions.size(), sc.caches.size(), sc.blockdevs.size(), sc.shrinkers.size());

    w.m.log().printk(w.m.now(), arch::log_level::info,
                     fmt::format("kmsim {}: {} ({}), seed {}", opts.version, sc.title, sc.file, seed));

    // Contexts.
    for (const auto& t : sc.threads) {
        arch::context& c = w.m.create_thread(
            t.name, [&w, &t] { run_body(w, t.code, t.name, t.pos.line); },
            arch::thread_options{t.cpu, sim::at_ns(t.at_ns)});
        std::set<std::uint64_t> completes;
        find_completers(t.code.stmts, completes);
        for (std::uint64_t i : completes)
            w.objects.completions[i]->expect_completer(c);
    }
    for (const auto& q : sc.irqs) {
        arch::irq_line& line = w.m.request_irq(q.line, q.name, q.cpu, [&w, &q] { run_body(w, q.code, q.name, q.pos.line); });
        if (q.at_ns)
            line.raise_at(sim::at_ns(*q.at_ns));
        else
            line.raise_every(sim::at_ns(0) + sim::nsecs(*q.every_ns), sim::nsecs(*q.every_ns), q.count,
                             sim::nsecs(q.jitter_ns));
    }
    opts.diag.debug("contexts: {} threads, {} IRQ sources", sc.threads.size(), sc.irqs.size());

    // `expect report` and `expect no report` see every report as it is
    // raised, those over the log's limit of one kind included.
    struct report_hit {
        bool found = false;
        sim::time_point when{};
        std::string title;
    };
    std::vector<report_hit> hits(sc.expects.size());
    w.m.trace().report_raised.attach([&](const arch::report& x) {
        for (std::size_t i = 0; i < sc.expects.size(); ++i) {
            const expect_decl& e = sc.expects[i];
            if (hits[i].found || (e.k != expect_decl::kind::report && e.k != expect_decl::kind::no_report))
                continue;
            if ((e.text.empty() || x.title.find(e.text) != std::string::npos) && (e.context.empty() || x.context == e.context))
                hits[i] = report_hit{true, x.when, x.title};
        }
    });

    sim::run_limits limits;
    if (opts.until_ns)
        limits.until = sim::at_ns(*opts.until_ns);
    limits.max_steps = opts.max_steps;
    const sim::run_result res = w.eng.run(limits);
    w.m.log().print_suppressed(w.eng.now());

    // ---- kmemleak: every object allocated and never freed
    w.mem.kmemleak().scan();

    // ---- verdicts
    const std::uint64_t leaks = w.mem.kmemleak().leak_count();
    run_report rep;
    rep.outcome = sim::to_string(res.result);
    const auto& reports = w.m.log().reports();
    for (std::size_t i = 0; i < sc.expects.size(); ++i) {
        const expect_decl& e = sc.expects[i];
        expectation_result r;
        r.line = e.pos.line;
        r.text = e.source;
        switch (e.k) {
        case expect_decl::kind::completed:
            r.held = res.result == sim::outcome::completed;
            r.why = "the run ended: " + rep.outcome;
            break;
        case expect_decl::kind::deadlock:
            r.held = res.result == sim::outcome::deadlock;
            r.why = "the run ended: " + rep.outcome;
            break;
        case expect_decl::kind::report:
            r.held = hits[i].found;
            r.why = "no such report";
            break;
        case expect_decl::kind::no_report:
            r.held = !hits[i].found;
            if (!r.held)
                r.why = fmt::format("reported at {}: {}", sim::dmesg_timestamp(hits[i].when), hits[i].title);
            break;
        case expect_decl::kind::failure:
        case expect_decl::kind::no_failure: {
            std::uint64_t n = 0;
            for (const auto& [ctx, count] : w.failures_by_context)
                if (e.context.empty() || ctx == e.context)
                    n += count;
            r.held = (e.k == expect_decl::kind::failure) == (n > 0);
            r.why = fmt::format("{} allocation{} failed", n, n == 1 ? "" : "s");
            break;
        }
        case expect_decl::kind::no_leaks:
            r.held = leaks == 0;
            r.why = fmt::format("{} allocation{} never freed", leaks, leaks == 1 ? "" : "s");
            break;
        case expect_decl::kind::stat: {
            auto v = stat_value(w, e.path);
            if (!v) {
                r.held = false;
                r.why = "no such stat: " + e.path;
            } else {
                r.held = compare(*v, e.op, e.number);
                r.why = fmt::format("{} is {}", e.path, *v);
            }
            break;
        }
        }
        rep.expectations.push_back(r);
    }
    rep.exit_code = std::all_of(rep.expectations.begin(), rep.expectations.end(),
                                [](const expectation_result& r) { return r.held; })
                        ? 0
                        : 1;

    // ---- summary
    out << "\n--- summary ---\n";
    out << fmt::format("outcome: {}    simulated time: {}    events: {}\n", rep.outcome, sim::format_seconds(res.end),
                       res.events);
    if (res.stopped_by == sim::stop_cause::budget)
        out << fmt::format("stopped: the budget of {} steps ran out (kmsim run --budget N allows more)\n",
                           limits.max_steps);
    else if (res.stopped_by == sim::stop_cause::time_limit)
        out << fmt::format("stopped: the time limit of {} was reached (kmsim run --until TIME changes it)\n",
                           sim::format_seconds(limits.until));
    if (!w.assert_message.empty())
        out << "assertion: " << w.assert_message << "\n";
    out << fmt::format("allocations: {} calls, {} failed\n", w.alloc_calls, w.alloc_failed);
    for (const auto& [mask, st] : w.by_gfp)
        out << fmt::format("  {:<36} {:>8} calls {:>6} failed   stall max {} ns\n", mask, st.calls, st.failed,
                           st.stall_ns_max);
    const std::uint64_t suppressed = w.m.log().suppressed_total();
    out << fmt::format("reports: {}{}\n", reports.size() + suppressed,
                       suppressed ? fmt::format(" ({} not printed: past {} of one kind)", suppressed,
                                                arch::kernel_log::reports_kept_per_kind)
                                  : std::string());
    std::size_t listed = 0;
    for (const auto& r : reports) {
        if (listed++ == max_summary_reports) {
            out << fmt::format("  ... and {} more (--json lists them)\n", reports.size() - max_summary_reports);
            break;
        }
        out << fmt::format("  {}{:<13} {:<12} CPU{:<3} {}{}\n", sim::dmesg_timestamp(r.when), arch::to_string(r.kind),
                           r.context, r.cpu, r.title.substr(0, 100), "");
    }
    if (leaks) {
        out << fmt::format("leaks: {}\n", leaks);
        std::size_t shown = 0;
        w.mem.kmemleak().for_each_leak([&](std::uint64_t addr, const mm::object_track& a) {
            if (shown++ >= 10)
                return;
            const auto site = w.mem.stacks().call_site(a.stack);
            out << fmt::format("  {:#x} {} bytes, {} by {} at {}:{}\n", addr, a.size, site.call, site.context, sc.file,
                               site.line);
        });
        if (leaks > 10)
            out << fmt::format("  ... and {} more (--json lists them all)\n", leaks - 10);
    }
    if (!rep.expectations.empty()) {
        out << "expectations:\n";
        for (const auto& r : rep.expectations) {
            const char* verdict = r.held ? "PASS" : "FAIL";
            out << fmt::format("  {}{}{}  line {}: {}{}\n", color ? (r.held ? GREEN : RED) : "", verdict,
                               color ? RESET : "", r.line, r.text, r.held ? "" : "  (" + r.why + ")");
        }
    }
    for (const auto& v : opts.show) {
        out << "\n--- /proc/" << v << " ---\n" << w.mem.proc_show(v);
    }

    // ---- JSON
    if (!opts.json_path.empty()) {
        json doc;
        doc["kmsim"] = opts.version;
        doc["scenario"] = sc.title;
        doc["file"] = sc.file;
        doc["seed"] = seed;
        doc["outcome"] = rep.outcome;
        doc["sim_time_ns"] = sim::to_ns(res.end);
        doc["events"] = res.events;
        doc["steps"] = res.steps;
        doc["stopped_by"] = res.stopped_by == sim::stop_cause::budget       ? json("budget")
                            : res.stopped_by == sim::stop_cause::time_limit ? json("time_limit")
                                                                            : json(nullptr);
        json& expectations = doc["expectations"] = json::array();
        for (const auto& e : rep.expectations)
            expectations.push_back({{"line", e.line}, {"text", e.text}, {"held", e.held}});
        json& report_list = doc["reports"] = json::array();
        for (const auto& r : reports)
            report_list.push_back({{"kind", arch::to_string(r.kind)},
                                   {"title", r.title},
                                   {"context", r.context},
                                   {"cpu", r.cpu},
                                   {"time_ns", sim::to_ns(r.when)},
                                   {"text", r.text}});
        json& suppressed_kinds = doc["reports_suppressed"] = json::object();
        for (std::size_t k = 0; k < arch::nr_report_kinds; ++k)
            if (const std::uint64_t n = w.m.log().suppressed(static_cast<arch::report_kind>(k)))
                suppressed_kinds[arch::to_string(static_cast<arch::report_kind>(k))] = n;
        if (res.deadlock) {
            json cycle = json::array();
            for (const auto& e : res.deadlock->cycle.empty() ? res.deadlock->stuck : res.deadlock->cycle)
                cycle.push_back({{"context", e.context}, {"waits_for", e.waits_for}, {"held_by", e.held_by}});
            doc["deadlock"] = {{"kind", sim::to_string(res.deadlock->kind)}, {"cycle", std::move(cycle)}};
        } else {
            doc["deadlock"] = nullptr;
        }
        json by_gfp = json::object();
        for (const auto& [mask, st] : w.by_gfp)
            by_gfp[mask] = {{"calls", st.calls}, {"failed", st.failed}, {"stall_ns_max", st.stall_ns_max}};
        doc["allocations"] = {{"calls", w.alloc_calls}, {"failed", w.alloc_failed}, {"by_gfp", std::move(by_gfp)}};
        json& zones = doc["zones"] = json::array();
        for (int t = 0; t < mm::MAX_NR_ZONES; ++t) {
            const mm::zone& z = w.mem.nd().zone_at(t);
            zones.push_back({{"name", z.name},
                             {"spanned", z.spanned_pages},
                             {"present", z.present_pages},
                             {"managed", z.managed_pages},
                             {"free", z.nr_free_pages},
                             {"min", z.min_wmark()},
                             {"low", z.low_wmark()},
                             {"high", z.high_wmark()},
                             {"protection", {z.lowmem_reserve[0], z.lowmem_reserve[1], z.lowmem_reserve[2]}}});
        }
        doc["min_free_kbytes"] = w.mem.nd().min_free_kbytes();
        json& vmstat = doc["vmstat"] = json::object();
        vmstat["nr_free_pages"] = w.mem.nd().nr_free_pages();
        for (int i = 0; i < mm::NR_VM_ITEMS; ++i)
            vmstat[mm::vm_item_name(static_cast<mm::vm_item>(i))] = w.mem.vm()[static_cast<mm::vm_item>(i)];
        json& slabinfo = doc["slabinfo"] = json::array();
        for (const mm::kmem_cache* s : w.mem.slabs().caches())
            slabinfo.push_back({{"name", s->name},
                                {"active_objs", s->active_objs()},
                                {"num_objs", s->total_objects},
                                {"objsize", s->size},
                                {"objperslab", s->objects},
                                {"pagesperslab", 1u << s->order}});
        std::string j = summary_opening(doc) + ",\n  \"leaks\": [";
        // The leaks stream out one by one: a scenario that filled memory
        // with small objects has millions of them.
        std::ostream& out_json = opts.json_path == "-" ? (opts.json_stream ? *opts.json_stream : out) : json_file;
        out_json << j;
        bool first = true;
        std::string leak;
        w.mem.kmemleak().for_each_leak([&](std::uint64_t, const mm::object_track& a) {
            const auto site = w.mem.stacks().call_site(a.stack);
            leak.clear();
            if (!first)
                leak += ", ";
            first = false;
            append_inline(leak, json{{"context", site.context}, {"line", site.line}, {"call", site.call}, {"size", a.size}});
            out_json << leak;
        });
        out_json << "]\n}\n";
        if (opts.json_path != "-") {
            json_file.flush();
            if (!json_file)
                throw output_error(fmt::format("--json {}: write failed: {}", opts.json_path, std::strerror(errno)));
        }
    }
    return rep;
}

}  // namespace kmsim::scenarios

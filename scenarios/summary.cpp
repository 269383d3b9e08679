// scenarios/summary.cpp - the summary after the kernel log, and the JSON summary.
#include "scenarios/summary.h"

#include "scenarios/summary_json.h"

#include <fmt/format.h>

#include <map>

namespace kmsim::scenarios {

namespace {

// Reports listed one per line in the summary; the JSON lists every kept one.
constexpr std::size_t max_summary_reports = 30;
// Leaks listed in the summary; the JSON lists them all.
constexpr std::uint64_t max_summary_leaks = 10;

}  // namespace

void print_summary(std::ostream& out, const world& w, const scenario_run& run,
                   const std::vector<expectation_result>& verdicts, const summary_style& style)
{
    const sim::run_result& res = run.engine;
    out << "\n--- summary ---\n";
    out << fmt::format("outcome: {}    simulated time: {}    events: {}\n", run.outcome(), sim::format_seconds(res.end),
                       res.events);
    if (res.stopped_by == sim::stop_cause::budget)
        out << fmt::format("stopped: the budget of {} steps ran out (kmsim run --budget N allows more)\n",
                           run.limits.max_steps);
    else if (res.stopped_by == sim::stop_cause::time_limit)
        out << fmt::format("stopped: the time limit of {} was reached (kmsim run --until TIME changes it)\n",
                           sim::format_seconds(run.limits.until));
    if (!run.assert_message.empty())
        out << "assertion: " << run.assert_message << "\n";
    if (!run.insmod_error.empty())
        out << "insmod: " << run.insmod_error << "\n";
    out << fmt::format("allocations: {} calls, {} failed\n", run.allocs.calls, run.allocs.failed);
    for (const auto& [mask, st] : run.allocs.by_gfp)
        out << fmt::format("  {:<36} {:>8} calls {:>6} failed   stall max {} ns\n", mask, st.calls, st.failed,
                           st.stall_ns_max);
    const auto& reports = w.m.log().reports();
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
        // A report raised on no CPU (kmemleak's scan, at the end) shows "-".
        out << fmt::format("  {}{:<13} {:<12} {:<6} {}\n", sim::dmesg_timestamp(r.when), arch::to_string(r.kind),
                           r.context, r.cpu < 0 ? std::string("-") : fmt::format("CPU{}", r.cpu),
                           r.title.substr(0, 100));
    }
    if (run.leaks) {
        out << fmt::format("leaks: {}\n", run.leaks);
        std::uint64_t shown = 0;
        w.mem.kmemleak().for_each_leak([&](std::uint64_t addr, const mm::object_track& a) {
            if (shown++ >= max_summary_leaks)
                return;
            const auto site = w.mem.stacks().call_site(a.stack);
            out << fmt::format("  {:#x} {} bytes, {} by {} at {}:{}\n", addr, a.size, site.call, site.context,
                               w.sc.file, site.line);
        });
        if (run.leaks > max_summary_leaks)
            out << fmt::format("  ... and {} more (--json lists them all)\n", run.leaks - max_summary_leaks);
    }
    if (!verdicts.empty()) {
        out << "expectations:\n";
        for (const auto& r : verdicts)
            out << fmt::format("  {}{}{}  line {}: {}{}\n", style.color ? (r.held ? ansi::green : ansi::red) : "",
                               r.held ? "PASS" : "FAIL", style.color ? ansi::reset : "", r.line, r.text,
                               r.held ? "" : "  (" + r.why + ")");
    }
    for (const auto& v : style.show)
        out << "\n--- " << (v == "kmemleak" ? "/sys/kernel/debug/" : "/proc/") << v << " ---\n" << w.mem.proc_show(v);
}

void write_json_summary(std::ostream& out, const world& w, const scenario_run& run,
                        const std::vector<expectation_result>& verdicts, const std::string& version)
{
    const sim::run_result& res = run.engine;
    json doc;
    doc["kmsim"] = version;
    doc["scenario"] = w.sc.title;
    doc["file"] = w.sc.file;
    doc["seed"] = run.seed;
    doc["outcome"] = run.outcome();
    doc["sim_time_ns"] = sim::to_ns(res.end);
    doc["events"] = res.events;
    doc["steps"] = res.steps;
    doc["stopped_by"] = res.stopped_by == sim::stop_cause::budget       ? json("budget")
                        : res.stopped_by == sim::stop_cause::time_limit ? json("time_limit")
                                                                        : json(nullptr);
    doc["assertion"] = run.assert_message.empty() ? json(nullptr) : json(run.assert_message);
    json& expectations = doc["expectations"] = json::array();
    for (const auto& e : verdicts)
        expectations.push_back({{"line", e.line}, {"text", e.text}, {"held", e.held}});
    json& report_list = doc["reports"] = json::array();
    for (const auto& r : w.m.log().reports())
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
    for (const auto& [mask, st] : run.allocs.by_gfp)
        by_gfp[mask] = {{"calls", st.calls}, {"failed", st.failed}, {"stall_ns_max", st.stall_ns_max}};
    doc["allocations"] = {{"calls", run.allocs.calls}, {"failed", run.allocs.failed}, {"by_gfp", std::move(by_gfp)}};
    const mm::node& n = w.mem.nd();
    json& zones = doc["zones"] = json::array();
    for (int t = 0; t < mm::MAX_NR_ZONES; ++t) {
        const mm::zone& z = n.zone_at(t);
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
    doc["min_free_kbytes"] = n.min_free_kbytes();
    json& vmstat = doc["vmstat"] = json::object();
    for (const mm::vmstat_line& l : mm::vmstat(n, w.mem.vm()))
        vmstat[l.name] = l.value;
    json& slabinfo = doc["slabinfo"] = json::array();
    for (const mm::kmem_cache* s : w.mem.slabs().caches())
        slabinfo.push_back({{"name", s->name},
                            {"active_objs", s->active_objs()},
                            {"num_objs", s->total_objects},
                            {"objsize", s->size},
                            {"objperslab", s->objects},
                            {"pagesperslab", 1u << s->order}});
    out << summary_opening(doc) << ",\n  \"leaks\": [";
    // The leaks stream out one by one: a scenario that filled memory with
    // small objects has millions of them.
    bool first = true;
    std::string leak;
    w.mem.kmemleak().for_each_leak([&](std::uint64_t, const mm::object_track& a) {
        const auto site = w.mem.stacks().call_site(a.stack);
        leak.clear();
        if (!first)
            leak += ", ";
        first = false;
        append_inline(leak, json{{"context", site.context}, {"line", site.line}, {"call", site.call}, {"size", a.size}});
        out << leak;
    });
    // What kmemleak's scan found unreferenced, as /sys/kernel/debug/kmemleak
    // lists it (streamed too), and each distinct backtrace once, by its crc.
    out << "],\n  \"kmemleak\": {\"unreferenced\": [";
    first = true;
    const mm::kmemleak& kl = w.mem.kmemleak();
    std::map<std::uint32_t, mm::kmemleak::unreferenced_object> backtraces;
    kl.for_each_unreferenced([&](const mm::kmemleak::unreferenced_object& u) {
        leak = first ? "" : ", ";
        first = false;
        append_inline(leak, json{{"address", fmt::format("{:#018x}", u.addr)},
                                 {"size", u.track->size},
                                 {"comm", w.mem.stacks().call_site(u.track->stack).context},
                                 {"pid", u.track->pid},
                                 {"jiffies", w.m.jiffies_at(u.track->allocated_at)},
                                 {"backtrace_crc", fmt::format("{:x}", u.crc)}});
        out << leak;
        backtraces.try_emplace(u.crc, u);
    });
    json by_crc = json::object();
    for (const auto& [crc, u] : backtraces)
        by_crc[fmt::format("{:x}", crc)] = kl.backtrace(u);
    leak.clear();
    append_inline(leak, by_crc);
    out << "], \"backtraces\": " << leak << "}\n}\n";
}

}  // namespace kmsim::scenarios

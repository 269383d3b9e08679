// scenarios/run.cpp - running a built world to its end.
#include "scenarios/run.h"

#include "mm/proc.h"

#include <algorithm>
#include <memory>

namespace kmsim::scenarios {

std::optional<std::uint64_t> stat_value(const world& w, const std::string& path)
{
    const mm::node& n = w.mem.nd();
    if (path == "time")
        return static_cast<std::uint64_t>(sim::to_ns(w.eng.now()));
    if (path == "min_free_kbytes")
        return n.min_free_kbytes();
    if (path == "leaks")
        return w.mem.kmemleak().leak_count();
    if (path == "kmemleak")
        return w.mem.kmemleak().unreferenced_count();
    if (path.rfind("vmstat.", 0) == 0) {
        for (const mm::vmstat_line& l : mm::vmstat(n, w.mem.vm()))
            if (path.compare(7, std::string::npos, l.name) == 0)
                return l.value;
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
        for (const mm::meminfo_line& l : mm::meminfo(n, w.mem.vm(), w.mem.vmalloc().nr_vmalloc_pages()))
            if (path.compare(8, std::string::npos, l.name) == 0)
                return l.value;
        return std::nullopt;
    }
    return std::nullopt;
}

scenario_run run_world(world& w, const sim::run_limits& limits)
{
    const auto& expects = w.sc.expects;
    scenario_run r;
    r.seed = w.eng.seed();
    r.limits = limits;
    // The probe outlives this call, as the world does: it owns what it fills.
    auto hits = std::make_shared<std::vector<report_hit>>(expects.size());
    const bool about_reports = std::any_of(expects.begin(), expects.end(), [](const expect_decl& e) {
        return e.k == expect_decl::kind::report || e.k == expect_decl::kind::no_report;
    });
    if (about_reports) {
        w.m.trace().report_raised.attach([hits, &expects](const arch::report& x) {
            for (std::size_t i = 0; i < expects.size(); ++i) {
                const expect_decl& e = expects[i];
                if ((*hits)[i].found || (e.k != expect_decl::kind::report && e.k != expect_decl::kind::no_report))
                    continue;
                // TEXT may be in any line of the report, its title or its body.
                const bool text_matches = e.text.empty() || x.title.find(e.text) != std::string::npos ||
                                          x.text.find(e.text) != std::string::npos;
                if (text_matches && (e.context.empty() || x.context == e.context))
                    (*hits)[i] = report_hit{true, x.when, x.title};
            }
        });
    }

    r.engine = w.eng.run(limits);
    // After a deadlock or a panic, its report is the last word of the log:
    // nothing runs on a dead machine (the memory never freed is still
    // counted in the summary and the JSON). Otherwise the log ends with the
    // ratelimits' "callbacks suppressed" lines and kmemleak's scan, as
    // `echo scan > /sys/kernel/debug/kmemleak` would run it now.
    const bool machine_dead = r.engine.result == sim::outcome::deadlock || r.engine.result == sim::outcome::panic;
    if (!machine_dead) {
        w.m.log().print_suppressed(w.eng.now());
        w.mem.kmemleak().scan();
    }

    r.report_hits = *hits;
    r.leaks = w.mem.kmemleak().leak_count();
    for (const expect_decl& e : expects)
        r.stat_values.push_back(e.k == expect_decl::kind::stat ? stat_value(w, e.path) : std::nullopt);
    r.allocs = std::move(w.allocs);  // the world is done counting
    r.assert_message = w.assert_message;
    r.insmod_error = w.insmod_error;
    return r;
}

}  // namespace kmsim::scenarios

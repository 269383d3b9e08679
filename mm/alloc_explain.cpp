// mm/alloc_explain.cpp - the allocators' steps, in words and numbers.
#include "mm/alloc_explain.h"

#include "mm/page_alloc.h"

#include "arch/context.h"

#include <algorithm>

#include <fmt/format.h>

namespace kmsim::mm {

std::string format_alloc_flags(unsigned f)
{
    static constexpr const char* wmark[] = {"ALLOC_WMARK_MIN", "ALLOC_WMARK_LOW", "ALLOC_WMARK_HIGH", "?"};
    std::string s = f & alloc::NO_WATERMARKS ? "ALLOC_NO_WATERMARKS" : wmark[f & alloc::WMARK_MASK];
    static constexpr std::pair<unsigned, const char*> bits[] = {
        {alloc::OOM, "ALLOC_OOM"},         {alloc::NON_BLOCK, "ALLOC_NON_BLOCK"},
        {alloc::MIN_RESERVE, "ALLOC_MIN_RESERVE"}, {alloc::CPUSET, "ALLOC_CPUSET"},
        {alloc::HIGHATOMIC, "ALLOC_HIGHATOMIC"},   {alloc::KSWAPD, "ALLOC_KSWAPD"},
    };
    for (const auto& [bit, name] : bits)
        if (f & bit)
            s += fmt::format("|{}", name);
    return s;
}

std::string format_reserves(unsigned f)
{
    if (f & alloc::NO_WATERMARKS)
        return "ignores the watermarks (the reserves of last resort)";
    if (!(f & alloc::RESERVES))
        return "none: it must leave the watermark free";
    if ((f & alloc::MIN_RESERVE) && (f & alloc::NON_BLOCK))
        return "down to 3/8 of the mark (__GFP_HIGH halves it, and an allocation that cannot sleep takes a "
               "quarter of the rest)";
    if (f & alloc::MIN_RESERVE)
        return "down to half of the mark (__GFP_HIGH)";
    if (f & alloc::OOM)
        return "down to half of the mark (an OOM victim)";
    return "none below the mark";
}

void alloc_explain::add(const arch::context* c, std::string line)
{
    per_context& p = of(c);
    if (p.who.empty()) {
        p.who = c->is_irq() ? c->name() : fmt::format("{}/{}", c->name(), c->pid());
        p.first = seq_++;
    }
    const std::size_t depth = p.open.empty() ? 0 : p.open.size() - 1;
    p.ex.lines.push_back(std::string(2 * depth, ' ') + std::move(line));
}

void alloc_explain::begin_pages(const arch::context* c, gfp_t gfp, unsigned order,
                                const std::vector<const zone*>& zonelist)
{
    per_context& p = of(c);
    if (!p.open.empty())
        add(c, "an allocation inside this one:");
    p.open.push_back(open_alloc{p.ex.lines.size()});
    std::string zones;
    for (const zone* z : zonelist)
        zones += fmt::format("{}{}", zones.empty() ? "" : ", then ", z->name);
    add(c, fmt::format("page allocator: order {} ({} page{}), {}, from {}", order, 1u << order, order ? "s" : "",
                       format_gfp(gfp), zones.empty() ? std::string("no zone") : zones));
}

void alloc_explain::zone_check(const arch::context* c, const zone& z, unsigned order, unsigned alloc_flags,
                               const watermark_check& w, bool served)
{
    per_context& p = of(c);
    if (p.open.empty())
        return;  // a check outside an allocation (none today)
    open_alloc& a = p.open.back();
    if (a.checks++ > 0 || !served)
        a.fast_candidate = false;
    const char* mark = alloc_flags & alloc::NO_WATERMARKS ? "no watermark"
                       : (alloc_flags & alloc::WMARK_MASK) == WMARK_MIN ? "min"
                       : (alloc_flags & alloc::WMARK_MASK) == WMARK_LOW ? "low"
                                                                        : "high";
    // The free pages the test saw (the zone's count may have dropped since, if it served).
    const std::int64_t free = w.free + (std::int64_t{1} << order) - 1;
    std::string cmp;
    if (alloc_flags & alloc::NO_WATERMARKS) {
        cmp = fmt::format("{} free, no watermark checked", free);
    } else {
        const std::uint64_t base = z.watermark[alloc_flags & alloc::WMARK_MASK];
        const std::string eff = w.min == static_cast<std::int64_t>(base)
                                    ? fmt::format("{} {}", mark, base)
                                    : fmt::format("{} {} lowered to {}", mark, base, w.min);
        cmp = fmt::format("{} free{} > {} + lowmem_reserve {}? {}", free,
                          order ? fmt::format(" ({} usable for an order-{} block)", w.free, order) : "", eff, w.reserve,
                          w.free > w.min + static_cast<std::int64_t>(w.reserve) ? "yes" : "no");
        if (order && !w.block)
            cmp += fmt::format(", but no free block of order {} or more", order);
    }
    add(c, fmt::format("  {}: {}{}", z.name, cmp, served ? ": served from it" : ""));
}

void alloc_explain::slowpath(const arch::context* c, gfp_t gfp, gfp_t effective, unsigned alloc_flags)
{
    if (!of(c).open.empty())
        of(c).open.back().fast_candidate = false;
    if (effective != gfp)
        add(c, fmt::format("  the task's memalloc scope applies: {} becomes {}", format_gfp(gfp), format_gfp(effective)));
    add(c, fmt::format("  slow path: alloc_flags {}; reserves: {}", format_alloc_flags(alloc_flags),
                       format_reserves(alloc_flags)));
}

void alloc_explain::kswapd(const arch::context* c, kswapd_wake what)
{
    switch (what) {
    case kswapd_wake::none: break;
    case kswapd_wake::woken: add(c, "  kswapd0 was asleep: woken to reclaim in the background"); break;
    case kswapd_wake::awake: add(c, "  kswapd0 is awake already"); break;
    case kswapd_wake::hopeless:
        add(c, "  kswapd0 not woken: it gave up on the node (all_unreclaimable) until reclaim makes progress");
        break;
    case kswapd_wake::balanced: add(c, "  kswapd0 not woken: the node meets its high watermarks"); break;
    }
}

void alloc_explain::no_watermarks(const arch::context* c, const char* why)
{
    add(c, fmt::format("  reserves of last resort: {}", why));
}

void alloc_explain::cannot_reclaim(const arch::context* c, gfp_t gfp)
{
    add(c, fmt::format("  {} has no __GFP_DIRECT_RECLAIM: it may not sleep, so it cannot reclaim: fails now",
                       format_gfp(gfp)));
}

void alloc_explain::in_reclaim(const arch::context* c)
{
    add(c, "  the task is reclaiming already (PF_MEMALLOC): no reclaim from inside reclaim");
}

void alloc_explain::direct_reclaim(const arch::context* c, gfp_t gfp, std::uint64_t scanned,
                                   std::uint64_t reclaimed, bool throttled, sim::duration took)
{
    std::string gates;
    if (!(gfp & gfp::IO))
        gates = ", without __GFP_IO: no swap-out, no writeback";
    else if (!(gfp & gfp::FS))
        gates = ", without __GFP_FS: nothing that would enter a filesystem";
    else
        gates = ", with __GFP_IO and __GFP_FS";
    add(c, fmt::format("  direct reclaim{}: scanned {} pages, reclaimed {}{}, {} us", gates, scanned, reclaimed,
                       throttled ? ", throttled first (waited for kswapd: free pages below half of min)" : "",
                       fmt::format("{:.3f}", static_cast<double>(sim::to_ns(took)) / 1000.0)));
}

void alloc_explain::retry(const arch::context* c, bool again, int no_progress_loops, const std::string& why)
{
    add(c, fmt::format("  {}: {} (no progress {} of {} times)", again ? "retry" : "no retry", why, no_progress_loops,
                       MAX_RECLAIM_RETRIES));
}

void alloc_explain::oom(const arch::context* c, const std::string& what) { add(c, "  OOM killer: " + what); }

void alloc_explain::wait_for_memory(const arch::context* c)
{
    add(c, "  reclaim found nothing it may free: waits until memory is freed");
}

void alloc_explain::nofail(const arch::context* c, const std::string& what) { add(c, "  __GFP_NOFAIL: " + what); }

void alloc_explain::end_pages(const arch::context* c, bool ok, std::uint64_t pfn, sim::duration stall)
{
    per_context& p = of(c);
    if (p.open.empty())
        return;
    const open_alloc a = p.open.back();
    if (!a.fast_candidate || !ok)
        p.ex.slow = true;
    const std::int64_t ns = sim::to_ns(stall);
    add(c, ok ? fmt::format("  result: pfn {:#x}{}", pfn,
                            ns ? fmt::format(", after a stall of {:.3f} us", static_cast<double>(ns) / 1000.0) : "")
              : fmt::format("  result: NULL{}", ns ? fmt::format(", after {:.3f} us", static_cast<double>(ns) / 1000.0)
                                                   : std::string()));
    p.open.pop_back();
}

void alloc_explain::slab(const arch::context* c, const std::string& cache, const std::string& where, bool slow)
{
    add(c, fmt::format("slab {}: {}", cache, where));
    if (slow)
        of(c).ex.slow = true;
}

void alloc_explain::note(const arch::context* c, const std::string& text, bool slow)
{
    add(c, text);
    if (slow)
        of(c).ex.slow = true;
}

std::vector<std::pair<std::string, explanation>> alloc_explain::take_unfinished()
{
    std::vector<std::pair<std::uint64_t, std::pair<std::string, explanation>>> left;
    for (auto& [c, p] : contexts_)
        if (!p.ex.lines.empty())
            left.push_back({p.first, {p.who, std::move(p.ex)}});
    contexts_.clear();
    std::sort(left.begin(), left.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::string, explanation>> out;
    for (auto& l : left)
        out.push_back(std::move(l.second));
    return out;
}

explanation alloc_explain::take(const arch::context* c)
{
    auto it = contexts_.find(c);
    if (it == contexts_.end())
        return {};
    explanation ex = std::move(it->second.ex);
    if (it->second.open.empty())
        contexts_.erase(it);
    else
        it->second.ex = {};
    return ex;
}

}  // namespace kmsim::mm

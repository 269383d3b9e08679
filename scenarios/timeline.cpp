// scenarios/timeline.cpp - the timeline recorder: tracepoints in, slices, spans, samples and marks out.
#include "scenarios/timeline.h"

#include "arch/kernel_log.h"
#include "mm/gfp.h"
#include "mm/vmstat.h"
#include "scenarios/world.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::scenarios {

const char* to_string(slice_kind k)
{
    switch (k) {
    case slice_kind::task: return "task";
    case slice_kind::hardirq: return "hardirq";
    case slice_kind::softirq: return "softirq";
    case slice_kind::idle: return "idle";
    }
    return "?";
}

const char* to_string(mark_kind k)
{
    switch (k) {
    case mark_kind::report: return "report";
    case mark_kind::alloc_failure: return "alloc_failure";
    case mark_kind::kswapd_wake: return "kswapd_wake";
    case mark_kind::kswapd_sleep: return "kswapd_sleep";
    case mark_kind::direct_reclaim: return "direct_reclaim";
    case mark_kind::fault: return "fault";
    }
    return "?";
}

void counter_series::sample(std::int64_t t_ns, std::uint64_t v)
{
    if (!buckets.empty() && t_ns < buckets.back().t_ns + quantum_ns) {
        counter_bucket& b = buckets.back();
        b.min = std::min(b.min, v);
        b.max = std::max(b.max, v);
        b.last = v;
        return;
    }
    if (!buckets.empty() && buckets.back().last == v && buckets.back().min == v && buckets.back().max == v)
        return;  // nothing changed: the last bucket already says it
    buckets.push_back({t_ns, v, v, v});
    if (buckets.size() <= timeline::max_buckets)
        return;
    // Full: halve the resolution, merging neighbours.
    std::vector<counter_bucket> merged;
    merged.reserve(buckets.size() / 2 + 1);
    for (std::size_t i = 0; i < buckets.size(); i += 2) {
        counter_bucket b = buckets[i];
        if (i + 1 < buckets.size()) {
            b.min = std::min(b.min, buckets[i + 1].min);
            b.max = std::max(b.max, buckets[i + 1].max);
            b.last = buckets[i + 1].last;
        }
        merged.push_back(b);
    }
    buckets = std::move(merged);
    quantum_ns *= 2;
}

std::vector<std::pair<std::int64_t, std::uint64_t>> counter_points(const counter_series& series, std::int64_t end_ns)
{
    std::vector<std::pair<std::int64_t, std::uint64_t>> pts;
    pts.reserve(series.buckets.size() * 3 + 1);
    for (std::size_t i = 0; i < series.buckets.size(); ++i) {
        const counter_bucket& b = series.buckets[i];
        if (b.min == b.max) {
            pts.emplace_back(b.t_ns, b.last);
            continue;
        }
        const std::int64_t next = i + 1 < series.buckets.size() ? series.buckets[i + 1].t_ns : end_ns;
        const std::int64_t step = std::max<std::int64_t>(1, std::min(series.quantum_ns, next - b.t_ns) / 3);
        // Low then high then where it ended (the order within a bucket is not kept).
        pts.emplace_back(b.t_ns, b.min);
        pts.emplace_back(b.t_ns + step, b.max);
        pts.emplace_back(b.t_ns + 2 * step, b.last);
    }
    if (!pts.empty() && pts.back().first < end_ns)
        pts.emplace_back(end_ns, pts.back().second);
    return pts;
}

namespace {

std::int64_t now_ns(const world& w) { return sim::to_ns(w.m.now()); }

// "mutex_lock(lock_b), held by thread_b": what a wait is for, and who can end it.
std::string wait_text(const sim::blocker& b)
{
    std::string s = b.describe_wait();
    const std::vector<const sim::actor*> holders = b.holders();
    for (std::size_t i = 0; i < holders.size() && i < 4; ++i)
        s += fmt::format("{}{}", i ? ", " : ", held by ", holders[i]->label());
    return s;
}

}  // namespace

timeline_recorder::timeline_recorder(world& w) : w_(w)
{
    t_.nr_cpus = w.m.nr_cpus();
    open_.resize(static_cast<std::size_t>(t_.nr_cpus));
    for (int c = 0; c < t_.nr_cpus; ++c) {
        open_slice idle;
        idle.open = true;
        idle.s = cpu_slice{c, 0, slice_kind::idle, w.m.cpu_at(c).idle_name(), 0, -1, 0, 0};
        open_[static_cast<std::size_t>(c)].push_back(idle);
    }
    zone_series_.assign(mm::MAX_NR_ZONES, -1);
    for (int z = 0; z < mm::MAX_NR_ZONES; ++z) {
        const mm::zone& zone = w.mem.nd().zone_at(z);
        if (!zone.managed())
            continue;
        zone_series_[static_cast<std::size_t>(z)] = static_cast<int>(t_.counters.size());
        t_.counters.push_back(counter_series{fmt::format("free pages {}", zone.name), zone.name, {}});
        t_.watermarks.emplace_back();
    }
    slab_series_ = static_cast<int>(t_.counters.size());
    t_.counters.push_back(counter_series{"slab pages", "", {}});
    cache_series_ = static_cast<int>(t_.counters.size());
    t_.counters.push_back(counter_series{"page cache", "", {}});

    arch::trace_events& tp = w.m.trace();
    tp.sched_switch.attach([this](int cpu, const arch::context* prev, const arch::context* next) {
        if (!booted_) {
            // The first switch: boot is over, memory is as the run starts.
            booted_ = true;
            sample_memory();
        }
        close_slice(cpu, 0);
        open_slice& o = open_[static_cast<std::size_t>(cpu)][0];
        o.open = true;
        o.s = next ? cpu_slice{cpu, 0, slice_kind::task, next->name(), next->pid(), -1, now_ns(w_), 0,
                               context_index(*next)}
                   : cpu_slice{cpu, 0, slice_kind::idle, w_.m.cpu_at(cpu).idle_name(), 0, -1, now_ns(w_), 0};
        const sim::blocker* b = prev ? prev->waiting_for() : nullptr;
        if (prev && prev->state_on_cpu() == arch::run_state::sleeping && !(b && b->idle())) {
            // (A daemon waiting for work, as kswapd between runs, is not waiting on anyone.)
            const int i = context_index(*prev);
            // A sleeping lock's wait becomes this sleep, from when it found the lock held.
            open_wait& lock = lock_waits_[static_cast<std::size_t>(i)];
            const std::int64_t since = lock.open && !lock.w.spinning ? lock.w.start_ns : now_ns(w_);
            lock.open = false;
            sleeping_[static_cast<std::size_t>(i)] =
                open_wait{true, wait_span{i, since, 0, b ? wait_text(*b) : "sleeping", -1, false}};
        }
    });
    tp.sched_wakeup.attach([this](const arch::context& c, int) {
        const int i = context_index(c);
        open_wait& o = sleeping_[static_cast<std::size_t>(i)];
        if (!o.open)
            return;
        o.w.end_ns = now_ns(w_);
        if (const arch::context* waker = w_.m.current_context())
            o.w.woken_by = context_index(*waker);
        t_.waits.push_back(o.w);
        o.open = false;
    });
    tp.irq_handler_entry.attach([this](int irq, const arch::context& h) {
        const arch::cpu* c = h.on_cpu();
        KMSIM_ASSERT(c, "a handler starts on a CPU");
        auto& stack = open_[static_cast<std::size_t>(c->id())];
        const arch::context* under = c->curr();
        stack.push_back(open_slice{cpu_slice{c->id(), static_cast<int>(stack.size()), slice_kind::hardirq, h.name(),
                                             under ? under->pid() : 0, irq, now_ns(w_), 0, context_index(h)},
                                   true});
    });
    tp.irq_handler_exit.attach([this](int, const arch::context& h) {
        const arch::cpu* c = h.on_cpu();
        KMSIM_ASSERT(c, "a handler returns on its CPU");
        auto& stack = open_[static_cast<std::size_t>(c->id())];
        KMSIM_ASSERT(stack.size() > 1, "a handler's slice is open");
        close_slice(c->id(), static_cast<int>(stack.size()) - 1);
        stack.pop_back();
    });
    // A softirq vector's action: a slice above whatever runs it (a softirq
    // run on top of a task, or ksoftirqd).
    tp.softirq_entry.attach([this](unsigned vec) {
        const arch::context& h = w_.m.current();
        const arch::cpu* c = h.on_cpu();
        auto& stack = open_[static_cast<std::size_t>(c->id())];
        const arch::context* under = c->curr();
        stack.push_back(open_slice{cpu_slice{c->id(), static_cast<int>(stack.size()), slice_kind::softirq,
                                             arch::softirq_to_name[vec], under ? under->pid() : 0, -1, now_ns(w_), 0,
                                             context_index(h)},
                                   true});
    });
    tp.softirq_exit.attach([this](unsigned) {
        const arch::cpu* c = w_.m.current().on_cpu();
        auto& stack = open_[static_cast<std::size_t>(c->id())];
        KMSIM_ASSERT(stack.size() > 1, "a softirq's slice is open");
        close_slice(c->id(), static_cast<int>(stack.size()) - 1);
        stack.pop_back();
    });
    tp.contention_begin.attach([this](const arch::lock_base& l) {
        const arch::context* c = w_.m.current_context();
        if (!c)
            return;
        const int i = context_index(*c);
        // A spinlock's wait is on the CPU; a sleeping lock's is the sleep that
        // follows (from the scheduler) - unless the run ends first, as when
        // this wait closes a deadlock's cycle.
        const bool spin = std::string_view(l.type_name()).find("spin") != std::string_view::npos;
        lock_waits_[static_cast<std::size_t>(i)] =
            open_wait{true, wait_span{i, now_ns(w_), 0, wait_text(l), -1, spin}};
    });
    tp.contention_end.attach([this](const arch::lock_base&) {
        const arch::context* c = w_.m.current_context();
        if (!c)
            return;
        open_wait& o = lock_waits_[static_cast<std::size_t>(context_index(*c))];
        if (o.open && !o.w.spinning) {
            o.open = false;  // its sleep was the wait
            return;
        }
        if (!o.open)
            return;
        o.w.end_ns = now_ns(w_);
        t_.waits.push_back(o.w);
        o.open = false;
    });
    w.api.call_done.attach([this](const call_record& r) {
        if (t_.calls.size() >= timeline::max_calls) {
            t_.calls_truncated = true;
            return;
        }
        const arch::context& c = w_.m.current();
        t_.calls.push_back(call_span{context_index(c), c.on_cpu() ? c.on_cpu()->id() : -1,
                                     sim::to_ns(r.start), now_ns(w_), call_text(r),
                                     fmt::format("{}:{}", r.frame.file, r.frame.line)});
    });

    auto mark = [this](mark_kind k, std::string title) {
        if (marked_[to_string(k)]++ >= timeline::max_marks_per_kind) {
            ++t_.marks_not_kept[to_string(k)];
            return;
        }
        const arch::context* c = w_.m.current_context();
        t_.marks.push_back(timeline_mark{k, now_ns(w_), c && c->on_cpu() ? c->on_cpu()->id() : -1, std::move(title),
                                         c ? c->name() : std::string(), {}});
    };
    tp.report_raised.attach([this](const arch::report& r) {
        const std::string kind = fmt::format("report {}", arch::to_string(r.kind));
        if (marked_[kind]++ >= timeline::max_reports_per_kind) {
            ++t_.marks_not_kept[kind];
            return;
        }
        t_.marks.push_back(timeline_mark{mark_kind::report, sim::to_ns(r.when), r.cpu, r.title, r.context, r.text});
    });
    tp.kmalloc.attach([mark](std::uint64_t ptr, std::uint64_t req, std::uint64_t, std::uint32_t gfp) {
        if (!ptr)
            mark(mark_kind::alloc_failure, fmt::format("kmalloc({}, {}) failed", req, mm::format_gfp(gfp)));
    });
    tp.kmem_cache_alloc.attach([mark](const char* cache, std::uint64_t ptr, std::uint64_t, std::uint64_t,
                                      std::uint32_t gfp) {
        if (!ptr)
            mark(mark_kind::alloc_failure, fmt::format("kmem_cache_alloc({}, {}) failed", cache, mm::format_gfp(gfp)));
    });
    tp.mm_page_alloc.attach([this, mark](std::uint64_t pfn, unsigned order, std::uint32_t gfp) {
        if (pfn == ~std::uint64_t{0})
            mark(mark_kind::alloc_failure,
                 fmt::format("page allocation failure: order:{}, mode:{}", order, mm::format_gfp(gfp)));
        else
            sample_memory();
    });
    tp.mm_page_free.attach([this](std::uint64_t, unsigned) { sample_memory(); });
    tp.mm_vmscan_kswapd_wake.attach([mark](int zid, unsigned order) {
        mark(mark_kind::kswapd_wake, fmt::format("kswapd0 wakes: order {}, up to zone {}", order, mm::zone_name(zid)));
    });
    tp.mm_vmscan_direct_reclaim_begin.attach([mark](unsigned order, std::uint32_t gfp) {
        mark(mark_kind::direct_reclaim, fmt::format("direct reclaim: order {}, {}", order, mm::format_gfp(gfp)));
    });
    tp.mm_vmscan_kswapd_sleep.attach([mark] { mark(mark_kind::kswapd_sleep, "kswapd0 sleeps"); });
    tp.fault_injected.attach([mark](const char* name) {
        mark(mark_kind::fault, std::string_view(name) == "direct_reclaim"
                                   ? std::string("injected: direct reclaim")
                                   : fmt::format("injected: {} fails this allocation", name));
    });
}

int timeline_recorder::context_index(const arch::context& c)
{
    const int next = static_cast<int>(t_.contexts.size());
    const int i = c.is_irq() ? irq_index_.try_emplace(c.name(), next).first->second
                             : task_index_.try_emplace(c.pid(), next).first->second;
    if (i == next) {
        t_.contexts.push_back(timeline_context{c.name(), c.is_irq() ? 0 : c.pid(), c.is_irq()});
        sleeping_.emplace_back();
        lock_waits_.emplace_back();
    }
    return i;
}

void timeline_recorder::close_slice(int cpu, int depth)
{
    open_slice& o = open_[static_cast<std::size_t>(cpu)][static_cast<std::size_t>(depth)];
    if (!o.open)
        return;
    o.open = false;
    o.s.end_ns = now_ns(w_);
    if (o.s.end_ns > o.s.start_ns || o.s.kind == slice_kind::hardirq || o.s.kind == slice_kind::softirq)
        t_.slices.push_back(std::move(o.s));
}

void timeline_recorder::sample_memory()
{
    if (!booted_)
        return;  // boot fills memory in an instant; the series start from its result
    const std::int64_t t = now_ns(w_);
    const mm::node& nd = w_.mem.nd();
    for (int z = 0, i = 0; z < mm::MAX_NR_ZONES; ++z) {
        if (zone_series_[static_cast<std::size_t>(z)] < 0)
            continue;
        const mm::zone& zone = nd.zone_at(z);
        t_.counters[static_cast<std::size_t>(zone_series_[static_cast<std::size_t>(z)])].sample(t, zone.nr_free_pages);
        auto& steps = t_.watermarks[static_cast<std::size_t>(i++)];
        if (steps.empty() || steps.back().min != zone.min_wmark() || steps.back().low != zone.low_wmark() ||
            steps.back().high != zone.high_wmark())
            steps.push_back(watermark_step{t, zone.min_wmark(), zone.low_wmark(), zone.high_wmark()});
    }
    const mm::vm_counters& v = w_.mem.vm();
    t_.counters[static_cast<std::size_t>(slab_series_)].sample(
        t, v[mm::NR_SLAB_RECLAIMABLE] + v[mm::NR_SLAB_UNRECLAIMABLE]);
    t_.counters[static_cast<std::size_t>(cache_series_)].sample(t, v[mm::NR_FILE_PAGES]);
}

void timeline_recorder::finish()
{
    t_.end_ns = now_ns(w_);
    booted_ = true;
    for (int c = 0; c < t_.nr_cpus; ++c) {
        auto& stack = open_[static_cast<std::size_t>(c)];
        for (int d = static_cast<int>(stack.size()) - 1; d >= 0; --d)
            close_slice(c, d);
    }
    for (auto* waits : {&sleeping_, &lock_waits_})
        for (open_wait& o : *waits)
            if (o.open) {
                o.w.end_ns = t_.end_ns;
                t_.waits.push_back(o.w);
                o.open = false;
            }
    sample_memory();
}

}  // namespace kmsim::scenarios

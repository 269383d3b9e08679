// arch/tracepoint.h - tracepoints: where the simulated kernel says what it is doing, to whoever listens.
//
// Owns: the tracepoint type and the machine's list of events (the kernel's
// include/trace/events/: sched, irq, kmem, vmscan, lock), each emitted where
// the event happens - the CPU dispatch loop, the IRQ core, the allocators,
// vmscan, the lock code, the kernel log - and never by a front end. The -v log,
// a run's statistics and (later) trace files are consumers: they attach a probe.
//
// A tracepoint nobody listens to costs one test of an empty vector. Its
// arguments are plain values and references to what already exists, so an
// emitting site builds nothing: a probe formats what it needs.
// Invariant: probes run synchronously, in the order attached, in the context
// that emitted the event; a probe must not call back into the kernel. Probes
// are attached before a run starts.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace kmsim::arch {

class context;
class irq_line;
class lock_base;
struct report;

template <typename... Args>
class tracepoint {
public:
    using probe = std::function<void(Args...)>;

    bool enabled() const { return !probes_.empty(); }
    void attach(probe p) { probes_.push_back(std::move(p)); }
    void operator()(Args... args) const
    {
        if (probes_.empty()) [[likely]]
            return;
        for (const probe& p : probes_)
            p(args...);
    }

private:
    std::vector<probe> probes_;
};

// The machine's events. Arguments follow the kernel's TP_PROTO where it has
// one; contexts stand for task_structs, pfns for struct pages, and a GFP
// mask is its raw value (mm::gfp_t).
struct trace_events {
    // sched: NEXT (nullptr: the idle task) now runs on CPU, after PREV.
    tracepoint<int /*cpu*/, const context* /*prev*/, const context* /*next*/> sched_switch;
    // sched: C became runnable, on CPU's runqueue.
    tracepoint<const context&, int /*cpu*/> sched_wakeup;

    // kmsim's: LINE's device raises its interrupt at CPU; COALESCED when the
    // line was already pending there (the two are handled once).
    tracepoint<const irq_line&, int /*cpu*/, bool /*coalesced*/> irq_raise;
    // irq: the handler of LINE starts and returns (ret=handled).
    tracepoint<int /*irq*/, const context& /*handler*/> irq_handler_entry;
    tracepoint<int /*irq*/, const context& /*handler*/> irq_handler_exit;
    // irq: softirq vector VEC's action starts and returns, in the running context.
    tracepoint<unsigned /*vec*/> softirq_entry;
    tracepoint<unsigned /*vec*/> softirq_exit;

    // kmem: kmalloc(), kfree(), kmem_cache_alloc(), kmem_cache_free().
    // PTR is 0 for a failed allocation; CACHE is the slab cache's name.
    tracepoint<std::uint64_t /*ptr*/, std::uint64_t /*bytes_req*/, std::uint64_t /*bytes_alloc*/,
               std::uint32_t /*gfp*/>
        kmalloc;
    tracepoint<std::uint64_t /*ptr*/> kfree;
    tracepoint<const char* /*cache*/, std::uint64_t /*ptr*/, std::uint64_t /*bytes_req*/,
               std::uint64_t /*bytes_alloc*/, std::uint32_t /*gfp*/>
        kmem_cache_alloc;
    tracepoint<const char* /*cache*/, std::uint64_t /*ptr*/> kmem_cache_free;
    // kmem: a block of 2^ORDER pages at PFN allocated (PFN ~0: failed) or freed.
    tracepoint<std::uint64_t /*pfn*/, unsigned /*order*/, std::uint32_t /*gfp*/> mm_page_alloc;
    tracepoint<std::uint64_t /*pfn*/, unsigned /*order*/> mm_page_free;

    // vmscan: direct reclaim by an allocating task, and kswapd.
    tracepoint<unsigned /*order*/, std::uint32_t /*gfp*/> mm_vmscan_direct_reclaim_begin;
    tracepoint<std::uint64_t /*nr_reclaimed*/> mm_vmscan_direct_reclaim_end;
    tracepoint<int /*zid*/, unsigned /*order*/> mm_vmscan_kswapd_wake;
    // vmscan: an allocation wakes kswapd (it was asleep and is needed).
    tracepoint<int /*zid*/, unsigned /*order*/, std::uint32_t /*gfp*/> mm_vmscan_wakeup_kswapd;
    // kmsim's: a kswapd pass ended, having reclaimed NR pages; BALANCED
    // says whether the node now meets its watermarks, GAVE_UP whether this
    // pass made MAX_RECLAIM_RETRIES in a row without progress.
    tracepoint<std::uint64_t /*nr_reclaimed*/, bool /*balanced*/, bool /*gave_up*/> kswapd_pass_done;
    tracepoint<> mm_vmscan_kswapd_sleep;

    // lock: the running context found L held and waits for it; got it.
    tracepoint<const lock_base&> contention_begin;
    tracepoint<const lock_base&> contention_end;

    // kmsim's: a report (BUG, WARNING, lockdep, KASAN...) was raised,
    // printed or not.
    tracepoint<const report&> report_raised;

    // fault injection: an allocation is made to fail (NAME "failslab",
    // "fail_page_alloc"), or sent into direct reclaim ("direct_reclaim").
    tracepoint<const char* /*name*/> fault_injected;
};

}  // namespace kmsim::arch

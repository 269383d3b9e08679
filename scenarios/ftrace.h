// scenarios/ftrace.h - `kmsim run --ftrace FILE`: the run as /sys/kernel/tracing/trace would show it.
//
// Owns: a renderer of the machine's tracepoints (arch/tracepoint.h) into
// ftrace's text: the header of the nop tracer, then one line per event,
// `COMM-PID [CPU] FLAGS SECONDS: EVENT: FIELDS`, with the kernel's TP_printk
// fields (6.15) for kmem (kmalloc, kfree, kmem_cache_alloc,
// kmem_cache_free, mm_page_alloc, mm_page_free), irq (irq_handler_entry,
// irq_handler_exit), sched (sched_switch, sched_wakeup) and vmscan
// (mm_vmscan_direct_reclaim_begin/end, mm_vmscan_kswapd_wake/sleep,
// mm_vmscan_wakeup_kswapd). The
// flags column is the kernel's: irqs off (d), need-resched (.), hard IRQ
// (h) and the preempt depth, then the migrate-disable depth.
// What kmsim has no equivalent of: call_site=, which names the scenario
// line (FILE:LINE) instead of a code address, and pointers, printed whole
// (as with no_hash_pointers).
#pragma once

#include <cstdint>
#include <string>

namespace kmsim::scenarios {

struct world;

class ftrace_buffer {
public:
    // Attaches to W's tracepoints (before it boots); the lines accumulate here.
    explicit ftrace_buffer(world& w);
    // The trace file's text: the header, then every line.
    std::string text() const;

private:
    // IN_IRQ: the event is a hard IRQ's own (its entry and exit).
    void line(int cpu, const std::string& comm, int pid, const std::string& event, const std::string& fields,
              bool in_irq = false);
    // A line for an event of the running context, on its CPU (the task on
    // it names the line, as ftrace's comm-pid does, under an interrupt too).
    void here(const std::string& event, const std::string& fields);
    std::string flags(int cpu, bool in_irq) const;

    world& w_;
    std::string lines_;
    std::uint64_t entries_ = 0;
};

}  // namespace kmsim::scenarios

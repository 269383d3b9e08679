// scenarios/timeline.h - one run as a timeline: who ran on each CPU when, what each context called and
// waited for, memory over time, and the marks on it; what --trace and --html draw.
//
// Owns: a recorder attached to the machine's tracepoints (arch/tracepoint.h)
// and to the kernel-call table's call_done, and the timeline it builds. It
// keeps no kernel state of its own: every slice, wait and sample is what a
// tracepoint said at the time it fired.
//   - CPU slices: per CPU, the task that runs (or idle) at depth 0, from
//     sched_switch; each hard-IRQ handler nested above it (depth 1, 2...),
//     from irq_handler_entry/exit.
//   - Calls: per context, every kernel call with its start and end.
//   - Waits: per task, each stretch off the CPU asleep, with what it waited
//     for, and who woke it (sched_wakeup in the waker's context); a daemon
//     idle between runs (kswapd) is not waiting. A wait open at the end of
//     the run ends there, woken by nobody.
//   - Counters: per zone, free pages and its min/low/high watermarks; slab
//     pages; page cache. Sampled when the first context runs (boot is over),
//     then at each page allocation and free, kept in
//     at most max_buckets buckets per series (min, max and last of each), so
//     a long run costs bounded memory and draws the same shape.
//   - Marks: reports (their title), allocation failures, kswapd wake-ups and
//     sleeps, direct reclaims, injected faults.
// Invariants: slices of one CPU at one depth do not overlap and are in time
// order; a slice at depth d > 0 lies within one slice at depth d - 1; after
// finish(), nothing is open.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kmsim::arch {
class context;
}

namespace kmsim::scenarios {

struct world;

enum class slice_kind { task, hardirq, softirq, idle };
const char* to_string(slice_kind k);  // "task", "hardirq", "softirq", "idle"

struct cpu_slice {
    int cpu = 0;
    int depth = 0;  // 0: the task or idle; 1: a handler on top of it, ...
    slice_kind kind = slice_kind::task;
    std::string name;  // the task's comm, the handler's name, "swapper/N"
    int pid = 0;       // the task's; the interrupted task's for a handler
    int irq = -1;      // the line, for a handler
    std::int64_t start_ns = 0, end_ns = 0;
    int ctx = -1;      // the context that ran (index into timeline::contexts); -1 when idle
};

// A context of the run, as the per-context tracks name it.
struct timeline_context {
    std::string name;
    int pid = 0;  // tasks; handlers get 0
    bool irq = false;
};

struct call_span {
    int ctx = 0;   // index into timeline::contexts
    int cpu = -1;  // where it started
    std::int64_t start_ns = 0, end_ns = 0;
    std::string text;  // "kmalloc(4096, GFP_KERNEL) = 0xffff888004000000"
    std::string where; // "demo.kms:12"
};

struct wait_span {
    int ctx = 0;
    std::int64_t start_ns = 0, end_ns = 0;
    std::string what;     // "mutex a (held by t2/101)", "completion done", "spinlock s"
    int woken_by = -1;    // the waker's context index, -1 if none (a timer, the end of the run)
    bool spinning = false;  // on the CPU (a spinlock), not asleep
};

struct counter_bucket {
    std::int64_t t_ns = 0;  // the first sample's time
    std::uint64_t min = 0, max = 0, last = 0;
};

struct counter_series {
    std::string name;  // "free pages DMA32", "slab pages", "page cache"
    std::string zone;  // the zone's name for a zone's free pages, else ""
    std::vector<counter_bucket> buckets;
    std::int64_t quantum_ns = 1000;  // the bucket width now; doubles as buckets fill
    void sample(std::int64_t t_ns, std::uint64_t v);
};

// The points that draw SERIES up to END_NS, in time order: one per bucket
// whose value held, and its min, max and last where it moved within it.
std::vector<std::pair<std::int64_t, std::uint64_t>> counter_points(const counter_series& series, std::int64_t end_ns);

// A zone's watermarks from a time on (they change with min_free_kbytes).
struct watermark_step {
    std::int64_t t_ns = 0;
    std::uint64_t min = 0, low = 0, high = 0;
};

enum class mark_kind { report, alloc_failure, kswapd_wake, kswapd_sleep, direct_reclaim, fault };
const char* to_string(mark_kind k);  // "report", "alloc_failure", ...

struct timeline_mark {
    mark_kind kind = mark_kind::report;
    std::int64_t t_ns = 0;
    int cpu = -1;
    std::string title;    // the report's title, or what happened
    std::string context;
    std::string text;     // a report's whole text
};

struct timeline {
    int nr_cpus = 0;
    std::int64_t end_ns = 0;
    std::vector<cpu_slice> slices;  // in the order they closed
    std::vector<timeline_context> contexts;
    std::vector<call_span> calls;
    std::vector<wait_span> waits;
    std::vector<counter_series> counters;
    std::vector<std::vector<watermark_step>> watermarks;  // parallel to the zones' free-pages series
    std::vector<timeline_mark> marks;
    bool calls_truncated = false;  // more than max_calls: the rest are not kept
    // Marks past the first max_marks_per_kind of their kind, and reports
    // past the first max_reports_per_kind of theirs (as the kernel log keeps
    // them): counted, not kept. "report kmemleak" -> 19900, "direct_reclaim" -> 12.
    std::map<std::string, std::uint64_t> marks_not_kept;
    static constexpr std::size_t max_calls = 200000;
    static constexpr std::size_t max_marks_per_kind = 1000;
    static constexpr std::size_t max_reports_per_kind = 100;
    static constexpr std::size_t max_buckets = 4096;
};

class timeline_recorder {
public:
    // Attaches to W's tracepoints (before it boots).
    explicit timeline_recorder(world& w);
    timeline_recorder(const timeline_recorder&) = delete;
    timeline_recorder& operator=(const timeline_recorder&) = delete;

    // Closes what is open at the end of the run; call once, after it.
    void finish();
    const timeline& get() const { return t_; }

private:
    struct open_slice {
        cpu_slice s;
        bool open = false;
    };
    struct open_wait {
        bool open = false;
        wait_span w;
    };
    // The index of C in t_.contexts (a task by its pid, a handler by its
    // name: handler contexts are made per interrupt and reused).
    int context_index(const arch::context& c);
    void close_slice(int cpu, int depth);
    void sample_memory();

    world& w_;
    timeline t_;
    std::vector<std::vector<open_slice>> open_;  // [cpu][depth]
    std::map<int, int> task_index_;           // pid -> context index
    std::map<std::string, int> irq_index_;    // handler name -> context index
    std::vector<open_wait> sleeping_;               // by context index
    std::vector<open_wait> lock_waits_;             // by context index: contention_begin..end
    std::vector<int> zone_series_;                  // zone type -> counters index, -1 if unpopulated
    int slab_series_ = -1, cache_series_ = -1;
    std::map<std::string, std::uint64_t> marked_;  // by kind, as marks_not_kept names them
    bool booted_ = false;  // a context has run: memory is sampled from then on
};

}  // namespace kmsim::scenarios

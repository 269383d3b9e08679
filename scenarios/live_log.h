// scenarios/live_log.h - what `kmsim run` prints as the run goes: the kernel log, and with -v the run itself.
//
// Owns: the renderer of the kernel log's lines (every one; with -q only
// those of reports) and, with -v, of the tracepoints a student follows a run
// by, each line tagged with where it happened - the CPU, the kind of context
// and the context ("[CPU0 task worker/100]", "[CPU1 hardirq eth0]",
// "[CPU1 task kswapd0/60 (shrinker dm_bufio)]"), or the CPU alone ("[CPU0]"):
//   - every kernel call with its result. A call that takes time or during
//     which anything else happens (it blocks, spins, is interrupted or
//     preempted) prints a line when it starts, "udelay(10) <unfinished ...>",
//     and one when it returns, "<... udelay(10) resumed> <0.000010154>", as
//     strace does: the second is the time it took;
//   - interrupts raised and delivered, and handlers returning;
//   - context switches;
//   - kswapd's wake-ups and passes.
// With --explain (with or without -v), each allocation call that left the
// fast path is followed by the allocator's own account of why
// (mm/alloc_explain.h): "explain: kmalloc(...) = ... at FILE:LINE", then its
// steps, indented.
// Invariant: lines come out in time order: a started call's first line is
// printed, at its start time, before any later line of another context.
#pragma once

#include "sim/time.h"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace kmsim::arch {
class context;
}
namespace kmsim::mm {
class alloc_explain;
}

namespace kmsim::scenarios {

struct world;

struct live_log_options {
    bool quiet = false;    // -q: only the lines of reports
    bool verbose = false;  // -v
    bool color = false;    // alarms in red
    // --explain: after each allocation call, why it went the way it did -
    // when it left the fast path, or (ALL) always. Not with -q.
    mm::alloc_explain* explain = nullptr;
    bool explain_all = false;
};

class live_log {
public:
    // Attaches to W's kernel log and tracepoints (before it boots).
    live_log(world& w, std::ostream& out, live_log_options opts);
    live_log(const live_log&) = delete;
    live_log& operator=(const live_log&) = delete;

    // The run is over: calls still in progress (a deadlock's, a run cut
    // short) print their first line.
    void finish();

private:
    struct started {
        const arch::context* ctx;
        sim::time_point start;
        std::string tag, text;
        bool printed = false;
    };
    void attach_verbose();
    void attach_explain();
    // Prints a line of the run at the current time, after the first lines of
    // the calls it happens in the middle of.
    void line(const std::string& tag, const std::string& text);
    void flush_started();

    world& w_;
    std::ostream& out_;
    live_log_options opts_;
    std::vector<started> started_;  // calls in progress, in the order they started
};

// "[CPU0 task worker/100]": where the running context is, for a -v line.
std::string context_tag(const arch::context& ctx);

}  // namespace kmsim::scenarios

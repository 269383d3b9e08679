// scenarios/chrome_trace.h - `kmsim run --trace FILE`: the run's timeline as Chrome trace-event JSON.
//
// Owns: the rendering of a timeline (scenarios/timeline.h) into the Trace
// Event Format that Perfetto (ui.perfetto.dev) and chrome://tracing open:
//   - process 0 "CPUs": a track per CPU (thread_name "CPU0", "CPU1"...),
//     with a complete event ("ph": "X", microseconds) for every stretch a
//     context ran, named after it, args.context "task" or "hardirq" (later
//     "softirq") and args.pid; a handler's slice nests on top of the task it
//     interrupted. Idle time is the gaps;
//   - counters ("ph": "C") on process 0: "free pages ZONE" per zone, its
//     args the free pages and the zone's min, low and high; "slab pages" and
//     "page cache";
//   - instant events ("ph": "i") on the CPU's track for reports (named by
//     their title, the text in args), allocation failures, direct reclaims,
//     kswapd's wake-ups and sleeps, injected faults;
//   - process 1 "contexts": a track per context with its kernel calls and its
//     waits ("wait: mutex_lock(a)"), and a flow arrow from the context that
//     woke it to the end of each wait.
// The output is a function of the timeline: the same run gives the same bytes.
#pragma once

#include "scenarios/timeline.h"

#include <ostream>
#include <string>

namespace kmsim::scenarios {

void write_chrome_trace(std::ostream& out, const timeline& t, const std::string& title);

}  // namespace kmsim::scenarios

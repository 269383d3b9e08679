// sim/waitfor.h - the wait-for graph: who waits for what, held by whom; and its cycles.
//
// Owns: deciding that a set of waits can never end, and explaining why as a
// cycle of edges "CONTEXT waits for WHAT held by HOLDER".
// Kinds (the names the JSON summary uses):
//   self        - a context waits for itself, directly or through the CPU it
//                 was interrupted on (a spinlock taken by an IRQ handler that
//                 interrupted the holder on the same CPU);
//   lock_cycle  - two or more contexts wait for each other through locks or
//                 completions;
//   no_progress - nothing can run, but the waits form no cycle (a lock whose
//                 owner exited, a completion nobody will complete).
#pragma once

#include "sim/actor.h"
#include "sim/time.h"

#include <optional>
#include <string>
#include <vector>

namespace kmsim::sim {

enum class deadlock_kind { lock_cycle, self, no_progress };
const char* to_string(deadlock_kind k);

struct wait_edge {
    const actor* who = nullptr;
    std::string context;    // label of the waiting actor
    std::string waits_for;  // blocker::describe_wait()
    std::string held_by;    // labels of the holders, ", "-joined; "" if none
};

struct deadlock_info {
    deadlock_kind kind = deadlock_kind::no_progress;
    time_point when{};
    std::vector<wait_edge> cycle;  // in order: cycle[i].held_by waits in cycle[i+1]
    std::vector<wait_edge> stuck;  // other waiting actors, for context
};

// A cycle through exclusive waits only (locks, CPUs) that passes through FROM:
// a deadlock that no future event can break. Cheap: used each time an actor
// starts to wait for a lock.
std::optional<deadlock_info> find_certain_cycle(const actor& from);

// Full analysis when nothing is left to run: the first cycle among WAITING
// (any blocker kind), else no_progress with every waiting actor listed.
deadlock_info analyze_waits(const std::vector<const actor*>& waiting);

}  // namespace kmsim::sim

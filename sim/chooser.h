// sim/chooser.h - every scheduling decision the simulator makes, made in one place.
//
// Owns: the points where kmsim picks among alternatives that a real kernel
// could each have taken, and the interface that decides them:
//   event_order        which of the events due at the same instant runs first
//   wake_cpu           which CPU a woken, unpinned task is queued on
//   next_task          which runnable task a CPU runs next
//   lock_waiter        which waiter gets a released lock
//   completion_waiter  which waiter a complete() wakes
//   preempt            whether the running task is preempted at a kernel call
//                      where the kernel could preempt it
//   irq_arrival        when a jittered interrupt arrives inside its window
// The engine consults its chooser at each. The default policy makes kmsim's
// own choices - alternative 0 is always what kmsim did before (the oldest
// event, the placement heuristic's CPU, the oldest runnable task, the first
// waiter, no preemption), and jitter is the seeded draw - so every output
// stays byte-identical. Schedule exploration installs another policy.
// Invariant: a chooser answers with 0 <= choice < n, and is asked only when
// n >= 2 (a decision with one alternative is no decision).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kmsim::sim {

enum class decision : std::uint8_t {
    event_order,
    wake_cpu,
    next_task,
    lock_waiter,
    completion_waiter,
    preempt,
    irq_arrival,
};
const char* to_string(decision d);

class actor;

class chooser {
public:
    virtual ~chooser() = default;
    // One of N alternatives of decision D; 0 is kmsim's default choice.
    virtual std::size_t choose(decision d, std::size_t n) = 0;
    // The same, where the alternatives are actors (next_task, lock_waiter,
    // completion_waiter: the candidates; preempt: the running actor, then
    // the ones waiting for its CPU - any answer but 0 preempts). CURRENT is
    // the running actor, if any. By default, choose(D, alternatives).
    virtual std::size_t choose_among(decision d, const actor* const* alternatives, std::size_t n,
                                     const actor* current)
    {
        (void)alternatives;
        (void)current;
        return choose(d, n);
    }
    // An interrupt's delay inside its window [FROM, FROM + MAX] (ns), on
    // CPU TARGET (-1: any); WHAT names it ("nic"); SEEDED is the default
    // policy's draw from the run's seed.
    virtual std::int64_t choose_delay(decision d, std::int64_t from_ns, std::int64_t max, int target,
                                      std::string_view what, std::int64_t seeded) = 0;
};

// kmsim's own choices.
class default_chooser final : public chooser {
public:
    std::size_t choose(decision, std::size_t) override { return 0; }
    std::int64_t choose_delay(decision, std::int64_t, std::int64_t, int, std::string_view, std::int64_t seeded) override
    {
        return seeded;
    }
};

}  // namespace kmsim::sim

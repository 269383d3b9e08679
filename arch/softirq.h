// arch/softirq.h - softirqs: raise_softirq(), their runs at irq_exit() and local_bh_enable(), ksoftirqd.
//
// Owns: the softirq vectors' actions (open_softirq()), the per-CPU
// ksoftirqd threads, and the rules of kernel/softirq.c for when raised
// softirqs run:
// - raised in hard-IRQ context (or by the tick, for expired timers), they
//   run when the interrupt is left (irq_exit()), on top of the interrupted
//   task, unless it is in interrupt itself (serving softirq, or with BH
//   disabled): then local_bh_enable() or the run below takes them;
// - raised in task context with BH enabled, they wake ksoftirqd/N, which
//   runs them in its own task context (with SOFTIRQ_OFFSET);
// - local_bh_enable() that brings the count to 0 runs what is pending;
// - a run goes round again while vectors keep being raised, at most
//   MAX_SOFTIRQ_RESTART times and MAX_SOFTIRQ_TIME, then wakes ksoftirqd.
// A run at irq_exit() is an interrupt context (context_kind::softirq) on
// its CPU's stack: it holds the CPU until it returns, IRQs on, with
// SOFTIRQ_OFFSET (0x100) in preempt_count; a sleep in it is a bug reported
// as in hard IRQ, and the task below waits for it, so a spinlock the task
// holds and the softirq wants deadlocks that CPU.
// The pending mask lives in each CPU (cpu::softirq_pending()).
// Simplification: the tick itself is not a hard-IRQ context: an expired
// timer raises TIMER_SOFTIRQ as if the tick's irq_exit() did.
// Invariant: ksoftirqd_[n] is the thread of CPU n once init() ran.
#pragma once

#include "sim/actor.h"
#include "sim/time.h"

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

enum softirq_nr : unsigned {
    HI_SOFTIRQ,
    TIMER_SOFTIRQ,
    NET_TX_SOFTIRQ,
    NET_RX_SOFTIRQ,
    BLOCK_SOFTIRQ,
    IRQ_POLL_SOFTIRQ,
    TASKLET_SOFTIRQ,
    SCHED_SOFTIRQ,
    HRTIMER_SOFTIRQ,
    RCU_SOFTIRQ,
    NR_SOFTIRQS
};
// softirq_to_name[], as /proc/softirqs and the softirq_entry tracepoint name them.
inline constexpr const char* softirq_to_name[NR_SOFTIRQS] = {"HI",       "TIMER", "NET_TX",  "NET_RX", "BLOCK",
                                                             "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"};
inline constexpr int MAX_SOFTIRQ_RESTART = 10;
inline constexpr sim::duration MAX_SOFTIRQ_TIME = sim::msecs(2);

class softirqs {
public:
    explicit softirqs(machine& m) : machine_(m) {}
    softirqs(const softirqs&) = delete;
    softirqs& operator=(const softirqs&) = delete;

    // Setup time: the action run for vector NR (in softirq context, on the
    // CPU it was raised on).
    void open_softirq(unsigned nr, std::function<void()> action);
    // Setup time: ksoftirqd/N for every CPU. Until then raise_softirq() from
    // task context leaves the vector pending for the next irq_exit().
    void init();
    bool initialized() const { return !ksoftirqd_.empty(); }

    // Fiber side: raise_softirq() on the running CPU.
    void raise_softirq(unsigned nr);
    // Engine side: the tick of CPU raises NR (an expired timer); it runs at
    // the tick's irq_exit().
    void raise_softirq_from_tick(int cpu, unsigned nr);

    // Fiber side: local_bh_disable() and local_bh_enable(), and
    // in_softirq()/in_serving_softirq() of the running context.
    void local_bh_disable();
    void local_bh_enable();
    bool in_softirq();
    bool in_serving_softirq();

    // The body of a softirq run on top of an interrupted context.
    void run_at_irq_exit();

    // The ksoftirqd threads, for tests and reports.
    const std::vector<context*>& ksoftirqd() const { return ksoftirqd_; }

private:
    // handle_softirqs(): the pending vectors' actions, round again while
    // more are raised, within the limits; then ksoftirqd takes over.
    void handle_softirqs(bool ksirqd);
    void wakeup_softirqd(int cpu);
    void ksoftirqd_main(int cpu);

    machine& machine_;
    std::array<std::function<void()>, NR_SOFTIRQS> actions_{};
    std::vector<context*> ksoftirqd_;
    bool warned_bh_enable_ = false;  // WARN_ON_ONCE of __local_bh_enable_ip()
    struct idle_wait : sim::blocker {
        std::string describe_wait() const override { return "ksoftirqd (idle)"; }
        std::vector<const sim::actor*> holders() const override { return {}; }
        bool idle() const override { return true; }
    } idle_;
};

}  // namespace kmsim::arch

// arch/khungtaskd.h - the hung-task detector (kernel/hung_task.c).
//
// Owns: finding tasks in uninterruptible sleep (a mutex, a completion, a
// sleep, a throttle; not IRQ handlers, not spinners, not idle kthreads, not
// an allocation looping until memory appears) for
// longer than kernel.hung_task_timeout_secs (120 s by default, 0 turns it
// off), and their report, "INFO: task NAME:PID blocked for more than N
// seconds.", with the lock's owner when the task waits on a lock.
// The kernel's khungtaskd wakes every timeout and reports a task one to two
// timeouts into its wait, repeatedly; kmsim's reports it exactly one timeout
// into the wait, once per wait. Invariant: while a candidate task may still
// be reported, a check is pending, so the run cannot look finished (and a
// deadlock be declared) before every hung task is reported. The check is the
// engine's watchdog: left alone with no candidate to find, it does not hold
// the run open.
#pragma once

#include "sim/time.h"

#include <cstdint>

namespace kmsim::arch {

class context;
class machine;

class khungtaskd {
public:
    explicit khungtaskd(machine& m) : machine_(m) {}

    void set_timeout(std::uint64_t secs) { timeout_secs_ = secs; }
    // A task began an uninterruptible wait.
    void note_task_blocked(const context& c)
    {
        if (!armed_ && timeout_secs_ != 0)
            arm(c);
    }

private:
    bool candidate(const context& c) const;
    bool any_candidate() const;
    void arm(const context& c);
    void schedule(sim::time_point when);
    void check();
    void report(context& c);
    sim::duration timeout() const { return sim::units(timeout_secs_, 1000 * 1000 * 1000); }

    machine& machine_;
    std::uint64_t timeout_secs_ = 120;
    bool armed_ = false;
};

}  // namespace kmsim::arch

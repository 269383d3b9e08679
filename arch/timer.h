// arch/timer.h - timer_list: mod_timer(), del_timer(), del_timer_sync(), run in TIMER_SOFTIRQ.
//
// Owns: the timers armed on each CPU, their expiry at a jiffy, and
// run_timer_softirq(), which runs the expired ones of its CPU in softirq
// context, as kernel/time/timer.c does:
// - mod_timer() arms (or re-arms) a timer on the CPU that calls it, for the
//   tick at jiffy EXPIRES (the next tick, for a time already past); it
//   returns whether the timer was pending. The same expiry is a no-op.
// - At that tick the timer moves to its CPU's expired list and the tick
//   raises TIMER_SOFTIRQ (arch/softirq.h), which runs it at irq_exit() -
//   later if the CPU has IRQs or BH disabled.
// - del_timer() disarms it; del_timer_sync() also waits, spinning, for a
//   callback running on another CPU. lockdep sees the callback holding the
//   timer's pseudo-lock (&NAME), and del_timer_sync() taking it, so waiting
//   for a timer under a lock its callback takes is predicted.
// - A callback returning with a different preempt_count is the kernel's
//   "timer: NAME preempt leak" WARNING.
// A timer armed or running keeps the run going (as queued work does): code
// that re-arms a timer forever must del_timer_sync() it, as a driver's
// teardown does.
// Invariant: a timer is pending exactly while its expiry event is armed or
// it is on an expired list.
#pragma once

#include "arch/lockdep.h"
#include "sim/actor.h"
#include "sim/engine.h"
#include "sim/event_queue.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

class timer_list : public sim::blocker {
public:
    timer_list(std::string name, std::function<void()> function);

    const std::string& name() const { return name_; }
    bool pending() const { return pending_; }
    std::uint64_t expires() const { return expires_; }
    const lockdep_map& lockdep() const { return map_; }

    // The spin in del_timer_sync(): for the context running the callback.
    std::string describe_wait() const override { return "del_timer_sync(" + name_ + ")"; }
    std::vector<const sim::actor*> holders() const override;
    bool exclusive() const override { return running_ != nullptr; }
    const sim::actor* sole_holder() const override;
    const char* holder_role() const override { return "run by"; }

private:
    friend class timers;
    std::string name_;
    std::function<void()> function_;
    lockdep_map map_;
    std::uint64_t expires_ = 0;
    bool pending_ = false;
    int cpu_ = 0;
    sim::event_queue::handle event_;  // armed until the tick
    context* running_ = nullptr;      // the context running the callback
    std::vector<context*> syncing_;   // spinning in del_timer_sync()
    sim::run_hold hold_;              // while pending or running
};

class timers {
public:
    explicit timers(machine& m);
    timers(const timers&) = delete;
    timers& operator=(const timers&) = delete;

    // Fiber side.
    int mod_timer(timer_list& t, std::uint64_t expires);
    int del_timer(timer_list& t);
    int del_timer_sync(timer_list& t);

private:
    void expire(timer_list& t);   // engine side, at its tick
    void run_timer_softirq();     // the TIMER_SOFTIRQ action
    bool detach(timer_list& t);
    std::deque<timer_list*>& expired_on(int cpu);  // made on first use
    void update_hold(timer_list& t);

    machine& machine_;
    std::vector<std::deque<timer_list*>> expired_;  // per CPU, made on first use
    bool warned_leak_ = false;
};

}  // namespace kmsim::arch

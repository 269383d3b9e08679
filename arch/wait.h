// arch/wait.h - wait_queue_head_t: wait_event(), wait_event_timeout(), wake_up().
//
// Owns: the tasks sleeping on one wait queue until a condition of theirs
// holds, and the loop of include/linux/wait.h's ___wait_event(): get on the
// queue, test the condition, sleep unless woken meanwhile, test again after
// every wake-up. The condition is the caller's code (a callback), tested in
// the caller's context each time, so a wake-up between the test and the
// sleep is never lost.
// wait_event() waits are not exclusive, so wake_up() wakes every waiter, as
// __wake_up(wq, TASK_NORMAL, 1, NULL) does when no waiter is exclusive;
// wake_up_all() is the same here.
// Like a completion's, a wait here has no owner: anyone may end it. Code
// that knows who calls wake_up() names them with expect_waker(), and a
// deadlock report shows them.
// Invariant: a waiter is on waiters_ from prepare_to_wait until it is woken
// (autoremove_wake_function takes it off) or gives up (finish_wait).
#pragma once

#include "sim/actor.h"
#include "sim/event_queue.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

class wait_queue_head : public sim::blocker {
public:
    wait_queue_head(machine& m, std::string name) : machine_(m), name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    std::size_t waiters() const { return waiters_.size(); }

    // Fiber side, process context (it may sleep: might_sleep() checks).
    // Returns once COND() holds.
    void wait_event(const std::function<bool()>& cond);
    // The same for at most TIMEOUT jiffies: the jiffies left, at least 1,
    // once COND() holds; 0 when the time ran out first.
    std::uint64_t wait_event_timeout(const std::function<bool()>& cond, std::uint64_t timeout);
    // Any context: wakes every waiter; each tests its condition again.
    void wake_up();
    void wake_up_all() { wake_up(); }
    // wake_up_process() of TASK when it sleeps here: it tests its
    // condition again.
    void wake_task(context& task);

    void expect_waker(const sim::actor& a) { wakers_.push_back(&a); }

    std::string describe_wait() const override { return "wait_event(" + name_ + ")"; }
    std::vector<const sim::actor*> holders() const override;

private:
    struct waiter {
        context* task;
        bool woken = false;
    };
    // ___wait_event(): with TIMED, until DEADLINE at most. Returns whether
    // COND() held (false: the deadline came first).
    bool wait_loop(const std::function<bool()>& cond, bool timed, sim::time_point deadline);

    machine& machine_;
    std::string name_;
    std::vector<waiter*> waiters_;
    std::vector<const sim::actor*> wakers_;
};

}  // namespace kmsim::arch

// arch/wait.cpp - wait queues as include/linux/wait.h and kernel/sched/wait.c.
#include "arch/wait.h"

#include "arch/machine.h"

#include <algorithm>

namespace kmsim::arch {

bool wait_queue_head::wait_loop(const std::function<bool()>& cond, bool timed, sim::time_point deadline)
{
    context& c = machine_.current();
    waiter w{&c};
    sim::event_queue::handle timer{};
    bool timed_out = false;
    if (timed)
        timer = machine_.eng().schedule_at(deadline, [this, &w, &timed_out] {
            timed_out = true;
            if (!w.woken)
                w.task->wake();
        });
    bool held = false;
    for (;;) {
        // prepare_to_wait_event(): on the queue before the test, so a
        // wake_up() made while the condition is evaluated is not lost.
        if (std::find(waiters_.begin(), waiters_.end(), &w) == waiters_.end())
            waiters_.push_back(&w);
        w.woken = false;
        if (cond()) {
            held = true;
            break;
        }
        if (timed_out)
            break;
        if (!w.woken)
            c.wait(*this);  // schedule()
    }
    // finish_wait()
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), &w), waiters_.end());
    if (timed)
        machine_.eng().cancel(timer);
    return held;
}

void wait_queue_head::wait_event(const std::function<bool()>& cond)
{
    machine_.might_sleep("include/linux/wait.h", 353);
    if (cond())
        return;
    wait_loop(cond, false, {});
}

std::uint64_t wait_queue_head::wait_event_timeout(const std::function<bool()>& cond, std::uint64_t timeout)
{
    machine_.might_sleep("include/linux/wait.h", 396);
    // ___wait_cond_timeout(): true at once gives the whole timeout (1 for 0).
    if (cond())
        return std::max<std::uint64_t>(timeout, 1);
    // schedule_timeout()'s expiry: TIMEOUT jiffies from the current one.
    const std::uint64_t expire = machine_.jiffies() + std::min(timeout, MAX_JIFFY_OFFSET);
    const sim::time_point deadline = machine_.jiffy_start(expire);
    const bool held = wait_loop(cond, true, deadline);
    const std::uint64_t now = machine_.jiffies();
    const std::uint64_t left = expire > now ? expire - now : 0;
    if (held)
        return std::max<std::uint64_t>(left, 1);
    return 0;
}

void wait_queue_head::wake_up()
{
    // autoremove_wake_function(): each waiter leaves the queue as it is woken.
    std::vector<waiter*> woken;
    woken.swap(waiters_);
    for (waiter* w : woken) {
        w->woken = true;
        w->task->wake();
    }
}

void wait_queue_head::wake_task(context& task)
{
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it)
        if ((*it)->task == &task) {
            (*it)->woken = true;
            waiters_.erase(it);
            task.wake();
            return;
        }
}

std::vector<const sim::actor*> wait_queue_head::holders() const { return sim::not_done(wakers_); }

}  // namespace kmsim::arch

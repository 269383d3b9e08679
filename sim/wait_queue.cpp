// sim/wait_queue.cpp - FIFO wait queue.
#include "sim/wait_queue.h"

#include "sim/engine.h"

#include <algorithm>

namespace kmsim::sim {

void wait_queue::wait(actor& self, const blocker& reason)
{
    waiters_.push_back(&self);
    self.wait(reason);
}

bool wait_queue::wait_timeout(actor& self, const blocker& reason, duration timeout)
{
    bool timed_out = false;
    auto timer = self.eng().schedule_after(timeout, [this, &self, &timed_out] {
        timed_out = true;
        remove(self);
        self.wake();
    });
    wait(self, reason);
    if (!timed_out)
        self.eng().cancel(timer);
    return !timed_out;
}

actor* wait_queue::wake_one()
{
    if (waiters_.empty())
        return nullptr;
    actor* a = waiters_.front();
    waiters_.pop_front();
    a->wake();
    return a;
}

std::size_t wait_queue::wake_all()
{
    std::size_t n = 0;
    while (wake_one())
        ++n;
    return n;
}

bool wait_queue::remove(actor& self)
{
    auto it = std::find(waiters_.begin(), waiters_.end(), &self);
    if (it == waiters_.end())
        return false;
    waiters_.erase(it);
    return true;
}

}  // namespace kmsim::sim

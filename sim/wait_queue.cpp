// sim/wait_queue.cpp - FIFO wait queue.
#include "sim/wait_queue.h"

#include <algorithm>

namespace kmsim::sim {

void wait_queue::wait(actor& self, const blocker& reason)
{
    waiters_.push_back(&self);
    self.wait(reason);
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

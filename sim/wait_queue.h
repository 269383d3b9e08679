// sim/wait_queue.h - actors waiting for a condition, woken in FIFO order.
//
// Owns: the list of waiters and the order in which they are woken (first come,
// first woken, as the kernel's exclusive waits and mutex waiters are).
// Invariant: an actor is on at most one wait_queue, and is on it exactly while
// it waits there.
#pragma once

#include "sim/actor.h"
#include "sim/time.h"

#include <deque>

namespace kmsim::sim {

class wait_queue {
public:
    // Fiber side: enqueue SELF and wait; REASON explains the wait in deadlock
    // reports.
    void wait(actor& self, const blocker& reason);
    // The same, for at most TIMEOUT (wait_event_timeout()); returns false
    // when the time ran out before a wake.
    bool wait_timeout(actor& self, const blocker& reason, duration timeout);
    // Wake the longest waiter; returns it, or nullptr when nobody waits.
    actor* wake_one();
    std::size_t wake_all();

    bool empty() const { return waiters_.empty(); }
    std::size_t size() const { return waiters_.size(); }
    const std::deque<actor*>& waiters() const { return waiters_; }
    // Removes SELF without waking it (a timed wait that expired).
    bool remove(actor& self);

private:
    std::deque<actor*> waiters_;
};

}  // namespace kmsim::sim

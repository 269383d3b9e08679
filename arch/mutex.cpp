// arch/mutex.cpp - mutex_lock / mutex_unlock / mutex_trylock with DEBUG_MUTEXES checks.
#include "arch/mutex.h"

#include "arch/machine.h"

namespace kmsim::arch {

void mutex::lock_nested(unsigned subclass)
{
    machine_.might_sleep("kernel/locking/mutex.c", 283);
    if (const lockdep_map* map = class_for(subclass))
        machine_.lockdep_checks().acquire(*map, false, this);
    context& c = machine_.current();
    if (!owner_) {
        set_owner(&c);
        return;
    }
    waiters_.push_back(&c);
    machine_.trace().contention_begin(*this);
    c.wait(*this);  // unlock() makes us the owner before waking us
    machine_.trace().contention_end(*this);
}

bool mutex::trylock()
{
    if (owner_)
        return false;
    machine_.lockdep_checks().acquire(*map_, true, this);
    set_owner(&machine_.current());
    return true;
}

void mutex::unlock()
{
    context& c = machine_.current();
    if (owner_ != &c) {
        machine_.warn("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)", "kernel/locking/mutex.c", 935,
                      "__mutex_unlock_slowpath");
        if (!owner_)
            return;
    }
    machine_.lockdep_checks().release(*map_, this);
    if (!waiters_.empty()) {
        context* next = take_chosen(machine_.eng(), sim::decision::lock_waiter, waiters_);
        set_owner(next);
        next->wake();
    } else {
        set_owner(nullptr);
    }
}

}  // namespace kmsim::arch

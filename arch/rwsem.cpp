// arch/rwsem.cpp - reader-writer semaphores as kernel/locking/rwsem.c, without optimistic spinning.
#include "arch/rwsem.h"

#include "arch/machine.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::arch {

std::string rw_semaphore::wait_kind::describe_wait() const { return fmt::format("{}({})", call, sem.name()); }

std::vector<const sim::actor*> rw_semaphore::holders() const
{
    if (owner_)
        return {owner_};
    return {readers_.begin(), readers_.end()};
}

const sim::actor* rw_semaphore::sole_holder() const
{
    if (owner_)
        return owner_;
    return readers_.size() == 1 ? readers_.front() : nullptr;
}

void rw_semaphore::add_reader(context& c)
{
    readers_.push_back(&c);
    machine_.note_lock_acquired(c, *this);
}

void rw_semaphore::down_read()
{
    machine_.might_sleep("kernel/locking/rwsem.c", 1527);
    machine_.lockdep_checks().acquire(dep_map(), false, this, true);
    context& c = machine_.current();
    if (!owner_ && waiters_.empty()) {
        add_reader(c);
        return;
    }
    waiters_.push_back({&c, false});
    contending_ = "down_read";
    machine_.trace().contention_begin(*this);
    c.wait(read_wait_);  // the waker adds us to the readers first
    machine_.trace().contention_end(*this);
}

bool rw_semaphore::down_read_trylock()
{
    if (owner_ || !waiters_.empty())
        return false;
    machine_.lockdep_checks().acquire(dep_map(), true, this, true);
    add_reader(machine_.current());
    return true;
}

void rw_semaphore::up_read()
{
    context& c = machine_.current();
    auto it = std::find(readers_.begin(), readers_.end(), &c);
    if (it == readers_.end()) {
        // DEBUG_RWSEMS: up_read() by a task that does not hold it for read.
        machine_.warn(fmt::format("DEBUG_RWSEMS_WARN_ON(!is_rwsem_reader_owned(sem)): {} is not a reader of {}",
                                  c.name(), name_),
                      "kernel/locking/rwsem.c", 1347, "__up_read");
        return;
    }
    machine_.lockdep_checks().release(dep_map(), this);
    readers_.erase(it);
    machine_.note_lock_released(c, *this);
    if (readers_.empty())
        wake_waiters();
}

void rw_semaphore::down_write_nested(unsigned subclass)
{
    machine_.might_sleep("kernel/locking/rwsem.c", 1583);
    if (const lockdep_map* map = class_for(subclass))
        machine_.lockdep_checks().acquire(*map, false, this, false);
    context& c = machine_.current();
    if (!owner_ && readers_.empty() && waiters_.empty()) {
        set_owner(&c);
        return;
    }
    waiters_.push_back({&c, true});
    contending_ = "down_write";
    machine_.trace().contention_begin(*this);
    c.wait(write_wait_);  // the waker makes us the owner first
    machine_.trace().contention_end(*this);
}

bool rw_semaphore::down_write_trylock()
{
    if (owner_ || !readers_.empty())
        return false;
    machine_.lockdep_checks().acquire(dep_map(), true, this, false);
    set_owner(&machine_.current());
    return true;
}

void rw_semaphore::up_write()
{
    context& c = machine_.current();
    if (owner_ != &c) {
        machine_.warn(fmt::format("DEBUG_RWSEMS_WARN_ON(sem->owner != current): {} does not hold {} for write",
                                  c.name(), name_),
                      "kernel/locking/rwsem.c", 1375, "__up_write");
        if (!owner_)
            return;
    }
    machine_.lockdep_checks().release(dep_map(), this);
    set_owner(nullptr);
    wake_waiters();
}

void rw_semaphore::downgrade_write()
{
    context& c = machine_.current();
    if (owner_ != &c) {
        machine_.warn(fmt::format("DEBUG_RWSEMS_WARN_ON(sem->owner != current): {} does not hold {} for write",
                                  c.name(), name_),
                      "kernel/locking/rwsem.c", 1389, "__downgrade_write");
        return;
    }
    // lock_downgrade(): the held lock becomes a read one.
    machine_.lockdep_checks().release(dep_map(), this);
    machine_.lockdep_checks().acquire(dep_map(), true, this, true);
    set_owner(nullptr);
    add_reader(c);
    // rwsem_downgrade_wake(): the queued readers come in too.
    if (!waiters_.empty() && !waiters_.front().write)
        wake_waiters();
}

void rw_semaphore::wake_waiters()
{
    if (waiters_.empty() || owner_)
        return;
    if (waiters_.front().write) {
        if (!readers_.empty())
            return;
        context* w = waiters_.front().task;
        waiters_.pop_front();
        set_owner(w);
        w->wake();
        return;
    }
    // rwsem_mark_wake(): every reader in the queue, writers keeping their places.
    std::deque<waiter> still;
    std::vector<context*> woken;
    for (const waiter& w : waiters_) {
        if (w.write) {
            still.push_back(w);
        } else {
            add_reader(*w.task);
            woken.push_back(w.task);
        }
    }
    waiters_.swap(still);
    for (context* t : woken)
        t->wake();
}

}  // namespace kmsim::arch

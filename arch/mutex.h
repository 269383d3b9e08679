// arch/mutex.h - struct mutex: a sleeping lock with an owner and FIFO waiters.
//
// Owns: one mutex's owner and its waiters. mutex_lock() may sleep, so it calls
// might_sleep() first (a mutex under a spinlock, or in an IRQ handler, is
// reported even when the mutex is free). Unlock hands the mutex directly to
// the longest waiter (no stealing), which keeps runs deterministic and
// starvation-free.
// Invariant: a waiter is in waiters_ exactly while it sleeps on this mutex;
// the owner is never in waiters_ unless it waits for itself (a recursion
// deadlock, reported as such).
#pragma once

#include "arch/lock_base.h"

#include <deque>

namespace kmsim::arch {

class mutex : public lock_base {
public:
    mutex(machine& m, std::string name, lock_class_key* key = nullptr) : lock_base(m, std::move(name), 3, key) {}

    // Fiber side.
    void lock() { lock_nested(0); }
    // mutex_lock_nested(): lockdep sees subclass SUBCLASS of the lock's class.
    void lock_nested(unsigned subclass);
    void unlock();
    bool trylock();

    const char* type_name() const override { return "mutex"; }
    const char* wait_call() const override { return "mutex_lock"; }
    std::size_t waiters() const { return waiters_.size(); }

private:
    std::deque<context*> waiters_;
};

}  // namespace kmsim::arch

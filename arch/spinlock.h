// arch/spinlock.h - spinlock_t: spin_lock, spin_lock_bh, spin_lock_irq, spin_lock_irqsave and their unlocks.
//
// Owns: one spinlock's owner and its spinners, served first come, first served
// (queued spinlocks hand over in arrival order). Taking it disables preemption
// (+1 in preempt_count); a waiter spins on its CPU, burning CPU time, and can
// still be interrupted if its IRQs are on - which is how an IRQ handler that
// takes the same lock on the same CPU deadlocks the CPU.
// Invariant: owner is nullptr or the context that took it last and has not
// released it; a spinner is in spinners_ exactly while its state is spinning
// for this lock.
#pragma once

#include "arch/lock_base.h"

#include <deque>

namespace kmsim::arch {

class spinlock : public lock_base {
public:
    spinlock(machine& m, std::string name, lock_class_key* key = nullptr) : lock_base(m, std::move(name), 2, key) {}

    // Fiber side, as the kernel's.
    void lock() { lock_nested(0); }
    // spin_lock_nested(): lockdep sees subclass SUBCLASS of the lock's class.
    void lock_nested(unsigned subclass);
    void unlock();
    bool trylock();
    void lock_irq();
    void unlock_irq();
    // With softirqs disabled on this CPU meanwhile (local_bh_disable()).
    void lock_bh();
    void unlock_bh();
    unsigned long lock_irqsave();
    void unlock_irqrestore(unsigned long flags);

    const char* type_name() const override { return "spinlock"; }
    const char* wait_call() const override { return "spin_lock"; }
    std::size_t spinners() const { return spinners_.size(); }

private:
    std::deque<context*> spinners_;
};

}  // namespace kmsim::arch

// arch/spinlock.cpp - FIFO spinlock with CONFIG_DEBUG_SPINLOCK-style unlock checks.
#include "arch/spinlock.h"

#include "arch/machine.h"

#include <fmt/format.h>

namespace kmsim::arch {

void spinlock::lock_nested(unsigned subclass)
{
    machine_.preempt_disable();
    if (const lockdep_map* map = class_for(subclass))
        machine_.lockdep_checks().acquire(*map, false, this);
    context& c = machine_.current();
    if (!owner_) {
        set_owner(&c);
        return;
    }
    // Contended (or recursive: then the owner spins on itself forever, which
    // the wait-for graph reports as a self deadlock).
    spinners_.push_back(&c);
    machine_.trace().contention_begin(*this);
    c.spin(*this);
    machine_.trace().contention_end(*this);
}

bool spinlock::trylock()
{
    machine_.preempt_disable();
    if (owner_) {
        machine_.preempt_enable();
        return false;
    }
    machine_.lockdep_checks().acquire(*map_, true, this);
    set_owner(&machine_.current());
    return true;
}

void spinlock::unlock()
{
    context& c = machine_.current();
    if (owner_ != &c) {
        // spin_dump() of CONFIG_DEBUG_SPINLOCK.
        const char* msg = owner_ ? "wrong owner" : "already unlocked";
        std::string title = fmt::format("BUG: spinlock {} on CPU#{}, {}/{}", msg, machine_.smp_processor_id(),
                                        machine_.current_comm(), machine_.current_pid());
        std::string body = fmt::format(" lock: {}, .magic: dead4ead, .owner: {}/{}, .owner_cpu: {}\n", name_,
                                       owner_ ? owner_->name() : "<none>", owner_ ? owner_->pid() : -1,
                                       owner_ && owner_->on_cpu() ? owner_->on_cpu()->id() : -1);
        machine_.add_report(report_kind::bug, title, title + "\n" + body + machine_.dump_stack(c));
        if (!owner_) {
            machine_.preempt_enable();
            return;
        }
    }
    machine_.lockdep_checks().release(*map_, this);
    if (!spinners_.empty()) {
        context* next = take_chosen(machine_.eng(), sim::decision::lock_waiter, spinners_);
        set_owner(next);
        next->end_spin();
    } else {
        set_owner(nullptr);
    }
    machine_.preempt_enable();
}

void spinlock::lock_bh()
{
    machine_.softirqs().local_bh_disable();
    lock();
}

void spinlock::unlock_bh()
{
    unlock();
    machine_.softirqs().local_bh_enable();
}

void spinlock::lock_irq()
{
    machine_.local_irq_disable();
    lock();
}

void spinlock::unlock_irq()
{
    unlock();
    machine_.local_irq_enable();
}

unsigned long spinlock::lock_irqsave()
{
    unsigned long flags = machine_.local_irq_save();
    lock();
    return flags;
}

void spinlock::unlock_irqrestore(unsigned long flags)
{
    unlock();
    machine_.local_irq_restore(flags);
}

}  // namespace kmsim::arch

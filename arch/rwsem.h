// arch/rwsem.h - struct rw_semaphore: down_read, down_write and their trylocks, up, downgrade.
//
// Owns: one rwsem's writer or readers and its queue of waiters, as
// kernel/locking/rwsem.c: readers share it, a writer has it alone, both
// sleep while they wait (might_sleep() first). A waiting writer blocks new
// readers: a down_read() that finds any waiter queues behind it, so a
// stream of readers cannot starve a writer. The last reader out, or a
// writer's up_write(), hands the rwsem to the first waiter: a writer alone,
// or, when the first is a reader, every reader in the queue at once (as
// rwsem_mark_wake() wakes them, the writers among them keeping their
// places). downgrade_write() turns the writer into a reader and lets the
// queued readers in with it.
// Lockdep sees down_read() as a read acquisition and down_write() as a
// write one, so a cycle through an rwsem is reported either way.
// Simplification: no optimistic spinning and no reader lock stealing; the
// queue is strictly first come, first served.
// Invariant: owner_ (the writer) and readers_ are never both non-empty; a
// context is in waiters_ exactly while it sleeps on this rwsem.
#pragma once

#include "arch/lock_base.h"

#include <deque>
#include <vector>

namespace kmsim::arch {

class rw_semaphore : public lock_base {
public:
    rw_semaphore(machine& m, std::string name, lock_class_key* key = nullptr)
        : lock_base(m, std::move(name), 3, key), read_wait_(*this, "down_read"), write_wait_(*this, "down_write")
    {
    }

    // Fiber side.
    void down_read();
    bool down_read_trylock();
    void up_read();
    void down_write() { down_write_nested(0); }
    // down_write_nested(): lockdep sees subclass SUBCLASS of the class.
    void down_write_nested(unsigned subclass);
    bool down_write_trylock();
    void up_write();
    void downgrade_write();

    std::size_t readers() const { return readers_.size(); }
    std::size_t waiters() const { return waiters_.size(); }

    const char* type_name() const override { return "rw_semaphore"; }
    // The call of the wait that began last (contention tracepoints read it).
    const char* wait_call() const override { return contending_; }
    std::vector<const sim::actor*> holders() const override;
    const sim::actor* sole_holder() const override;

private:
    // What a waiter waits for, as deadlock reports name it: down_read(sem)
    // or down_write(sem); held by the rwsem's holders.
    struct wait_kind : sim::blocker {
        wait_kind(const rw_semaphore& s, const char* what) : sem(s), call(what) {}
        const rw_semaphore& sem;
        const char* call;
        std::string describe_wait() const override;
        std::vector<const sim::actor*> holders() const override { return sem.holders(); }
        bool exclusive() const override { return true; }
        const sim::actor* sole_holder() const override { return sem.sole_holder(); }
    };
    struct waiter {
        context* task;
        bool write;
    };
    void add_reader(context& c);
    // rwsem_wake(): the rwsem is free; hand it to the first waiter(s).
    void wake_waiters();

    wait_kind read_wait_, write_wait_;
    const char* contending_ = "down_write";
    std::vector<context*> readers_;
    std::deque<waiter> waiters_;
};

}  // namespace kmsim::arch

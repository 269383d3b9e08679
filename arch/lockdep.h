// arch/lockdep.h - lockdep: predict deadlocks from the order in which locks are taken.
//
// Owns: lock classes (one per kmsim lock, plus pseudo-locks such as
// fs_reclaim), the dependency graph "A held while B was taken", each class's
// IRQ usage, and the three reports of kernel/locking/lockdep.c that kmsim
// reproduces: "possible circular locking dependency detected" (as soon as an
// edge closes a cycle, even if this run never deadlocks), "possible recursive
// locking detected", and "inconsistent lock state" ({IN-HARDIRQ-W} <->
// {HARDIRQ-ON-W}, {IN-SOFTIRQ-W} <-> {SOFTIRQ-ON-W}). Like the kernel, lockdep reports the first problem it finds
// and then turns itself off. It also turns off, as __lock_acquire() does,
// when a context holds MAX_LOCK_DEPTH locks ("BUG: MAX_LOCK_DEPTH too low!"):
// its cost stays bounded however many locks a scenario nests.
// Dependencies are recorded per context: locks an IRQ handler takes do not
// depend on the locks held by the task it interrupted (lockdep separates irq
// contexts the same way).
#pragma once

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/preempt.h"

#include <map>
#include <memory>
#include <new>
#include <type_traits>
#include <set>
#include <string>
#include <vector>

namespace kmsim::arch {

class machine;

// Where a lock was taken: the context's body frame at the line it was at,
// kept as a frame and printed only in a report.
struct lockdep_site {
    frame at;
    std::string where() const { return at.format(); }  // "thread_a at abba.kms:12"
};

// The state a lock is taken in, as mark_usage() sees it: in hard IRQ, in
// softirq (serving one: a softirq run, ksoftirqd), with hard IRQs on, with
// softirqs on (no BH disabled, not in interrupt).
struct lockdep_irq_state {
    bool hardirq = false, softirq = false, irqs_on = false, softirqs_on = false;
};

// A lock class as lockdep sees it, with its IRQ usage (the kernel's
// lock_class usage_mask and the first place each state was seen).
struct lockdep_map {
    std::string name;
    int wait_type = 2;  // {2:2} spinning, {3:3} sleeping, {0:0} pseudo-lock

    struct usage_state {
        bool in_hardirq = false, hardirq_on = false, in_softirq = false, softirq_on = false, process = false;
        // Taken for read (an rwsem's down_read()), in process context:
        // HARDIRQ-ON-R and SOFTIRQ-ON-R, the second and fourth usage chars.
        bool hardirq_on_read = false, softirq_on_read = false, process_read = false;
        lockdep_site in_hardirq_at, hardirq_on_at, in_softirq_at, softirq_on_at;
        // Taking the class in state S marks nothing new (mark_lock()'s
        // early return when the bit is set); a conflict was reported when
        // the second of a pair was first marked.
        bool marked(const lockdep_irq_state& s) const
        {
            return (!s.hardirq || in_hardirq) && (!s.softirq || in_softirq) && (s.hardirq || s.softirq || process) &&
                   (!s.irqs_on || hardirq_on) && (!s.irqs_on || !s.softirqs_on || softirq_on);
        }
    };
    mutable usage_state usage;  // lockdep's: it marks the class as it is used
};

// Locks one context may hold before lockdep gives up (include/linux/sched.h).
inline constexpr std::size_t MAX_LOCK_DEPTH = 48;
// Subclasses of one lock class key (include/linux/lockdep_types.h).
inline constexpr unsigned MAX_LOCKDEP_SUBCLASSES = 8;

// struct lock_class_key: the locks initialised with one key are one class
// to lockdep, however many instances there are; each subclass a
// mutex_lock_nested() or spin_lock_nested() names is a class of its own,
// printed "NAME/N". A lock without a key of its own given gets one per lock.
class lock_class_key {
public:
    lock_class_key(std::string name, int wait_type) : name_(std::move(name)), wait_type_(wait_type) {}
    lock_class_key(const lock_class_key&) = delete;
    lock_class_key& operator=(const lock_class_key&) = delete;
    const std::string& name() const { return name_; }
    int wait_type() const { return wait_type_; }
    // The class of SUBCLASS (< MAX_LOCKDEP_SUBCLASSES), made on first use.
    const lockdep_map& subclass(unsigned n);

private:
    std::string name_;
    int wait_type_;
    std::unique_ptr<lockdep_map> maps_[MAX_LOCKDEP_SUBCLASSES];
};

class lockdep {
public:
    explicit lockdep(machine& m) : machine_(m) {}

    // The running context is about to take (or has taken, for a trylock)
    // the lock INSTANCE of class MAP (a pseudo-lock is its own instance).
    // READ: a shared acquisition (down_read()), which lockdep checks as
    // it does a write one - an rwsem reader is not recursive - and prints
    // as rlock() in its scenarios.
    void acquire(const lockdep_map& map, bool trylock, const void* instance = nullptr, bool read = false);
    void release(const lockdep_map& map, const void* instance = nullptr);
    // look_up_lock_class() for a subclass out of range: "BUG: looking up
    // invalid subclass: N", and lockdep turns itself off.
    void invalid_subclass(unsigned subclass);
    // lock_map_acquire() and lock_map_release() back to back by the running
    // context C, as might_alloc() annotates fs_reclaim: every check of an
    // acquire, nothing kept held. Inline when there is nothing to check: C
    // holds nothing (no dependency to add, no recursion) and the class's
    // usage in C's state is marked already.
    void acquire_release(const lockdep_map& map, context& c)
    {
        if (!enabled_ || (c.lockdep_held().empty() && map.usage.marked(irq_state(c))))
            return;
        acquire_release_checks(map, c);
    }
    static lockdep_irq_state irq_state(const context& c)
    {
        const std::uint32_t pc = c.on_cpu()->preempt_count();
        const bool irqs_on = !c.on_cpu()->irqs_disabled();
        return {c.is_hardirq(), (pc & SOFTIRQ_OFFSET) != 0, irqs_on, irqs_on && !(pc & SOFTIRQ_MASK) && !c.is_irq()};
    }
    bool enabled() const { return enabled_; }
    // debug_locks_off(): another check found the lock state inconsistent.
    void turn_off() { enabled_ = false; }

    // do_exit()'s debug_check_no_locks_held() for the running task:
    // "WARNING: NAME/PID still has locks held!".
    void check_no_locks_held(const context& c);
    // C has exited: forget what it held.
    void forget(context& c) { c.lockdep_held().clear(); }

    // print_lock(): "ADDRESS (name){+.+.}-{3:3}", ADDRESS that of INSTANCE
    // (nullptr: the class's own, for a pseudo-lock).
    std::string held_desc(const lockdep_map& m, const void* instance = nullptr) const;

private:
    using site = lockdep_site;
    using held_entry = held_lock;

    site here(const context& c);
    void acquire_release_checks(const lockdep_map& map, context& c);
    // Where a lock is being taken, made only when something keeps or prints
    // it: most acquires learn nothing new. (A union, not std::optional, which
    // g++ zeroes on every acquire.)
    class lazy_site {
    public:
        lazy_site(lockdep& l, const context& c) : l_(l), c_(c) {}
        const site& get()
        {
            if (!made_) {
                new (&s_) site(l_.here(c_));
                made_ = true;
            }
            return s_;
        }

    private:
        lockdep& l_;
        const context& c_;
        bool made_ = false;
        union {
            site s_;
        };
    };
    static_assert(std::is_trivially_destructible_v<site>);
    // acquire()'s checks and new dependencies for C, holding HELD, taking
    // MAP; false when a report was raised.
    bool check_acquire(context& c, const std::vector<held_entry>& held, const lockdep_map& map, bool trylock,
                       lazy_site& at, const void* instance, bool read);
    std::string lock_desc(const lockdep_map& m) const;  // "(name){+.+.}-{3:3}"
    bool reaches(const lockdep_map* from, const lockdep_map* to, std::vector<const lockdep_map*>& path) const;
    std::string held_text(const context& c) const;
    void report(const std::string& banner, const std::string& title, const std::string& body);
    void circular(const context& c, const held_entry& prev, const lockdep_map& next, const void* next_instance,
                  bool next_read, const std::vector<const lockdep_map*>& path);
    void too_deep(const context& c);

    machine& machine_;
    bool enabled_ = true;
    std::set<std::string, std::less<>> names_;  // of contexts without frames, which sites outlive
    // Each lock's instance address, as print_lock() shows it: scenario locks are
    // static (DEFINE_SPINLOCK), so they get kernel .data addresses, numbered in
    // order of first appearance in a report, which keeps reports deterministic.
    mutable std::map<const void*, std::uint64_t> instance_;
    std::map<std::pair<const lockdep_map*, const lockdep_map*>, site> edges_;  // (before, after)
    std::map<const lockdep_map*, std::vector<const lockdep_map*>> after_;
};

}  // namespace kmsim::arch

// arch/lockdep.h - lockdep: predict deadlocks from the order in which locks are taken.
//
// Owns: lock classes (one per kmsim lock, plus pseudo-locks such as
// fs_reclaim), the dependency graph "A held while B was taken", each class's
// IRQ usage, and the three reports of kernel/locking/lockdep.c that kmsim
// reproduces: "possible circular locking dependency detected" (as soon as an
// edge closes a cycle, even if this run never deadlocks), "possible recursive
// locking detected", and "inconsistent lock state" ({IN-HARDIRQ-W} <->
// {HARDIRQ-ON-W}). Like the kernel, lockdep reports the first problem it finds
// and then turns itself off. It also turns off, as __lock_acquire() does,
// when a context holds MAX_LOCK_DEPTH locks ("BUG: MAX_LOCK_DEPTH too low!"):
// its cost stays bounded however many locks a scenario nests.
// Dependencies are recorded per context: locks an IRQ handler takes do not
// depend on the locks held by the task it interrupted (lockdep separates irq
// contexts the same way).
#pragma once

#include "arch/context.h"

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace kmsim::arch {

class machine;

// Where a lock was taken: the context's body frame at the line it was at,
// kept as a frame and printed only in a report.
struct lockdep_site {
    frame at;
    std::string where() const { return at.format(); }  // "thread_a at abba.kms:12"
};

// A lock class as lockdep sees it, with its IRQ usage (the kernel's
// lock_class usage_mask and the first place each state was seen).
struct lockdep_map {
    std::string name;
    int wait_type = 2;  // {2:2} spinning, {3:3} sleeping, {0:0} pseudo-lock

    struct usage_state {
        bool in_hardirq = false, hardirq_on = false, process = false;
        lockdep_site in_hardirq_at, hardirq_on_at;
    };
    mutable usage_state usage;  // lockdep's: it marks the class as it is used
};

// Locks one context may hold before lockdep gives up (include/linux/sched.h).
inline constexpr std::size_t MAX_LOCK_DEPTH = 48;

class lockdep {
public:
    explicit lockdep(machine& m) : machine_(m) {}

    // The running context is about to take (or has taken, for a trylock) MAP.
    void acquire(const lockdep_map& map, bool trylock);
    void release(const lockdep_map& map);
    bool enabled() const { return enabled_; }
    // debug_locks_off(): another check found the lock state inconsistent.
    void turn_off() { enabled_ = false; }

    // do_exit()'s debug_check_no_locks_held() for the running task:
    // "WARNING: NAME/PID still has locks held!".
    void check_no_locks_held(const context& c);
    // C has exited: forget what it held (its record may be freed).
    void forget(const context& c)
    {
        held_.erase(&c);
        if (last_ == &c)
            last_ = nullptr;
    }

    // print_lock(): "ADDRESS (name){+.+.}-{3:3}".
    std::string held_desc(const lockdep_map& m) const;

private:
    using site = lockdep_site;
    struct held_entry {
        const lockdep_map* map;
        site at;
    };

    site here(const context& c);
    std::string lock_desc(const lockdep_map& m) const;  // "(name){+.+.}-{3:3}"
    bool reaches(const lockdep_map* from, const lockdep_map* to, std::vector<const lockdep_map*>& path) const;
    std::string held_text(const context& c) const;
    void report(const std::string& banner, const std::string& title, const std::string& body);
    void circular(const context& c, const held_entry& prev, const lockdep_map& next,
                  const std::vector<const lockdep_map*>& path);
    void too_deep(const context& c);

    machine& machine_;
    bool enabled_ = true;
    std::set<std::string, std::less<>> names_;  // of contexts without frames, which sites outlive
    std::unordered_map<const context*, std::vector<held_entry>> held_;
    // The held locks of the context that took or released a lock last: one
    // context usually takes and releases several in a row.
    const context* last_ = nullptr;
    std::vector<held_entry>* last_held_ = nullptr;
    std::vector<held_entry>& held_of(const context& c);
    // Each lock's instance address, as print_lock() shows it: scenario locks are
    // static (DEFINE_SPINLOCK), so they get kernel .data addresses, numbered in
    // order of first appearance in a report, which keeps reports deterministic.
    mutable std::map<const lockdep_map*, std::uint64_t> instance_;
    std::map<std::pair<const lockdep_map*, const lockdep_map*>, site> edges_;  // (before, after)
    std::map<const lockdep_map*, std::vector<const lockdep_map*>> after_;
};

}  // namespace kmsim::arch

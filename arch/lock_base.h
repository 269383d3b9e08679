// arch/lock_base.h - what every kernel lock shares: a name, an owner, a wait kind.
//
// Owns: identity and ownership of a lock for reports and the wait-for graph.
// A lock is "exclusive" in the wait-for sense: only its owner can end a wait
// for it, so a cycle of lock waits is a deadlock now.
#pragma once

#include "arch/context.h"
#include "arch/lockdep.h"
#include "sim/actor.h"

#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

class lock_base : public sim::blocker {
public:
    lock_base(machine& m, std::string name, int wait_type)
        : machine_(m), name_(std::move(name)), map_{name_, wait_type}
    {
    }
    const lockdep_map& dep_map() const { return map_; }
    const std::string& name() const { return name_; }
    context* owner() const { return owner_; }
    bool is_locked() const { return owner_ != nullptr; }
    // Where the owner took it, when the owner is an IRQ handler: "bad at irq.kms:5".
    const frame& taken_at() const { return taken_at_; }
    // "spinlock", "mutex"
    virtual const char* type_name() const = 0;
    // The call that waits for it: "spin_lock", "mutex_lock".
    virtual const char* wait_call() const = 0;

    std::string describe_wait() const override;
    std::vector<const sim::actor*> holders() const override;
    bool exclusive() const override { return true; }
    const sim::actor* sole_holder() const override;

protected:
    void set_owner(context* c);
    machine& machine_;
    std::string name_;
    context* owner_ = nullptr;
    frame taken_at_;
    lockdep_map map_;
};

}  // namespace kmsim::arch

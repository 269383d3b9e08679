// arch/lock_base.h - what every kernel lock shares: a name, an owner, a wait kind.
//
// Owns: identity and ownership of a lock for reports and the wait-for graph,
// and which lockdep class it belongs to: its own, or a shared key's.
// A lock is "exclusive" in the wait-for sense: only its owner can end a wait
// for it, so a cycle of lock waits is a deadlock now.
#pragma once

#include "arch/context.h"
#include "arch/lockdep.h"
#include "sim/actor.h"

#include <memory>
#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

class lock_base : public sim::blocker {
public:
    // KEY: the lock class it shares with other locks (lockdep_set_class());
    // nullptr gives it a class of its own, named after it.
    lock_base(machine& m, std::string name, int wait_type, lock_class_key* key = nullptr)
        : machine_(m), name_(std::move(name)),
          own_key_(key ? nullptr : std::make_unique<lock_class_key>(name_, wait_type)),
          key_(key ? key : own_key_.get()), map_(&key_->subclass(0))
    {
    }
    const lockdep_map& dep_map() const { return *map_; }
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
    // The class lockdep sees for SUBCLASS; nullptr (and lockdep off) when
    // it is out of range.
    const lockdep_map* class_for(unsigned subclass) { return subclass == 0 ? map_ : subclass_map(subclass); }
    const lockdep_map* subclass_map(unsigned subclass);
    machine& machine_;
    std::string name_;
    context* owner_ = nullptr;
    frame taken_at_;
    std::unique_ptr<lock_class_key> own_key_;
    lock_class_key* key_;
    const lockdep_map* map_;  // subclass 0 of key_
};

}  // namespace kmsim::arch

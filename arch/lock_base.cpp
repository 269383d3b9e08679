// arch/lock_base.cpp - lock identity and ownership bookkeeping.
#include "arch/lock_base.h"

#include "arch/context.h"
#include "arch/machine.h"

#include <fmt/format.h>

namespace kmsim::arch {

std::string lock_base::describe_wait() const { return fmt::format("{}({})", wait_call(), name_); }

std::vector<const sim::actor*> lock_base::holders() const
{
    if (owner_)
        return {owner_};
    return {};
}

const sim::actor* lock_base::sole_holder() const { return owner_; }

const lockdep_map* lock_base::subclass_map(unsigned subclass)
{
    if (subclass >= MAX_LOCKDEP_SUBCLASSES) {
        machine_.lockdep_checks().invalid_subclass(subclass);
        return nullptr;
    }
    return &key_->subclass(subclass);
}

void lock_base::set_owner(context* c)
{
    if (owner_)
        machine_.note_lock_released(*owner_, *this);
    owner_ = c;
    if (owner_) {
        // Where an IRQ handler took it outlives the handler's stack: the
        // report of a handler that returns holding it names the place. (A
        // task's own stack says where it is; copying frames at every lock
        // would cost the hot path.)
        if (owner_->is_irq()) {
            const frame* loc = owner_->location();
            taken_at_ = loc ? frame{owner_->frames().front().function, loc->file, loc->line} : frame{owner_->name(), "", 0};
        }
        machine_.note_lock_acquired(*owner_, *this);
    }
}

}  // namespace kmsim::arch

// sim/actor.cpp - default (CPU-less) waiting and waking; arch::context refines both.
#include "sim/actor.h"

#include "sim/engine.h"
#include "sim/error.h"

namespace kmsim::sim {

actor::actor(engine& e, std::string name, actor_role role, std::function<void()> body)
    : engine_(e), name_(std::move(name)), role_(role), fiber_(std::make_unique<fiber>(e.stacks(), std::move(body)))
{
    engine_.attach(*this);
}

actor::~actor()
{
    unwind();
    engine_.detach(*this);
}

std::size_t actor::stack_headroom() const { return fiber_->stack_headroom(); }

void actor::wait(const blocker& reason)
{
    KMSIM_ASSERT(engine_.current() == this, "wait() outside the waiting actor");
    state_ = actor_state::waiting;
    blocker_ = &reason;
    engine_.note_waiting(*this);
    engine_.suspend_current();
}

void actor::wake()
{
    if (state_ != actor_state::waiting)
        return;
    state_ = actor_state::ready;
    blocker_ = nullptr;
    engine_.schedule_after(duration::zero(), [this] {
        if (state_ == actor_state::ready)
            engine_.switch_to(*this);
    });
}

}  // namespace kmsim::sim

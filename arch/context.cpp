// arch/context.cpp - how a kernel context waits, spins and is woken.
#include "arch/context.h"

#include "arch/cpu.h"
#include "arch/machine.h"
#include "arch/sched.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::arch {

const char* to_string(run_state s)
{
    switch (s) {
    case run_state::created: return "created";
    case run_state::runnable: return "runnable";
    case run_state::resumable: return "resumable";
    case run_state::running: return "running";
    case run_state::busy: return "busy";
    case run_state::spinning: return "spinning";
    case run_state::sleeping: return "sleeping";
    case run_state::done: return "done";
    }
    return "?";
}

std::string frame::format() const
{
    std::string s = name();
    if (file.empty())
        return s;
    if (native)
        return fmt::format("{} ({}:{})", s, file, line);
    s += " at ";
    s += file;
    s += ':';
    s += std::to_string(line);
    return s;
}


std::uint64_t frame::hash() const
{
    std::uint64_t h = reinterpret_cast<std::uintptr_t>(function.data()) ^ (static_cast<std::uint64_t>(line) << 32);
    h ^= reinterpret_cast<std::uintptr_t>(detail) * 0x9e3779b97f4a7c15ULL;
    for (unsigned i = 0; i < nargs; ++i)
        h = (h * 1099511628211ULL) ^ args[i];
    return h;
}

context::context(machine& m, context_kind kind, std::string name, int pid, sim::actor_role role,
                 std::function<void()> body)
    : sim::actor(m.eng(), std::move(name), role, std::move(body)), machine_(m), kind_(kind), pid_(pid)
{
}

std::string format_frames(const std::vector<frame>& frames)
{
    std::string out;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
        out += ' ';
        out += it->format();
        out += '\n';
    }
    return out;
}

void context::illegal_transition(run_state to) const
{
    sim::on_internal_error("legal_transition(rstate_, to)", __FILE__, __LINE__,
                           fmt::format("{}: no transition from {} to {}", name(), to_string(rstate_), to_string(to)));
}

const frame* context::location() const
{
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
        if (!it->file.empty())
            return &*it;
    return nullptr;
}

const sim::blocker* context::waiting_for() const
{
    switch (rstate_) {
    case run_state::spinning:
    case run_state::sleeping:
        return waiting_on_;
    case run_state::runnable:
        return cpu_ ? &cpu_->rq_blocker() : nullptr;
    case run_state::resumable:
    case run_state::busy:
        // Below an IRQ handler on its CPU: it waits for the handler to return.
        if (cpu_ && cpu_->top() != this)
            return &cpu_->irq_blocker();
        return nullptr;
    default:
        return nullptr;
    }
}

void context::wait(const sim::blocker& reason)
{
    KMSIM_ASSERT(machine_.current_context() == this, "a context can only make itself wait");
    machine_.schedule_debug(*this);
    if (task_flags_ & PF_WQ_WORKER) [[unlikely]]
        machine_.workqueues().worker_sleeping(*this);  // sched_submit_work()
    waiting_on_ = &reason;
    enter(run_state::sleeping);
    wait_start_ = machine_.now();
    hung_reported_ = false;
    machine_.note_task_blocked(*this);
    eng().note_waiting(*this);
    eng().suspend_current();
}

void context::wake()
{
    if (rstate_ != run_state::sleeping)
        return;
    ++wakeups_;
    waiting_on_ = nullptr;
    if (is_irq()) {
        // A sleeping IRQ handler never left its CPU.
        enter(run_state::resumable);
        cpu_->resume_on_cpu(*this);
    } else {
        if (task_flags_ & PF_WQ_WORKER) [[unlikely]]
            machine_.workqueues().worker_running(*this);
        machine_.make_runnable(*this);
    }
}

void context::spin(const sim::blocker& lock)
{
    KMSIM_ASSERT(machine_.current_context() == this, "a context can only spin itself");
    waiting_on_ = &lock;
    enter(run_state::spinning);
    wait_start_ = machine_.now();
    eng().note_waiting(*this);
    eng().suspend_current();
}

void context::end_spin()
{
    KMSIM_ASSERT(rstate_ == run_state::spinning, "end_spin() on a context that is not spinning");
    waiting_on_ = nullptr;
    enter(run_state::resumable);
    cpu_->resume_on_cpu(*this);
}

}  // namespace kmsim::arch

// arch/cpu.cpp - the per-CPU dispatch loop, hard-IRQ entry and exit, the tick.
#include "arch/cpu.h"

#include "arch/irq.h"
#include "arch/machine.h"
#include "arch/preempt.h"
#include "sim/error.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::arch {

cpu::cpu(machine& m, int id) : machine_(m), id_(id), sched_switch_(&m.trace().sched_switch)
{
    irq_blocker_.owner = this;
    irq_blocker_.under_irq = true;
    rq_blocker_.owner = this;
}

std::string cpu::cpu_blocker::describe_wait() const
{
    const context* t = owner->top();
    if (under_irq)
        return fmt::format("CPU{} (interrupted by {})", owner->id(), t ? t->name() : "?");
    return fmt::format("CPU{} (runqueue; the CPU is held by {})", owner->id(), t ? t->name() : "nobody");
}

std::vector<const sim::actor*> cpu::cpu_blocker::holders() const
{
    if (const context* t = owner->top())
        return {t};
    return {};
}

const sim::actor* cpu::cpu_blocker::sole_holder() const { return owner->top(); }

void cpu::add_preempt_count(std::uint32_t v)
{
    if (preempt_count_ == 0 && top()) {
        context& t = *top();
        if (const frame* loc = t.location()) {
            t.preempt_disabled_at_ = *loc;
        } else if (!t.frames().empty()) {
            t.preempt_disabled_at_ = t.frames().back();  // named without a place
            t.preempt_disabled_at_.file = {};
            t.preempt_disabled_at_.line = 0;
        } else {
            t.preempt_disabled_at_ = frame{t.name(), "", 0};
        }
    }
    preempt_count_ += v;
}

void cpu::sub_preempt_count(std::uint32_t v)
{
    KMSIM_ASSERT(preempt_count_ >= v, "preempt_count underflow (callers check first)");
    preempt_count_ -= v;
    if (preempt_count_ == 0)
        arm_tick();
}

void cpu::set_irqs_disabled(bool off)
{
    irqs_disabled_ = off;
    if (!off)
        arm_tick();
}

void cpu::enqueue(context& c)
{
    c.cpu_ = this;
    c.enter(run_state::runnable);
    rq_.push_back(&c);
    if (is_idle())
        kick();
    else
        arm_tick();
}

void cpu::resume_on_cpu(context& c)
{
    if (&c == top())
        kick();
    // else: it continues when the handler above it returns
}

void cpu::raise(irq_line& line)
{
    machine_.trace().irq_raise(line, id_, line.pending_);
    if (line.pending_) {
        ++line.coalesced_;
        ++irqs_coalesced_;
        if (line.coalesced_ == irq_storm_threshold && line.coalesced_ * 2 > line.raised_)
            machine_.note_irq_storm(line);
        return;
    }
    line.pending_ = true;
    pending_.push_back(&line);
    if (!irqs_disabled_)
        kick();
}

void cpu::kick()
{
    sim::engine& eng = machine_.eng();
    if (machine_.dispatching_ == 0 && !eng.in_fiber()) {
        run();
        return;
    }
    if (eng.is_pending(kick_event_))
        return;
    kick_event_ = eng.schedule_after(sim::duration::zero(), [this] { run(); });
}

void cpu::interrupt_top()
{
    context* t = top();
    if (t && t->rstate_ == run_state::busy) {
        machine_.eng().cancel(busy_event_);
        t->remaining_ = busy_end_ - machine_.now();
        t->enter(run_state::resumable);
    }
}

void cpu::emit_switch(const context* next)
{
    // Probes attach before a run; without any, nothing is tracked.
    (*sched_switch_)(id_, traced_curr_, next);
    traced_curr_ = next;
}

void cpu::push_interrupt(context& h, std::uint32_t offset, const char* entry, bool irqs_off)
{
    h.cpu_ = this;
    irq_saved_flags_.push_back(irqs_disabled_);
    irq_stack_.push_back(&h);
    add_preempt_count(offset);
    h.preempt_disabled_at_ = frame{entry, "", 0};
    irqs_disabled_ = irqs_off;
    h.enter(run_state::resumable);
}

void cpu::start_irq(irq_line& line)
{
    context& h = machine_.new_irq_context(line);
    push_interrupt(h, HARDIRQ_OFFSET, "irq_enter_rcu", true);
    line.in_progress_ = true;
    ++irqs_handled_;
    ++line.handled_;
    machine_.trace().irq_handler_entry(line.line(), h);
}

void cpu::start_softirq()
{
    // invoke_softirq(): __do_softirq() on the interrupted context's stack.
    push_interrupt(machine_.new_softirq_context(), SOFTIRQ_OFFSET, "__do_softirq", false);
}

void cpu::switch_in(context& next)
{
    trace_switch(&next);
    curr_ = &next;
    next.cpu_ = this;
    next.enter(run_state::resumable);
    preempt_count_ = next.saved_preempt_count_;
    irqs_disabled_ = next.saved_irqs_disabled_;
    slice_start_ = machine_.now();
    ++context_switches_;
}

void cpu::switch_out(context& prev)
{
    prev.saved_preempt_count_ = preempt_count_;
    prev.saved_irqs_disabled_ = irqs_disabled_;
    curr_ = nullptr;
    preempt_count_ = 0;
    irqs_disabled_ = false;
}

void cpu::finish_top(context* t)
{
    if (t->is_done()) {
        t->enter(run_state::done);
        if (t->is_irq()) {
            // irq_exit(): drop the handler, give the CPU back to what it interrupted.
            KMSIM_ASSERT(!irq_stack_.empty() && irq_stack_.back() == t, "IRQ handler exiting out of order");
            irq_stack_.pop_back();
            preempt_count_ -= t->is_softirq() ? SOFTIRQ_OFFSET : HARDIRQ_OFFSET;
            irqs_disabled_ = irq_saved_flags_.back();
            irq_saved_flags_.pop_back();
            if (t->is_hardirq()) {
                t->irq_->in_progress_ = false;
                t->irq_->update_hold();
                machine_.trace().irq_handler_exit(t->irq_->line(), *t);
                if (softirq_pending_)
                    softirq_at_exit_ = true;  // __irq_exit_rcu(): invoke_softirq()
            }
            machine_.retire_irq_context(t);
            arm_tick();
        } else {
            machine_.task_exit(*t);
            curr_ = nullptr;
            preempt_count_ = 0;
            irqs_disabled_ = false;
        }
        return;
    }
    switch (t->rstate_) {
    case run_state::sleeping:
        if (!t->is_irq())
            switch_out(*t);  // an IRQ handler that sleeps keeps its CPU
        break;
    case run_state::runnable:  // schedule(): back of the runqueue
        switch_out(*t);
        rq_.push_back(t);
        break;
    case run_state::spinning:
    case run_state::resumable:
        break;
    default:
        KMSIM_ASSERT(false, fmt::format("context {} suspended in state {}", t->name(), to_string(t->rstate_)));
    }
}

void cpu::arm_busy(context& t)
{
    busy_end_ = sim::saturating_add(machine_.now(), t.remaining_);
    t.remaining_ = sim::duration::zero();
    t.enter(run_state::busy);
    busy_event_ = machine_.eng().schedule_at(busy_end_, [this] { on_busy_end(); });
    if (&t == curr_)
        arm_tick();
}

void cpu::on_busy_end()
{
    context* t = top();
    KMSIM_ASSERT(t && t->rstate_ == run_state::busy, "busy period ended for a context that is not busy");
    t->enter(run_state::resumable);
    run();
}

void cpu::arm_tick()
{
    if (rq_.empty() || !curr_ || curr_ != top())
        return;
    sim::engine& eng = machine_.eng();
    if (eng.is_pending(tick_event_))
        return;
    // The next tick at or after the end of the current slice.
    const std::int64_t tick = sim::to_ns(machine_.tick());
    std::int64_t due = std::max(sim::to_ns(machine_.now()), sim::to_ns(slice_start_ + machine_.config().timeslice));
    due = (due + tick - 1) / tick * tick;
    tick_event_ = eng.schedule_at(sim::at_ns(due), [this] { on_tick(); });
}

void cpu::on_tick()
{
    // Preempt only a task that is burning CPU with preemption and IRQs on;
    // otherwise whatever makes it preemptible again re-arms the tick.
    if (rq_.empty() || !curr_ || curr_ != top() || curr_->rstate_ != run_state::busy || !preemptible())
        return;
    if (machine_.now() - slice_start_ < machine_.config().timeslice) {
        arm_tick();
        return;
    }
    interrupt_top();
    context* prev = curr_;
    switch_out(*prev);
    prev->enter(run_state::runnable);
    rq_.push_back(prev);
    run();
}

void cpu::run()
{
    sim::engine& eng = machine_.eng();
    struct dispatch_scope {
        machine& m;
        explicit dispatch_scope(machine& mm) : m(mm) { ++m.dispatching_; }
        ~dispatch_scope() { --m.dispatching_; }
    } scope(machine_);

    while (!eng.stopping()) {
        context* t = top();
        if (!pending_.empty() && !irqs_disabled_ &&
            (!t || t->rstate_ == run_state::busy || t->rstate_ == run_state::spinning ||
             t->rstate_ == run_state::resumable)) {
            // The oldest pending line whose handler is not running already.
            auto it = std::find_if(pending_.begin(), pending_.end(), [](const irq_line* l) { return !l->in_progress_; });
            if (it != pending_.end()) {
                interrupt_top();
                irq_line* line = *it;
                pending_.erase(it);
                line->pending_ = false;
                start_irq(*line);
                continue;
            }
        }
        if (softirq_at_exit_) {
            if (!softirq_pending_ || (preempt_count_ & SOFTIRQ_MASK)) {
                // Nothing to run, or in_interrupt(): local_bh_enable() or
                // the softirq run below picks them up.
                softirq_at_exit_ = false;
            } else if (!(preempt_count_ & HARDIRQ_MASK) && !irqs_disabled_ &&
                       (!t || t->rstate_ == run_state::busy || t->rstate_ == run_state::spinning ||
                        t->rstate_ == run_state::resumable)) {
                softirq_at_exit_ = false;
                interrupt_top();
                start_softirq();
                continue;
            }
            // else: inside a hard IRQ (its exit comes), or IRQs off (the tick
            // waits for them, like any interrupt).
        }
        if (!t) {
            if (rq_.empty()) {
                trace_switch(nullptr);
                return;  // idle
            }
            context* next = take_chosen(machine_.eng(), sim::decision::next_task, rq_);
            switch_in(*next);
            arm_tick();
            continue;
        }
        if (t->rstate_ != run_state::resumable)
            return;  // busy until an event, spinning, or a handler asleep on this CPU
        if (t->remaining_ > sim::duration::zero()) {
            arm_busy(*t);
            return;
        }
        t->enter(run_state::running);
        machine_.running_ = t;
        try {
            eng.switch_to(*t);
        } catch (...) {
            machine_.running_ = nullptr;
            throw;
        }
        machine_.running_ = nullptr;
        finish_top(t);
    }
}

}  // namespace kmsim::arch

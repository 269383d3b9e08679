// arch/timer.cpp - timer_list armed, expired at its tick and run in TIMER_SOFTIRQ.
#include "arch/timer.h"

#include "arch/machine.h"
#include "arch/preempt.h"
#include "sim/error.h"

#include <fmt/format.h>

#include <algorithm>

namespace kmsim::arch {

timer_list::timer_list(std::string name, std::function<void()> function)
    : name_(std::move(name)), function_(std::move(function)), map_{"&" + name_, 0}
{
}

std::vector<const sim::actor*> timer_list::holders() const
{
    if (running_)
        return {running_};
    return {};
}

const sim::actor* timer_list::sole_holder() const { return running_; }

timers::timers(machine& m) : machine_(m)
{
    m.softirqs().open_softirq(TIMER_SOFTIRQ, [this] { run_timer_softirq(); });
}

void timers::update_hold(timer_list& t) { t.hold_.set(machine_.eng(), t.pending_ || t.running_); }

std::deque<timer_list*>& timers::expired_on(int cpu)
{
    if (expired_.empty())  // every CPU's at once: references to one stay valid
        expired_.resize(static_cast<std::size_t>(machine_.nr_cpus()));
    return expired_[static_cast<std::size_t>(cpu)];
}

bool timers::detach(timer_list& t)
{
    if (!t.pending_)
        return false;
    if (!machine_.eng().cancel(t.event_)) {
        auto& l = expired_on(t.cpu_);
        l.erase(std::find(l.begin(), l.end(), &t));
    }
    t.pending_ = false;
    return true;
}

int timers::mod_timer(timer_list& t, std::uint64_t expires)
{
    if (t.pending_ && t.expires_ == expires)
        return 1;
    const int was_pending = detach(t) ? 1 : 0;
    t.expires_ = expires;
    t.cpu_ = machine_.smp_processor_id();
    t.pending_ = true;
    // A time already past is the next tick's.
    const std::uint64_t tick = std::max(expires, machine_.jiffies() + 1);
    t.event_ = machine_.eng().schedule_at(machine_.jiffy_start(tick), [this, &t] { expire(t); });
    update_hold(t);
    return was_pending;
}

void timers::expire(timer_list& t)
{
    t.event_ = {};
    expired_on(t.cpu_).push_back(&t);
    machine_.softirqs().raise_softirq_from_tick(t.cpu_, TIMER_SOFTIRQ);
}

int timers::del_timer(timer_list& t)
{
    const int was_pending = detach(t) ? 1 : 0;
    update_hold(t);
    return was_pending;
}

int timers::del_timer_sync(timer_list& t)
{
    context& self = machine_.current();
    // "WARN_ON(in_hardirq() && !(timer->flags & TIMER_IRQSAFE))"
    if (self.is_hardirq())
        machine_.warn("", "kernel/time/timer.c", 1682, "__timer_delete_sync");
    // The callback's pseudo-lock, taken with IRQs off so that only the
    // dependency is learnt.
    const unsigned long flags = machine_.local_irq_save();
    machine_.lockdep_checks().acquire_release(t.map_, self);
    machine_.local_irq_restore(flags);
    const int was_pending = del_timer(t);
    while (t.running_) {
        t.syncing_.push_back(&self);
        self.spin(t);
    }
    return was_pending;
}

void timers::run_timer_softirq()
{
    context& self = machine_.current();
    cpu& p = machine_.this_cpu();
    frame_guard fg(self, frame::entry("run_timer_softirq"));
    auto& list = expired_on(p.id());
    while (!list.empty()) {
        timer_list& t = *list.front();
        list.pop_front();
        t.pending_ = false;
        t.running_ = &self;
        // call_timer_fn()
        const std::uint32_t count = p.preempt_count();
        {
            frame_guard call(self, frame::entry("call_timer_fn"));
            machine_.lockdep_checks().acquire(t.map_, false);
            t.function_();
            machine_.lockdep_checks().release(t.map_);
        }
        if (machine_.this_cpu().preempt_count() != count && !warned_leak_) {
            warned_leak_ = true;
            machine_.warn(fmt::format("timer: {} preempt leak: {:08x} -> {:08x}", t.name(), count,
                                      machine_.this_cpu().preempt_count()),
                          "kernel/time/timer.c", 1726, "call_timer_fn");
        }
        t.running_ = nullptr;
        for (context* c : t.syncing_)
            if (c->state_on_cpu() == run_state::spinning)
                c->end_spin();
        t.syncing_.clear();
        update_hold(t);
    }
}

}  // namespace kmsim::arch

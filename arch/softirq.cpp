// arch/softirq.cpp - raising softirqs, running them at irq_exit(), local_bh_enable() and in ksoftirqd.
#include "arch/softirq.h"

#include "arch/machine.h"
#include "arch/preempt.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::arch {

void softirqs::open_softirq(unsigned nr, std::function<void()> action)
{
    KMSIM_ASSERT(nr < NR_SOFTIRQS, "no such softirq vector");
    actions_[nr] = std::move(action);
}

void softirqs::init()
{
    KMSIM_ASSERT(ksoftirqd_.empty(), "spawn_ksoftirqd() twice");
    for (int n = 0; n < machine_.nr_cpus(); ++n) {
        thread_options o;
        o.cpu = n;
        o.role = sim::actor_role::background;
        o.pid = machine_.boot_pid();
        o.stopped = true;  // it sleeps until a softirq is raised in task context
        ksoftirqd_.push_back(&machine_.create_thread(fmt::format("ksoftirqd/{}", n), [this, n] { ksoftirqd_main(n); }, o));
    }
}

void softirqs::wakeup_softirqd(int cpu)
{
    if (ksoftirqd_.empty())
        return;
    machine_.wake_up_process(*ksoftirqd_[static_cast<std::size_t>(cpu)]);
}

void softirqs::raise_softirq(unsigned nr)
{
    cpu& p = machine_.this_cpu();
    p.raise_softirq(nr);
    // raise_softirq_irqoff(): in an interrupt, its exit runs it; from a
    // task with BH enabled, ksoftirqd does.
    if (!arch::in_interrupt(p.preempt_count()))
        wakeup_softirqd(p.id());
}

void softirqs::raise_softirq_from_tick(int cpu_id, unsigned nr)
{
    cpu& p = machine_.cpu_at(cpu_id);
    p.raise_softirq(nr);
    p.softirq_at_irq_exit();
}

bool softirqs::in_softirq() { return machine_.preempt_count() & SOFTIRQ_MASK; }
bool softirqs::in_serving_softirq() { return machine_.preempt_count() & SOFTIRQ_OFFSET; }

void softirqs::local_bh_disable()
{
    // __local_bh_disable_ip(_THIS_IP_, SOFTIRQ_DISABLE_OFFSET)
    machine_.this_cpu().add_preempt_count(SOFTIRQ_DISABLE_OFFSET);
}

void softirqs::local_bh_enable()
{
    cpu& p = machine_.this_cpu();
    if ((p.preempt_count() & SOFTIRQ_MASK) < SOFTIRQ_DISABLE_OFFSET) {
        machine_.warn("DEBUG_LOCKS_WARN_ON(val > preempt_count())", "kernel/sched/core.c", 5807, "preempt_count_sub");
        return;
    }
    // __local_bh_enable_ip(): "WARN_ON_ONCE(in_hardirq() || irqs_disabled())".
    if ((arch::in_hardirq(p.preempt_count()) || p.irqs_disabled()) && !warned_bh_enable_) {
        warned_bh_enable_ = true;
        machine_.warn("", "kernel/softirq.c", 390, "__local_bh_enable_ip");
    }
    p.sub_preempt_count(SOFTIRQ_DISABLE_OFFSET);
    // "if (unlikely(!in_interrupt() && local_softirq_pending())) do_softirq();"
    if (!arch::in_interrupt(p.preempt_count()) && p.softirq_pending() && !machine_.current().is_irq()) {
        p.softirq_at_exit_ = true;
        machine_.yield_cpu(machine_.current(), run_state::resumable);
    }
}

void softirqs::run_at_irq_exit()
{
    frame_guard fg(machine_.current(), frame::entry("handle_softirqs"));
    handle_softirqs(false);
}

void softirqs::handle_softirqs(bool ksirqd)
{
    cpu& p = machine_.this_cpu();
    const sim::time_point end = sim::saturating_add(machine_.now(), MAX_SOFTIRQ_TIME);
    int restart = MAX_SOFTIRQ_RESTART;
    if (ksirqd)
        p.add_preempt_count(SOFTIRQ_OFFSET);  // __local_bh_disable_ip(_RET_IP_, SOFTIRQ_OFFSET)
    for (;;) {
        std::uint32_t pending = p.take_softirq_pending();
        for (unsigned nr = 0; pending; ++nr, pending >>= 1)
            if ((pending & 1) && actions_[nr]) {
                machine_.trace().softirq_entry(nr);
                actions_[nr]();
                machine_.trace().softirq_exit(nr);
            }
        if (!p.softirq_pending() || machine_.eng().stopping())
            break;
        if (machine_.now() < end && --restart > 0)
            continue;
        wakeup_softirqd(p.id());  // they keep coming: ksoftirqd's turn
        break;
    }
    if (ksirqd)
        p.sub_preempt_count(SOFTIRQ_OFFSET);
}

void softirqs::ksoftirqd_main(int n)
{
    context& self = machine_.current();
    frame_guard fg(self, frame::entry("run_ksoftirqd"));
    cpu& p = machine_.cpu_at(n);
    for (;;) {
        while (!p.softirq_pending())
            self.wait(idle_);
        handle_softirqs(true);
        machine_.cond_resched();
    }
}

}  // namespace kmsim::arch

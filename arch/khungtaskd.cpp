// arch/khungtaskd.cpp - the hung-task detector's checks and its report.
#include "arch/khungtaskd.h"

#include "arch/lock_base.h"
#include "arch/machine.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::arch {

bool khungtaskd::candidate(const context& c) const
{
    // TASK_UNINTERRUPTIBLE sleepers: not IRQ handlers, not spinners (the
    // soft-lockup detector's business), not idle kthreads, which sleep
    // interruptibly or as TASK_IDLE, and not tasks kmsim parks in place of a
    // loop (an allocation retrying), which the kernel would see running.
    const sim::blocker* b = c.waiting_for();
    return !c.is_irq() && c.state_on_cpu() == run_state::sleeping && b && !b->idle() && !b->looping() &&
           !c.hung_reported_;
}

bool khungtaskd::any_candidate() const
{
    for (const auto& c : machine_.threads())
        if (candidate(*c))
            return true;
    return false;
}

void khungtaskd::arm(const context& c)
{
    if (candidate(c))
        schedule(sim::saturating_add(c.wait_start(), timeout()));
}

void khungtaskd::schedule(sim::time_point when)
{
    armed_ = true;
    const sim::event_queue::handle h = machine_.eng().schedule_at(std::max(when, machine_.now()), [this] { check(); });
    machine_.eng().set_watchdog(h, [this] { return any_candidate(); });
}

void khungtaskd::check()
{
    // One check, then re-armed for the oldest wait not yet reported, so a
    // check is pending as long as a task may still hang: the events cannot
    // run out (and a deadlock be declared) before every hung task is
    // reported. The kernel's khungtaskd wakes every timeout seconds and so
    // reports a task between one and two timeouts into its wait; kmsim
    // reports it as soon as it has waited one timeout, once per wait (the
    // kernel repeats the report at every check, up to
    // kernel.hung_task_warnings).
    armed_ = false;
    const context* oldest = nullptr;
    for (const auto& c : machine_.threads()) {
        if (!candidate(*c))
            continue;
        if (machine_.now() - c->wait_start() >= timeout())
            report(*c);
        else if (!oldest || c->wait_start() < oldest->wait_start())
            oldest = c.get();
    }
    if (oldest)
        arm(*oldest);
}

void khungtaskd::report(context& c)
{
    c.hung_reported_ = true;
    std::string title = fmt::format("INFO: task {}:{} blocked for more than {} seconds.", c.name(), c.pid(),
                                    timeout_secs_);
    std::string text = title + "\n";
    text += fmt::format("      {} {} #1\n", machine_.taint_string(), kernel_release);
    text += "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n";
    text += fmt::format("task:{:<15} state:D stack:0     pid:{:<5} tgid:{:<5} ppid:2      flags:0x00004000\n",
                        c.name(), c.pid(), c.pid());
    if (const sim::blocker* b = c.waiting_for()) {
        const auto holders = b->holders();
        const auto* lock = dynamic_cast<const lock_base*>(b);
        if (lock && lock->owner() && lock->owner()->departed())
            text += fmt::format("kmsim: {} is held by irq handler {}, which returned at {}without releasing it.\n",
                                lock->name(), lock->owner()->name(), sim::dmesg_timestamp(lock->owner()->departed_at_));
        else if (lock && lock->owner())
            text += fmt::format("INFO: task {}:{} is blocked on a {} likely owned by task {}:{}.\n", c.name(), c.pid(),
                                lock->type_name(), lock->owner()->name(), lock->owner()->pid());
        else
            text += fmt::format("kmsim: {} waits for {}{}\n", c.name(), b->describe_wait(),
                                holders.empty() ? "" : ", which only " + holders.front()->label() + " can end");
    }
    text += "Call Trace:\n <TASK>\n";
    text += format_frames(c.frames());
    text += " kthread\n ret_from_fork\n </TASK>";
    arch::report r;
    r.kind = report_kind::hung_task;
    r.title = title;
    r.context = c.name();
    r.cpu = c.on_cpu() ? c.on_cpu()->id() : -1;
    r.when = machine_.now();
    r.text = text;
    machine_.log().add_report(std::move(r), log_level::err);
}

}  // namespace kmsim::arch

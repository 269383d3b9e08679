// arch/sched_debug.cpp - the kernel's context checks and the reports they print.
//
// Owns: might_sleep() (__might_resched: "BUG: sleeping function called from
// invalid context"), schedule_debug() ("BUG: scheduling while atomic"), WARN(),
// panic(), dump_stack() with <IRQ>/<TASK> sections, the taint string, the
// check of a handler that returns holding locks, and kmsim's own notes on a
// run: an interrupt storm, a spent budget. (The hung-task detector is
// arch/khungtaskd.cpp, the deadlock report arch/deadlock_report.cpp.)
// Formats follow kernel/sched/core.c, kernel/panic.c and lib/dump_stack.c;
// rate limits are the kernel's (might_sleep: once per HZ).
#include "arch/lock_base.h"
#include "arch/machine.h"
#include "arch/preempt.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::arch {

namespace {

// print_tainted(): one character per flag, in this order.
struct taint_char {
    char on, off;
};
constexpr taint_char taint_chars[] = {
    {'P', 'G'}, {'F', ' '}, {'S', ' '}, {'R', ' '}, {'M', ' '}, {'B', ' '}, {'U', ' '},
    {'D', ' '}, {'A', ' '}, {'W', ' '}, {'C', ' '}, {'I', ' '}, {'O', ' '}, {'E', ' '},
    {'L', ' '}, {'K', ' '}, {'X', ' '}, {'T', ' '}, {'N', ' '}, {'J', ' '},
};

void append_frames(std::string& out, const context& c)
{
    out += format_frames(c.frames());
}

}  // namespace

std::string machine::taint_string() const
{
    if (taint_mask_ == 0)
        return "Not tainted";
    std::string s = "Tainted: ";
    for (unsigned i = 0; i < std::size(taint_chars); ++i)
        s += (taint_mask_ & (1u << i)) ? taint_chars[i].on : taint_chars[i].off;
    return s;
}

std::string machine::dump_stack(const context& c) const
{
    const cpu& p = *c.on_cpu();
    std::string comm = c.is_irq() ? (p.curr() ? p.curr()->name() : p.idle_name()) : c.name();
    int pid = c.is_irq() ? (p.curr() ? p.curr()->pid() : 0) : c.pid();
    std::string out = fmt::format("CPU: {} UID: 0 PID: {} Comm: {} {} {} #1\n", p.id(), pid, comm, taint_string(),
                                  kernel_release);
    out += "Hardware name: kmsim virtual machine, BIOS kmsim 01/01/2026\n";
    out += "Call Trace:\n";
    if (c.is_irq()) {
        out += " <IRQ>\n";
        // Handlers from c down to the outermost, each entered from the IRQ
        // core; a softirq run from the exit of the interrupt (the tick's,
        // in the common case) that it ran after.
        const auto& stack = p.irq_stack();
        for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
            append_frames(out, **it);
            out += (*it)->is_softirq() ? " __irq_exit_rcu\n sysvec_apic_timer_interrupt\n"
                                       : " __handle_irq_event_percpu\n handle_irq_event\n common_interrupt\n";
        }
        out += stack.front()->is_softirq() ? " </IRQ>\n <TASK>\n asm_sysvec_apic_timer_interrupt\n"
                                           : " </IRQ>\n <TASK>\n asm_common_interrupt\n";
        if (p.curr()) {
            append_frames(out, *p.curr());
            out += " kthread\n ret_from_fork\n";
        } else {
            out += " default_idle\n do_idle\n cpu_startup_entry\n start_secondary\n";
        }
        out += " </TASK>\n";
    } else {
        out += " <TASK>\n";
        append_frames(out, c);
        out += " kthread\n ret_from_fork\n </TASK>\n";
    }
    return out;
}

std::string machine::held_locks_text(const context& c) const
{
    // lockdep_print_held_locks() of `current`: in an IRQ, the interrupted
    // task's locks and those the handlers took on its behalf.
    std::vector<const lock_base*> locks;
    const cpu& p = *c.on_cpu();
    const context* task = c.is_irq() ? p.curr() : &c;
    if (task)
        locks = task->held_locks();
    if (c.is_irq())
        for (const context* h : p.irq_stack())
            locks.insert(locks.end(), h->held_locks().begin(), h->held_locks().end());
    std::string comm = task ? task->name() : p.idle_name();
    int pid = task ? task->pid() : 0;
    if (locks.empty())
        return fmt::format("no locks held by {}/{}.\n", comm, pid);
    std::string out = fmt::format("{} lock{} held by {}/{}:\n", locks.size(), locks.size() > 1 ? "s" : "", comm, pid);
    for (std::size_t i = 0; i < locks.size(); ++i)
        out += fmt::format(" #{}: ({}){{{}}}\n", i, locks[i]->name(), locks[i]->type_name());
    return out;
}

void machine::add_report(report_kind kind, std::string title, std::string text, log_level level)
{
    report r;
    r.kind = kind;
    r.title = std::move(title);
    r.context = running_ ? running_->name() : "";
    r.cpu = running_ && running_->on_cpu() ? running_->on_cpu()->id() : -1;
    r.when = now();
    r.text = std::move(text);
    if (!r.text.empty() && r.text.back() == '\n')
        r.text.pop_back();
    log_.add_report(std::move(r), level);
}

void machine::might_resched(const char* kernel_file, int kernel_line)
{
    context& c = current();
    const cpu& p = *c.cpu_;
    const std::uint32_t pc = p.preempt_count();
    // __might_resched(): at most one report per second.
    const std::uint64_t j = jiffies();
    if (might_sleep_ever_ && j < might_sleep_prev_jiffy_ + static_cast<std::uint64_t>(config_.hz))
        return;
    might_sleep_ever_ = true;
    might_sleep_prev_jiffy_ = j;

    const frame* loc = c.location();
    std::string where = loc ? fmt::format("{}:{}", loc->file, loc->line) : fmt::format("{}:{}", kernel_file, kernel_line);
    std::string title = "BUG: sleeping function called from invalid context at " + where;
    std::string text = title + "\n";
    text += fmt::format("in_atomic(): {}, irqs_disabled(): {}, non_block: 0, pid: {}, name: {}\n", pc != 0 ? 1 : 0,
                        p.irqs_disabled() ? 1 : 0, current_pid(), current_comm());
    text += fmt::format("preempt_count: {:x}, expected: 0\n", pc);
    text += held_locks_text(c);
    if (pc != 0)
        text += fmt::format("Preemption disabled at:\n[<0000000000000000>] {}\n", c.preempt_disabled_at_.format());
    text += dump_stack(c);
    add_report(report_kind::might_sleep, title, text);
    add_taint(taint::warn);
}

void machine::report_irq_exit_with_locks(const context& h, const irq_line& line)
{
    // kmsim's check, in the form of lockdep_sys_exit()'s "lock held when
    // returning to user space": a handler must release what it takes before
    // it returns. The locks stay held by a handler that no longer runs.
    const auto& held = h.held_locks();
    const std::string title = "WARNING: lock held when returning from hard IRQ handler!";
    const std::string banner(title.size(), '=');
    std::string text = banner + "\n" + title + "\n" + kernel_release + " #1 " + taint_string() + "\n" +
                       std::string(title.size(), '-') + "\n";
    text += fmt::format("irq {} handler {} is returning with locks still held!\n", line.line(), h.name());
    text += fmt::format("{} lock{} held by {}:\n", held.size(), held.size() > 1 ? "s" : "", h.name());
    for (std::size_t i = 0; i < held.size(); ++i)
        text += fmt::format(" #{}: {}, at: {}\n", i, lockdep_.held_desc(held[i]->dep_map(), held[i]),
                            held[i]->taken_at().format());
    text += fmt::format("Nothing will release {}: whoever takes {} next waits forever.\n",
                        held.size() > 1 ? "them" : "it", held.size() > 1 ? "one of them" : "it");
    text += "\nstack backtrace:\n" + dump_stack(h);
    // The lock state is now inconsistent for lockdep too: debug_locks_off().
    lockdep_.turn_off();
    add_report(report_kind::lockdep, title, text, log_level::warning);
    add_taint(taint::warn);
}

void machine::schedule_debug(context& c)
{
    const cpu& p = *c.cpu_;
    if (p.preempt_count() == 0)
        return;
    // __schedule_bug(): the count printed includes schedule()'s own
    // preempt_disable().
    std::string title = fmt::format("BUG: scheduling while atomic: {}/{}/0x{:08x}", current_comm(), current_pid(),
                                    p.preempt_count() + PREEMPT_OFFSET);
    std::string text = title + "\n";
    text += held_locks_text(c);
    text += "Modules linked in:" + modules_linked_in_ + "\n";
    text += fmt::format("Preemption disabled at:\n[<0000000000000000>] {}\n", c.preempt_disabled_at_.format());
    text += dump_stack(c);
    add_report(report_kind::atomic_sleep, title, text);
    add_taint(taint::warn);
}

void machine::warn(std::string_view first_line, const char* kernel_file, int kernel_line, const char* function)
{
    context& c = current();
    const frame* loc = c.location();
    std::string where = kernel_file ? fmt::format("{}:{}", kernel_file, kernel_line)
                        : loc       ? fmt::format("{}:{}", loc->file, loc->line)
                                    : std::string("?:0");
    std::string warning = fmt::format("WARNING: CPU: {} PID: {} at {} {}", c.cpu_->id(), current_pid(), where, function);
    std::string text = "------------[ cut here ]------------\n";
    if (!first_line.empty())
        text += std::string(first_line) + "\n";
    text += warning + "\n";
    text += "Modules linked in:" + modules_linked_in_ + "\n";
    text += dump_stack(c);
    text += "---[ end trace 0000000000000000 ]---\n";
    add_report(report_kind::warning, first_line.empty() ? warning : std::string(first_line), text, log_level::warning);
    add_taint(taint::warn);
}

void machine::panic(std::string_view message)
{
    std::string title = "Kernel panic - not syncing: " + std::string(message);
    std::string text = title + "\n";
    if (running_)
        text += dump_stack(*running_);
    text += "---[ end " + title + " ]---\n";
    add_report(report_kind::panic, title, text, log_level::emerg);
    engine_.stop(sim::outcome::panic, title);
    if (running_) {
        // A panicked CPU never returns to the code that called panic().
        context& c = *running_;
        c.waiting_on_ = &halted_;
        c.enter(run_state::sleeping);
        engine_.suspend_current();
        KMSIM_ASSERT(false, "a context resumed after panic()");
    }
}

void machine::note_irq_storm(const irq_line& line)
{
    log_.printk(now(), log_level::info,
                fmt::format("kmsim: irq {} (line {}) on CPU{} arrives faster than its handler runs: {} of {} interrupts "
                            "found it still pending (an interrupt storm: the CPU has time for little else)",
                            line.name(), line.line(), line.cpu(), line.coalesced(), line.raised()),
                {}, -1, true);
}

void machine::explain_out_of_budget(const sim::run_limits& limits)
{
    // Who spent the steps: the contexts that ran most statements, and the
    // interrupt lines that were raised most (each raise is an event).
    const std::uint64_t total = engine_.steps();
    std::vector<std::string> lines;
    lines.push_back(fmt::format("kmsim: the run used up its budget of {} steps (kernel events and scenario "
                                "statements) at {}",
                                limits.max_steps, sim::format_seconds(now())));
    auto share = [total](std::uint64_t n) { return total ? static_cast<double>(n) * 100.0 / static_cast<double>(total) : 0.0; };
    std::vector<const context*> busiest;
    for (const auto& t : threads_)
        busiest.push_back(t.get());
    for (const auto& h : irq_contexts_)
        busiest.push_back(h.get());
    std::stable_sort(busiest.begin(), busiest.end(), [](const context* a, const context* b) { return a->steps() > b->steps(); });
    for (std::size_t i = 0; i < busiest.size() && i < 3; ++i) {
        const context* c = busiest[i];
        if (share(c->steps()) < 10.0)
            break;
        std::string where;
        if (const frame* loc = c->location())
            where = fmt::format(" at {}:{}", loc->file, loc->line);
        lines.push_back(fmt::format("kmsim:   {}{}: {} steps ({:.1f}%), now {}{}", c->name(),
                                    c->pid() > 0 ? fmt::format("/{}", c->pid()) : std::string(), c->steps(),
                                    share(c->steps()), to_string(c->state_on_cpu()), where));
    }
    for (const auto& [nr, line] : irqs_) {
        if (share(line->raised()) < 10.0)
            continue;
        lines.push_back(fmt::format("kmsim:   irq {} (line {}) on CPU{}: raised {} times ({:.1f}% of the steps), {} "
                                    "of them while still pending{}",
                                    line->name(), nr, line->cpu(), line->raised(), share(line->raised()),
                                    line->coalesced(), line->coalesced() * 2 > line->raised()
                                                           ? ": it arrives faster than its handler runs (an interrupt storm)"
                                                           : ""));
    }
    for (const auto& l : lines)
        log_.printk(now(), log_level::info, l, {}, -1, true);
}

}  // namespace kmsim::arch

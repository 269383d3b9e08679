// arch/machine.cpp - building the machine, and the execution-side kernel calls.
#include "arch/machine.h"

#include "arch/deadlock_report.h"
#include "arch/lock_base.h"
#include "arch/preempt.h"
#include "arch/select_task_rq.h"
#include "sim/error.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace kmsim::arch {

std::optional<std::string> check_cpus(std::int64_t cpus)
{
    if (cpus < 1 || cpus > max_cpus)
        return fmt::format("a machine has 1 to {} CPUs, not {}", max_cpus, cpus);
    return std::nullopt;
}

std::optional<std::string> check_hz(std::int64_t hz)
{
    if (std::find(std::begin(kernel_hz), std::end(kernel_hz), hz) == std::end(kernel_hz))
        return fmt::format("hz={} is not a kernel HZ: use {} or {}", hz,
                           fmt::join(std::begin(kernel_hz), std::end(kernel_hz) - 1, ", "), std::end(kernel_hz)[-1]);
    return std::nullopt;
}

machine::machine(sim::engine& e, machine_config cfg) : engine_(e), config_(cfg)
{
    if (auto err = check_cpus(cfg.cpus))
        throw sim::config_error(*err);
    if (auto err = check_hz(cfg.hz))
        throw sim::config_error(*err);
    if (cfg.timeslice <= sim::duration::zero())
        throw sim::config_error("the scheduler time slice must be positive");
    tick_ = sim::nsecs(1000000000LL / cfg.hz);
    log_.set_report_tracepoint(&trace_.report_raised);
    cpus_.reserve(static_cast<std::size_t>(cfg.cpus));
    for (int i = 0; i < cfg.cpus; ++i)
        cpus_.push_back(std::make_unique<cpu>(*this, i));
    engine_.on_deadlock.push_back([this](const sim::deadlock_info& d) { log_.add_report(deadlock_report(d, now())); });
    engine_.on_out_of_budget.push_back([this](const sim::run_limits& l) { explain_out_of_budget(l); });
}

machine::~machine()
{
    // Contexts may still be parked mid-body (a deadlocked run): destroying
    // them unwinds their fibers, which must not see a half-destroyed machine.
    irq_contexts_.clear();
    departed_.clear();
    threads_.clear();
}

cpu& machine::cpu_at(int id)
{
    if (id < 0 || id >= nr_cpus())
        throw sim::config_error(fmt::format("CPU {} does not exist (the machine has CPUs 0..{})", id, nr_cpus() - 1));
    return *cpus_[static_cast<std::size_t>(id)];
}

context& machine::create_thread(std::string name, std::function<void()> body, thread_options opts)
{
    if (opts.cpu != -1)
        cpu_at(opts.cpu);  // validates
    if (!opts.stopped && opts.start < now())
        throw sim::config_error("thread " + name + ": start time is in the past");
    if (threads_.size() >= max_kernel_threads)
        throw sim::config_error(fmt::format("thread {}: a machine runs at most {} kernel threads", name,
                                            max_kernel_threads));
    const int pid = opts.pid > 0 ? opts.pid : next_pid_++;
    // do_exit() runs debug_check_no_locks_held() as the task itself.
    auto c = std::make_unique<context>(*this, context_kind::task, std::move(name), pid, opts.role,
                                       [this, body = std::move(body)] {
                                           body();
                                           lockdep_.check_no_locks_held(current());
                                       });
    c->pinned_cpu_ = opts.cpu;
    context& ref = *c;
    threads_.push_back(std::move(c));
    if (!opts.stopped)
        engine_.schedule_at(opts.start, [this, &ref] { make_runnable(ref); });
    return ref;
}

irq_line& machine::request_irq(int line, std::string name, int cpu_id, std::function<void()> handler)
{
    if (line < 0 || line > 1023)
        throw sim::config_error(fmt::format("irq {}: line numbers are 0..1023", line));
    cpu_at(cpu_id);  // validates
    if (irqs_.count(line))
        throw sim::config_error(fmt::format("irq {} is already requested by {}", line, irqs_[line]->name()));
    auto l = std::make_unique<irq_line>(*this, line, std::move(name), cpu_id, std::move(handler));
    irq_line& ref = *l;
    irqs_[line] = std::move(l);
    return ref;
}

irq_line& machine::irq(int line)
{
    auto it = irqs_.find(line);
    if (it == irqs_.end())
        throw sim::config_error(fmt::format("irq {} was never requested", line));
    return *it->second;
}

context& machine::new_irq_context(irq_line& line)
{
    irq_line* l = &line;
    irq_contexts_.push_back(std::make_unique<context>(*this, context_kind::hardirq, line.name(), -1,
                                                      sim::actor_role::background, [this, l] {
                                                          l->handler()();
                                                          irq_exit_checks(*l);
                                                      }));
    irq_contexts_.back()->irq_ = &line;
    return *irq_contexts_.back();
}

context& machine::new_softirq_context()
{
    irq_contexts_.push_back(std::make_unique<context>(*this, context_kind::softirq, "softirq", -1,
                                                      sim::actor_role::background,
                                                      [this] { softirqs_.run_at_irq_exit(); }));
    return *irq_contexts_.back();
}

void machine::irq_exit_checks(irq_line& line)
{
    if (!this_cpu().irqs_disabled()) {
        if (!warned_irq_enabled_) {
            warned_irq_enabled_ = true;
            warn(fmt::format("irq {} handler {} enabled interrupts", line.line(), line.name()), "kernel/irq/handle.c",
                 199, "__handle_irq_event_percpu");
        }
        local_irq_disable();
    }
    if (!current().held_locks().empty())
        report_irq_exit_with_locks(current(), line);
}

void machine::retire_irq_context(context* c)
{
    auto it = std::find_if(irq_contexts_.begin(), irq_contexts_.end(), [c](const auto& p) { return p.get() == c; });
    KMSIM_ASSERT(it != irq_contexts_.end(), "retiring an unknown IRQ context");
    std::unique_ptr<context> handler = std::move(*it);
    irq_contexts_.erase(it);
    lockdep_.forget(*c);
    // Handlers that left earlier and whose locks have all been released
    // since (by a wrong-owner unlock) are referred to by nothing now.
    std::erase_if(departed_, [](const auto& d) { return d->held_locks().empty(); });
    if (!c->held_locks().empty()) {
        // The locks still name it as their owner: keep its record, so that
        // waiters, unlocks and deadlock reports can refer to it.
        c->departed_ = true;
        c->departed_at_ = now();
        departed_.push_back(std::move(handler));
    }
}

void machine::task_exit(context& c)
{
    // do_exit(): a task that returns in atomic context is noted and its
    // count cleared.
    std::uint32_t pc = c.cpu_->preempt_count();
    if (pc != 0)
        log_.printk(now(), log_level::info,
                    fmt::format("note: {}[{}] exited with preempt_count {}", c.name(), c.pid(), pc), c.name(),
                    c.cpu_->id());
    lockdep_.forget(c);
}

void machine::make_runnable(context& c)
{
    cpu& p = select_task_rq(c, cpus_, engine_);
    trace_.sched_wakeup(c, p.id());
    p.enqueue(c);
}


std::string machine::current_comm() const
{
    const context* c = running_;
    if (!c)
        return "swapper/0";
    if (!c->is_irq())
        return c->name();
    return c->cpu_->curr() ? c->cpu_->curr()->name() : c->cpu_->idle_name();
}

// ---- time ----

namespace {
// The wait of a context asleep on a timer: never part of a deadlock (the timer
// is a pending event). Described lazily - formatting on every sleep would
// dominate the cost of a simulated msleep().
class timer_wait : public sim::blocker {
public:
    timer_wait(const char* call, std::uint64_t a) : call_(call), a_(a), two_(false) {}
    timer_wait(const char* call, std::uint64_t a, std::uint64_t b) : call_(call), a_(a), b_(b), two_(true) {}
    std::string describe_wait() const override
    {
        return two_ ? fmt::format("{}({}, {})", call_, a_, b_) : fmt::format("{}({})", call_, a_);
    }
    std::vector<const sim::actor*> holders() const override { return {}; }

private:
    const char* call_;
    std::uint64_t a_, b_ = 0;
    bool two_;
};
}  // namespace

void machine::consume(sim::duration d)
{
    if (d <= sim::duration::zero())
        return;
    context& c = current();
    c.remaining_ = d > sim::forever() - c.remaining_ ? sim::forever() : c.remaining_ + d;
    c.enter(run_state::resumable);
    engine_.suspend_current();
}

void machine::yield_cpu(context& c, run_state how)
{
    c.enter(how);
    engine_.suspend_current();
}

void machine::schedule_timeout(std::uint64_t jiffies_to_sleep)
{
    context& c = current();
    // Timers expire on jiffy boundaries; one past what simulated time holds
    // never fires.
    const sim::time_point this_jiffy = sim::at_ns(sim::to_ns(now()) / sim::to_ns(tick_) * sim::to_ns(tick_));
    const sim::time_point wake = std::max(now(), sim::saturating_add(this_jiffy, sim::saturating_mul(tick_, jiffies_to_sleep)));
    timer_wait w("schedule_timeout", jiffies_to_sleep);
    engine_.schedule_at(wake, [&c] { c.wake(); });
    c.wait(w);
}

void machine::msleep(std::uint64_t ms)
{
    might_sleep("kernel/time/sleep_timeout.c", 329);
    schedule_timeout(msecs_to_jiffies(static_cast<std::uint32_t>(ms), config_.hz) + 1);
}

void machine::usleep_range(std::uint64_t min_us, std::uint64_t max_us)
{
    might_sleep("kernel/time/sleep_timeout.c", 362);
    context& c = current();
    // An hrtimer with slack: it fires at the hard expiry, max_us, when
    // nothing else wakes the CPU earlier (the usual case).
    std::uint64_t us = std::max(min_us, max_us);
    timer_wait w("usleep_range", min_us, max_us);
    engine_.schedule_at(sim::saturating_add(now(), sim::units(us, 1000)), [&c] { c.wake(); });
    c.wait(w);
}

void machine::schedule()
{
    context& c = current();
    schedule_debug(c);
    if (c.is_irq() || c.cpu_->runqueue().empty())
        return;
    yield_cpu(c, run_state::runnable);
}

void machine::preemption_point()
{
    // CONFIG_PREEMPT: a task may lose its CPU wherever it is preemptible.
    // Only a chooser that explores schedules takes it up.
    if (!engine_.exploring())
        return;
    context& c = current();
    // kmsim's own schedule never preempts here: only an exploring chooser is asked.
    if (!engine_.exploring() || c.is_irq() || c.cpu_->runqueue().empty() || !c.cpu_->preemptible())
        return;
    // The alternatives: stay (the running task), or give the CPU to one of
    // those waiting for it.
    std::vector<const sim::actor*> alternatives{&c};
    for (const context* r : c.cpu_->runqueue())
        alternatives.push_back(r);
    if (engine_.choose_among(sim::decision::preempt, alternatives.data(), alternatives.size()) != 0)
        yield_cpu(c, run_state::runnable);
}

void machine::cond_resched()
{
    might_sleep("kernel/sched/core.c", 8655);
    context& c = current();
    if (!c.is_irq() && !c.cpu_->runqueue().empty() && c.cpu_->preemptible())
        yield_cpu(c, run_state::runnable);
}

// ---- IRQ and preemption control ----

void machine::local_irq_disable() { this_cpu().set_irqs_disabled(true); }

void machine::local_irq_enable()
{
    cpu& p = this_cpu();
    p.set_irqs_disabled(false);
    // Interrupts that arrived while they were off are taken now, before the
    // next instruction (and a tick's softirqs with them).
    if (!p.pending_.empty() || (p.softirq_at_exit_ && p.softirq_pending_))
        yield_cpu(current(), run_state::resumable);
}

unsigned long machine::local_irq_save()
{
    unsigned long flags = this_cpu().irqs_disabled() ? FLAGS_IRQS_OFF : FLAGS_IRQS_ON;
    local_irq_disable();
    return flags;
}

void machine::local_irq_restore(unsigned long flags)
{
    if (flags & X86_EFLAGS_IF)
        local_irq_enable();
    else
        local_irq_disable();
}

void machine::preempt_disable() { this_cpu().add_preempt_count(PREEMPT_OFFSET); }

void machine::preempt_enable()
{
    cpu& p = this_cpu();
    if ((p.preempt_count() & PREEMPT_MASK) == 0) {
        warn("DEBUG_LOCKS_WARN_ON(val > preempt_count())", "kernel/sched/core.c", 5807, "preempt_count_sub");
        return;
    }
    p.sub_preempt_count(PREEMPT_OFFSET);
}

// At boot, before any context runs, the kernel is on CPU 0 in process
// context: nothing is counted in preempt_count.
bool machine::in_interrupt() { return arch::in_interrupt(preempt_count()); }

std::uint64_t machine::jiffies_at(sim::time_point t) const
{
    // INITIAL_JIFFIES: jiffies start 5 minutes before wrapping a 32-bit count.
    const std::uint64_t initial = static_cast<std::uint32_t>(-300 * config_.hz);
    return initial + static_cast<std::uint64_t>(sim::to_ns(t) / sim::to_ns(tick_));
}

sim::time_point machine::jiffy_start(std::uint64_t j) const
{
    const std::uint64_t initial = jiffies_at(sim::at_ns(0));
    if (j <= initial)
        return sim::at_ns(0);
    return sim::saturating_add(sim::at_ns(0), sim::saturating_mul(tick_, j - initial));
}

// ---- locks held ----

void machine::note_lock_acquired(context& c, const lock_base& l) { c.held_.push_back(&l); }

void machine::note_lock_released(context& c, const lock_base& l)
{
    auto it = std::find(c.held_.rbegin(), c.held_.rend(), &l);
    if (it != c.held_.rend())
        c.held_.erase(std::next(it).base());
}

}  // namespace kmsim::arch

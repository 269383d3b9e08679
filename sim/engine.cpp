// sim/engine.cpp - the event loop, actor switching and stop conditions.
#include "sim/engine.h"

#include "sim/error.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::sim {

const char* to_string(outcome o)
{
    switch (o) {
    case outcome::completed: return "completed";
    case outcome::deadlock: return "deadlock";
    case outcome::panic: return "panic";
    case outcome::stopped: return "stopped";
    case outcome::assertion: return "assert";
    }
    return "?";
}

engine::engine(engine_config cfg)
    : seed_(cfg.seed), random_(cfg.seed), stacks_(cfg.stack_size), diag_(std::move(cfg.diag)),
      settle_limit_(cfg.settle_limit)
{
}

engine::~engine() = default;

const char* to_string(decision d)
{
    switch (d) {
    case decision::event_order: return "event_order";
    case decision::wake_cpu: return "wake_cpu";
    case decision::next_task: return "next_task";
    case decision::lock_waiter: return "lock_waiter";
    case decision::completion_waiter: return "completion_waiter";
    case decision::preempt: return "preempt";
    case decision::irq_arrival: return "irq_arrival";
    }
    return "?";
}

std::size_t engine::checked(decision d, std::size_t n)
{
    const std::size_t k = chooser_->choose(d, n);
    KMSIM_ASSERT(k < n, fmt::format("the chooser picked alternative {} of {} for {}", k, n, to_string(d)));
    diag_.trace("t={}ns choose {}: {} of {}", to_ns(now_), to_string(d), k, n);
    return k;
}

std::size_t engine::checked_among(decision d, const actor* const* alternatives, std::size_t n)
{
    const std::size_t k = chooser_->choose_among(d, alternatives, n, current_);
    KMSIM_ASSERT(k < n, fmt::format("the chooser picked alternative {} of {} for {}", k, n, to_string(d)));
    diag_.trace("t={}ns choose {}: {} of {}", to_ns(now_), to_string(d), k, n);
    return k;
}

void engine::check_not_past(time_point when) const
{
    KMSIM_ASSERT(when >= now_, "scheduling an event in the past");
}

void engine::attach(actor& a)
{
    actors_.push_back(&a);
    if (a.role() == actor_role::foreground) {
        ++foreground_alive_;
        foreground_seen_ = true;
    }
}

void engine::detach(actor& a)
{
    KMSIM_ASSERT(current_ != &a, "destroying the running actor");
    auto it = std::find(actors_.begin(), actors_.end(), &a);
    if (it != actors_.end())
        actors_.erase(it);
    if (a.role() == actor_role::foreground && !a.is_done())
        --foreground_alive_;
}

void engine::switch_to(actor& a)
{
    KMSIM_ASSERT(current_ == nullptr, "switch_to() from inside a fiber: fibers only switch through the engine");
    KMSIM_ASSERT(!a.is_done(), "switching to an actor that has finished");
    current_ = &a;
    a.set_state(actor_state::running);
    diag_.trace("t={}ns switch to {}", to_ns(now_), a.name());
    try {
        a.fib().resume();
    } catch (...) {
        current_ = nullptr;
        a.set_state(actor_state::done);
        if (a.role() == actor_role::foreground)
            --foreground_alive_;
        throw;
    }
    current_ = nullptr;
    if (a.fib().finished()) {
        a.set_state(actor_state::done);
        a.set_blocker(nullptr);
        if (a.role() == actor_role::foreground)
            --foreground_alive_;
        for (auto& f : on_actor_exit)
            f(a);
    }
}

void engine::suspend_current()
{
    actor* a = current_;
    KMSIM_ASSERT(a != nullptr, "suspend_current() outside any actor");
    a->fib().suspend();
}

void engine::note_waiting(const actor& a)
{
    // Only waits that nothing but their holders can end (locks, CPUs) can
    // close a certain cycle; a timer or a completion cannot.
    const blocker* b = a.waiting_for();
    if (stopping_ || !b || !b->exclusive())
        return;
    if (auto d = find_certain_cycle(a))
        declare_deadlock(std::move(*d));
}

void engine::declare_deadlock(deadlock_info d)
{
    if (stopping_)
        return;
    d.when = now_;
    diag_.debug("t={}ns deadlock ({}): {} in the cycle, {} more waiting", to_ns(now_), to_string(d.kind),
                d.cycle.size(), d.stuck.size());
    for (auto& f : on_deadlock)
        f(d);
    result_.deadlock = std::move(d);
    stop(outcome::deadlock, "deadlock");
}

void engine::stop(outcome o, std::string reason)
{
    if (stopping_)
        return;
    stopping_ = true;
    diag_.debug("t={}ns run stops: {} ({}) after {} events, {} steps", to_ns(now_), to_string(o), reason, events_,
                steps_);
    result_.result = o;
    result_.reason = std::move(reason);
}

bool engine::background_idle()
{
    for (const actor* a : actors_) {
        if (a->role() == actor_role::foreground || a->is_done())
            continue;
        const blocker* b = a->waiting_for();
        if (b && b->idle())
            continue;
        if (!settling_) {
            settling_ = true;
            settle_deadline_ = saturating_add(now_, settle_limit_);
            diag_.debug("t={}ns every foreground actor returned; {} is still busy, settling until t={}ns", to_ns(now_),
                        a->name(), to_ns(settle_deadline_));
        }
        return false;
    }
    return true;
}

void engine::end_settling()
{
    // Background actors stayed busy for the whole settling time: whoever
    // still waits is stuck; if nobody waits, they were only running.
    now_ = settle_deadline_;
    std::vector<const actor*> waiting;
    for (const actor* a : actors_)
        if (!a->is_done() && a->waiting_for() && !a->waiting_for()->idle())
            waiting.push_back(a);
    if (waiting.empty())
        stop(outcome::completed, "every thread returned");
    else
        declare_deadlock(analyze_waits(waiting));
}

void engine::quiesce()
{
    std::vector<const actor*> waiting;
    for (const actor* a : actors_)
        if (!a->is_done() && a->waiting_for() && !a->waiting_for()->idle())
            waiting.push_back(a);
    if (waiting.empty()) {
        stop(outcome::completed, "no more events");
        return;
    }
    declare_deadlock(analyze_waits(waiting));
}

run_result engine::run(run_limits limits)
{
    event_queue::callback fn;
    time_point when;
    // A run that stopped at its time limit may be continued with a later one.
    if (stopping_ && result_.result == outcome::stopped) {
        stopping_ = false;
        result_ = run_result{};
    }
    diag_.debug("t={}ns run starts: {} actors, {} events queued, until t={}ns, budget {} steps", to_ns(now_),
                actors_.size(), queue_.size(), to_ns(limits.until), limits.max_steps);
    while (!stopping_) {
        if (on_idle && holds_ == 0)
            on_idle();
        if (foreground_seen_ && foreground_alive_ == 0 && holds_ == 0 && background_idle()) {
            stop(outcome::completed, "every thread returned");
            break;
        }
        if (queue_.empty() || only_idle_watchdog_left()) {
            quiesce();
            break;
        }
        when = queue_.next_time();
        if (settling_ && when > settle_deadline_ && settle_deadline_ <= limits.until) {
            end_settling();
            break;
        }
        if (when > limits.until) {
            now_ = limits.until;
            stop(outcome::stopped, "time limit reached");
            result_.stopped_by = stop_cause::time_limit;
            break;
        }
        if (steps_ >= limits.max_steps) {
            stop(outcome::stopped, "out of budget");
            result_.stopped_by = stop_cause::budget;
            for (auto& f : on_out_of_budget)
                f(limits);
            break;
        }
        if (exploring())
            queue_.pop_chosen(when, fn, [this](std::size_t n) { return checked(decision::event_order, n); });
        else
            queue_.pop_next(when, fn);  // the event next_time() found
        now_ = when;
        ++events_;
        ++steps_;
        fn();
    }
    result_.end = now_;
    result_.events = events_;
    result_.steps = steps_;
    return result_;
}

}  // namespace kmsim::sim

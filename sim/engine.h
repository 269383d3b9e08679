// sim/engine.h - the discrete-event engine: a clock, an event queue, actors on fibers.
//
// Owns: simulated time, the order of events, which actor runs, and when a run
// stops. Knows nothing of CPUs or kernels: arch/ builds the machine on top.
//
// The event loop:
//     while not stopping:
//         all foreground actors done, no hold, and
//           every background one idle     -> completed
//         no event left (or only a watchdog
//           with nothing to find)         -> deadlock if anyone waits, else completed
//         next event later than the limit -> stopped
//         settling for longer than allowed -> deadlock if anyone waits, else completed
//         pop the earliest event, advance now() to it, run its callback
// Settling: when the foreground actors are done but a background one (a
// kernel thread) is still busy - running, or waiting for anything but new
// work - the run goes on until it goes idle, for at most settle_limit.
// A callback may switch_to() an actor; the actor's fiber runs until it waits
// or finishes, and control comes back to the callback. Fibers never switch to
// each other directly, and nothing runs between events: now() only moves at
// the top of the loop.
//
// Invariants: at most one actor is current; now() never decreases; the same
// seed and the same inputs give the same sequence of events.
// No globals: every piece of state lives in an engine, so several engines can
// run in one process (tests do).
#pragma once

#include "sim/actor.h"
#include "sim/chooser.h"
#include "sim/diagnostics.h"
#include "sim/error.h"
#include "sim/event_queue.h"
#include "sim/random.h"
#include "sim/stack_pool.h"
#include "sim/time.h"
#include "sim/waitfor.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kmsim::sim {

enum class outcome { completed, deadlock, panic, stopped, assertion };
const char* to_string(outcome o);

struct engine_config {
    std::uint64_t seed = 1;
    std::size_t stack_size = stack_pool::default_stack_size;
    // Diagnostics of the simulator itself (not the simulated kernel log);
    // the default is silent.
    diagnostics diag;
    // How long background actors may stay busy once the foreground ones are
    // done (the kernel's hung-task timeout): past it, whoever still waits is
    // reported as a deadlock.
    duration settle_limit = secs(120);
};

// The work budget of a run: events the engine runs plus statements front ends
// charge (charge_steps()). A run that spends it stops - outcome stopped -
// instead of running for days: an interrupt every nanosecond, or `while 1`.
inline constexpr std::uint64_t default_max_steps = 100'000'000;

struct run_limits {
    // Stop here if the run has not ended by itself (the CLI's --until; 600 s
    // simulated by default).
    time_point until = time_point(secs(600));
    std::uint64_t max_steps = default_max_steps;  // the CLI's --budget
};

// Why a run with outcome stopped stopped.
enum class stop_cause { none, time_limit, budget };

struct run_result {
    outcome result = outcome::completed;
    stop_cause stopped_by = stop_cause::none;
    time_point end{};
    std::uint64_t events = 0;
    std::uint64_t steps = 0;
    std::string reason;
    std::optional<deadlock_info> deadlock;
};

class engine {
public:
    explicit engine(engine_config cfg = {});
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    time_point now() const { return now_; }
    std::uint64_t seed() const { return seed_; }  // engine_config::seed
    random_source& random() { return random_; }
    stack_pool& stacks() { return stacks_; }
    const diagnostics& diag() const { return diag_; }

    // The scheduling decisions (sim/chooser.h). exploring() is false under
    // the default policy, so decision points can skip asking it; a chooser
    // set here must outlive the run.
    chooser& choices() { return *chooser_; }
    bool exploring() const { return chooser_ != &default_chooser_; }
    void set_chooser(chooser* c) { chooser_ = c ? c : &default_chooser_; }
    // Asks the chooser for one of N alternatives (N >= 2 asks; else 0).
    std::size_t choose(decision d, std::size_t n) { return n < 2 || !exploring() ? 0 : checked(d, n); }
    // The same among actors (sim/chooser.h).
    std::size_t choose_among(decision d, const actor* const* alternatives, std::size_t n)
    {
        return n < 2 || !exploring() ? 0 : checked_among(d, alternatives, n);
    }

    template <typename F>
    event_queue::handle schedule_at(time_point when, F&& fn)
    {
        check_not_past(when);
        return queue_.push(when, std::forward<F>(fn));
    }
    template <typename F>
    event_queue::handle schedule_after(duration d, F&& fn)
    {
        return schedule_at(now_ + d, std::forward<F>(fn));
    }
    bool cancel(event_queue::handle h) { return queue_.cancel(h); }
    // A periodic check (the hung-task detector): left as the only pending
    // event while NEEDED() says it has nothing to find, it does not keep the
    // run going - the run ends as if the queue were empty. One at a time.
    void set_watchdog(event_queue::handle h, std::function<bool()> needed)
    {
        watchdog_ = h;
        watchdog_needed_ = std::move(needed);
    }
    bool is_pending(event_queue::handle h) const { return queue_.is_pending(h); }
    // Work to come that no actor does yet (an interrupt source with a last
    // interrupt still to be handled): while any hold is taken, the run does
    // not complete, as if a foreground actor were alive. Each hold() is
    // ended by one release().
    void hold()
    {
        ++holds_;
        foreground_seen_ = true;
    }
    void release()
    {
        KMSIM_ASSERT(holds_ > 0, "release() without hold()");
        --holds_;
    }
    std::size_t pending_events() const { return queue_.size(); }

    // The actor whose fiber is running, or nullptr in an event callback.
    actor* current() const { return current_; }
    bool in_fiber() const { return current_ != nullptr; }
    // Engine side: run A until it waits or finishes. Exceptions that escaped
    // A's body are rethrown here.
    void switch_to(actor& a);
    // Fiber side: give control back to the event loop.
    void suspend_current();

    // An actor began to wait: if its wait closes a cycle of exclusive waits,
    // the run is deadlocked now.
    void note_waiting(const actor& a);
    void declare_deadlock(deadlock_info d);
    // Ask the loop to end after the current event (panic, a failed assertion).
    void stop(outcome o, std::string reason);
    bool stopping() const { return stopping_; }

    run_result run(run_limits limits = {});
    std::uint64_t events() const { return events_; }

    // Work done so far against the budget: every event is a step, and front
    // ends charge one per statement they interpret (fiber side: charged to
    // the running actor too, so a report can name who spent the budget).
    void charge_steps(std::uint64_t n)
    {
        steps_ += n;
        if (current_)
            current_->steps_ += n;
    }
    std::uint64_t steps() const { return steps_; }

    const std::vector<actor*>& actors() const { return actors_; }

    // Observers (SimGrid-style signals): called when a deadlock is declared,
    // before the run stops. The machine prints the report from here.
    std::vector<std::function<void(const deadlock_info&)>> on_deadlock;
    // Called once an actor's body has returned.
    std::vector<std::function<void(actor&)>> on_actor_exit;
    // While set, called before each event when no hold is taken, and before
    // the run would end by itself: it may start more work (a module's rmmod,
    // once the machine is quiet), and says whether it did.
    std::function<bool()> on_idle;
    // Called when the run stops because its budget ran out, before run()
    // returns: the machine explains who spent it.
    std::vector<std::function<void(const run_limits&)>> on_out_of_budget;

private:
    friend class actor;
    void attach(actor& a);
    void detach(actor& a);
    void quiesce();
    bool background_idle();
    void end_settling();
    void check_not_past(time_point when) const;

    time_point now_{};
    event_queue queue_;
    std::uint64_t seed_;
    random_source random_;
    stack_pool stacks_;
    diagnostics diag_;
    default_chooser default_chooser_;
    chooser* chooser_ = &default_chooser_;
    std::size_t checked(decision d, std::size_t n);
    std::size_t checked_among(decision d, const actor* const* alternatives, std::size_t n);
    actor* current_ = nullptr;
    std::vector<actor*> actors_;
    std::size_t foreground_alive_ = 0;
    std::size_t holds_ = 0;
    bool foreground_seen_ = false;
    event_queue::handle watchdog_{};
    std::function<bool()> watchdog_needed_;
    bool only_idle_watchdog_left() const
    {
        return queue_.size() == 1 && queue_.is_pending(watchdog_) && !watchdog_needed_();
    }
    bool settling_ = false;
    time_point settle_deadline_{};
    duration settle_limit_;
    bool stopping_ = false;
    std::uint64_t events_ = 0;
    std::uint64_t steps_ = 0;
    run_result result_;
};

// One engine::hold() taken while something has work to come (a queued work
// item, an armed timer, a scheduled tasklet) and released when it has none.
class run_hold {
public:
    void set(engine& e, bool busy)
    {
        if (busy == held_)
            return;
        held_ = busy;
        busy ? e.hold() : e.release();
    }
    bool held() const { return held_; }

private:
    bool held_ = false;
};

}  // namespace kmsim::sim

// sim/actor.h - something that runs in simulated time: a body on a fiber.
//
// Owns: the life of one simulated context as the engine sees it (created,
// running, waiting, done) and what it is waiting for. Kernel meaning (CPU,
// preempt_count, thread or IRQ) is added by arch::context, which derives from
// actor and overrides how waiting and waking work.
// Invariants: at most one actor of an engine is running at a time (the one
// whose fiber the engine resumed); a waiting actor has a blocker, any other
// actor has none; a done actor never runs again.
#pragma once

#include "sim/fiber.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kmsim::sim {

class actor;
class engine;

// What an actor can wait for: a lock, a completion, a CPU, memory. Used to
// build the wait-for graph when nothing can make progress.
class blocker {
public:
    virtual ~blocker() = default;
    // For the report: "mutex_lock(lock_a)", "CPU0 (interrupted by eth0)".
    virtual std::string describe_wait() const = 0;
    // The actors that could end the wait (a lock's owner, a CPU's running
    // context, whoever is expected to complete). Empty when nobody can.
    virtual std::vector<const actor*> holders() const = 0;
    // True when only the holders can ever end the wait (a lock's owner, the
    // context on top of a CPU): a cycle made only of such waits is a deadlock
    // now, whatever else is pending.
    virtual bool exclusive() const { return false; }
    // For exclusive waits: the one actor that can end it (or nullptr). Lets
    // the check made at every lock wait walk a chain without allocating.
    virtual const actor* sole_holder() const { return nullptr; }
    // Edges through a CPU (an IRQ handler above the context it interrupted)
    // make a same-CPU ("self") deadlock.
    virtual bool is_cpu() const { return false; }
    // A daemon waiting for work (kswapd between runs): not stuck, and left
    // out of deadlock reports.
    virtual bool idle() const { return false; }
    // A wait that stands for a loop the kernel would run (an allocation
    // retrying until memory appears): the task keeps running and switching,
    // so it is never in uninterruptible sleep for the hung-task detector.
    virtual bool looping() const { return false; }
    // How a report names the holders(): a lock is "held by" its owner; a
    // flush_work() waits for the kworker that runs the work ("run by").
    virtual const char* holder_role() const { return "held by"; }
};

// A wait that no other actor ends (a timer, a halted CPU): described, never
// part of a cycle.
class named_wait : public blocker {
public:
    explicit named_wait(std::string what) : what_(std::move(what)) {}
    std::string describe_wait() const override { return what_; }
    std::vector<const actor*> holders() const override { return {}; }

private:
    std::string what_;
};

enum class actor_state { created, running, ready, waiting, done };

// Foreground actors (kernel threads of a scenario) are what a run waits for;
// background ones (IRQ handlers, daemons) do not keep it alive.
enum class actor_role { foreground, background };

class actor {
public:
    actor(engine& e, std::string name, actor_role role, std::function<void()> body);
    virtual ~actor();
    actor(const actor&) = delete;
    actor& operator=(const actor&) = delete;

    const std::string& name() const { return name_; }
    actor_role role() const { return role_; }
    actor_state state() const { return state_; }
    bool is_done() const { return state_ == actor_state::done; }
    engine& eng() const { return engine_; }

    // What this actor waits for right now, for the wait-for graph (may be
    // computed: a context under an IRQ handler waits for its CPU).
    virtual const blocker* waiting_for() const { return blocker_; }
    // A short label for reports: "worker/2".
    virtual std::string label() const { return name_; }

    // Steps of the run's budget this actor spent: the statements a front
    // end charged while it ran.
    std::uint64_t steps() const { return steps_; }
    // Fiber side: bytes of stack left below the caller's frame. Code that
    // recurses on behalf of user input checks it, so that running out is a
    // clear internal error rather than a fault on the guard page.
    std::size_t stack_headroom() const;

    // Fiber side. wait() suspends until someone calls wake(); the reason is
    // recorded for deadlock analysis.
    virtual void wait(const blocker& reason);
    // Either side: make a waiting actor ready; it runs at the current time.
    virtual void wake();

protected:
    friend class engine;
    void set_state(actor_state s) { state_ = s; }
    void set_blocker(const blocker* b) { blocker_ = b; }
    fiber& fib() { return *fiber_; }
    // Destroys the fiber now, unwinding its stack if it is parked mid-body.
    // A derived class calls this first in its destructor, so that code
    // unwinding on the fiber still sees the derived members alive.
    void unwind() { fiber_.reset(); }

private:
    engine& engine_;
    std::string name_;
    actor_role role_;
    actor_state state_ = actor_state::created;
    const blocker* blocker_ = nullptr;
    std::uint64_t steps_ = 0;
    std::unique_ptr<fiber> fiber_;
};

// The actors of AS that have not finished: of those that could end a wait
// (a completion's completers, a wait queue's wakers), the ones still able to.
inline std::vector<const actor*> not_done(const std::vector<const actor*>& as)
{
    std::vector<const actor*> out;
    for (const actor* a : as)
        if (!a->is_done())
            out.push_back(a);
    return out;
}

}  // namespace kmsim::sim

// arch/context.h - a kernel execution context: a kernel thread, a hard-IRQ handler or a softirq run.
//
// Owns: what the kernel knows about one flow of execution - its kind (task in
// process context, or hard-IRQ handler), pid, CPU, the simulated call stack
// used in reports, the locks it holds, and where it stands on its CPU.
// A task leaves its CPU when it sleeps; an interrupt context never does: if
// it sleeps (a bug) it keeps the CPU until it is woken. A softirq run at
// irq_exit() or local_bh_enable() is an interrupt context of its own on top
// of the task it interrupted, with SOFTIRQ_OFFSET and IRQs on; ksoftirqd runs
// softirqs in its own task context instead.
//
// run_state, per context:
//   created    not started yet (a thread before its start time)
//   runnable   on a runqueue, waiting for its CPU
//   resumable  on a CPU, ready to continue at once (after `remaining` more CPU time)
//   running    its fiber is executing now (exactly one context at a time)
//   busy       on a CPU, consuming CPU time until an event (udelay, a statement's cost)
//   spinning   on a CPU, spinning for a spinlock (burns CPU, no event)
//   sleeping   waiting for a mutex, completion, timer...; off its CPU if a task
//   done       the body returned
#pragma once

#include "sim/actor.h"
#include "sim/engine.h"
#include "sim/time.h"

#include <functional>
#include <array>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace kmsim::arch {

class cpu;
class irq_line;
class machine;
class lock_base;

enum class context_kind { task, hardirq, softirq };

enum class run_state { created, runnable, resumable, running, busy, spinning, sleeping, done };
const char* to_string(run_state s);
// Whether a context may go from FROM to TO:
//   created   -> runnable (a new task is queued), resumable (an IRQ handler starts on its CPU)
//   runnable  -> resumable (switched in)
//   resumable -> running (the CPU switches to it), busy (its CPU time is due), runnable (preempted)
//   running   -> resumable (it burns CPU time), sleeping, spinning, runnable (yields), done
//   busy      -> resumable (the time is up, or an interrupt cuts in), runnable (the tick preempts it)
//   spinning  -> resumable (it got the lock)
//   sleeping  -> runnable (woken task), resumable (woken IRQ handler, still on its CPU)
constexpr bool legal_transition(run_state from, run_state to)
{
    constexpr auto bit = [](run_state s) { return 1u << static_cast<unsigned>(s); };
    using r = run_state;
    constexpr unsigned to_from[] = {
        /* created   */ bit(r::runnable) | bit(r::resumable),
        /* runnable  */ bit(r::resumable),
        /* resumable */ bit(r::running) | bit(r::busy) | bit(r::runnable),
        /* running   */ bit(r::resumable) | bit(r::sleeping) | bit(r::spinning) | bit(r::runnable) | bit(r::done),
        /* busy      */ bit(r::resumable) | bit(r::runnable),
        /* spinning  */ bit(r::resumable),
        /* sleeping  */ bit(r::runnable) | bit(r::resumable),
        /* done      */ 0,
    };
    return to_from[static_cast<unsigned>(from)] & bit(to);
}

// A frame of the simulated call stack: a scenario location or a kernel
// function. Frames are pushed at every kernel call and saved with every
// allocation, so they are small values that own no text: FUNCTION and FILE
// view names that outlive the run (the scenario's, the kernel-call table's,
// literals), and a kernel call's arguments are kept as values and rendered
// into "kmalloc(64, GFP_KERNEL)" only when a report, a stack or the -v log
// shows the frame.
struct frame;
using frame_renderer = std::string (*)(const frame& f);

struct frame {
    std::string_view function;  // "kmalloc", "worker"
    std::string_view file;      // "irq-vs-process.kms" ("" for kernel-internal frames)
    int line = 0;
    // A kernel call's frame: RENDER names it from DETAIL (what the pusher
    // needs, e.g. the call's description) and the arguments.
    frame_renderer render = nullptr;
    const void* detail = nullptr;
    std::array<std::uint64_t, 5> args{};  // as many as a kernel call takes (kmem_cache_create: 5)
    std::uint8_t nargs = 0;
    // Compiled code (a C module's): FUNCTION is "sym+0x2a/0x60 [mod]" and
    // the place follows in parentheses, as decode_stacktrace.sh prints it.
    bool native = false;

    frame() = default;
    frame(std::string_view fn, std::string_view f, int l) : function(fn), file(f), line(l) {}
    // Kernel code that only runs the code above it (a kworker's
    // worker_thread and process_one_work): in call traces, not in a
    // deadlock's chain of steps.
    static frame entry(std::string_view fn) { return frame(fn, "", entry_line); }
    static constexpr int entry_line = -1;
    bool is_entry() const { return line == entry_line && file.empty(); }

    std::string name() const { return render ? render(*this) : std::string(function); }  // "kmalloc(64, GFP_KERNEL)"
    std::string format() const;  // "kmalloc(64, GFP_KERNEL) at irq-vs-process.kms:17", "f+0x2a/0x60 [m] (m.c:12)"
    // The same frame: the same names (the same strings, not only the same
    // text), place and arguments. What the stack depot keeps once.
    bool operator==(const frame& o) const
    {
        // Names are compared where they are (a name is one string of the
        // scenario or the table), arguments by value.
        return line == o.line && render == o.render && detail == o.detail && nargs == o.nargs && args == o.args &&
               function.data() == o.function.data() && function.size() == o.function.size() &&
               file.data() == o.file.data() && file.size() == o.file.size();
    }
    std::uint64_t hash() const;  // of what operator== compares
};

struct lockdep_map;
// A lock lockdep knows a context holds, and where it was taken: the kernel's
// struct held_lock, which lives in the task_struct.
struct held_lock {
    const lockdep_map* map = nullptr;  // its class
    frame at;
    const void* instance = nullptr;    // the lock itself (lockdep_map of the instance, in the kernel)
    bool read = false;                 // taken for read (down_read())
};

// The lines of a call trace for FRAMES (outermost first, as a context keeps
// them): innermost first, each " FRAME\n", as every report prints them.
std::string format_frames(const std::vector<frame>& frames);

class context : public sim::actor {
public:
    context(machine& m, context_kind kind, std::string name, int pid, sim::actor_role role,
            std::function<void()> body);
    ~context() override { unwind(); }

    context_kind kind() const { return kind_; }
    // An interrupt context (hard IRQ or softirq run): above a task on its
    // CPU's stack, never leaving it; `current` is the task below.
    bool is_irq() const { return kind_ != context_kind::task; }
    bool is_hardirq() const { return kind_ == context_kind::hardirq; }
    bool is_softirq() const { return kind_ == context_kind::softirq; }
    // A hard-IRQ handler that returned with locks held: its record is kept,
    // since the locks still name it as their owner, until it holds none.
    bool departed() const { return departed_; }
    sim::time_point departed_at() const { return departed_at_; }  // when a departed handler returned
    int pid() const { return pid_; }
    machine& mach() const { return machine_; }
    cpu* on_cpu() const { return cpu_; }
    int pinned_cpu() const { return pinned_cpu_; }
    run_state state_on_cpu() const { return rstate_; }
    // When the current wait (sleep or spin) began.
    sim::time_point wait_start() const { return wait_start_; }

    // Simulated call stack (innermost last), for reports.
    std::vector<frame>& frames() { return frames_; }
    const std::vector<frame>& frames() const { return frames_; }
    // The innermost frame with a file, or nullptr.
    const frame* location() const;
    // Inside a kernel call (whose frame is innermost): the frame of the code
    // that made it; else the innermost frame. nullptr without frames.
    const frame* caller_frame() const
    {
        return frames_.empty() ? nullptr : &frames_[frames_.size() >= 2 ? frames_.size() - 2 : 0];
    }

    // Task flags (PF_MEMALLOC, PF_WQ_WORKER, ...: arch/sched.h). Each bit
    // is the business of the code that sets it; the context only keeps them.
    std::uint32_t& task_flags() { return task_flags_; }
    std::uint32_t task_flags() const { return task_flags_; }

    // Locks held, in the order they were taken.
    std::vector<const lock_base*>& held_locks() { return held_; }
    const std::vector<const lock_base*>& held_locks() const { return held_; }
    // The same locks as lockdep records them (arch/lockdep.h), innermost last.
    std::vector<held_lock>& lockdep_held() { return lockdep_held_; }
    const std::vector<held_lock>& lockdep_held() const { return lockdep_held_; }
    // Lockdep's copy of this context's name, which its acquire sites view
    // when the context has no frames (sites outlive contexts); set once.
    mutable const std::string* lockdep_name = nullptr;

    // sim::actor
    std::string label() const override { return name(); }
    const sim::blocker* waiting_for() const override;
    void wait(const sim::blocker& reason) override;
    void wake() override;
    // How many times a wake() ended a sleep of this context: a front end
    // that tests a wait's condition itself (C's wait_event()) sleeps until
    // this changes.
    std::uint64_t wakeups() const { return wakeups_; }

    // Spin (fiber side): burn CPU until the lock's owner hands it over with
    // end_spin().
    void spin(const sim::blocker& lock);
    void end_spin();

private:
    friend class cpu;
    friend class machine;
    friend class khungtaskd;

    machine& machine_;
    context_kind kind_;
    int pid_;
    int pinned_cpu_ = -1;
    cpu* cpu_ = nullptr;
    run_state rstate_ = run_state::created;
    // The one way a context's state changes: asserts the transition is one
    // kmsim makes (see legal_transition), and keeps the engine's view of the
    // actor (running, ready, waiting, done) in step.
    void enter(run_state to)
    {
        if (!legal_transition(rstate_, to)) [[unlikely]]
            illegal_transition(to);
        rstate_ = to;
        switch (to) {
        case run_state::running: set_state(sim::actor_state::running); break;
        case run_state::sleeping:
        case run_state::spinning: set_state(sim::actor_state::waiting); break;
        case run_state::done: set_state(sim::actor_state::done); break;
        default: set_state(sim::actor_state::ready); break;  // runnable, resumable, busy: it has or wants a CPU
        }
    }
    [[noreturn]] void illegal_transition(run_state to) const;
    sim::duration remaining_{};              // CPU time still owed before it continues
    const sim::blocker* waiting_on_ = nullptr;  // set while spinning or sleeping
    std::uint32_t saved_preempt_count_ = 0;  // saved across a context switch
    bool saved_irqs_disabled_ = false;
    frame preempt_disabled_at_;              // where preempt_count left 0 (DEBUG_PREEMPT)
    std::vector<frame> frames_;
    std::uint64_t wakeups_ = 0;
    std::vector<held_lock> lockdep_held_;
    std::vector<const lock_base*> held_;
    std::uint32_t task_flags_ = 0;
    sim::time_point wait_start_{};
    bool hung_reported_ = false;  // this wait was already reported by the hung-task detector
    irq_line* irq_ = nullptr;  // the line a hard-IRQ handler serves
    bool departed_ = false;
    sim::time_point departed_at_{};
};

// Takes the context the engine's chooser picks from a queue of waiters or
// runnable tasks: the first one, as kmsim always did, unless a chooser that
// explores schedules picks another (sim/chooser.h).
inline context* take_chosen(sim::engine& e, sim::decision d, std::deque<context*>& q)
{
    if (!e.exploring() || q.size() < 2) {
        context* c = q.front();
        q.pop_front();
        return c;
    }
    std::vector<const sim::actor*> alternatives(q.begin(), q.end());
    const auto k = static_cast<std::ptrdiff_t>(e.choose_among(d, alternatives.data(), alternatives.size()));
    context* c = q[static_cast<std::size_t>(k)];
    q.erase(q.begin() + k);
    return c;
}

// Pushes a frame for the lifetime of a scope.
class frame_guard {
public:
    frame_guard(context& c, frame f) : c_(c) { c_.frames().push_back(std::move(f)); }
    ~frame_guard() { c_.frames().pop_back(); }
    frame_guard(const frame_guard&) = delete;
    frame_guard& operator=(const frame_guard&) = delete;

private:
    context& c_;
};

}  // namespace kmsim::arch

// arch/machine.h - the simulated machine: CPUs, kernel threads, IRQ lines, the kernel log.
//
// Owns: everything that exists at the arch level of one simulation - its CPUs,
// its contexts (threads for the whole run, IRQ handler contexts for one
// interrupt each), its interrupt lines, the kernel log and taint, and the
// kernel calls a running context makes that are about execution rather than
// memory: delays and sleeps, IRQ and preemption control, the context checks
// (might_sleep, scheduling while atomic) and their reports.
// Does not own: the engine (it is handed one), memory (mm/ builds on this).
// Its pieces live in files named for them: the CPU dispatch loop
// (arch/cpu.h), where a woken task goes (arch/select_task_rq.h), the context
// checks and WARN/panic (arch/sched_debug.cpp), the hung-task detector
// (arch/khungtaskd.h), the deadlock report (arch/deadlock_report.h), oopses
// (arch/traps.h), lockdep (arch/lockdep.h).
//
// Calls marked "fiber side" must be made by the running context; they act on
// `current`, as the kernel's do.
#pragma once

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/irq.h"
#include "arch/kernel_log.h"
#include "arch/khungtaskd.h"
#include "arch/kthread.h"
#include "arch/lockdep.h"
#include "arch/softirq.h"
#include "arch/tasklet.h"
#include "arch/timer.h"
#include "arch/workqueue.h"
#include "arch/tracepoint.h"
#include "sim/engine.h"
#include "sim/error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kmsim::arch {

inline constexpr const char* kernel_release = "6.15.0-kmsim";

// Kernel threads a machine runs at most: each has a fiber stack, and the host
// maps every stack with a guard page (two mappings of vm.max_map_count).
inline constexpr std::size_t max_kernel_threads = 8192;

// The machines kmsim builds: the one table of limits that the scenario
// parser (at FILE:LINE:COL) and the machine (as config_error) both check,
// each check giving the message, or nothing when the value is fine.
inline constexpr int max_cpus = 1024;
inline constexpr int kernel_hz[] = {100, 250, 300, 1000};  // CONFIG_HZ choices
std::optional<std::string> check_cpus(std::int64_t cpus);
std::optional<std::string> check_hz(std::int64_t hz);

struct machine_config {
    int cpus = 1;       // 1..max_cpus
    int hz = 1000;      // jiffies per second: one of kernel_hz
    // Round-robin time slice: a task that has run this long is preempted at
    // the next tick if another task is runnable on its CPU and it is
    // preemptible (preempt_count 0, IRQs on).
    sim::duration timeslice = sim::msecs(3);
};

struct thread_options {
    int cpu = -1;                 // pinned CPU, or -1 to let the scheduler place it
    sim::time_point start{};      // when it becomes runnable
    sim::actor_role role = sim::actor_role::foreground;
    int pid = 0;                  // 0: the next free pid; boot-time kthreads take fixed low ones
    bool stopped = false;         // not runnable at all until make_runnable() (kthread_create())
};

// Taint flags, in print_tainted() order.
enum class taint : unsigned { proprietary_module, forced_module, cpu_out_of_spec, forced_rmmod, machine_check,
                              bad_page, user, die, overridden_acpi_table, warn, crap, firmware_workaround,
                              oot_module, unsigned_module, soft_lockup, livepatch, aux, randstruct, test, fwctl };

class machine {
public:
    machine(sim::engine& e, machine_config cfg);
    ~machine();
    machine(const machine&) = delete;
    machine& operator=(const machine&) = delete;

    sim::engine& eng() const { return engine_; }
    const machine_config& config() const { return config_; }
    kernel_log& log() { return log_; }
    // The tracepoints (arch/tracepoint.h): attach probes to see the run.
    trace_events& trace() { return trace_; }
    class lockdep& lockdep_checks() { return lockdep_; }
    // The kernel threads made at run time (kthread_create()).
    class kthreads& kthreads() { return kthreads_; }
    // The workqueues and their kworkers (workqueues::init() starts them).
    class workqueues& workqueues() { return workqueues_; }
    // Softirqs and ksoftirqd (softirqs::init() starts the threads).
    class softirqs& softirqs() { return softirqs_; }
    // timer_list and tasklets, run in their softirqs.
    class timers& timers() { return timers_; }
    class tasklets& tasklets() { return tasklets_; }
    // A pid for a kernel thread made at boot (kworkers, ksoftirqd): 4 to 34
    // in order, as the kernel's early threads have low ones; then 0 (the
    // next free pid).
    int boot_pid() { return next_boot_pid_ < 35 ? next_boot_pid_++ : 0; }
    const kernel_log& log() const { return log_; }
    int nr_cpus() const { return static_cast<int>(cpus_.size()); }
    cpu& cpu_at(int id);
    sim::time_point now() const { return engine_.now(); }
    sim::duration tick() const { return tick_; }

    // --- creating contexts (setup time or engine side) ---
    context& create_thread(std::string name, std::function<void()> body, thread_options opts = {});
    irq_line& request_irq(int line, std::string name, int cpu, std::function<void()> handler);
    irq_line& irq(int line);
    const std::vector<std::unique_ptr<context>>& threads() const { return threads_; }

    // --- the running context (fiber side) ---
    context* current_context() const { return running_; }
    context& current()
    {
        KMSIM_ASSERT(running_ != nullptr, "a kernel call made outside any context (call it from a thread or IRQ body)");
        return *running_;
    }
    cpu& this_cpu() { return *current().cpu_; }
    // The task the kernel calls `current`: in hard-IRQ context, the task that
    // was interrupted (or the idle task).
    std::string current_comm() const;
    // That task as a context, or nullptr when an IRQ interrupted the idle task.
    context* current_task() const
    {
        if (!running_)
            return nullptr;
        return running_->is_irq() ? running_->cpu_->curr() : running_;
    }
    int current_pid() const
    {
        const context* t = current_task();
        return t ? t->pid() : 0;
    }

    // Time (fiber side). Delays burn CPU and can be interrupted; sleeps leave
    // the CPU. msleep() sleeps msecs_to_jiffies(ms) + 1 jiffies, to a jiffy
    // boundary, as the kernel's does. Nothing wraps: a delay or sleep longer
    // than simulated time can hold lasts forever (the run's time limit ends
    // it), where the kernel's own arithmetic would wrap or saturate.
    void consume(sim::duration d);
    void udelay(std::uint64_t us) { consume(sim::units(us, 1000)); }
    void ndelay(std::uint64_t ns) { consume(sim::units(ns, 1)); }
    void mdelay(std::uint64_t ms) { consume(sim::units(ms, 1000 * 1000)); }
    // msleep(unsigned int msecs): the argument is truncated to 32 bits as in
    // C, then msecs_to_jiffies() saturates at MAX_JIFFY_OFFSET.
    void msleep(std::uint64_t ms);
    void usleep_range(std::uint64_t min_us, std::uint64_t max_us);
    void schedule_timeout(std::uint64_t jiffies_to_sleep);
    void schedule();
    void cond_resched();
    // A point where the kernel could preempt the running task (a kernel
    // call, under CONFIG_PREEMPT): the chooser decides (sim/chooser.h).
    void preemption_point();

    // IRQ and preemption control (fiber side).
    void local_irq_disable();
    void local_irq_enable();
    unsigned long local_irq_save();
    void local_irq_restore(unsigned long flags);
    void preempt_disable();
    void preempt_enable();
    void rcu_read_lock() { preempt_disable(); }    // !CONFIG_PREEMPT_RCU
    void rcu_read_unlock() { preempt_enable(); }

    // Queries (fiber side).
    // At boot, before any context runs, the kernel is on CPU 0 in process
    // context: nothing is counted in preempt_count.
    std::uint32_t preempt_count() { return running_ ? this_cpu().preempt_count() : 0; }
    bool in_interrupt();
    bool in_atomic() { return preempt_count() != 0; }
    bool irqs_disabled() { return running_ && this_cpu().irqs_disabled(); }
    int smp_processor_id() { return running_ ? this_cpu().id() : 0; }
    std::uint64_t jiffies() const { return jiffies_at(now()); }
    std::uint64_t jiffies_at(sim::time_point t) const;  // the value jiffies had at T
    sim::time_point jiffy_start(std::uint64_t j) const;  // when jiffies becomes J (never, past what time holds)

    // Context checks (fiber side). KERNEL_FILE:KERNEL_LINE is where the
    // kernel's check lives; the report names the scenario location instead
    // when the context has one.
    void might_sleep(const char* kernel_file = "kernel/sched/core.c", int kernel_line = 0)
    {
        // Boot (system_state != SYSTEM_RUNNING) is not checked.
        if (running_ && (running_->cpu_->preempt_count() != 0 || running_->cpu_->irqs_disabled()))
            might_resched(kernel_file, kernel_line);
    }
    // WARN(): "------------[ cut here ]------------", FIRST_LINE if any, the
    // "WARNING: CPU: N PID: P at FILE:LINE FUNCTION" line, the stack, the end
    // marker. Returns normally; taints W. A warning raised inside a kernel
    // function names its kernel file; KERNEL_FILE nullptr means the scenario's
    // own WARN_ON, located at the scenario line.
    void warn(std::string_view first_line, const char* kernel_file, int kernel_line, const char* function);
    // panic(): prints "Kernel panic - not syncing: MESSAGE" and stops the
    // machine (outcome panic). From a context, it never returns to the caller.
    void panic(std::string_view message);

    // Reports: the CPU line, Hardware name and Call Trace of dump_stack().
    std::string dump_stack(const context& c) const;
    std::string taint_string() const;
    void add_taint(taint t) { taint_mask_ |= 1u << static_cast<unsigned>(t); }
    // A module loaded: print_modules()'s "Modules linked in:" lists it,
    // with its taint flags ("kasan_oob(O)").
    void module_loaded(std::string name_and_flags) { modules_linked_in_ += " " + name_and_flags; }
    // kernel.hung_task_timeout_secs (0 disables the detector).
    void set_hung_task_timeout(std::uint64_t secs) { hung_tasks_.set_timeout(secs); }
    // Record a report raised by the running context (or by the machine).
    void add_report(report_kind kind, std::string title, std::string text, log_level level = log_level::err);

    // Wakeup (engine or fiber side): C goes on the run queue of the CPU
    // select_task_rq() picks (arch/select_task_rq.h).
    void make_runnable(context& c);
    // wake_up_process() of a kernel thread made stopped (thread_options::
    // stopped): starts it if it never ran, else wakes it if it sleeps.
    void wake_up_process(context& c)
    {
        if (c.state_on_cpu() == run_state::created)
            make_runnable(c);
        else
            c.wake();
    }
    // Internal: scheduling-while-atomic check, made when a context is about to wait.
    void schedule_debug(context& c);

    // Called by lock code when a context's hold set changes.
    void note_lock_acquired(context& c, const lock_base& l);
    void note_lock_released(context& c, const lock_base& l);

private:
    friend class cpu;
    friend class irq_line;
    friend class context;
    friend class softirqs;

    context& new_irq_context(irq_line& line);
    context& new_softirq_context();
    // __might_resched() for a context that may not sleep: the rate-limited report.
    void might_resched(const char* kernel_file, int kernel_line);
    // __handle_irq_event_percpu()'s checks once a handler returns (fiber
    // side, still in hard-IRQ context): IRQs re-enabled, locks still held.
    void irq_exit_checks(irq_line& line);
    void report_irq_exit_with_locks(const context& h, const irq_line& line);
    void task_exit(context& c);
    void yield_cpu(context& c, run_state how);
    void retire_irq_context(context* c);
    // The run's budget ran out: say who spent it (kmsim's own note, in the log).
    void explain_out_of_budget(const sim::run_limits& limits);
    // An interrupt line raised faster than its handler completes, once.
    void note_irq_storm(const irq_line& line);
    // A task began an uninterruptible wait (for the hung-task detector).
    void note_task_blocked(const context& c) { hung_tasks_.note_task_blocked(c); }
    void emit_context_report(report_kind kind, const context& c, std::string title, std::string body);
    std::string held_locks_text(const context& c) const;

    sim::engine& engine_;
    machine_config config_;
    sim::duration tick_;
    trace_events trace_;
    kernel_log log_;
    class lockdep lockdep_{*this};
    std::vector<std::unique_ptr<cpu>> cpus_;
    std::vector<std::unique_ptr<context>> threads_;
    std::vector<std::unique_ptr<context>> irq_contexts_;
    // IRQ handlers that returned holding locks, kept while a lock names them.
    std::vector<std::unique_ptr<context>> departed_;
    bool warned_irq_enabled_ = false;  // WARN_ONCE of __handle_irq_event_percpu
    std::map<int, std::unique_ptr<irq_line>> irqs_;
    context* running_ = nullptr;
    int dispatching_ = 0;  // > 0 while some cpu::run() is on the stack
    int next_pid_ = 100;  // scenario threads: 100, 101, ... (low pids belong to boot-time kthreads)
    unsigned taint_mask_ = 0;
    std::string modules_linked_in_;  // " a(O) b(O)", in load order
    std::uint64_t might_sleep_prev_jiffy_ = 0;
    bool might_sleep_ever_ = false;
    sim::named_wait halted_{"panic()"};
    khungtaskd hung_tasks_{*this};
    class kthreads kthreads_{*this};
    class workqueues workqueues_{*this};
    class softirqs softirqs_{*this};
    class timers timers_{*this};
    class tasklets tasklets_{*this};
    int next_boot_pid_ = 4;
};

// Context-switch-free helpers with kernel names, for code that reads like C.
// MAX_JIFFY_OFFSET: ((LONG_MAX >> 1) - 1), "forever" to the timer code.
inline constexpr std::uint64_t MAX_JIFFY_OFFSET = (static_cast<std::uint64_t>(INT64_MAX) >> 1) - 1;
// msecs_to_jiffies(const unsigned int m): negative as an int means "forever".
inline std::uint64_t msecs_to_jiffies(std::uint32_t ms, int hz)
{
    if (static_cast<std::int32_t>(ms) < 0)
        return MAX_JIFFY_OFFSET;
    return (static_cast<std::uint64_t>(ms) * static_cast<std::uint64_t>(hz) + 999) / 1000;
}

}  // namespace kmsim::arch

// arch/workqueue.h - workqueues: work items run by kworkers of shared pools, with rescuers.
//
// Owns: kernel/workqueue.c's model - the worker pools (per CPU a normal and
// a WQ_HIGHPRI one, and unbound ones), their kworkers, the workqueues and
// their pool_workqueues (max_active, the inactive list), each workqueue's
// rescuer, and the work items queued on them. Work items themselves
// (work_struct) belong to whoever declares them; this runs them.
//
// As the kernel does it:
// - A pool keeps one idle worker in reserve. A worker that takes work and
//   leaves none idle first becomes the pool's manager and creates another
//   (maybe_create_worker()), allocating its task_struct and stack with
//   GFP_KERNEL: creation can stall in reclaim, fail and retry after
//   CREATE_COOLDOWN. If the manager has not succeeded after
//   MAYDAY_INITIAL_TIMEOUT, the pool's mayday timer sends work of
//   WQ_MEM_RECLAIM queues to their rescuer (every MAYDAY_INTERVAL while it
//   is needed); other queues' work waits for the manager.
// - Concurrency management: a per-CPU pool runs one work item at a time
//   (nr_running); when its worker sleeps, the next idle worker is woken to
//   run the next item. Workers of unbound pools, and WQ_CPU_INTENSIVE work,
//   do not count, so their items run side by side.
// - A work item is queued once until it starts (PENDING), never runs on two
//   workers of a pool at once, and is queued where it still runs.
// - lockdep sees each execution as holding (wq_completion)NAME and
//   (work_completion)(&WORK); flush_work() and flush_workqueue() take them
//   for a moment, so a flush under a lock the work takes is predicted.
// - flush_work() of a work item with nothing queued or running returns at
//   once; cancel_work_sync() takes a pending item off its queue, then waits
//   for a running one.
// Names are the kernel's: kworker/CPU:ID, kworker/CPU:IDH (WQ_HIGHPRI),
// kworker/uPOOL:ID (unbound), kworker/R-NAME (a rescuer), truncated to
// TASK_COMM_LEN as the kernel's comm is. Pool ids follow 6.15's order: per
// CPU two BH pools, then the normal and highpri ones; unbound pools after.
//
// Simplifications: workers are never destroyed when idle too long (runs are
// shorter than IDLE_WORKER_TIMEOUT, 300 s); there are no BH workqueues; a
// rescuer is not bound to the pool's CPU while it rescues per-CPU work: it
// runs where the scheduler puts it.
// A delayed work item's timer is a timer_list (arch/timer.h): at its tick,
// delayed_work_timer_fn() queues the item from TIMER_SOFTIRQ, on the CPU
// that armed it.
// Invariants: a work item is on at most one list (a pool's worklist, a
// pool_workqueue's inactive list, a worker's scheduled list); pending is
// true exactly while it is on one of them or its delay timer is armed;
// nr_running counts the workers of a per-CPU pool that run work and do not
// sleep; a pool has at most one manager.
#pragma once

#include "arch/lockdep.h"
#include "arch/timer.h"
#include "sim/actor.h"
#include "sim/engine.h"
#include "sim/event_queue.h"
#include "sim/wait_queue.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

// alloc_workqueue() flags (include/linux/workqueue.h).
enum wq_flags : unsigned {
    WQ_UNBOUND = 1u << 1,
    WQ_FREEZABLE = 1u << 2,  // accepted; nothing freezes in kmsim
    WQ_MEM_RECLAIM = 1u << 3,
    WQ_HIGHPRI = 1u << 4,
    WQ_CPU_INTENSIVE = 1u << 5,
};
inline constexpr int WQ_MAX_ACTIVE = 2048;
inline constexpr int WQ_DFL_ACTIVE = WQ_MAX_ACTIVE / 2;

struct worker;
struct worker_pool;
struct pool_workqueue;
class workqueue_struct;
class workqueues;

// struct work_struct: a function to run in a kworker. Declared by a front
// end, which keeps it for the whole run.
class work_struct : public sim::blocker {
public:
    work_struct(std::string name, std::function<void()> func);

    const std::string& name() const { return name_; }
    bool pending() const { return pending_; }
    bool running() const { return !executing_.empty(); }
    const lockdep_map& lockdep() const { return map_; }

    // The wait in flush_work() and cancel_work_sync(): for the worker that
    // runs the item, or for the pool's workers that could.
    std::string describe_wait() const override { return "flush_work(" + name_ + ")"; }
    std::vector<const sim::actor*> holders() const override;
    const char* holder_role() const override { return "run by"; }
    // Running on one worker: only that worker's finishing it ends the wait.
    bool exclusive() const override { return executing_.size() == 1 && !pwq_; }
    const sim::actor* sole_holder() const override;

private:
    friend class workqueues;
    std::string name_;
    std::function<void()> func_;
    lockdep_map map_;
    workqueues* owner_ = nullptr;       // set when first queued
    bool pending_ = false;
    pool_workqueue* pwq_ = nullptr;     // where it is queued (pending, not on a timer)
    workqueue_struct* timer_wq_ = nullptr;  // queue_delayed_work()'s target while the timer is armed
    std::unique_ptr<timer_list> timer_;     // a delayed_work's, made by its first queue_delayed_work()
    worker_pool* last_pool_ = nullptr;  // the pool it last ran in
    std::vector<worker*> executing_;    // the workers running it now (one per pool at most)
    std::uint64_t queue_seq_ = 0;       // the sequence number of its pending queueing
    std::uint64_t nr_queued_ = 0, nr_finished_ = 0;  // queueings that will run, runs done
    sim::run_hold hold_;                // while pending or running
    sim::wait_queue flushers_;
};

// struct workqueue_struct.
class workqueue_struct : public sim::blocker {
public:
    const std::string& name() const { return name_; }
    unsigned flags() const { return flags_; }
    int max_active() const { return max_active_; }
    const context* rescuer() const;
    const lockdep_map& lockdep() const { return map_; }

    // The wait in flush_workqueue() and destroy_workqueue().
    std::string describe_wait() const override { return "flush_workqueue(" + name_ + ")"; }
    std::vector<const sim::actor*> holders() const override;
    const char* holder_role() const override { return "run by"; }

private:
    friend class workqueues;
    friend class work_struct;
    workqueue_struct(std::string name, unsigned flags, int max_active);
    std::string name_;
    unsigned flags_;
    int max_active_;
    lockdep_map map_;
    std::vector<std::unique_ptr<pool_workqueue>> pwqs_;  // by CPU, or one for an unbound queue
    worker* rescuer_ = nullptr;
    std::deque<pool_workqueue*> maydays_;
    bool destroying_ = false;
    std::set<std::uint64_t> in_flight_;  // queue_seq of its items queued and not finished
    sim::wait_queue flushers_;
    const workqueues* owner_ = nullptr;
};

// The workqueue subsystem of one machine.
class workqueues {
public:
    explicit workqueues(machine& m);
    ~workqueues();
    workqueues(const workqueues&) = delete;
    workqueues& operator=(const workqueues&) = delete;

    // Boot (setup time): workqueue_init() - the pools with their first idle
    // worker, and the system workqueues. Until then no work may be queued.
    void init();
    bool initialized() const { return !pools_.empty(); }
    // alloc_workqueue() at boot: the queue, and its rescuer for
    // WQ_MEM_RECLAIM. MAX_ACTIVE 0 means WQ_DFL_ACTIVE.
    workqueue_struct& alloc_workqueue(std::string name, unsigned flags, int max_active);
    workqueue_struct& system_wq() { return *system_wq_; }
    workqueue_struct& system_highpri_wq() { return *system_highpri_wq_; }
    workqueue_struct& system_long_wq() { return *system_long_wq_; }
    workqueue_struct& system_unbound_wq() { return *system_unbound_wq_; }

    // queue_work(): queues WORK on WQ (on this CPU's pool for a per-CPU
    // queue); false if it was pending already. Any context, or engine side.
    bool queue_work(workqueue_struct& wq, work_struct& work);
    // queue_delayed_work(): queues WORK DELAY jiffies from now (0: now).
    bool queue_delayed_work(workqueue_struct& wq, work_struct& work, std::uint64_t delay);
    // Fiber side, process context. flush_work(): waits until the last
    // queueing of WORK has run; false if there was nothing to wait for.
    bool flush_work(work_struct& work);
    // cancel_work_sync(): takes WORK off its queue (or its delay timer), then
    // waits for a running execution; true if it was pending.
    bool cancel_work_sync(work_struct& work);
    // flush_workqueue(): waits until every item queued on WQ before the
    // call has run.
    void flush_workqueue(workqueue_struct& wq);
    // destroy_workqueue(): drains WQ, stops its rescuer; queueing on it
    // afterwards WARNs and is refused.
    void destroy_workqueue(workqueue_struct& wq);

    // The scheduler's hooks for a PF_WQ_WORKER task (kernel/sched/core.c):
    // it is about to sleep (wq_worker_sleeping()), it was woken
    // (wq_worker_running()).
    void worker_sleeping(context& task);
    void worker_running(context& task);

private:
    friend class work_struct;
    friend class workqueue_struct;

    worker_pool& pool_for(const workqueue_struct& wq, int cpu);
    void boot_worker(worker_pool& pool);
    bool create_worker(worker_pool& pool);
    void worker_thread(worker& w);
    void rescuer_thread(worker& r);
    void manage_workers(worker& w);
    void process_scheduled_works(worker& w);
    void process_one_work(worker& w, work_struct& work);
    bool assign_work(work_struct& work, worker& w);
    void insert_work(pool_workqueue& pwq, work_struct& work);
    void pwq_dec_nr_in_flight(pool_workqueue& pwq);
    bool kick_pool(worker_pool& pool);
    void worker_enter_idle(worker& w);
    void worker_leave_idle(worker& w);
    void set_running(worker& w, bool counted);
    void idle_sleep(worker& w);
    void arm_mayday(worker_pool& pool);
    void mayday_timeout(worker_pool& pool);
    void check_flush_dependency(const workqueue_struct& target, const work_struct* work);
    void hold(work_struct& work);
    void unhold(work_struct& work);
    void finished(work_struct& work, workqueue_struct& wq);
    worker* worker_of(const context& task) const;

    machine& machine_;
    std::vector<std::unique_ptr<worker_pool>> pools_;  // per CPU: normal, highpri; then unbound ones
    std::vector<std::unique_ptr<workqueue_struct>> wqs_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::map<const context*, worker*> by_task_;
    workqueue_struct* system_wq_ = nullptr;
    workqueue_struct* system_highpri_wq_ = nullptr;
    workqueue_struct* system_long_wq_ = nullptr;
    workqueue_struct* system_unbound_wq_ = nullptr;
    std::uint64_t next_seq_ = 0;
    bool warned_create_ = false;                 // pr_err_once of a failed worker creation
    std::set<std::string> warned_flush_;         // WARN_ONCE of check_flush_dependency, by site
    bool warned_destroyed_ = false;              // WARN_ONCE of queueing on a destroyed queue
};

}  // namespace kmsim::arch

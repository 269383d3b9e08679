// arch/workqueue.cpp - worker pools, kworkers, rescuers and work items, as kernel/workqueue.c runs them.
#include "arch/workqueue.h"

#include "arch/machine.h"
#include "arch/sched.h"
#include "sim/error.h"

#include <fmt/format.h>

#include <algorithm>

namespace kmsim::arch {

namespace {

// kernel/workqueue.c's timing, in jiffies of a machine running at HZ.
std::uint64_t mayday_initial_timeout(int hz) { return hz / 100 >= 2 ? static_cast<std::uint64_t>(hz / 100) : 2; }
std::uint64_t mayday_interval(int hz) { return static_cast<std::uint64_t>(hz / 10); }
std::uint64_t create_cooldown(int hz) { return static_cast<std::uint64_t>(hz); }

// TASK_COMM_LEN: a task's name keeps 15 characters.
std::string comm(std::string name) { return name.size() > 15 ? name.substr(0, 15) : name; }

// A worker asleep with nothing to do (TASK_IDLE): not stuck.
class idle_wait : public sim::blocker {
public:
    explicit idle_wait(const char* what) : what_(what) {}
    std::string describe_wait() const override { return what_; }
    std::vector<const sim::actor*> holders() const override { return {}; }
    bool idle() const override { return true; }

private:
    const char* what_;
};

template <typename T>
bool erase_one(std::deque<T*>& list, T* x)
{
    auto it = std::find(list.begin(), list.end(), x);
    if (it == list.end())
        return false;
    list.erase(it);
    return true;
}

}  // namespace

// struct worker_pool.
struct worker_pool {
    int id = 0;
    int cpu = -1;  // -1: unbound
    bool highpri = false;
    std::deque<work_struct*> worklist;
    std::vector<worker*> workers;
    std::vector<worker*> idle_list;  // the most recently idle last (first_idle_worker())
    int nr_running = 0;
    worker* manager = nullptr;
    std::set<int> ids;  // worker_ida
    idle_wait idle{"worker_thread (idle)"};
    sim::event_queue::handle mayday_timer;
    std::uint64_t mayday_last = 0;  // the jiffy the mayday timer last fired at
    bool mayday_quiet = false;      // it fired with nobody to call, and was not re-armed

    // need_more_worker(), may_start_working(), keep_working(), need_to_create_worker().
    bool need_more_worker() const { return !worklist.empty() && nr_running == 0; }
    bool may_start_working() const { return !idle_list.empty(); }
    bool keep_working() const { return !worklist.empty() && nr_running <= 1; }
    bool need_to_create_worker() const { return need_more_worker() && !may_start_working(); }
};

// struct pool_workqueue: a workqueue's link to one pool.
struct pool_workqueue {
    workqueue_struct* wq = nullptr;
    worker_pool* pool = nullptr;
    int nr_active = 0;
    std::deque<work_struct*> inactive;
    bool on_mayday = false;
};

// struct worker.
struct worker {
    context* task = nullptr;
    worker_pool* pool = nullptr;          // a rescuer's: the pool it rescues now
    workqueue_struct* rescue_wq = nullptr;
    int id = 0;
    work_struct* current_work = nullptr;
    pool_workqueue* current_pwq = nullptr;
    std::deque<work_struct*> scheduled;
    bool idle = false;     // on its pool's idle list
    bool counted = false;  // in nr_running (WORKER_NOT_RUNNING clear)
    bool sleeping = false; // wq_worker_sleeping() took it out of nr_running
    bool stop = false;     // a rescuer told to exit
    idle_wait rescuer_idle{"rescuer_thread (idle)"};
};

// ---- work_struct and workqueue_struct

work_struct::work_struct(std::string name, std::function<void()> func)
    : name_(std::move(name)), func_(std::move(func)), map_{"(work_completion)(&" + name_ + ")", 0}
{
}

std::vector<const sim::actor*> work_struct::holders() const
{
    std::vector<const sim::actor*> out;
    for (const worker* w : executing_)
        out.push_back(w->task);
    if (out.empty() && pwq_) {
        // Queued: whichever of the pool's workers is not asleep idle could
        // run it (the manager, busy ones), and the queue's rescuer.
        for (const worker* w : pwq_->pool->workers)
            if (!w->idle || w->task->waiting_for() != &pwq_->pool->idle)
                out.push_back(w->task);
        if (pwq_->wq->rescuer_)
            out.push_back(pwq_->wq->rescuer_->task);
    }
    return out;
}

const sim::actor* work_struct::sole_holder() const { return exclusive() ? executing_.front()->task : nullptr; }

workqueue_struct::workqueue_struct(std::string name, unsigned flags, int max_active)
    : name_(std::move(name)), flags_(flags), max_active_(max_active), map_{"(wq_completion)" + name_, 0}
{
}

const context* workqueue_struct::rescuer() const { return rescuer_ ? rescuer_->task : nullptr; }

std::vector<const sim::actor*> workqueue_struct::holders() const
{
    std::vector<const sim::actor*> out;
    for (const auto& pwq : pwqs_)
        for (const worker* w : pwq->pool->workers)
            if ((w->current_pwq == pwq.get() || (!pwq->pool->worklist.empty() && !w->idle)) &&
                std::find(out.begin(), out.end(), w->task) == out.end())
                out.push_back(w->task);
    if (rescuer_)
        out.push_back(rescuer_->task);
    return out;
}

// ---- boot

workqueues::workqueues(machine& m) : machine_(m) {}
workqueues::~workqueues() = default;

void workqueues::init()
{
    KMSIM_ASSERT(pools_.empty(), "workqueue_init() twice");
    // workqueue_init_early(): per CPU two BH pools (ids 4c, 4c+1, which
    // kmsim does not run), then the normal and highpri pools.
    for (int c = 0; c < machine_.nr_cpus(); ++c)
        for (int highpri = 0; highpri < 2; ++highpri) {
            auto p = std::make_unique<worker_pool>();
            p->id = 4 * c + 2 + highpri;
            p->cpu = c;
            p->highpri = highpri;
            pools_.push_back(std::move(p));
        }
    system_wq_ = &alloc_workqueue("events", 0, 0);
    system_highpri_wq_ = &alloc_workqueue("events_highpri", WQ_HIGHPRI, 0);
    system_long_wq_ = &alloc_workqueue("events_long", 0, 0);
    system_unbound_wq_ = &alloc_workqueue("events_unbound", WQ_UNBOUND, WQ_MAX_ACTIVE);
    // workqueue_init(): the first worker of every pool.
    for (auto& p : pools_)
        boot_worker(*p);
}

worker_pool& workqueues::pool_for(const workqueue_struct& wq, int cpu)
{
    const bool highpri = wq.flags() & WQ_HIGHPRI;
    if (!(wq.flags() & WQ_UNBOUND))
        return *pools_[static_cast<std::size_t>(2 * cpu + (highpri ? 1 : 0))];
    for (auto& p : pools_)
        if (p->cpu < 0 && p->highpri == highpri)
            return *p;
    // get_unbound_pool(): a pool for these attributes, made with its first worker.
    auto p = std::make_unique<worker_pool>();
    p->id = 4 * machine_.nr_cpus() + static_cast<int>(pools_.size()) - 2 * machine_.nr_cpus();
    p->highpri = highpri;
    worker_pool& pool = *p;
    pools_.push_back(std::move(p));
    if (system_unbound_wq_)  // after workqueue_init(): its worker now
        boot_worker(pool);
    return pool;
}

workqueue_struct& workqueues::alloc_workqueue(std::string name, unsigned flags, int max_active)
{
    auto q = std::unique_ptr<workqueue_struct>(
        new workqueue_struct(std::move(name), flags, max_active > 0 ? std::min(max_active, WQ_MAX_ACTIVE) : WQ_DFL_ACTIVE));
    workqueue_struct& wq = *q;
    wq.owner_ = this;
    const int n = (flags & WQ_UNBOUND) ? 1 : machine_.nr_cpus();
    for (int c = 0; c < n; ++c) {
        auto pwq = std::make_unique<pool_workqueue>();
        pwq->wq = &wq;
        pwq->pool = &pool_for(wq, c);
        wq.pwqs_.push_back(std::move(pwq));
    }
    if (flags & WQ_MEM_RECLAIM) {
        // init_rescuer(): "kworker/R-%s", a worker of no pool.
        auto r = std::make_unique<worker>();
        worker& rw = *r;
        rw.rescue_wq = &wq;
        thread_options o;
        o.role = sim::actor_role::background;
        o.pid = machine_.boot_pid();
        o.stopped = true;  // it sleeps until a pool calls for help
        rw.task = &machine_.create_thread(comm("kworker/R-" + wq.name()), [this, &rw] { rescuer_thread(rw); }, o);
        by_task_[rw.task] = &rw;
        wq.rescuer_ = &rw;
        workers_.push_back(std::move(r));
    }
    wqs_.push_back(std::move(q));
    return wq;
}

namespace {
int lowest_free_id(const std::set<int>& ids)
{
    int id = 0;
    for (int used : ids) {
        if (used != id)
            break;
        ++id;
    }
    return id;
}
std::string worker_name(const worker_pool& pool, int id)
{
    // format_worker_id()
    if (pool.cpu >= 0)
        return fmt::format("kworker/{}:{}{}", pool.cpu, id, pool.highpri ? "H" : "");
    return fmt::format("kworker/u{}:{}", pool.id, id);
}
}  // namespace

void workqueues::boot_worker(worker_pool& pool)
{
    // A pool's first worker, made at boot without allocating (as kswapd
    // is): it sleeps idle, never having run, until work comes.
    const int id = lowest_free_id(pool.ids);
    pool.ids.insert(id);
    thread_options o;
    o.cpu = pool.cpu;
    o.role = sim::actor_role::background;
    o.pid = machine_.boot_pid();
    o.stopped = true;
    auto rec = std::make_unique<worker>();
    worker& w = *rec;
    w.pool = &pool;
    w.id = id;
    w.task = &machine_.create_thread(worker_name(pool, id), [this, &w] { worker_thread(w); }, o);
    by_task_[w.task] = &w;
    workers_.push_back(std::move(rec));
    pool.workers.push_back(&w);
    worker_enter_idle(w);
}

// ---- workers

worker* workqueues::worker_of(const context& task) const
{
    auto it = by_task_.find(&task);
    return it == by_task_.end() ? nullptr : it->second;
}

bool workqueues::create_worker(worker_pool& pool)
{
    frame_guard fg(machine_.current(), frame{"create_worker", "", 0});
    const int id = lowest_free_id(pool.ids);
    pool.ids.insert(id);
    // The record exists before its thread does, which runs worker_thread() on it.
    auto rec = std::make_unique<worker>();
    worker& w = *rec;
    w.pool = &pool;
    w.id = id;
    thread_options o;
    o.cpu = pool.cpu;
    o.role = sim::actor_role::background;
    const std::uint64_t task =
        machine_.kthreads().create([this, &w] { worker_thread(w); return std::uint64_t{0}; }, worker_name(pool, id), o);
    if (IS_ERR_VALUE(task)) {
        pool.ids.erase(id);
        if (!warned_create_) {
            warned_create_ = true;  // pr_err_once()
            machine_.log().printk(machine_.now(), log_level::err,
                                  fmt::format("workqueue: Failed to create a worker thread: {}\n",
                                              static_cast<std::int64_t>(task) == -EAGAIN ? "-EAGAIN" : "-ENOMEM"),
                                  machine_.current().name(), machine_.smp_processor_id());
        }
        return false;
    }
    w.task = machine_.kthreads().task_of(task);
    by_task_[w.task] = &w;
    workers_.push_back(std::move(rec));
    pool.workers.push_back(&w);
    worker_enter_idle(w);
    machine_.kthreads().wake_up_process(task);
    return true;
}

void workqueues::worker_enter_idle(worker& w)
{
    w.idle = true;
    w.pool->idle_list.push_back(&w);
}

void workqueues::worker_leave_idle(worker& w)
{
    if (!w.idle)
        return;
    w.idle = false;
    auto& l = w.pool->idle_list;
    l.erase(std::find(l.begin(), l.end(), &w));
}

void workqueues::set_running(worker& w, bool counted)
{
    // worker_clr_flags()/worker_set_flags() of WORKER_NOT_RUNNING: only
    // per-CPU pools manage concurrency.
    if (w.pool->cpu < 0 || w.rescue_wq || w.counted == counted)
        return;
    w.counted = counted;
    w.pool->nr_running += counted ? 1 : -1;
}

void workqueues::idle_sleep(worker& w)
{
    context& self = *w.task;
    self.wait(w.rescue_wq ? static_cast<const sim::blocker&>(w.rescuer_idle) : w.pool->idle);
}

bool workqueues::kick_pool(worker_pool& pool)
{
    if (!pool.need_more_worker() || pool.idle_list.empty())
        return false;
    machine_.wake_up_process(*pool.idle_list.back()->task);
    return true;
}

void workqueues::worker_sleeping(context& task)
{
    worker* w = worker_of(task);
    if (!w || !w->counted || w->sleeping)
        return;
    w->sleeping = true;
    --w->pool->nr_running;
    kick_pool(*w->pool);
}

void workqueues::worker_running(context& task)
{
    worker* w = worker_of(task);
    if (!w || !w->sleeping)
        return;
    w->sleeping = false;
    if (w->counted)
        ++w->pool->nr_running;
}

void workqueues::worker_thread(worker& w)
{
    context& self = *w.task;
    self.task_flags() |= PF_WQ_WORKER;
    frame_guard fg(self, frame::entry("worker_thread"));
    worker_pool& pool = *w.pool;
    for (;;) {
        worker_leave_idle(w);
        for (;;) {
            if (!pool.need_more_worker())
                break;
            // The last idle worker makes another before it takes work.
            if (!pool.may_start_working() && pool.manager == nullptr) {
                manage_workers(w);
                continue;
            }
            set_running(w, true);
            do {
                work_struct& work = *pool.worklist.front();
                if (assign_work(work, w))
                    process_scheduled_works(w);
            } while (pool.keep_working());
            set_running(w, false);
            break;
        }
        worker_enter_idle(w);
        idle_sleep(w);
    }
}

void workqueues::manage_workers(worker& w)
{
    worker_pool& pool = *w.pool;
    pool.manager = &w;
    frame_guard fg(*w.task, frame{"maybe_create_worker", "", 0});
    do {
        // "if we don't make progress in MAYDAY_INITIAL_TIMEOUT, call for help"
        pool.mayday_quiet = false;
        pool.mayday_last = machine_.jiffies() + mayday_initial_timeout(machine_.config().hz);
        pool.mayday_timer = machine_.eng().schedule_at(machine_.jiffy_start(pool.mayday_last),
                                                       [this, &pool] { mayday_timeout(pool); });
        for (;;) {
            if (create_worker(pool) || !pool.need_to_create_worker())
                break;
            machine_.schedule_timeout(create_cooldown(machine_.config().hz));
            if (!pool.need_to_create_worker())
                break;
        }
        machine_.eng().cancel(pool.mayday_timer);
        pool.mayday_quiet = false;
    } while (pool.need_to_create_worker());
    pool.manager = nullptr;
}

void workqueues::arm_mayday(worker_pool& pool)
{
    // The timer fired with nobody to call and was left unarmed (an armed
    // timer that can do nothing would keep a deadlocked run alive): now
    // that something changed, it fires when the kernel's next would.
    if (!pool.manager || !pool.mayday_quiet)
        return;
    pool.mayday_quiet = false;
    const std::uint64_t interval = mayday_interval(machine_.config().hz);
    const std::uint64_t now = machine_.jiffies();
    const std::uint64_t periods = now < pool.mayday_last ? 1 : (now - pool.mayday_last) / interval + 1;
    pool.mayday_last += periods * interval;
    pool.mayday_timer = machine_.eng().schedule_at(machine_.jiffy_start(pool.mayday_last),
                                                   [this, &pool] { mayday_timeout(pool); });
}

void workqueues::mayday_timeout(worker_pool& pool)
{
    // pool_mayday_timeout(): the manager still has no new worker; send
    // every queued item's pool_workqueue to its queue's rescuer.
    bool sent = false;
    if (pool.need_to_create_worker())
        for (work_struct* work : pool.worklist) {
            pool_workqueue& pwq = *work->pwq_;
            worker* rescuer = pwq.wq->rescuer_;
            if (!rescuer || pwq.on_mayday)
                continue;
            pwq.on_mayday = true;
            pwq.wq->maydays_.push_back(&pwq);
            sent = true;
            machine_.wake_up_process(*rescuer->task);
        }
    if (sent) {
        pool.mayday_last = machine_.jiffies() + mayday_interval(machine_.config().hz);
        pool.mayday_timer = machine_.eng().schedule_at(machine_.jiffy_start(pool.mayday_last),
                                                       [this, &pool] { mayday_timeout(pool); });
    } else {
        pool.mayday_last = machine_.jiffies();
        pool.mayday_quiet = true;
    }
}

void workqueues::rescuer_thread(worker& r)
{
    context& self = *r.task;
    self.task_flags() |= PF_WQ_WORKER;
    frame_guard fg(self, frame::entry("rescuer_thread"));
    workqueue_struct& wq = *r.rescue_wq;
    for (;;) {
        const bool should_stop = r.stop;
        while (!wq.maydays_.empty()) {
            pool_workqueue& pwq = *wq.maydays_.front();
            wq.maydays_.pop_front();
            pwq.on_mayday = false;
            worker_pool& pool = *pwq.pool;
            r.pool = &pool;  // worker_attach_to_pool()
            // Slurp in every item of this queue in the pool, and run them.
            const std::deque<work_struct*> list = pool.worklist;
            for (work_struct* work : list)
                if (work->pwq_ == &pwq)
                    assign_work(*work, r);
            if (!r.scheduled.empty()) {
                process_scheduled_works(r);
                if (pwq.nr_active && pool.need_to_create_worker() && !pwq.on_mayday) {
                    pwq.on_mayday = true;
                    wq.maydays_.push_back(&pwq);
                }
            }
            kick_pool(pool);
            r.pool = nullptr;  // worker_detach_from_pool()
            arm_mayday(pool);
        }
        if (should_stop)
            return;
        idle_sleep(r);
    }
}

// ---- running work

bool workqueues::assign_work(work_struct& work, worker& w)
{
    worker_pool& pool = *w.pool;
    erase_one(pool.worklist, &work);
    // A work item never runs twice at once in a pool: the worker running it
    // runs it again next.
    for (worker* other : work.executing_)
        if (other->pool == &pool && other != &w) {
            other->scheduled.push_back(&work);
            return false;
        }
    w.scheduled.push_back(&work);
    return true;
}

void workqueues::process_scheduled_works(worker& w)
{
    while (!w.scheduled.empty())
        process_one_work(w, *w.scheduled.front());
}

void workqueues::process_one_work(worker& w, work_struct& work)
{
    context& self = *w.task;
    worker_pool& pool = *w.pool;
    pool_workqueue& pwq = *work.pwq_;
    workqueue_struct& wq = *pwq.wq;
    w.scheduled.pop_front();
    w.current_work = &work;
    w.current_pwq = &pwq;
    const std::uint64_t seq = work.queue_seq_;
    work.executing_.push_back(&w);
    const bool intensive = wq.flags() & WQ_CPU_INTENSIVE;
    if (intensive)
        set_running(w, false);
    kick_pool(pool);
    // set_work_pool_and_clear_pending()
    work.pending_ = false;
    work.pwq_ = nullptr;
    work.last_pool_ = &pool;

    class lockdep& ld = machine_.lockdep_checks();
    const std::size_t depth = self.lockdep_held().size();
    {
        frame_guard fg(self, frame::entry("process_one_work"));
        ld.acquire(wq.map_, false);
        ld.acquire(work.map_, false);
        work.func_();
        ld.release(work.map_);
        ld.release(wq.map_);
        if (machine_.in_atomic() || self.lockdep_held().size() != depth) {
            const std::string title = fmt::format("BUG: workqueue leaked atomic, lock or RCU: {}[{}]", self.name(),
                                                  self.pid());
            machine_.add_report(report_kind::bug, title,
                                fmt::format("{}\n     preempt=0x{:08x} lock={}->{} RCU=0->0 workfn={}\n{}", title,
                                            machine_.preempt_count(), depth, self.lockdep_held().size(), work.name(),
                                            machine_.dump_stack(self)));
        }
    }
    machine_.cond_resched();
    if (intensive)
        set_running(w, true);
    w.current_work = nullptr;
    w.current_pwq = nullptr;
    work.executing_.erase(std::find(work.executing_.begin(), work.executing_.end(), &w));
    wq.in_flight_.erase(seq);
    ++work.nr_finished_;
    finished(work, wq);
    pwq_dec_nr_in_flight(pwq);
}

void workqueues::finished(work_struct& work, workqueue_struct& wq)
{
    work.flushers_.wake_all();
    wq.flushers_.wake_all();
    unhold(work);
}

void workqueues::pwq_dec_nr_in_flight(pool_workqueue& pwq)
{
    --pwq.nr_active;
    // pwq_activate_first_inactive()
    if (!pwq.inactive.empty() && pwq.nr_active < pwq.wq->max_active()) {
        work_struct* next = pwq.inactive.front();
        pwq.inactive.pop_front();
        ++pwq.nr_active;
        insert_work(pwq, *next);
    }
}

void workqueues::insert_work(pool_workqueue& pwq, work_struct& work)
{
    worker_pool& pool = *pwq.pool;
    pool.worklist.push_back(&work);
    kick_pool(pool);
    arm_mayday(pool);
}

// ---- queueing

void workqueues::hold(work_struct& work) { work.hold_.set(machine_.eng(), true); }

void workqueues::unhold(work_struct& work) { work.hold_.set(machine_.eng(), work.pending_ || work.running()); }

bool workqueues::queue_work(workqueue_struct& wq, work_struct& work)
{
    KMSIM_ASSERT(initialized(), "queue_work() before workqueue_init()");
    if (wq.destroying_) {
        if (!warned_destroyed_ && machine_.current_context()) {
            warned_destroyed_ = true;
            machine_.warn(fmt::format("workqueue: cannot queue {} on wq {}", work.name(), wq.name()),
                          "kernel/workqueue.c", 2276, "__queue_work");
        }
        return false;
    }
    if (work.pending_)
        return false;
    work.owner_ = this;
    // __queue_work(): this CPU's pool, unless the item still runs in
    // another one of this queue's pools, where it then waits its turn.
    worker_pool* pool = &pool_for(wq, machine_.smp_processor_id());
    for (worker* w : work.executing_)
        if (w->current_pwq && w->current_pwq->wq == &wq && !w->rescue_wq)
            pool = w->pool;
    pool_workqueue* pwq = nullptr;
    for (auto& p : wq.pwqs_)
        if (p->pool == pool)
            pwq = p.get();
    KMSIM_ASSERT(pwq, "a workqueue without a pool_workqueue for its pool");
    work.pending_ = true;
    work.pwq_ = pwq;
    work.queue_seq_ = ++next_seq_;
    ++work.nr_queued_;
    wq.in_flight_.insert(work.queue_seq_);
    hold(work);
    if (pwq->nr_active < wq.max_active() && pwq->inactive.empty()) {
        ++pwq->nr_active;
        insert_work(*pwq, work);
    } else {
        pwq->inactive.push_back(&work);
    }
    return true;
}

bool workqueues::queue_delayed_work(workqueue_struct& wq, work_struct& work, std::uint64_t delay)
{
    if (delay == 0 || wq.destroying_)
        return queue_work(wq, work);
    if (work.pending_)
        return false;
    work.owner_ = this;
    work.pending_ = true;
    work.timer_wq_ = &wq;
    hold(work);
    if (!work.timer_)
        work.timer_ = std::make_unique<timer_list>(work.name() + "->timer", [this, &work] {
            // delayed_work_timer_fn(), in TIMER_SOFTIRQ: __queue_work() on this CPU.
            workqueue_struct& target = *work.timer_wq_;
            work.timer_wq_ = nullptr;
            work.pending_ = false;
            queue_work(target, work);
            unhold(work);
        });
    machine_.timers().mod_timer(*work.timer_, machine_.jiffies() + delay);
    return true;
}

// ---- flushing and cancelling

void workqueues::check_flush_dependency(const workqueue_struct& target, const work_struct* work)
{
    if (target.flags() & WQ_MEM_RECLAIM)
        return;
    context& c = machine_.current();
    const std::string func = work ? work->name() : "0x0";
    if ((c.task_flags() & PF_MEMALLOC) && warned_flush_.insert("memalloc").second)
        machine_.warn(fmt::format("workqueue: PF_MEMALLOC task {}({}) is flushing !WQ_MEM_RECLAIM {}:{}", c.pid(),
                                  c.name(), target.name(), func),
                      "kernel/workqueue.c", 3720, "check_flush_dependency");
    const worker* w = worker_of(c);
    if (w && w->current_pwq && (w->current_pwq->wq->flags() & WQ_MEM_RECLAIM) &&
        warned_flush_.insert("reclaim").second)
        machine_.warn(fmt::format("workqueue: WQ_MEM_RECLAIM {}:{} is flushing !WQ_MEM_RECLAIM {}:{}",
                                  w->current_pwq->wq->name(), w->current_work->name(), target.name(), func),
                      "kernel/workqueue.c", 3723, "check_flush_dependency");
}

bool workqueues::flush_work(work_struct& work)
{
    machine_.might_sleep("kernel/workqueue.c", 4202);
    // start_flush_work(): nothing queued or running, nothing to wait for.
    const bool queued = work.pwq_ != nullptr;
    if (!queued && !work.running())
        return false;
    workqueue_struct& wq = queued ? *work.pwq_->wq : *work.executing_.front()->current_pwq->wq;
    context& self = machine_.current();
    check_flush_dependency(wq, &work);
    machine_.lockdep_checks().acquire_release(work.map_, self);
    // "Force a lock recursion deadlock when using flush_work() inside a
    // single-threaded or rescuer equipped workqueue."
    if (wq.max_active() == 1 || wq.rescuer_)
        machine_.lockdep_checks().acquire_release(wq.map_, self);
    const std::uint64_t target = queued ? work.nr_queued_ : work.nr_finished_ + work.executing_.size();
    while (work.nr_finished_ < std::min(target, work.nr_queued_))
        work.flushers_.wait(self, work);
    return true;
}

bool workqueues::cancel_work_sync(work_struct& work)
{
    machine_.might_sleep("kernel/workqueue.c", 4360);
    bool was_pending = false;
    if (work.timer_wq_) {
        machine_.timers().del_timer(*work.timer_);
        work.timer_wq_ = nullptr;
        work.pending_ = false;
        was_pending = true;
    } else if (work.pwq_) {
        pool_workqueue& pwq = *work.pwq_;
        const bool inactive = erase_one(pwq.inactive, &work);
        if (!inactive) {
            if (!erase_one(pwq.pool->worklist, &work))
                for (worker* w : pwq.pool->workers)
                    if (erase_one(w->scheduled, &work))
                        break;
        }
        work.pending_ = false;
        work.pwq_ = nullptr;
        // The cancelled queueing never runs: a flush waiting for it waits
        // for the executions before it only (as the kernel's barrier then
        // runs after them).
        --work.nr_queued_;
        pwq.wq->in_flight_.erase(work.queue_seq_);
        pwq.wq->flushers_.wake_all();
        work.flushers_.wake_all();
        if (!inactive)
            pwq_dec_nr_in_flight(pwq);
        was_pending = true;
    }
    unhold(work);
    if (work.running()) {
        context& self = machine_.current();
        machine_.lockdep_checks().acquire_release(work.map_, self);
        const std::uint64_t target = work.nr_finished_ + work.executing_.size();
        while (work.nr_finished_ < target)
            work.flushers_.wait(self, work);
    }
    return was_pending;
}

void workqueues::flush_workqueue(workqueue_struct& wq)
{
    machine_.might_sleep("kernel/workqueue.c", 3955);
    context& self = machine_.current();
    machine_.lockdep_checks().acquire_release(wq.map_, self);
    check_flush_dependency(wq, nullptr);
    const std::uint64_t upto = next_seq_;
    while (!wq.in_flight_.empty() && *wq.in_flight_.begin() <= upto)
        wq.flushers_.wait(self, wq);
}

void workqueues::destroy_workqueue(workqueue_struct& wq)
{
    machine_.might_sleep("kernel/workqueue.c", 5800);
    // drain_workqueue(), then the rescuer is stopped.
    context& self = machine_.current();
    machine_.lockdep_checks().acquire_release(wq.map_, self);
    wq.destroying_ = true;
    while (!wq.in_flight_.empty())
        wq.flushers_.wait(self, wq);
    if (worker* r = wq.rescuer_) {
        r->stop = true;
        machine_.wake_up_process(*r->task);
    }
}

}  // namespace kmsim::arch

// arch/tasklet.h - tasklets: tasklet_schedule(), run in TASKLET_SOFTIRQ.
//
// Owns: each CPU's list of scheduled tasklets and tasklet_action(), as
// kernel/softirq.c runs them: tasklet_schedule() puts a tasklet on the
// calling CPU's list once (TASKLET_STATE_SCHED) and raises TASKLET_SOFTIRQ;
// the softirq runs each tasklet of its CPU's list in softirq context,
// clearing SCHED first (so it may be scheduled again while it runs), and
// never runs one tasklet on two CPUs at once (TASKLET_STATE_RUN): one that
// runs elsewhere goes back on the list for the next round.
// A scheduled or running tasklet keeps the run going.
// Invariant: a tasklet is on a list exactly while it is scheduled.
#pragma once

#include "sim/engine.h"

#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace kmsim::arch {

class machine;

class tasklet_struct {
public:
    tasklet_struct(std::string name, std::function<void()> func) : name_(std::move(name)), func_(std::move(func)) {}
    const std::string& name() const { return name_; }
    bool scheduled() const { return sched_; }
    bool running() const { return run_; }

private:
    friend class tasklets;
    std::string name_;
    std::function<void()> func_;
    bool sched_ = false, run_ = false;
    sim::run_hold hold_;  // while scheduled or running
};

class tasklets {
public:
    explicit tasklets(machine& m);
    tasklets(const tasklets&) = delete;
    tasklets& operator=(const tasklets&) = delete;

    // Fiber side: tasklet_schedule().
    void tasklet_schedule(tasklet_struct& t);

private:
    void tasklet_action();  // the TASKLET_SOFTIRQ action
    void update_hold(tasklet_struct& t);
    std::deque<tasklet_struct*>& list_on(int cpu);  // made on first use

    machine& machine_;
    std::vector<std::deque<tasklet_struct*>> lists_;  // per CPU, made on first use
};

}  // namespace kmsim::arch

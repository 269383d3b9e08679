// arch/tasklet.cpp - tasklet_schedule() and tasklet_action().
#include "arch/tasklet.h"

#include "arch/machine.h"

namespace kmsim::arch {

tasklets::tasklets(machine& m) : machine_(m)
{
    m.softirqs().open_softirq(TASKLET_SOFTIRQ, [this] { tasklet_action(); });
}

void tasklets::update_hold(tasklet_struct& t) { t.hold_.set(machine_.eng(), t.sched_ || t.run_); }

std::deque<tasklet_struct*>& tasklets::list_on(int cpu)
{
    if (lists_.empty())  // every CPU's at once: references to one stay valid
        lists_.resize(static_cast<std::size_t>(machine_.nr_cpus()));
    return lists_[static_cast<std::size_t>(cpu)];
}

void tasklets::tasklet_schedule(tasklet_struct& t)
{
    if (t.sched_)
        return;  // test_and_set_bit(TASKLET_STATE_SCHED)
    t.sched_ = true;
    list_on(machine_.smp_processor_id()).push_back(&t);
    update_hold(t);
    machine_.softirqs().raise_softirq(TASKLET_SOFTIRQ);
}

void tasklets::tasklet_action()
{
    context& self = machine_.current();
    frame_guard fg(self, frame::entry("tasklet_action"));
    auto& mine = list_on(machine_.smp_processor_id());
    std::deque<tasklet_struct*> list;
    list.swap(mine);
    while (!list.empty()) {
        tasklet_struct& t = *list.front();
        list.pop_front();
        if (t.run_) {
            // Running on another CPU: again at the next round here. The
            // round takes time (the other CPU's tasklet needs it to end).
            mine.push_back(&t);
            machine_.this_cpu().raise_softirq(TASKLET_SOFTIRQ);
            machine_.ndelay(100);
            continue;
        }
        t.run_ = true;
        t.sched_ = false;
        t.func_();
        t.run_ = false;
        update_hold(t);
    }
}

}  // namespace kmsim::arch

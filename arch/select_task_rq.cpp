// arch/select_task_rq.cpp - where a task that becomes runnable is queued.
#include "arch/select_task_rq.h"

#include "arch/context.h"
#include "arch/cpu.h"
#include "sim/engine.h"

namespace kmsim::arch {

cpu& select_cpu_by_heuristic(const context& c, const std::vector<std::unique_ptr<cpu>>& cpus)
{
    auto idle = [](const cpu* p) { return p->is_idle() && p->runqueue().empty(); };
    cpu* last = c.on_cpu();
    if (last && idle(last))
        return *last;
    for (const auto& p : cpus)
        if (idle(p.get()))
            return *p;
    if (last)
        return *last;
    cpu* best = cpus.front().get();
    for (const auto& p : cpus)
        if (p->runqueue().size() < best->runqueue().size())
            best = p.get();
    return *best;
}

cpu& select_task_rq(const context& c, const std::vector<std::unique_ptr<cpu>>& cpus, sim::engine& e)
{
    if (c.pinned_cpu() >= 0)
        return *cpus[static_cast<std::size_t>(c.pinned_cpu())];
    cpu& heuristic = select_cpu_by_heuristic(c, cpus);
    if (!e.exploring())
        return heuristic;
    std::size_t k = e.choose(sim::decision::wake_cpu, cpus.size());
    if (k == 0)
        return heuristic;
    for (const auto& p : cpus)
        if (p.get() != &heuristic && --k == 0)
            return *p;
    return heuristic;
}

}  // namespace kmsim::arch

// arch/select_task_rq.h - where a task that becomes runnable is queued: the kernel's select_task_rq().
//
// Owns: the choice of CPU for a woken or new task. A pinned task goes to its
// CPU. Otherwise kmsim's heuristic stands in for select_task_rq_fair() and
// select_idle_sibling(): the CPU it last ran on if that is idle, then any
// idle CPU (lowest id first), then the last CPU, then the CPU with the
// shortest run queue. When the engine is exploring schedules, the chooser
// (decision wake_cpu) may pick any CPU instead: alternative 0 is the
// heuristic's, then every other CPU by id.
// kmsim has no scheduling domains, load tracking or wake-affine logic.
#pragma once

#include "arch/context.h"
#include "arch/cpu.h"
#include "sim/engine.h"

#include <memory>
#include <vector>

namespace kmsim::arch {

// The heuristic alone: what select_task_rq() picks when nothing explores.
inline cpu& select_cpu_by_heuristic(const context& c, const std::vector<std::unique_ptr<cpu>>& cpus)
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

// Inline: it runs at every wakeup.
inline cpu& select_task_rq(const context& c, const std::vector<std::unique_ptr<cpu>>& cpus, sim::engine& e)
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

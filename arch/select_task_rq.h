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

#include <memory>
#include <vector>

namespace kmsim::sim {
class engine;
}

namespace kmsim::arch {

class context;
class cpu;

cpu& select_task_rq(const context& c, const std::vector<std::unique_ptr<cpu>>& cpus, sim::engine& e);

// The heuristic alone: what select_task_rq() picks when nothing explores.
cpu& select_cpu_by_heuristic(const context& c, const std::vector<std::unique_ptr<cpu>>& cpus);

}  // namespace kmsim::arch

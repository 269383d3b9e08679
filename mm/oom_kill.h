// mm/oom_kill.h - the OOM killer's victims: user processes, oom_badness(), the kill and the oom_reaper.
//
// Owns: the user processes a machine has (each the anonymous memory it
// holds - kmsim runs no user code, so a process is its memory, its swap
// entries and its oom_score_adj), and what mm/oom_kill.c does with them
// once out_of_memory() has decided to kill: select_bad_process() ranks them
// by oom_badness() (rss + swap entries + page tables, plus oom_score_adj in
// thousandths of all pages; -1000 never), dump_tasks() lists them in the
// report, __oom_kill_process() prints "Out of memory: Killed process ..."
// and counts oom_kill, and the oom_reaper kernel thread frees the victim's
// memory OOM_REAPER_DELAY (2 s) later - a process never runs here, so it
// never exits by itself - printing "oom_reaper: reaped process ...".
// Kernel threads are never victims (oom_unkillable_task()).
// Invariant: a process's pages are allocated until it is reaped, then none.
#pragma once

#include "mm/page.h"
#include "sim/actor.h"
#include "sim/wait_queue.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kmsim::arch {
class context;
class machine;
}  // namespace kmsim::arch

namespace kmsim::mm {

class page_allocator;
class vm_counters;

inline constexpr int OOM_SCORE_ADJ_MIN = -1000;
inline constexpr int OOM_SCORE_ADJ_MAX = 1000;

struct oom_process {
    std::string comm;
    int pid = 0;
    std::vector<pfn_t> pages;  // its anonymous memory, resident
    std::uint64_t rss = 0;     // pages resident when declared (the table's figures until reaped)
    std::uint64_t swapents = 0;
    int oom_score_adj = 0;
    bool killed = false, reaped = false;

    std::uint64_t total_vm() const { return rss + swapents; }
    // mm_pgtables_bytes(): a PTE page per 512 pages mapped, plus a PMD and a PUD page.
    std::uint64_t pgtables_bytes() const { return ((total_vm() + 511) / 512 + 2) * PAGE_SIZE; }
};

class oom_killer {
public:
    oom_killer(arch::machine& m, page_allocator& pa, vm_counters& vm) : machine_(m), pa_(pa), vm_(vm) {}

    // Boot: a process holding PAGES (already allocated), SWAPENTS swapped
    // out, with OOM_SCORE_ADJ; pids from 1000 on.
    void add_process(std::string comm, std::vector<pfn_t> pages, std::uint64_t swapents, int oom_score_adj);
    bool has_processes() const { return !processes_.empty(); }
    const std::vector<oom_process>& processes() const { return processes_; }

    // dump_tasks(): a line per process still holding memory.
    std::string task_table() const;
    // oom_evaluate_task() found a victim not reaped yet: out_of_memory()
    // waits for it instead of killing again.
    bool victim_pending() const;
    // select_bad_process() over TOTALPAGES (RAM and swap), or nullptr.
    oom_process* select_bad_process(std::uint64_t totalpages);
    // oom_kill_process(): the report's last lines; counts oom_kill and
    // queues the victim for the oom_reaper.
    std::string kill(oom_process& victim);

    // Boot: the oom_reaper kernel thread (only machines with processes have one).
    void start_reaper();

private:
    static long oom_badness(const oom_process& p, std::uint64_t totalpages);
    void reaper_main();

    struct reaper_wait : sim::blocker {
        explicit reaper_wait(bool for_work) : waiting_for_work(for_work) {}
        bool waiting_for_work;  // else for OOM_REAPER_DELAY to pass: work pending
        std::string describe_wait() const override
        {
            return waiting_for_work ? "oom_reaper_wait (no victim)" : "OOM_REAPER_DELAY (2 s after the kill)";
        }
        std::vector<const sim::actor*> holders() const override { return {}; }
        bool idle() const override { return waiting_for_work; }
    };

    arch::machine& machine_;
    page_allocator& pa_;
    vm_counters& vm_;
    std::vector<oom_process> processes_;
    std::vector<std::size_t> to_reap_;  // indexes, in kill order
    sim::time_point last_kill_{};
    arch::context* reaper_ = nullptr;
    sim::wait_queue reaper_wait_;
    reaper_wait idle_{true}, delay_{false};
};

}  // namespace kmsim::mm

// mm/oom_kill.cpp - select_bad_process(), __oom_kill_process() and the oom_reaper, as mm/oom_kill.c.
#include "mm/oom_kill.h"

#include "arch/machine.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"

#include <climits>
#include <fmt/format.h>

namespace kmsim::mm {

namespace {
std::uint64_t kb(std::uint64_t pages) { return pages * (PAGE_SIZE / 1024); }
}  // namespace

void oom_killer::add_process(std::string comm, std::vector<pfn_t> pages, std::uint64_t swapents, int oom_score_adj)
{
    oom_process p;
    p.comm = std::move(comm);
    p.pid = 1000 + static_cast<int>(processes_.size());
    p.rss = pages.size();
    p.pages = std::move(pages);
    p.swapents = swapents;
    p.oom_score_adj = oom_score_adj;
    vm_.add(NR_ANON_MAPPED, static_cast<std::int64_t>(p.rss));
    processes_.push_back(std::move(p));
}

std::string oom_killer::task_table() const
{
    std::string t;
    for (const oom_process& p : processes_) {
        if (p.reaped)
            continue;
        t += fmt::format("[{:7}] {:5} {:5} {:8} {:8} {:8} {:8} {:9} {:8} {:8}         {:5} {}\n", p.pid, 0, p.pid,
                         p.total_vm(), p.rss, p.rss, 0, 0, p.pgtables_bytes(), p.swapents, p.oom_score_adj, p.comm);
    }
    return t;
}

bool oom_killer::victim_pending() const
{
    for (const oom_process& p : processes_)
        if (p.killed && !p.reaped)
            return true;
    return false;
}

long oom_killer::oom_badness(const oom_process& p, std::uint64_t totalpages)
{
    if (p.oom_score_adj == OOM_SCORE_ADJ_MIN || p.reaped)
        return LONG_MIN;
    long points = static_cast<long>(p.rss + p.swapents + p.pgtables_bytes() / PAGE_SIZE);
    // Normalise to oom_score_adj units.
    points += static_cast<long>(p.oom_score_adj) * static_cast<long>(totalpages / 1000);
    return points;
}

oom_process* oom_killer::select_bad_process(std::uint64_t totalpages)
{
    oom_process* chosen = nullptr;
    long chosen_points = LONG_MIN;
    for (oom_process& p : processes_) {
        const long points = oom_badness(p, totalpages);
        if (points == LONG_MIN || points < chosen_points)
            continue;
        chosen = &p;  // ties: the later task, as the kernel's walk does
        chosen_points = points;
    }
    return chosen;
}

std::string oom_killer::kill(oom_process& victim)
{
    victim.killed = true;
    vm_.add(OOM_KILL, 1);
    std::string t = fmt::format("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
                                "global_oom,task_memcg=/,task={},pid={},uid=0\n",
                                victim.comm, victim.pid);
    t += fmt::format("Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:0kB, "
                     "shmem-rss:0kB, UID:0 pgtables:{}kB oom_score_adj:{}\n",
                     victim.pid, victim.comm, kb(victim.total_vm()), kb(victim.rss), victim.pgtables_bytes() / 1024,
                     victim.oom_score_adj);
    last_kill_ = machine_.now();
    to_reap_.push_back(static_cast<std::size_t>(&victim - processes_.data()));
    if (reaper_)
        reaper_wait_.wake_all();
    return t;
}

void oom_killer::start_reaper()
{
    if (reaper_ || processes_.empty())
        return;
    reaper_ = &machine_.create_thread("oom_reaper", [this] { reaper_main(); },
                                      arch::thread_options{-1, machine_.now(), sim::actor_role::background, 35});
}

void oom_killer::reaper_main()
{
    arch::context& self = machine_.current();
    for (;;) {
        while (to_reap_.empty())
            reaper_wait_.wait(self, idle_);
        // queue_oom_reaper(): the victim gets OOM_REAPER_DELAY to exit by
        // itself first; a process here never does.
        const sim::time_point due = sim::saturating_add(last_kill_, sim::secs(2));
        if (machine_.now() < due) {
            reaper_wait_.wait_timeout(self, delay_, due - machine_.now());
            continue;
        }
        oom_process& p = processes_[to_reap_.front()];
        to_reap_.erase(to_reap_.begin());
        for (pfn_t pfn : p.pages)
            pa_.free_pages_at(pa_.pfn_to_page(pfn), 0);
        vm_.add(NR_ANON_MAPPED, -static_cast<std::int64_t>(p.pages.size()));
        machine_.consume(sim::nsecs(100) * static_cast<std::int64_t>(p.pages.size()));  // unmapping each page
        p.pages.clear();
        p.reaped = true;
        machine_.log().printk(machine_.now(), arch::log_level::info,
                              fmt::format("oom_reaper: reaped process {} ({}), now anon-rss:0kB, file-rss:0kB, "
                                          "shmem-rss:0kB",
                                          p.pid, p.comm),
                              self.name(), self.on_cpu() ? self.on_cpu()->id() : -1);
    }
}

}  // namespace kmsim::mm

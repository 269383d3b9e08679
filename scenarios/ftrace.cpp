// scenarios/ftrace.cpp - tracepoints rendered as ftrace's text, with the kernel's TP_printk fields.
#include "scenarios/ftrace.h"

#include "arch/preempt.h"
#include "mm/gfp.h"
#include "mm/memmap.h"
#include "scenarios/world.h"

#include <fmt/format.h>

namespace kmsim::scenarios {

namespace {

// The task current on CPU (an interrupt runs on top of it, and ftrace
// names the task), or "<idle>".
std::pair<std::string, int> who(world& w, int cpu)
{
    const arch::context* c = w.m.cpu_at(cpu).curr();
    return c ? std::pair{c->name(), c->pid()} : std::pair{std::string("<idle>"), 0};
}

// The running context's CPU (0 when there is none, as at boot).
int this_cpu(world& w)
{
    const arch::context* c = w.m.current_context();
    return c && c->on_cpu() ? c->on_cpu()->id() : 0;
}

// call_site=: the scenario line of the kernel call being made.
std::string call_site(world& w)
{
    const arch::context* c = w.m.current_context();
    if (!c || c->frames().empty())
        return "boot";
    const arch::frame& f = c->frames().back();
    return fmt::format("{}:{}", f.file, f.line);
}

// What sched_switch says of the task leaving the CPU.
const char* prev_state(const arch::context* c)
{
    if (!c)
        return "R";
    switch (c->state_on_cpu()) {
    case arch::run_state::sleeping: return "D";  // kmsim's waits are uninterruptible
    case arch::run_state::done: return "X";
    default: return "R+";  // preempted, or yielded: still runnable
    }
}

}  // namespace

ftrace_buffer::ftrace_buffer(world& w) : w_(w)
{
    auto& t = w.m.trace();
    t.kmalloc.attach([this](std::uint64_t ptr, std::uint64_t req, std::uint64_t alloc, std::uint32_t gfp) {
        here("kmalloc",
             fmt::format("call_site={} ptr={:016x} bytes_req={} bytes_alloc={} gfp_flags={} node=-1 accounted={}",
                         call_site(w_), ptr, req, alloc, mm::format_gfp(gfp),
                         (gfp & mm::gfp::ACCOUNT) ? "true" : "false"));
    });
    t.kfree.attach([this](std::uint64_t ptr) {
        here("kfree", fmt::format("call_site={} ptr={:016x}", call_site(w_), ptr));
    });
    t.kmem_cache_alloc.attach(
        [this](const char* cache, std::uint64_t ptr, std::uint64_t req, std::uint64_t alloc, std::uint32_t gfp) {
            here("kmem_cache_alloc",
                 fmt::format("call_site={} ptr={:016x} name={} bytes_req={} bytes_alloc={} gfp_flags={} node=-1 "
                             "accounted={}",
                             call_site(w_), ptr, cache, req, alloc, mm::format_gfp(gfp),
                             (gfp & mm::gfp::ACCOUNT) ? "true" : "false"));
        });
    t.kmem_cache_free.attach([this](const char* cache, std::uint64_t ptr) {
        here("kmem_cache_free",
             fmt::format("call_site={} ptr={:016x} name={}", call_site(w_), ptr, cache));
    });
    t.mm_page_alloc.attach([this](std::uint64_t pfn, unsigned order, std::uint32_t gfp) {
        const bool failed = pfn == ~std::uint64_t{0};
        here("mm_page_alloc",
             fmt::format("page={:016x} pfn=0x{:x} order={} migratetype={} gfp_flags={}",
                         failed ? 0 : mm::memmap::pfn_to_page_addr(pfn), failed ? 0 : pfn, order,
                         mm::gfp_migratetype(gfp), mm::format_gfp(gfp)));
    });
    t.mm_page_free.attach([this](std::uint64_t pfn, unsigned order) {
        here("mm_page_free",
             fmt::format("page={:016x} pfn=0x{:x} order={}", mm::memmap::pfn_to_page_addr(pfn), pfn, order));
    });
    // A handler's own events: on its CPU, in the name of the task it interrupted.
    auto in_handler = [this](const arch::context& h, const char* event, const std::string& fields) {
        const int cpu = h.on_cpu() ? h.on_cpu()->id() : 0;
        const auto [comm, pid] = who(w_, cpu);
        line(cpu, comm, pid, event, fields, true);
    };
    t.irq_handler_entry.attach([in_handler](int irq, const arch::context& h) {
        in_handler(h, "irq_handler_entry", fmt::format("irq={} name={}", irq, h.name()));
    });
    t.irq_handler_exit.attach([in_handler](int irq, const arch::context& h) {
        in_handler(h, "irq_handler_exit", fmt::format("irq={} ret=handled", irq));
    });
    t.softirq_entry.attach([this](unsigned vec) {
        here("softirq_entry", fmt::format("vec={} [action={}]", vec, arch::softirq_to_name[vec]));
    });
    t.softirq_exit.attach([this](unsigned vec) {
        here("softirq_exit", fmt::format("vec={} [action={}]", vec, arch::softirq_to_name[vec]));
    });
    t.sched_switch.attach([this](int cpu, const arch::context* prev, const arch::context* next) {
        const std::string prev_comm = prev ? prev->name() : fmt::format("swapper/{}", cpu);
        const int prev_pid = prev ? prev->pid() : 0;
        line(cpu, prev ? prev_comm : "<idle>", prev_pid, "sched_switch",
             fmt::format("prev_comm={} prev_pid={} prev_prio=120 prev_state={} ==> next_comm={} next_pid={} "
                         "next_prio=120",
                         prev_comm, prev_pid, prev_state(prev), next ? next->name() : fmt::format("swapper/{}", cpu),
                         next ? next->pid() : 0));
    });
    t.sched_wakeup.attach([this](const arch::context& c, int target) {
        here("sched_wakeup",
             fmt::format("comm={} pid={} prio=120 target_cpu={:03}", c.name(), c.pid(), target));
    });
    t.mm_vmscan_direct_reclaim_begin.attach([this](unsigned order, std::uint32_t gfp) {
        here("mm_vmscan_direct_reclaim_begin",
             fmt::format("order={} gfp_flags={}", order, mm::format_gfp(gfp)));
    });
    t.mm_vmscan_direct_reclaim_end.attach([this](std::uint64_t nr) {
        here("mm_vmscan_direct_reclaim_end", fmt::format("nr_reclaimed={}", nr));
    });
    t.mm_vmscan_kswapd_wake.attach([this](int, unsigned order) {
        here("mm_vmscan_kswapd_wake", fmt::format("nid=0 order={}", order));
    });
    t.mm_vmscan_wakeup_kswapd.attach([this](int, unsigned order, std::uint32_t gfp) {
        here("mm_vmscan_wakeup_kswapd",
             fmt::format("nid=0 order={} gfp_flags={}", order, mm::format_gfp(gfp)));
    });
    t.mm_vmscan_kswapd_sleep.attach([this] {
        here("mm_vmscan_kswapd_sleep", "nid=0");
    });
}

void ftrace_buffer::here(const std::string& event, const std::string& fields)
{
    const int cpu = this_cpu(w_);
    const auto [comm, pid] = who(w_, cpu);
    line(cpu, comm, pid, event, fields);
}

std::string ftrace_buffer::flags(int cpu, bool in_irq) const
{
    // trace_print_lat_fmt(): irqs-off, need-resched, hardirq/softirq,
    // preempt depth, migrate-disable depth.
    arch::cpu& c = w_.m.cpu_at(cpu);
    const std::uint32_t pc = c.preempt_count();
    const bool hardirq = in_irq || (c.top() && c.top()->is_hardirq());
    const bool softirq = pc & arch::SOFTIRQ_OFFSET;
    std::string f;
    f += c.irqs_disabled() || hardirq ? 'd' : '.';
    f += '.';
    f += hardirq && softirq ? 'H' : hardirq ? 'h' : softirq ? 's' : '.';
    f += (pc & 0xff) ? "0123456789abcdef"[pc & 0xf] : '.';
    f += '.';
    return f;
}

void ftrace_buffer::line(int cpu, const std::string& comm, int pid, const std::string& event,
                         const std::string& fields, bool in_irq)
{
    const std::int64_t ns = sim::to_ns(w_.m.now());
    lines_ += fmt::format("{:>16}-{:<7} [{:03}] {} {:5}.{:06}: {}: {}\n", comm.size() > 16 ? comm.substr(0, 16) : comm,
                          pid, cpu, flags(cpu, in_irq), ns / 1000000000, (ns / 1000) % 1000000, event, fields);
    ++entries_;
}

std::string ftrace_buffer::text() const
{
    return fmt::format("# tracer: nop\n"
                       "#\n"
                       "# entries-in-buffer/entries-written: {}/{}   #P:{}\n"
                       "#\n"
                       "#                                _-----=> irqs-off/BH-disabled\n"
                       "#                               / _----=> need-resched\n"
                       "#                              | / _---=> hardirq/softirq\n"
                       "#                              || / _--=> preempt-depth\n"
                       "#                              ||| / _-=> migrate-disable\n"
                       "#                              |||| /     delay\n"
                       "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
                       "#              | |         |   |||||     |         |\n",
                       entries_, entries_, w_.m.nr_cpus()) +
           lines_;
}

}  // namespace kmsim::scenarios

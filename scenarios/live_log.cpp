// scenarios/live_log.cpp - the kernel log as it is printed, and the -v lines around it.
#include "scenarios/live_log.h"

#include "arch/irq.h"
#include "mm/alloc_explain.h"
#include "mm/page_alloc.h"
#include "scenarios/kernel_api.h"
#include "scenarios/summary.h"
#include "scenarios/world.h"

#include <fmt/format.h>

namespace kmsim::scenarios {

namespace {

bool is_alarm(const arch::log_line& l)
{
    return l.in_report && (l.text.rfind("BUG", 0) == 0 || l.text.rfind("WARNING", 0) == 0 ||
                           l.text.rfind("INFO:", 0) == 0 || l.text.rfind("Kernel panic", 0) == 0 ||
                           l.text.find("page allocation failure") != std::string::npos);
}

// strace -T's "<0.000010>", to the nanosecond.
std::string took(sim::duration d)
{
    const std::int64_t ns = sim::to_ns(d);
    return fmt::format("<{}.{:09}>", ns / 1000000000, ns % 1000000000);
}

std::string task_name(const arch::context& c) { return fmt::format("{}/{}", c.name(), c.pid()); }

// What sched_switch's prev did: it sleeps, was preempted (or yielded), exited.
const char* leaves(const arch::context& prev)
{
    switch (prev.state_on_cpu()) {
    case arch::run_state::sleeping: return "sleeps";
    case arch::run_state::done: return "exits";
    default: return "is preempted";
    }
}

}  // namespace

std::string context_tag(const arch::context& ctx)
{
    std::string tag = fmt::format("[CPU{} {}", ctx.on_cpu() ? ctx.on_cpu()->id() : -1,
                                  ctx.is_hardirq() ? "hardirq " : ctx.is_softirq() ? "softirq" : "task ");
    if (!ctx.is_softirq())  // a softirq run is named by what it runs
        tag += ctx.is_irq() ? ctx.name() : task_name(ctx);
    if (!ctx.frames().empty()) {
        const std::string_view body = caller_of(ctx).function;
        if (body != ctx.name())
            tag += fmt::format(" ({})", body);
    }
    return tag + "]";
}

live_log::live_log(world& w, std::ostream& out, live_log_options opts) : w_(w), out_(out), opts_(opts)
{
    w.m.log().sink = [this](const arch::log_line& l) {
        if (opts_.quiet && !l.in_report)
            return;
        if (opts_.verbose)
            flush_started();
        if (opts_.color && is_alarm(l))
            out_ << ansi::red << l.format() << ansi::reset << '\n';
        else
            out_ << l.format() << '\n';
    };
    if (opts_.verbose)
        attach_verbose();
    if (opts_.explain && !opts_.quiet)
        attach_explain();
}

void live_log::attach_explain()
{
    // After the -v line of the call (attached first, so it runs first).
    w_.api.call_done.attach([this](const call_record& r) {
        const arch::context& c = w_.m.current();
        mm::explanation ex = opts_.explain->take(&c);
        if (ex.lines.empty() || (!ex.slow && !opts_.explain_all))
            return;
        const std::string tag = context_tag(c);
        line(tag, fmt::format("explain: {} at {}:{}", call_text(r), r.frame.file, r.frame.line));
        for (const std::string& l : ex.lines)
            out_ << sim::dmesg_timestamp(w_.m.now()) << tag << "   " << l << '\n';  // under "explain:"
    });
}

void live_log::attach_verbose()
{
    w_.api.call_start.attach([this](const arch::frame& f) {
        const arch::context& c = w_.m.current();
        started_.push_back(started{&c, w_.m.now(), context_tag(c), call_name(f)});
    });
    w_.api.call_done.attach([this](const call_record& r) {
        const arch::context* c = &w_.m.current();
        auto it = std::find_if(started_.rbegin(), started_.rend(), [c](const started& s) { return s.ctx == c; });
        KMSIM_ASSERT(it != started_.rend(), "a call returns that started");
        const bool split = it->printed || w_.m.now() > it->start;
        if (split && !it->printed)
            flush_started();  // it took time: its first line, and those of calls it overlapped
        const std::string tag = context_tag(*c);
        const sim::time_point start = it->start;
        started_.erase(std::next(it).base());
        // A call made inside another of the same context (wait_event()'s
        // condition, a shrinker under kmalloc()): the outer one is in the
        // middle of it, even when no time has passed.
        for (started& s : started_)
            if (s.ctx == c && !s.printed) {
                out_ << sim::dmesg_timestamp(s.start) << s.tag << ' ' << s.text << " <unfinished ...>\n";
                s.printed = true;
            }
        if (split)
            line(tag, fmt::format("<... {} resumed>{} {}", call_name(r.frame), call_result(r), took(w_.m.now() - start)));
        else
            line(tag, call_text(r));
    });

    arch::trace_events& tp = w_.m.trace();
    tp.sched_switch.attach([this](int cpu, const arch::context* prev, const arch::context* next) {
        line(fmt::format("[CPU{}]", cpu),
             fmt::format("context switch: {} -> {}",
                         prev ? fmt::format("{} {}", task_name(*prev), leaves(*prev))
                              : w_.m.cpu_at(cpu).idle_name() + " (idle)",
                         next ? task_name(*next) : w_.m.cpu_at(cpu).idle_name() + " (idle)"));
    });
    tp.irq_raise.attach([this](const arch::irq_line& l, int cpu, bool coalesced) {
        line(fmt::format("[CPU{}]", cpu),
             coalesced ? fmt::format("irq {} ({}) raised while still pending: coalesced, handled once", l.line(),
                                     l.name())
                       : fmt::format("irq {} ({}) raised", l.line(), l.name()));
    });
    tp.irq_handler_entry.attach([this](int irq, const arch::context& h) {
        const arch::cpu* on = h.on_cpu();
        const std::vector<arch::context*>& stack = on->irq_stack();
        const arch::context* under = stack.size() > 1 ? stack[stack.size() - 2] : on->curr();
        line(context_tag(h), fmt::format("irq {} delivered, {}", irq,
                                         !under           ? std::string("on the idle CPU")
                                         : under->is_irq() ? "interrupting handler " + under->name()
                                                           : "interrupting " + task_name(*under)));
    });
    tp.irq_handler_exit.attach([this](int irq, const arch::context& h) {
        const arch::cpu* on = h.on_cpu();
        const arch::context* back = on->top();
        line(context_tag(h), fmt::format("irq {} handled, back to {}", irq,
                                         !back             ? std::string("the idle CPU")
                                         : back->is_irq() ? "handler " + back->name()
                                                          : task_name(*back)));
    });
    tp.softirq_entry.attach([this](unsigned vec) {
        const arch::context& c = w_.m.current();
        const arch::cpu* on = c.on_cpu();
        const arch::context* under = on->curr();
        line(context_tag(c), fmt::format("{} softirq runs{}", arch::softirq_to_name[vec],
                                         c.is_softirq() ? (under ? ", interrupting " + task_name(*under)
                                                                 : std::string(", on the idle CPU"))
                                                        : std::string()));
    });
    tp.mm_vmscan_kswapd_wake.attach([this](int zid, unsigned order) {
        line(context_tag(w_.m.current()),
             fmt::format("kswapd0: woken, order {}, highest zone {}", order, mm::zone_name(zid)));
    });
    tp.kswapd_pass_done.attach([this](std::uint64_t total, bool balanced, bool gave_up) {
        const std::string tag = context_tag(w_.m.current());
        line(tag, fmt::format("kswapd0: reclaimed {} pages, {}", total, balanced ? "balanced" : "nothing more to reclaim"));
        if (gave_up)
            line(tag, fmt::format("kswapd0: {} runs in a row reclaimed nothing: the node is all_unreclaimable, "
                                  "kswapd sleeps until reclaim makes progress",
                                  mm::MAX_RECLAIM_RETRIES));
    });
}

void live_log::flush_started()
{
    const arch::context* self = w_.m.current_context();
    const sim::time_point now = w_.m.now();
    for (started& s : started_) {
        if (s.printed || (s.ctx == self && s.start == now))
            continue;  // a call being made right now has not overlapped anything yet
        out_ << sim::dmesg_timestamp(s.start) << s.tag << ' ' << s.text << " <unfinished ...>\n";
        s.printed = true;
    }
}

void live_log::line(const std::string& tag, const std::string& text)
{
    flush_started();
    out_ << sim::dmesg_timestamp(w_.m.now()) << tag << ' ' << text << '\n';
}

void live_log::finish()
{
    if (opts_.explain && !opts_.quiet)
        for (auto& [who, ex] : opts_.explain->take_unfinished()) {
            out_ << sim::dmesg_timestamp(w_.m.now()) << "explain: the allocation " << who
                 << " was making when the run ended\n";
            for (const std::string& l : ex.lines)
                out_ << sim::dmesg_timestamp(w_.m.now()) << "   " << l << '\n';
        }
    if (!opts_.verbose)
        return;
    for (started& s : started_)
        if (!s.printed) {
            out_ << sim::dmesg_timestamp(s.start) << s.tag << ' ' << s.text << " <unfinished ...>\n";
            s.printed = true;
        }
}

}  // namespace kmsim::scenarios

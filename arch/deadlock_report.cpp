// arch/deadlock_report.cpp - the report kmsim prints when the engine finds a deadlock.
#include "arch/deadlock_report.h"

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/lock_base.h"

#include <fmt/format.h>

namespace kmsim::arch {

report deadlock_report(const sim::deadlock_info& d, sim::time_point now)
{
    auto as_context = [](const sim::actor* a) { return static_cast<const context*>(a); };
    auto holds = [](const context* c) {
        std::string s;
        for (const lock_base* l : c->held_locks())
            s += (s.empty() ? "" : ", ") + std::string(l->name());
        return s;
    };
    // "held by" a lock's owner, "run by" the kworker a flush waits for.
    auto role = [&](const sim::wait_edge& e) {
        const sim::blocker* b = e.who->waiting_for();
        return std::string(b ? b->holder_role() : "held by");
    };
    auto describe = [&](const sim::wait_edge& e, bool in_cycle) {
        const context* c = as_context(e.who);
        std::string s = fmt::format("  {}", e.context);
        if (c->pid() > 0)
            s += fmt::format("/{}", c->pid());
        if (c->on_cpu())
            s += fmt::format(" on CPU{}", c->on_cpu()->id());
        if (c->is_hardirq())
            s += " (hard IRQ)";
        else if (c->is_softirq())
            s += " (softirq)";
        std::string h = holds(c);
        s += h.empty() ? " holds no lock\n" : " holds " + h + "\n";
        s += "    and waits for " + e.waits_for;
        if (const frame* loc = c->location())
            s += fmt::format(" at {}:{}", loc->file, loc->line);
        if (!e.held_by.empty())
            s += (in_cycle ? ", " + role(e) + " " : ", which only ") + e.held_by + (in_cycle ? "" : " can end");
        else if (!in_cycle)
            s += ", which nothing can end";
        s += "\n";
        if (const sim::blocker* b = c->waiting_for())
            for (const sim::actor* holder : b->holders())
                if (const context* hc = as_context(holder); hc->departed())
                    s += fmt::format("    {} is an IRQ handler that returned at {}holding it: nothing will release it\n",
                                     hc->name(), sim::dmesg_timestamp(hc->departed_at()));
        return s;
    };

    std::string title;
    switch (d.kind) {
    case sim::deadlock_kind::self:
        title = fmt::format("INFO: deadlock detected: {} waits for itself on CPU{} (self)", d.cycle.front().context,
                            as_context(d.cycle.front().who)->on_cpu()->id());
        break;
    case sim::deadlock_kind::lock_cycle:
        title = fmt::format("INFO: deadlock detected: {} contexts wait for each other (lock_cycle)", d.cycle.size());
        break;
    case sim::deadlock_kind::no_progress:
        title = "INFO: deadlock detected: nothing can make progress (no_progress)";
        break;
    }
    std::string text = "======================================================\n" + title + "\n" +
                       "------------------------------------------------------\n";
    if (!d.cycle.empty()) {
        text += "the cycle:\n";
        for (const auto& e : d.cycle)
            text += describe(e, true);
        // One line through every step: what each context holds, the calls it
        // is inside (its simulated stack), what it waits for, who holds that.
        std::string chain;
        for (const auto& e : d.cycle) {
            const context* c = as_context(e.who);
            std::string h = holds(c);
            chain += e.context + (h.empty() ? "" : " holds " + h);
            const auto& fr = c->frames();
            // The first frame is the context's own body, unless it is a
            // handler it runs for others (a device worker's request code).
            // Kernel entry code (frame::entry()) adds nothing either.
            const std::size_t first = !fr.empty() && fr.front().function == c->name() ? 1 : 0;
            for (std::size_t i = first; i < fr.size(); ++i) {
                if (fr[i].is_entry())
                    continue;
                const bool is_wait_call = i + 1 == fr.size() && e.waits_for.rfind(fr[i].function, 0) == 0;
                if (!is_wait_call)
                    chain += " -> " + fr[i].name();
            }
            chain += " -> " + e.waits_for + " " + role(e) + " ";
        }
        chain += d.cycle.front().context;
        text += "  " + chain + "\n";
    }
    if (!d.stuck.empty()) {
        text += d.cycle.empty() ? "waiting:\n" : "also waiting:\n";
        for (const auto& e : d.stuck)
            text += describe(e, false);
    }
    text += " *** DEADLOCK ***\n";

    report r;
    r.kind = report_kind::deadlock;
    r.title = title;
    const sim::wait_edge& first = d.cycle.empty() ? d.stuck.front() : d.cycle.front();
    r.context = first.context;
    r.cpu = as_context(first.who)->on_cpu() ? as_context(first.who)->on_cpu()->id() : -1;
    r.when = now;
    r.text = std::move(text);
    r.text.pop_back();
    return r;
}

}  // namespace kmsim::arch

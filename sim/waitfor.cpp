// sim/waitfor.cpp - cycle search over the wait-for graph.
//
// Basic algorithm: from an actor, follow actor -> blocker -> holder edges
// depth-first, remembering the path; meeting an actor already on the path
// closes a cycle, which is reported from that actor on. Graphs are tiny (one
// node per waiting context), so clarity beats asymptotics here.
#include "sim/waitfor.h"

#include <algorithm>
#include <functional>
#include <set>

namespace kmsim::sim {

const char* to_string(deadlock_kind k)
{
    switch (k) {
    case deadlock_kind::lock_cycle: return "lock_cycle";
    case deadlock_kind::self: return "self";
    case deadlock_kind::no_progress: return "no_progress";
    }
    return "?";
}

namespace {

wait_edge edge_of(const actor& a)
{
    wait_edge e;
    e.who = &a;
    e.context = a.label();
    const blocker* b = a.waiting_for();
    if (!b)
        return e;
    e.waits_for = b->describe_wait();
    for (const actor* h : b->holders()) {
        if (!e.held_by.empty())
            e.held_by += ", ";
        e.held_by += h->label();
    }
    return e;
}

std::optional<std::vector<const actor*>> search(const actor& start, bool exclusive_only)
{
    std::vector<const actor*> path;
    std::set<const actor*> dead_ends;
    std::optional<std::vector<const actor*>> found;

    std::function<bool(const actor*)> dfs = [&](const actor* a) -> bool {
        auto on_path = std::find(path.begin(), path.end(), a);
        if (on_path != path.end()) {
            found = std::vector<const actor*>(on_path, path.end());
            return true;
        }
        if (dead_ends.count(a))
            return false;
        const blocker* b = a->waiting_for();
        if (!b || (exclusive_only && !b->exclusive()))
            return false;
        path.push_back(a);
        for (const actor* h : b->holders())
            if (dfs(h))
                return true;
        path.pop_back();
        dead_ends.insert(a);
        return false;
    };
    dfs(&start);
    return found;
}

deadlock_info from_cycle(const std::vector<const actor*>& cycle)
{
    deadlock_info d;
    bool through_cpu = cycle.size() == 1;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
        const actor* a = cycle[i];
        wait_edge e = edge_of(*a);
        // Name only the holder that continues the cycle.
        e.held_by = cycle[(i + 1) % cycle.size()]->label();
        d.cycle.push_back(std::move(e));
        if (a->waiting_for()->is_cpu())
            through_cpu = true;
    }
    d.kind = through_cpu ? deadlock_kind::self : deadlock_kind::lock_cycle;
    return d;
}

}  // namespace

std::optional<deadlock_info> find_certain_cycle(const actor& from)
{
    auto cycle = search(from, true);
    if (!cycle || std::find(cycle->begin(), cycle->end(), &from) == cycle->end())
        return std::nullopt;
    // Report the cycle starting from the actor that just began to wait.
    auto it = std::find(cycle->begin(), cycle->end(), &from);
    std::rotate(cycle->begin(), it, cycle->end());
    return from_cycle(*cycle);
}

deadlock_info analyze_waits(const std::vector<const actor*>& waiting)
{
    deadlock_info d;
    for (const actor* a : waiting) {
        if (auto cycle = search(*a, false)) {
            d = from_cycle(*cycle);
            break;
        }
    }
    for (const actor* a : waiting) {
        bool in_cycle = std::any_of(d.cycle.begin(), d.cycle.end(), [&](const wait_edge& e) { return e.who == a; });
        if (!in_cycle)
            d.stuck.push_back(edge_of(*a));
    }
    return d;
}

}  // namespace kmsim::sim

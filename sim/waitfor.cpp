// sim/waitfor.cpp - cycle search over the wait-for graph.
//
// Basic algorithm: from an actor, follow actor -> blocker -> holder edges
// depth-first, remembering the path; meeting an actor already on the path
// closes a cycle, which is reported from that actor on. Graphs are tiny (one
// node per waiting context), so clarity beats asymptotics here.
#include "sim/waitfor.h"

#include <algorithm>

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

struct cycle_search {
    std::vector<const actor*> path;
    std::vector<const actor*> dead_ends;  // tiny graphs: a vector beats a set
    std::vector<const actor*> found;

    bool visit(const actor* a)
    {
        auto on_path = std::find(path.begin(), path.end(), a);
        if (on_path != path.end()) {
            found.assign(on_path, path.end());
            return true;
        }
        if (std::find(dead_ends.begin(), dead_ends.end(), a) != dead_ends.end())
            return false;
        const blocker* b = a->waiting_for();
        if (!b)
            return false;
        path.push_back(a);
        for (const actor* h : b->holders())
            if (visit(h))
                return true;
        path.pop_back();
        dead_ends.push_back(a);
        return false;
    }
};

std::optional<std::vector<const actor*>> search(const actor& start)
{
    cycle_search s{{}, {}, {}};
    if (s.visit(&start))
        return std::move(s.found);
    return std::nullopt;
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
    // Exclusive waits have one holder each, so the graph seen from FROM is a
    // chain: follow it until it ends or comes back. It cannot enter a cycle
    // that avoids FROM (that cycle would have been reported when it closed),
    // but the walk is bounded all the same.
    const actor* a = &from;
    for (int steps = 0; steps < 1 << 16; ++steps) {
        const blocker* b = a->waiting_for();
        if (!b || !b->exclusive())
            return std::nullopt;
        const actor* h = b->sole_holder();
        if (!h)
            return std::nullopt;
        if (h == &from) {
            std::vector<const actor*> cycle;
            for (const actor* c = &from;;) {
                cycle.push_back(c);
                c = c->waiting_for()->sole_holder();
                if (c == &from)
                    break;
            }
            return from_cycle(cycle);
        }
        a = h;
    }
    return std::nullopt;
}

deadlock_info analyze_waits(const std::vector<const actor*>& waiting)
{
    deadlock_info d;
    for (const actor* a : waiting) {
        if (auto cycle = search(*a)) {
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

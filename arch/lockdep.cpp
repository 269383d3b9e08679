// arch/lockdep.cpp - dependency graph, usage bits and lockdep's reports.
#include "arch/lockdep.h"

#include "arch/machine.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::arch {

lockdep::site lockdep::here(const context& c)
{
    // The code that took the lock: the innermost frame of the context's own
    // code (its body, or a function it called), not a kernel call's.
    const auto& fs = c.frames();
    for (auto it = fs.rbegin(); it != fs.rend(); ++it)
        if (!it->file.empty() && !it->render) {
            frame f{it->function, it->file, it->line};
            f.native = it->native;
            return site{f};
        }
    if (const frame* loc = c.location())
        return site{frame{c.frames().front().function, loc->file, loc->line}};
    // Kernel code of kmsim's own (a kworker's process_one_work): its function.
    for (auto it = fs.rbegin(); it != fs.rend(); ++it)
        if (!it->render)
            return site{frame{it->function, "", 0}};
    // No frames (a kernel thread, a context made by a test): its name, kept
    // here, since a site may outlive the context.
    if (!c.lockdep_name)
        c.lockdep_name = &*names_.emplace(c.name()).first;
    return site{frame{*c.lockdep_name, "", 0}};
}

std::string lockdep::lock_desc(const lockdep_map& m) const
{
    const auto& u = m.usage;
    const char hard = u.in_hardirq && u.hardirq_on ? '?' : u.in_hardirq ? '-' : u.hardirq_on ? '+' : '.';
    const char soft = u.in_softirq && u.softirq_on ? '?' : u.in_softirq ? '-' : u.softirq_on ? '+' : '.';
    const char hard_read = u.hardirq_on_read ? '+' : '.', soft_read = u.softirq_on_read ? '+' : '.';
    return fmt::format("({}){{{}{}{}{}}}-{{{}:{}}}", m.name, hard, hard_read, soft, soft_read, m.wait_type, m.wait_type);
}

const lockdep_map& lock_class_key::subclass(unsigned n)
{
    KMSIM_ASSERT(n < MAX_LOCKDEP_SUBCLASSES, "the caller checks the subclass");
    if (!maps_[n])
        maps_[n] = std::make_unique<lockdep_map>(
            lockdep_map{n ? fmt::format("{}/{}", name_, n) : name_, wait_type_});
    return *maps_[n];
}

std::string lockdep::held_desc(const lockdep_map& m, const void* instance) const
{
    auto [it, fresh] = instance_.try_emplace(instance ? instance : &m, 0);
    if (fresh)
        it->second = 0xffffffff82c01000ULL + 0x40ULL * (instance_.size() - 1);
    return fmt::format("{:016x} {}", it->second, lock_desc(m));
}

bool lockdep::reaches(const lockdep_map* from, const lockdep_map* to, std::vector<const lockdep_map*>& path) const
{
    // Breadth-first over "taken after" edges, remembering the way back.
    std::map<const lockdep_map*, const lockdep_map*> parent;
    std::vector<const lockdep_map*> frontier{from};
    parent[from] = nullptr;
    while (!frontier.empty()) {
        std::vector<const lockdep_map*> next;
        for (const lockdep_map* a : frontier) {
            auto it = after_.find(a);
            if (it == after_.end())
                continue;
            for (const lockdep_map* b : it->second) {
                if (parent.count(b))
                    continue;
                parent[b] = a;
                if (b == to) {
                    for (const lockdep_map* x = b; x; x = parent[x])
                        path.push_back(x);
                    std::reverse(path.begin(), path.end());
                    return true;
                }
                next.push_back(b);
            }
        }
        frontier = std::move(next);
    }
    return false;
}

std::string lockdep::held_text(const context& c) const
{
    const auto& held = c.lockdep_held();
    const std::size_t n = held.size();
    const std::string who = fmt::format("{}/{}", machine_.current_comm(), machine_.current_pid());
    if (n == 0)
        return fmt::format("no locks held by {}.\n", who);
    std::string o = fmt::format("{} lock{} held by {}:\n", n, n > 1 ? "s" : "", who);
    for (std::size_t i = 0; i < n; ++i)
        o += fmt::format(" #{}: {}, at: {}\n", i, held_desc(*held[i].map, held[i].instance), held[i].at.format());
    return o;
}

void lockdep::report(const std::string& banner, const std::string& title, const std::string& body)
{
    // debug_locks_off(): the first report is the only one.
    enabled_ = false;
    std::string text = banner + "\n" + title + "\n" + kernel_release + " #1 " + machine_.taint_string() + "\n" +
           std::string(banner.size(), '-') + "\n" + body;
    text += "\nstack backtrace:\n" + machine_.dump_stack(machine_.current());
    machine_.add_report(report_kind::lockdep, title, text, log_level::warning);
    machine_.add_taint(taint::warn);
}

void lockdep::circular(const context& c, const held_entry& prev, const lockdep_map& next, const void* next_instance,
                       bool next_read, const std::vector<const lockdep_map*>& path)
{
    // PATH runs next -> ... -> prev through recorded dependencies; taking
    // NEXT while holding PREV closes the cycle.
    const std::string who = fmt::format("{}/{}", machine_.current_comm(), machine_.current_pid());
    std::string b;
    b += fmt::format("{} is trying to acquire lock:\n{}, at: {}\n\n", who, held_desc(next, next_instance),
                     here(c).where());
    b += fmt::format("but task is already holding lock:\n{}, at: {}\n\n", held_desc(*prev.map, prev.instance),
                     prev.at.format());
    b += "which lock already depends on the new lock.\n\n";
    b += "the existing dependency chain (in reverse order) is:\n";
    // Entries #N..#1 are the recorded edges of PATH (last first), #0 the new one.
    const std::size_t n = path.size();
    for (std::size_t k = n - 1; k >= 1; --k) {
        const site& s = edges_.at({path[k - 1], path[k]});
        b += fmt::format("\n-> #{} {}:\n       {}\n", k, lock_desc(*path[k]), s.where());
    }
    b += fmt::format("\n-> #0 {}:\n       {}\n", lock_desc(next), here(c).where());
    b += "\nother info that might help us debug this:\n\n";
    if (n > 2) {
        std::string chain;
        for (std::size_t k = n; k-- > 0;)
            chain += (chain.empty() ? "" : " --> ") + path[k]->name;
        b += "Chain exists of:\n  " + chain + "\n\n";
    }
    const std::string target = prev.map->name, source = next.name, parent = path[n - 2]->name;
    b += " Possible unsafe locking scenario:\n\n";
    b += "       CPU0                    CPU1\n";
    b += "       ----                    ----\n";
    b += fmt::format("  {}lock({});\n", prev.read ? "r" : "", target);
    b += fmt::format("                               lock({});\n", parent);
    b += fmt::format("                               lock({});\n", target);
    b += fmt::format("  {}lock({});\n", next_read ? "r" : "", source);
    b += "\n *** DEADLOCK ***\n\n";
    b += held_text(c);
    report("======================================================",
           "WARNING: possible circular locking dependency detected", b);
}

void lockdep::acquire(const lockdep_map& map, bool trylock, const void* instance, bool read)
{
    if (!enabled_ || !machine_.current_context())
        return;
    context& c = machine_.current();
    auto& held = c.lockdep_held();
    lazy_site at(*this, c);
    if (!instance)
        instance = &map;
    if (!check_acquire(c, held, map, trylock, at, instance, read))
        return;
    held.push_back({&map, at.get().at, instance, read});
    if (held.size() >= MAX_LOCK_DEPTH)
        too_deep(c);
}

void lockdep::acquire_release_checks(const lockdep_map& map, context& c)
{
    lazy_site at(*this, c);
    check_acquire(c, c.lockdep_held(), map, false, at, &map, false);
}

void lockdep::invalid_subclass(unsigned subclass)
{
    if (!enabled_)
        return;
    enabled_ = false;
    const std::string title = fmt::format("BUG: looking up invalid subclass: {}", subclass);
    std::string text = title + "\nturning off the locking correctness validator.\n";
    if (machine_.current_context())
        text += machine_.dump_stack(machine_.current());
    machine_.add_report(report_kind::lockdep, title, text, log_level::err);
}

bool lockdep::check_acquire(context& c, const std::vector<held_entry>& held, const lockdep_map& map, bool trylock,
                            lazy_site& at, const void* instance, bool read)
{

    // IRQ-safety: a lock taken in hard-IRQ (softirq) context must never be
    // taken elsewhere with hard IRQs (softirqs) on, or that CPU can
    // interrupt its own holder.
    lockdep_map::usage_state& u = map.usage;
    const lockdep_irq_state s = irq_state(c);
    auto inconsistent = [&](const char* from, const char* to, const site& first) {
        std::string b = fmt::format("inconsistent {{{}}} -> {{{}}} usage.\n", from, to);
        b += fmt::format("{}/{} [HC{}[{}]:SC{}[{}]:HE{}:SE{}] takes:\n", machine_.current_comm(),
                         machine_.current_pid(), s.hardirq ? 1 : 0, s.hardirq ? 1 : 0, s.softirq ? 1 : 0,
                         s.softirq ? 1 : 0, s.irqs_on ? 1 : 0,
                         (c.on_cpu()->preempt_count() & SOFTIRQ_MASK) ? 0 : 1);
        b += fmt::format("{}, at: {}\n", held_desc(map, instance), at.get().where());
        b += fmt::format("{{{}}} state was registered at:\n  {}\n", from, first.where());
        b += "\nother info that might help us debug this:\n Possible unsafe locking scenario:\n\n";
        b += "       CPU0\n       ----\n";
        b += fmt::format("  lock({});\n  <Interrupt>\n    lock({});\n", map.name, map.name);
        b += "\n *** DEADLOCK ***\n\n" + held_text(c);
        report("================================", "WARNING: inconsistent lock state", b);
    };
    if (read && !s.hardirq && !s.softirq) {
        // A reader in process context (an rwsem's, which may sleep: never
        // in interrupt): its own usage bits.
        u.process_read = true;
        u.hardirq_on_read |= s.irqs_on;
        u.softirq_on_read |= s.softirqs_on;
    } else if (!u.marked(s)) {
        if (s.hardirq && !u.in_hardirq) {
            u.in_hardirq = true;
            u.in_hardirq_at = at.get();
            if (u.hardirq_on) {
                inconsistent("HARDIRQ-ON-W", "IN-HARDIRQ-W", u.hardirq_on_at);
                return false;
            }
        }
        if (s.softirq && !u.in_softirq) {
            u.in_softirq = true;
            u.in_softirq_at = at.get();
            if (u.softirq_on) {
                inconsistent("SOFTIRQ-ON-W", "IN-SOFTIRQ-W", u.softirq_on_at);
                return false;
            }
        }
        if (!s.hardirq && !s.softirq)
            u.process = true;
        if (s.irqs_on && !u.hardirq_on) {
            u.hardirq_on = true;
            u.hardirq_on_at = at.get();
            if (u.in_hardirq) {
                inconsistent("IN-HARDIRQ-W", "HARDIRQ-ON-W", u.in_hardirq_at);
                return false;
            }
        }
        if (s.softirqs_on && !u.softirq_on) {
            u.softirq_on = true;
            u.softirq_on_at = at.get();
            if (u.in_softirq) {
                inconsistent("IN-SOFTIRQ-W", "SOFTIRQ-ON-W", u.in_softirq_at);
                return false;
            }
        }
    }
    if (trylock)
        return true;

    // Recursion: the same class taken twice by one context.
    for (const held_entry& h : held)
        if (h.map == &map) {
            const std::string who = fmt::format("{}/{}", machine_.current_comm(), machine_.current_pid());
            std::string b =
                fmt::format("{} is trying to acquire lock:\n{}, at: {}\n\n", who, held_desc(map, instance),
                            at.get().where());
            b += fmt::format("but task is already holding lock:\n{}, at: {}\n\n", held_desc(*h.map, h.instance),
                             h.at.format());
            b += "other info that might help us debug this:\n Possible unsafe locking scenario:\n\n";
            b += fmt::format("       CPU0\n       ----\n  lock({});\n  lock({});\n", map.name, map.name);
            b += "\n *** DEADLOCK ***\n\n May be due to missing lock nesting notation\n\n" + held_text(c);
            report("============================================", "WARNING: possible recursive locking detected", b);
            return false;
        }

    // New dependencies: every lock held -> this one. A path back from this
    // lock to a held one closes a cycle.
    for (const held_entry& h : held) {
        if (edges_.count({h.map, &map}))
            continue;
        std::vector<const lockdep_map*> path;
        if (reaches(&map, h.map, path)) {
            circular(c, h, map, instance, read, path);
            return false;
        }
        edges_[{h.map, &map}] = at.get();
        after_[h.map].push_back(&map);
    }
    return true;
}

void lockdep::too_deep(const context& c)
{
    // __lock_acquire(): print_lockdep_off(), the depth, the held locks,
    // debug_show_all_locks() and the stack, all at KERN_DEBUG.
    enabled_ = false;
    const std::string title = "BUG: MAX_LOCK_DEPTH too low!";
    std::string text = title + "\nturning off the locking correctness validator.\n";
    text += fmt::format("depth: {}  max: {}!\n", c.lockdep_held().size(), MAX_LOCK_DEPTH);
    text += held_text(c);
    text += "\nShowing all locks held in the system:\n";
    for (const auto& t : machine_.threads()) {  // in creation order: the report is deterministic
        const auto& locks = t->lockdep_held();
        if (locks.empty())
            continue;
        text += fmt::format("{} lock{} held by {}/{}:\n", locks.size(), locks.size() > 1 ? "s" : "", t->name(),
                            t->pid());
        for (std::size_t i = 0; i < locks.size(); ++i)
            text += fmt::format(" #{}: {}, at: {}\n", i, held_desc(*locks[i].map, locks[i].instance),
                                locks[i].at.format());
    }
    text += "\n=============================================\n\n";
    text += machine_.dump_stack(c);
    machine_.add_report(report_kind::lockdep, title, text, log_level::debug);
}

void lockdep::check_no_locks_held(const context& c)
{
    if (!enabled_)
        return;
    if (c.lockdep_held().empty())
        return;
    const std::string title = fmt::format("WARNING: {}/{} still has locks held!", c.name(), c.pid());
    report("====================================", title, held_text(c));
}

void lockdep::release(const lockdep_map& map, const void* instance)
{
    if (!machine_.current_context())
        return;
    if (!instance)
        instance = &map;
    auto& held = machine_.current().lockdep_held();
    for (auto h = held.rbegin(); h != held.rend(); ++h)
        if (h->instance == instance) {
            held.erase(std::next(h).base());
            return;
        }
}

}  // namespace kmsim::arch

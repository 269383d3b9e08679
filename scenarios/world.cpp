// scenarios/world.cpp - building the world a scenario declares.
#include "scenarios/world.h"

#include "scenarios/bundled.h"
#include "scenarios/kbuild.h"
#include "scenarios/parser.h"
#include "sim/suggest.h"
#include "scenarios/sysctl.h"
#include "sim/error.h"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace kmsim::scenarios {

namespace {

// A scenario `shrinker` block: its objects live in a kmem_cache of its name;
// reclaim runs its body as scan_objects, in the reclaiming task.
class scenario_shrinker final : public mm::shrinker {
public:
    scenario_shrinker(world& w, const shrinker_decl& d)
        : mm::shrinker(d.name), w_(w), d_(d), owner_("shrinker " + d.name)
    {
    }
    void populate()
    {
        cache_ = w_.mem.slabs().create(d_.name, static_cast<std::uint32_t>(d_.size), {});
        // At boot (GFP_BOOT_MASK: no reclaim), quietly: running out is the
        // scenario's error, reported at its line.
        for (std::uint64_t i = 0; i < d_.objects; ++i) {
            std::uint64_t o = w_.mem.slabs().alloc(cache_, mm::GFP_KERNEL | mm::gfp::NOWARN);
            if (!o)
                throw sim::config_error(fmt::format("shrinker {}: {} objects of {} bytes do not fit in memory at boot "
                                                    "({} did)",
                                                    d_.name, d_.objects, d_.size, i));
            w_.mem.kmemleak().not_leak(o);  // the shrinker's lists hold them
            objects_.push_back(o);
        }
    }
    std::uint64_t count_objects(const mm::shrink_control&) override { return objects_.size(); }
    std::uint64_t scan_objects(const mm::shrink_control& sc) override
    {
        w_.shrink_stack.push_back(sc);
        const std::uint64_t r = run_body(w_, d_.code, owner_, d_.pos.line);
        w_.shrink_stack.pop_back();
        if (r == mm::SHRINK_STOP)
            return r;
        const std::uint64_t n = std::min<std::uint64_t>(r, objects_.size());
        for (std::uint64_t i = 0; i < n; ++i) {
            w_.mem.slabs().free(cache_, objects_.back());
            objects_.pop_back();
        }
        return n;
    }

private:
    world& w_;
    const shrinker_decl& d_;
    const std::string owner_;  // the body's name in stacks, which outlive a scan
    mm::kmem_cache* cache_ = nullptr;
    std::vector<std::uint64_t> objects_;
};

[[noreturn]] void fail_at(const scenario& sc, source_pos p, const std::string& msg)
{
    diagnostic d{sc.file, p.line, p.col, msg,
                 p.line >= 1 && p.line <= static_cast<int>(sc.lines.size()) ? sc.lines[static_cast<std::size_t>(p.line - 1)] : ""};
    throw scenario_error(d);
}

// Runs FILL, a step of boot that may not fit: its error belongs to line P.
template <typename F>
void at_line(const scenario& sc, source_pos p, F&& fill)
{
    try {
        fill();
    } catch (const sim::config_error& e) {
        fail_at(sc, p, e.what());
    }
}

mm::memory_config memory_config_of(const scenario& sc)
{
    mm::memory_config c;
    if (!sc.zones.empty()) {
        if (sc.machine && sc.machine->memory)
            fail_at(sc, sc.zones.front().pos, "give either machine memory= or zone lines, not both");
        for (const auto& z : sc.zones)
            c.node.zones.push_back({z.type, z.size, z.reserved});
    } else {
        c.node.memory = sc.machine && sc.machine->memory ? sc.machine->memory : (256ULL << 20);
    }
    for (const auto& s : sc.sysctls)
        if (s.entry->at_boot)
            s.entry->at_boot(c, s.numbers);
    c.slab = sc.boot_params;
    c.node.transparent_hugepage = sc.transparent_hugepage;
    c.node.host_views = !sc.modules.empty();
    return c;
}

void record_call(world& w, const call_record& c)
{
    if (!c.args.alloc)
        return;
    static const std::string no_flags = "0x0", other = "(other masks)";
    alloc_stats& a = w.allocs;
    const arch::context* t = w.m.current_task();
    const mm::gfp_t effective = mm::current_gfp_context(c.args.alloc->gfp, t ? t->task_flags() : 0);
    const std::string& name = w.api.gfp_name(effective);
    const std::string& key = name.empty() ? no_flags : name;
    auto row = a.by_gfp.find(key);
    if (row == a.by_gfp.end())
        row = a.by_gfp.try_emplace(a.by_gfp.size() < max_gfp_rows ? key : other).first;
    gfp_stats& st = row->second;
    ++st.calls;
    ++a.calls;
    st.stall_ns_max = std::max(st.stall_ns_max, sim::to_ns(w.m.now() - c.start));
    if (!c.args.alloc->ok) {
        ++st.failed;
        ++a.failed;
        ++a.failures_by_context[std::string(caller_of(w.m.current()).function)];
    }
}

// The completions and wait queues a body may complete or wake, itself or
// through the functions it calls (for deadlock reports: who could end a
// wait).
struct completers {
    std::set<std::uint64_t> completions, waitqueues;
};
void find_completers(const scenario& sc, const block& blk, completers& out, std::set<std::uint64_t>& funcs_seen)
{
    std::function<void(const expr&)> in_expr = [&](const expr& e) {
        if (e.k == expr::kind::call && e.call->completes)
            (e.call->args[0] == arg_kind::waitqueue ? out.waitqueues : out.completions).insert(e.args[0]->value);
        if (e.k == expr::kind::func_call && funcs_seen.insert(e.value).second)
            find_completers(sc, sc.funcs[e.value].code.stmts, out, funcs_seen);
        for (const auto& a : e.args)
            in_expr(*a);
    };
    for (const auto& s : blk) {
        for (const auto& e : s->exprs)
            in_expr(*e);
        for (const auto& b : s->bodies)
            find_completers(sc, b, out, funcs_seen);
    }
}

void create_objects(world& w)
{
    const scenario& sc = w.sc;
    for (const auto& l : sc.locks) {
        arch::lock_class_key* key = nullptr;
        if (!l.lock_class.empty()) {
            auto& k = w.lock_classes[l.lock_class];
            if (!k)
                k = std::make_unique<arch::lock_class_key>(l.lock_class, l.kind == lock_kind::spinlock ? 2 : 3);
            key = k.get();
        }
        // Every lock has a slot in each vector (by lock index); only its kind's is filled.
        w.objects.spinlocks.push_back(
            l.kind == lock_kind::spinlock ? std::make_unique<arch::spinlock>(w.m, l.name, key) : nullptr);
        w.objects.mutexes.push_back(l.kind == lock_kind::mutex ? std::make_unique<arch::mutex>(w.m, l.name, key)
                                                               : nullptr);
        w.objects.rwsems.push_back(l.kind == lock_kind::rwsem ? std::make_unique<arch::rw_semaphore>(w.m, l.name, key)
                                                              : nullptr);
    }
    for (const auto& c : sc.completions)
        w.objects.completions.push_back(std::make_unique<arch::completion>(w.m, c.name));
    for (const auto& q : sc.waitqueues)
        w.objects.waitqueues.push_back(std::make_unique<arch::wait_queue_head>(w.m, q.name));
    w.objects.run_function = [&w](std::uint64_t fn, std::uint64_t arg) {
        return run_function(w, w.sc.funcs[fn], arg);
    };
    for (const auto& c : sc.caches)
        at_line(sc, c.pos, [&] {
            w.objects.caches.push_back(w.mem.slabs().create(c.name, static_cast<std::uint32_t>(c.size),
                                                            {static_cast<std::uint32_t>(c.align), c.flags}));
        });
    if (w.uses_workqueues) {
        // workqueue_init(): the kworkers of every pool, the system
        // workqueues; then the scenario's queues, with their rescuers.
        arch::workqueues& wqs = w.m.workqueues();
        wqs.init();
        for (const auto& d : sc.workqueues) {
            arch::workqueue_struct* q = nullptr;
            if (!d.builtin)
                q = &wqs.alloc_workqueue(d.name, d.flags, d.max_active);
            else if (d.name == "system_wq")
                q = &wqs.system_wq();
            else if (d.name == "system_highpri_wq")
                q = &wqs.system_highpri_wq();
            else if (d.name == "system_long_wq")
                q = &wqs.system_long_wq();
            else
                q = &wqs.system_unbound_wq();
            w.objects.workqueues.push_back(q);
        }
        for (const auto& d : sc.works)
            w.objects.works.push_back(std::make_unique<arch::work_struct>(
                d.name, [&w, &d] { run_body(w, d.code, d.name, d.pos.line); }));
    }
    if (w.uses_softirqs)
        w.m.softirqs().init();  // ksoftirqd/N
    for (const auto& d : sc.timers)
        w.objects.timers.push_back(
            std::make_unique<arch::timer_list>(d.name, [&w, &d] { run_body(w, d.code, d.name, d.pos.line); }));
    for (const auto& d : sc.tasklets)
        w.objects.tasklets.push_back(
            std::make_unique<arch::tasklet_struct>(d.name, [&w, &d] { run_body(w, d.code, d.name, d.pos.line); }));
    for (const auto& p : sc.mempools) {
        mm::kmem_cache* cache = p.cache >= 0 ? w.objects.caches[static_cast<std::size_t>(p.cache)] : nullptr;
        w.objects.mempools.push_back(std::make_unique<mm::mempool>(w.m, w.mem.pages(), w.mem.kmalloc(), w.mem.slabs(),
                                                                   w.mem.kmemleak(), p.name, p.min_nr, p.size, cache));
        // mempool_create() at boot, its reserve allocated with GFP_KERNEL.
        if (!w.objects.mempools.back()->fill())
            fail_at(sc, p.pos, fmt::format("mempool {}: its {} reserved elements do not fit in memory at boot", p.name,
                                           p.min_nr));
    }
}

void create_blockdevs(world& w)
{
    for (const auto& d : w.sc.blockdevs) {
        drivers::blockdev_config cfg;
        cfg.name = d.name;
        cfg.latency = sim::nsecs(d.latency_ns);
        cfg.irq_line = d.irq;
        cfg.cpu = d.cpu;
        cfg.depth = static_cast<unsigned>(d.depth);
        cfg.worker_pid = 70 + static_cast<int>(w.objects.blockdevs.size());  // boot-time kthreads: low pids
        at_line(w.sc, d.pos, [&] { w.objects.blockdevs.push_back(std::make_unique<drivers::blockdev>(w.m, cfg)); });
        if (d.request)
            w.objects.blockdevs.back()->request_handler = [&w, &d, owner = "request " + d.name](std::uint64_t rq,
                                                                                                std::uint64_t) {
                run_body(w, *d.request, owner, d.pos.line, rq);  // OWNER lives as long as the handler
            };
        w.objects.blockdevs.back()->start();
    }
}

// Reclaimable memory at boot: what does not fit is an error at the line that
// asked for it, found before anything runs.
void fill_reclaimable(world& w)
{
    const scenario& sc = w.sc;
    for (const auto& d : sc.shrinkers) {
        auto s = std::make_unique<scenario_shrinker>(w, d);
        at_line(sc, d.pos, [&] { s->populate(); });
        w.mem.reclaim().register_shrinker(*s);
        w.shrinkers.push_back(std::move(s));
    }
    if (sc.pagecache_clean)
        at_line(sc, sc.pagecache_clean_pos,
                [&] { w.mem.reclaim().add_clean_page_cache(sc.pagecache_clean / mm::PAGE_SIZE); });
    for (const auto& d : sc.pagecache_dirty)
        at_line(sc, d.pos, [&] {
            w.mem.reclaim().add_dirty_page_cache(d.bytes / mm::PAGE_SIZE,
                                                 *w.objects.blockdevs[static_cast<std::size_t>(d.device)]);
        });
    for (const auto& p : sc.processes)
        at_line(sc, p.pos, [&] {
            w.mem.reclaim().add_process(p.name, p.rss / mm::PAGE_SIZE, p.swap / mm::PAGE_SIZE, p.oom_score_adj);
        });
    if (sc.anon)
        at_line(sc, sc.anon_pos, [&] {
            w.mem.reclaim().add_anon(sc.anon / mm::PAGE_SIZE,
                                     sc.anon_swap >= 0 ? w.objects.blockdevs[static_cast<std::size_t>(sc.anon_swap)].get()
                                                       : nullptr);
        });
}

// ---- modules

// Builds and maps the scenario's modules, as insmod reads and the kernel
// links them (nothing runs yet). A path is relative to the scenario file;
// a bundled module is found by name when no file has that path.
void load_modules(world& w)
{
    namespace fs = std::filesystem;
    const scenario& sc = w.sc;
    for (const module_decl& d : sc.modules) {
        fs::path path = fs::path(sc.file).parent_path() / d.path;
        std::string text;
        if (std::error_code ec; fs::is_regular_file(path, ec)) {
            std::ifstream f(path, std::ios::binary);
            std::ostringstream s;
            s << f.rdbuf();
            text = s.str();
        } else if (const bundled_scenario* b = find_bundled_module(fs::path(d.path).stem().string())) {
            // The bundled source, compiled from the cache's copy of it.
            text = b->source;
            path = fs::temp_directory_path() / fmt::format("kmsim-{}", ::getuid()) / "bundled" / (std::string(b->name) + ".c");
            fs::create_directories(path.parent_path());
            std::ofstream(path, std::ios::binary) << text;
        } else {
            fail_at(sc, d.pos, fmt::format("module \"{}\": no such file ({})", d.path, path.string()));
        }
        const built_module b = kbuild(path.string(), text, kbuild_options{w.m.config().hz});
        w.module_warnings += b.warnings;
        w.modules.push_back(std::make_unique<module>(w, b.name, b.ko_path, d.path));
    }
    w.uses_workqueues = sc.uses_workqueues;
    w.uses_softirqs = sc.uses_softirqs;
    for (const auto& m : w.modules) {
        w.uses_workqueues |= m->imports_any({"queue_work", "queue_delayed_work", "schedule_work",
                                             "schedule_delayed_work", "alloc_workqueue", "__kmsim_system_wq"});
        w.uses_softirqs |= m->imports_any({"mod_timer", "tasklet_schedule", "local_bh_disable", "spin_lock_bh"});
    }
    // The scenario's calls of exported functions.
    for (const auto& c : sc.module_calls) {
        std::uintptr_t target = 0;
        for (const auto& m : w.modules)
            if (auto it = m->exports().find(c.name); it != m->exports().end())
                target = it->second;
        if (!target) {
            std::vector<std::string> names;
            for (const auto& m : w.modules)
                for (const auto& [n, a] : m->exports())
                    names.push_back(n);
            const std::string near = sim::nearest(c.name, names);
            fail_at(sc, c.pos, fmt::format("unknown kernel call '{}', and no module loaded exports it{}", c.name,
                                           near.empty() ? " (a module exports a function with EXPORT_SYMBOL)"
                                                        : "; did you mean " + near + "?"));
        }
        w.module_call_targets.push_back(target);
    }
}

// A kthread runs a function of a module natively, else the scenario's.
void bind_modules(world& w)
{
    if (w.modules.empty())
        return;
    // Module code dereferences vmalloc memory at its host view.
    w.mem.nd().map().enable_vmalloc_view();
    w.objects.run_function = [scenario_fn = std::move(w.objects.run_function)](std::uint64_t fn,
                                                                              std::uint64_t arg) {
        module* m = module::at(fn);
        if (!m)
            return scenario_fn(fn, arg);
        return m->run_thread(fn, arg);
    };
}

// The insmod of each module, at boot: its init in do_init_module(); then the
// scenario's threads start. An init that fails ends the load as insmod's
// error; an init that Oopses kills insmod.
void insmod(world& w, const std::vector<arch::context*>& threads)
{
    arch::context& self = w.m.current();
    for (const auto& m : w.modules) {
        w.m.log().printk(w.m.now(), arch::log_level::warning,
                         fmt::format("{}: loading out-of-tree module taints kernel.", m->name()), "load_module", -1);
        w.m.add_taint(arch::taint::oot_module);
        w.m.module_loaded(m->name() + "(O)");
        arch::frame_guard f1(self, arch::frame::entry("do_init_module"));
        arch::frame_guard f2(self, arch::frame::entry("do_one_initcall"));
        int ret = 0;
        try {
            ret = m->init();
        } catch (const arch::task_killed&) {
            w.insmod_error = "Killed";
            return;
        }
        if (ret < 0) {
            const char* why = ret == -ENOENT  ? "Unknown symbol in module, or unknown parameter (see dmesg)"
                              : ret == -ENOEXEC ? "Invalid module format"
                              : ret == -EEXIST  ? "Module already in kernel"
                                                : std::strerror(-ret);
            w.insmod_error = fmt::format("ERROR: could not insert module {}.ko: {}", m->name(), why);
            return;
        }
        if (ret > 0)
            w.m.log().printk(w.m.now(), arch::log_level::warning,
                             fmt::format("do_init_module: '{}'->init suspiciously returned {}, it should follow 0/-E "
                                         "convention\n{}: loading module anyway...",
                                         m->name(), ret, m->name()),
                             "do_init_module", -1);
    }
    for (arch::context* t : threads)
        w.m.wake_up_process(*t);
    // rmmod, once the machine is quiet: every thread but the module's own
    // has returned, nothing is queued or armed, and each of the module's
    // kthreads sleeps (in msleep(), wait_event(), on a lock) or has returned.
    w.eng.on_idle = [&w] {
        for (const sim::actor* a : w.eng.actors())
            if (a->role() == sim::actor_role::foreground && !a->is_done() &&
                !(a->waiting_for() && w.module_threads.count(a)))
                return false;
        w.eng.on_idle = nullptr;
        arch::thread_options o;
        o.start = w.m.now();
        w.m.create_thread("rmmod", [&w] {
            arch::frame_guard f(w.m.current(), arch::frame::entry("__do_sys_delete_module"));
            for (auto it = w.modules.rbegin(); it != w.modules.rend(); ++it) {
                try {
                    (*it)->exit();
                } catch (const arch::task_killed&) {
                    return;
                }
            }
        }, o);
        return true;
    };
}

// An interrupt on a line without a body of its own: the handler a module
// bound with request_irq(), or, with none, the kernel's spurious-interrupt
// message (__common_interrupt()).
void module_interrupt(world& w, int line)
{
    auto it = w.module_irqs.find(line);
    arch::irq_line& l = w.m.irq(line);
    if (it == w.module_irqs.end()) {
        arch::context& c = w.m.current();
        w.m.log().printk(w.m.now(), arch::log_level::emerg,
                         fmt::format("__common_interrupt: {}.{} No irq handler for vector", c.on_cpu()->id(), 32 + line),
                         "__common_interrupt", c.on_cpu()->id());
        return;
    }
    if (l.name() != it->second.name)
        l.set_name(it->second.name);
    const module_irq h = it->second;
    try {
        const auto pc = reinterpret_cast<std::uintptr_t>(h.handler);
        if (!module::at(pc))  // a handler that is no module's code: the jump there faults
            arch::page_fault_oops(w.m, pc, false, pc < 0x10000 ? arch::fault_kind::null_pointer
                                                                : arch::fault_kind::unmapped);
        h.handler(line, h.dev);
    } catch (const arch::task_killed&) {
    }
}

void create_contexts(world& w)
{
    const scenario& sc = w.sc;
    std::vector<arch::context*> held;  // until the modules are loaded
    for (const auto& t : sc.threads) {
        arch::thread_options o{t.cpu, sim::at_ns(t.at_ns)};
        o.stopped = !w.modules.empty();
        arch::context& c = w.m.create_thread(t.name, [&w, &t] { run_body(w, t.code, t.name, t.pos.line); }, o);
        held.push_back(&c);
        completers found;
        std::set<std::uint64_t> funcs_seen;
        find_completers(sc, t.code.stmts, found, funcs_seen);
        for (std::uint64_t i : found.completions)
            w.objects.completions[i]->expect_completer(c);
        for (std::uint64_t i : found.waitqueues)
            w.objects.waitqueues[i]->expect_waker(c);
    }
    if (!w.modules.empty())
        w.m.create_thread("insmod", [&w, held] { insmod(w, held); });
    for (const auto& q : sc.irqs) {
        std::function<void()> handler = [&w, &q] { run_body(w, q.code, q.name, q.pos.line); };
        if (q.bodiless)
            handler = [&w, line = q.line] { module_interrupt(w, line); };
        arch::irq_line& line = w.m.request_irq(q.line, q.name, q.cpu, std::move(handler));
        if (q.at_ns)
            line.raise_at(sim::at_ns(*q.at_ns));
        else
            line.raise_every(sim::at_ns(0) + sim::nsecs(*q.every_ns), sim::nsecs(*q.every_ns), q.count,
                             sim::nsecs(q.jitter_ns));
    }
}

}  // namespace

std::unique_ptr<world> build_world(const scenario& sc, const build_options& opts)
{
    arch::machine_config mcfg;
    mcfg.cpus = sc.machine ? sc.machine->cpus : 1;
    mcfg.hz = sc.machine ? sc.machine->hz : 1000;
    std::unique_ptr<world> wp;
    at_line(sc, sc.machine ? sc.machine->pos : sc.zones.empty() ? source_pos{1, 1} : sc.zones.front().pos, [&] {
        sim::engine_config ecfg{opts.seed};
        ecfg.diag = opts.diag;
        opts.diag.debug("world {}: cpus={} hz={} seed={}", sc.file, mcfg.cpus, mcfg.hz, opts.seed);
        wp = std::make_unique<world>(sc, std::move(ecfg), mcfg, memory_config_of(sc));
    });
    world& w = *wp;
    w.eng.set_chooser(opts.chooser);
    for (int t = 0; t < mm::MAX_NR_ZONES; ++t)
        if (const mm::zone& z = w.mem.nd().zone_at(t); z.populated())
            opts.diag.debug("zone {}: pfn {:#x}-{:#x}, {} pages managed, watermarks min {} low {} high {}", z.name,
                            z.zone_start_pfn, z.end_pfn(), z.managed_pages, z.min_wmark(), z.low_wmark(),
                            z.high_wmark());
    if (opts.attach)
        opts.attach(w);
    w.api.call_done.attach([&w](const call_record& c) { record_call(w, c); });
    // The globals, set before anything runs.
    w.globals.assign(sc.global_words, 0);
    for (const auto& g : sc.globals)
        if (!g.is_array)
            w.globals[g.offset] = g.init;
    w.live_vars.push_back(&w.globals);
    // kmemleak's roots: what the globals and the running bodies' variables hold.
    w.mem.kmemleak().set_roots([&w](const std::function<void(std::uint64_t)>& visit) {
        for (const std::vector<std::uint64_t>* vars : w.live_vars)
            for (std::uint64_t v : *vars)
                visit(v);
        // A module's data and bss, as the kernel scans a module's sections.
        for (const auto& m : w.modules)
            for (const auto& [start, end] : m->data_ranges())
                for (std::uintptr_t p = start; p + sizeof(std::uint64_t) <= end; p += sizeof(std::uint64_t))
                    visit(*reinterpret_cast<const std::uint64_t*>(p));
    });

    load_modules(w);
    create_objects(w);
    bind_modules(w);
    create_blockdevs(w);
    fill_reclaimable(w);
    for (const auto& s : sc.sysctls)
        if (s.entry->at_start)
            s.entry->at_start(w.m, w.mem, s.numbers);
    w.mem.reclaim().start_kswapd();
    w.mem.reclaim().start_flusher();
    w.mem.reclaim().oom().start_reaper();
    opts.diag.debug("objects: {} locks, {} completions, {} caches, {} block devices, {} shrinkers", sc.locks.size(),
                    sc.completions.size(), sc.caches.size(), sc.blockdevs.size(), sc.shrinkers.size());

    w.m.log().printk(w.m.now(), arch::log_level::info,
                     fmt::format("kmsim {}: {} ({}), seed {}", opts.version, sc.title, sc.file, opts.seed));
    create_contexts(w);
    opts.diag.debug("contexts: {} threads, {} IRQ sources", sc.threads.size(), sc.irqs.size());
    return wp;
}

}  // namespace kmsim::scenarios

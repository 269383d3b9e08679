// scenarios/kernel_api.cpp - the table of kernel calls, their handlers, and dispatch.
#include "scenarios/kernel_api.h"

#include "arch/printk.h"
#include "arch/traps.h"
#include "mm/gfp.h"
#include "mm/memmap.h"
#include "sim/error.h"

#include <fmt/format.h>

#include <algorithm>

namespace kmsim::scenarios {

namespace {

using a = arg_kind;
using r = result_kind;
using ctx = call_context;

// ---- what handlers share

arch::spinlock& spinlock_of(kernel_env& e, std::uint64_t i) { return *e.objects.spinlocks[i]; }
arch::mutex& mutex_of(kernel_env& e, std::uint64_t i) { return *e.objects.mutexes[i]; }
arch::rw_semaphore& rwsem_of(kernel_env& e, std::uint64_t i) { return *e.objects.rwsems[i]; }
arch::completion& completion_of(kernel_env& e, std::uint64_t i) { return *e.objects.completions[i]; }
arch::wait_queue_head& waitqueue_of(kernel_env& e, std::uint64_t i) { return *e.objects.waitqueues[i]; }
// kthread_create(): a thread that runs the front end's function FN(DATA).
std::uint64_t create_kthread(kernel_env& e, call_args& x)
{
    auto& run = e.objects.run_function;
    const std::uint64_t fn = x.v[0], data = x.v[1];
    const std::uint64_t task = e.m.kthreads().create([&run, fn, data] { return run(fn, data); }, *x.text[2]);
    x.alloc = alloc_outcome{mm::GFP_KERNEL, !arch::IS_ERR_VALUE(task)};
    return task;
}

// A lockdep subclass as the kernel's unsigned int takes it.
unsigned subclass(std::uint64_t v) { return static_cast<unsigned>(std::min<std::uint64_t>(v, UINT32_MAX)); }
mm::gfp_t gfp(std::uint64_t v) { return static_cast<mm::gfp_t>(v); }

// The cache behind a `struct kmem_cache *`. NULL (a failed
// kmem_cache_create()'s) or anything else that is no live cache faults, as
// the kernel's dereference of it would.
mm::kmem_cache& cache_of(kernel_env& e, std::uint64_t handle)
{
    if (mm::kmem_cache* s = e.objects.cache_at(handle))
        return *s;
    arch::page_fault_oops(e.m, handle, false,
                          handle < mm::PAGE_SIZE ? arch::fault_kind::null_pointer : arch::fault_kind::unmapped);
}
unsigned order(std::uint64_t v) { return static_cast<unsigned>(v); }

// The code that made the call: the frame below the call's own.
const arch::frame& caller(kernel_env& e)
{
    const arch::frame* f = e.m.current().caller_frame();
    KMSIM_ASSERT(f && e.m.current().frames().size() >= 2, "a kernel call without a caller's frame");
    return *f;
}

void print_in_caller(kernel_env& e, arch::log_level level, const std::string& text)
{
    arch::context& c = e.m.current();
    e.m.log().printk(e.m.now(), level, text, caller(e).function, c.on_cpu() ? c.on_cpu()->id() : -1);
}

std::string gfp_names(std::string_view, std::uint64_t v) { return mm::format_gfp(gfp(v)); }

// A /proc view printed into the log (kmsim's show_*() calls).
std::uint64_t show(kernel_env& e, const char* name)
{
    const std::string view = e.mem.proc_show(name);
    const arch::frame& at = caller(e);
    std::string text = fmt::format("kmsim: /proc/{} at {}:{}:\n", name, at.file, at.line);
    if (std::string_view(name) == "slabinfo") {
        // Only the caches that hold anything, to keep the log readable.
        std::size_t pos = 0;
        int n = 0;
        while (pos < view.size()) {
            const std::size_t nl = view.find('\n', pos);
            const std::string line = view.substr(pos, nl - pos);
            if (n++ < 2 || line.find("      0      0 ") == std::string::npos)
                text += line + "\n";
            pos = nl + 1;
        }
    } else {
        text += view;
    }
    print_in_caller(e, arch::log_level::info, text);
    return 0;
}

// ---- the table

std::vector<kernel_call> make_table()
{
    // Handlers are captureless lambdas: each converts its arguments and makes
    // one kernel call.
    std::vector<kernel_call> t = {
        // -- the kmalloc family
        {"kmalloc", "void *kmalloc(size_t size, gfp_t flags)", {a::value, a::gfp}, false, r::pointer, ctx::gfp, 100, 0,
         false, "Allocates SIZE bytes from the kmalloc caches (above 8 KiB, from the page allocator); NULL on failure.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.kmalloc().kmalloc(x.v[0], gfp(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[1]), p != 0};
             return p;
         }},
        {"kzalloc", "void *kzalloc(size_t size, gfp_t flags)", {a::value, a::gfp}, false, r::pointer, ctx::gfp, 100, 0,
         false, "kmalloc() with __GFP_ZERO: the memory is zeroed.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.kmalloc().kzalloc(x.v[0], gfp(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[1]) | mm::gfp::ZERO, p != 0};
             x.bytes = x.v[0];
             return p;
         }},
        {"kcalloc", "void *kcalloc(size_t n, size_t size, gfp_t flags)", {a::value, a::value, a::gfp}, false, r::pointer,
         ctx::gfp, 100, 0, false, "A zeroed array of N elements of SIZE bytes; NULL if N * SIZE overflows.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.kmalloc().kcalloc(x.v[0], x.v[1], gfp(x.v[2]));
             x.alloc = alloc_outcome{gfp(x.v[2]) | mm::gfp::ZERO, p != 0};
             return p;
         }},
        {"kmalloc_array", "void *kmalloc_array(size_t n, size_t size, gfp_t flags)", {a::value, a::value, a::gfp},
         false, r::pointer, ctx::gfp, 100, 0, false, "An array of N elements of SIZE bytes; NULL if N * SIZE overflows.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.kmalloc().kmalloc_array(x.v[0], x.v[1], gfp(x.v[2]));
             x.alloc = alloc_outcome{gfp(x.v[2]), p != 0};
             return p;
         }},
        {"krealloc", "void *krealloc(const void *p, size_t new_size, gfp_t flags)", {a::value, a::value, a::gfp}, false,
         r::pointer, ctx::gfp, 100, 0, false,
         "Resizes P: in place when it fits, else a new object with the old contents, and P freed. NEW_SIZE 0 frees P "
         "and returns ZERO_SIZE_PTR; a freed P is a KASAN report and NULL.",
         [](kernel_env& e, call_args& x) {
             bool refused = false;  // by KASAN: not an allocation at all
             const std::uint64_t p = e.mem.kmalloc().krealloc(x.v[0], x.v[1], gfp(x.v[2]), &refused);
             if (x.v[1] != 0 && !refused)
                 x.alloc = alloc_outcome{gfp(x.v[2]), p != 0};
             return p;
         }},
        {"kfree", "void kfree(const void *p)", {a::value}, false, r::none, ctx::any, 50, 0, false,
         "Frees a kmalloc object; NULL and ZERO_SIZE_PTR are no-ops. KASAN reports double and invalid frees.",
         [](kernel_env& e, call_args& x) {
             e.mem.kmalloc().kfree(x.v[0]);
             return std::uint64_t{0};
         }},
        {"ksize", "size_t ksize(const void *p)", {a::value}, false, r::value, ctx::any, 5, 0, false,
         "The usable size of P's chunk, which the caller may then use whole.",
         [](kernel_env& e, call_args& x) { return e.mem.kmalloc().ksize(x.v[0]); }},
        // -- vmalloc and the kvmalloc family
        {"vmalloc", "void *vmalloc(unsigned long size)", {a::value}, false, r::pointer, ctx::process, 500, 0, false,
         "SIZE bytes of virtually contiguous memory in the vmalloc area (from ffffc90000000000): order-0 pages "
         "allocated one by one with GFP_KERNEL and mapped, and a guard page after them. NULL, with \"vmalloc "
         "error: ...\", when the pages cannot be had.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.vmalloc().vmalloc(x.v[0], mm::GFP_KERNEL);
             x.alloc = alloc_outcome{mm::GFP_KERNEL, p != 0};
             return p;
         }},
        {"vzalloc", "void *vzalloc(unsigned long size)", {a::value}, false, r::pointer, ctx::process, 500, 0, false,
         "vmalloc() with __GFP_ZERO: the memory is zeroed.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.vmalloc().vmalloc(x.v[0], mm::GFP_KERNEL | mm::gfp::ZERO);
             x.alloc = alloc_outcome{mm::GFP_KERNEL | mm::gfp::ZERO, p != 0};
             x.bytes = p ? x.v[0] : 0;
             return p;
         }},
        {"vfree", "void vfree(const void *addr)", {a::value}, false, r::none, ctx::any, 200, 0, false,
         "Frees a vmalloc area and its pages; NULL is a no-op, any other address that starts no area WARNs "
         "(\"Trying to vfree() nonexistent vm area\"). It may sleep, outside interrupts.",
         [](kernel_env& e, call_args& x) {
             e.mem.vmalloc().vfree(x.v[0]);
             return std::uint64_t{0};
         }},
        {"kvmalloc", "void *kvmalloc(size_t size, gfp_t flags)", {a::value, a::gfp}, false, r::pointer, ctx::gfp, 100,
         0, false,
         "kmalloc() first - above PAGE_SIZE with __GFP_NOWARN|__GFP_NORETRY, so it does not reclaim hard for "
         "contiguous pages - then vmalloc() for masks that may sleep. Free it with kvfree().",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.vmalloc().kvmalloc(x.v[0], gfp(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[1]), p != 0};
             return p;
         }},
        {"kvzalloc", "void *kvzalloc(size_t size, gfp_t flags)", {a::value, a::gfp}, false, r::pointer, ctx::gfp, 100,
         0, false, "kvmalloc() with __GFP_ZERO.",
         [](kernel_env& e, call_args& x) {
             const mm::gfp_t g = gfp(x.v[1]) | mm::gfp::ZERO;
             const std::uint64_t p = e.mem.vmalloc().kvmalloc(x.v[0], g);
             x.alloc = alloc_outcome{g, p != 0};
             x.bytes = p ? x.v[0] : 0;
             return p;
         }},
        {"kvcalloc", "void *kvcalloc(size_t n, size_t size, gfp_t flags)", {a::value, a::value, a::gfp}, false,
         r::pointer, ctx::gfp, 100, 0, false, "A zeroed kvmalloc() array of N elements of SIZE bytes; NULL on overflow.",
         [](kernel_env& e, call_args& x) {
             const mm::gfp_t g = gfp(x.v[2]) | mm::gfp::ZERO;
             const std::uint64_t p = e.mem.vmalloc().kvmalloc_array(x.v[0], x.v[1], g);
             x.alloc = alloc_outcome{g, p != 0};
             return p;
         }},
        {"kvmalloc_array", "void *kvmalloc_array(size_t n, size_t size, gfp_t flags)", {a::value, a::value, a::gfp},
         false, r::pointer, ctx::gfp, 100, 0, false, "A kvmalloc() array of N elements of SIZE bytes; NULL on overflow.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.vmalloc().kvmalloc_array(x.v[0], x.v[1], gfp(x.v[2]));
             x.alloc = alloc_outcome{gfp(x.v[2]), p != 0};
             return p;
         }},
        {"kvrealloc", "void *kvrealloc(const void *p, size_t size, gfp_t flags)", {a::value, a::value, a::gfp}, false,
         r::pointer, ctx::gfp, 100, 0, false,
         "Resizes P: a vmalloc area in place while its pages suffice (else a new one, contents copied); kmalloc "
         "memory by krealloc(), else by kvmalloc() and a copy. SIZE 0 frees P.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.vmalloc().kvrealloc(x.v[0], x.v[1], gfp(x.v[2]));
             if (x.v[1] != 0)
                 x.alloc = alloc_outcome{gfp(x.v[2]), p != 0};
             return p;
         }},
        {"kvfree", "void kvfree(const void *addr)", {a::value}, false, r::none, ctx::any, 50, 0, false,
         "vfree() for a vmalloc address, else kfree().",
         [](kernel_env& e, call_args& x) {
             e.mem.vmalloc().kvfree(x.v[0]);
             return std::uint64_t{0};
         }},
        // -- slab caches
        {"kmem_cache_alloc", "void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)", {a::cache, a::gfp}, false,
         r::pointer, ctx::gfp, 100, 0, false, "An object from cache S; NULL on failure.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.slabs().kmem_cache_alloc(&cache_of(e, x.v[0]), gfp(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[1]), p != 0};
             return p;
         }},
        {"kmem_cache_zalloc", "void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags)", {a::cache, a::gfp}, false,
         r::pointer, ctx::gfp, 100, 0, false, "kmem_cache_alloc() with __GFP_ZERO.",
         [](kernel_env& e, call_args& x) {
             const mm::gfp_t g = gfp(x.v[1]) | mm::gfp::ZERO;
             const std::uint64_t p = e.mem.slabs().kmem_cache_alloc(&cache_of(e, x.v[0]), g);
             x.alloc = alloc_outcome{g, p != 0};
             return p;
         }},
        {"kmem_cache_free", "void kmem_cache_free(struct kmem_cache *s, void *p)", {a::cache, a::value}, false, r::none,
         ctx::any, 50, 0, false,
         "Frees P into S. Into the wrong cache, SLUB warns and frees it into its own, as cache_from_obj() does.",
         [](kernel_env& e, call_args& x) {
             e.mem.slabs().kmem_cache_free(&cache_of(e, x.v[0]), x.v[1]);
             return std::uint64_t{0};
         }},
        {"kmem_cache_create",
         "struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, "
         "slab_flags_t flags, void (*ctor)(void *))",
         {a::name, a::value, a::value, a::slab_flags, a::ctor}, false, r::pointer, ctx::process, 1000, 0, false,
         "A new cache of SIZE-byte objects (SLAB_* FLAGS, ALIGN 0 or a power of two), listed in /proc/slabinfo "
         "under NAME; NULL, with a warning and a stack, when no slab can hold such objects (a panic with "
         "SLAB_PANIC). It may sleep.",
         [](kernel_env& e, call_args& x) -> std::uint64_t {
             const std::uint64_t size = x.v[1], align = x.v[2];
             mm::kmem_cache_options o;
             o.align = align > UINT32_MAX ? 3 : static_cast<std::uint32_t>(align);  // 3: not a power of two
             o.flags = static_cast<std::uint32_t>(x.v[3]);
             mm::kmem_cache* s = e.mem.slabs().kmem_cache_create(
                 *x.text[0], size > UINT32_MAX ? 0 : static_cast<std::uint32_t>(size), o);
             if (!s)
                 return 0;
             e.objects.caches.push_back(s);
             return kernel_objects::cache_handle(e.objects.caches.size() - 1);
         }},
        {"kmem_cache_destroy", "void kmem_cache_destroy(struct kmem_cache *s)", {a::cache}, false, r::none,
         ctx::process, 1000, 0, false,
         "Frees S's empty slabs and takes it off /proc/slabinfo. Objects still allocated are reported (\"Objects "
         "remaining in NAME on __kmem_cache_shutdown()\") with a WARNING, and S stays usable; an empty S is freed, "
         "and using it again faults. NULL is a no-op.",
         [](kernel_env& e, call_args& x) {
             if (x.v[0] != 0)
                 e.mem.slabs().destroy(&cache_of(e, x.v[0]));
             return std::uint64_t{0};
         }},
        // -- mempools
        {"mempool_alloc", "void *mempool_alloc(mempool_t *pool, gfp_t gfp_mask)", {a::mempool, a::gfp}, false,
         r::pointer, ctx::gfp, 100, 0, false,
         "An element: first from the allocator without direct reclaim or I/O (__GFP_NORETRY|__GFP_NOMEMALLOC|"
         "__GFP_NOWARN), then from POOL's reserve, then from the allocator with the whole mask; a caller that may "
         "sleep then waits for an element to be freed (5 s at a time) and never gets NULL.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.objects.mempools[x.v[0]]->alloc(gfp(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[1]), p != 0};
             return p;
         }},
        {"mempool_free", "void mempool_free(void *element, mempool_t *pool)", {a::value, a::mempool}, false, r::none,
         ctx::any, 50, 0, false,
         "Refills POOL's reserve with ELEMENT if it is short, waking its waiters; else frees ELEMENT.",
         [](kernel_env& e, call_args& x) {
             e.objects.mempools[x.v[1]]->free(x.v[0]);
             return std::uint64_t{0};
         }},
        // -- workqueues
        {"queue_work", "bool queue_work(struct workqueue_struct *wq, struct work_struct *work)", {a::workqueue, a::work},
         false, r::value, ctx::any, 50, 0, false,
         "Queues WORK on WQ, on this CPU's pool for a per-CPU queue (or where WORK still runs); a kworker of the pool "
         "runs it. False if WORK was pending already.",
         [](kernel_env& e, call_args& x) {
             return std::uint64_t{e.m.workqueues().queue_work(*e.objects.workqueues[x.v[0]], *e.objects.works[x.v[1]])};
         }},
        {"schedule_work", "bool schedule_work(struct work_struct *work)", {a::work}, false, r::value, ctx::any, 50, 0,
         false, "queue_work() on system_wq.",
         [](kernel_env& e, call_args& x) {
             return std::uint64_t{e.m.workqueues().queue_work(e.m.workqueues().system_wq(), *e.objects.works[x.v[0]])};
         }},
        {"queue_delayed_work",
         "bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork, unsigned long delay)",
         {a::workqueue, a::work, a::timeout}, false, r::value, ctx::any, 50, 0, false,
         "Queues WORK on WQ once DELAY jiffies have passed (at once for 0). False if WORK was pending already. (A "
         "work item serves as a delayed_work here.)",
         [](kernel_env& e, call_args& x) {
             return std::uint64_t{
                 e.m.workqueues().queue_delayed_work(*e.objects.workqueues[x.v[0]], *e.objects.works[x.v[1]], x.v[2])};
         }},
        {"schedule_delayed_work", "bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay)",
         {a::work, a::timeout}, false, r::value, ctx::any, 50, 0, false, "queue_delayed_work() on system_wq.",
         [](kernel_env& e, call_args& x) {
             return std::uint64_t{e.m.workqueues().queue_delayed_work(e.m.workqueues().system_wq(),
                                                                      *e.objects.works[x.v[0]], x.v[1])};
         }},
        {"flush_work", "bool flush_work(struct work_struct *work)", {a::work}, false, r::value, ctx::process, 50, 0,
         false,
         "Waits until WORK's last queueing has run; false at once if it is neither queued nor running (a delayed "
         "item whose timer has not fired is not queued). lockdep sees (work_completion)(&WORK) taken.",
         [](kernel_env& e, call_args& x) { return std::uint64_t{e.m.workqueues().flush_work(*e.objects.works[x.v[0]])}; }},
        {"cancel_work_sync", "bool cancel_work_sync(struct work_struct *work)", {a::work}, false, r::value,
         ctx::process, 50, 0, false,
         "Takes WORK off its queue (or stops its delay timer), then waits for a running execution to end. True if "
         "WORK was pending.",
         [](kernel_env& e, call_args& x) {
             return std::uint64_t{e.m.workqueues().cancel_work_sync(*e.objects.works[x.v[0]])};
         }},
        {"flush_workqueue", "void flush_workqueue(struct workqueue_struct *wq)", {a::workqueue}, false, r::none,
         ctx::process, 50, 0, false,
         "Waits until every item queued on WQ before the call has run. lockdep sees (wq_completion)WQ taken.",
         [](kernel_env& e, call_args& x) {
             e.m.workqueues().flush_workqueue(*e.objects.workqueues[x.v[0]]);
             return std::uint64_t{0};
         }},
        {"destroy_workqueue", "void destroy_workqueue(struct workqueue_struct *wq)", {a::workqueue}, false, r::none,
         ctx::process, 1000, 0, false,
         "Drains WQ (waits until nothing is queued on it) and stops its rescuer. Queueing on it afterwards WARNs "
         "and is refused.",
         [](kernel_env& e, call_args& x) {
             e.m.workqueues().destroy_workqueue(*e.objects.workqueues[x.v[0]]);
             return std::uint64_t{0};
         }},
        // -- timers, tasklets, softirqs
        {"mod_timer", "int mod_timer(struct timer_list *timer, unsigned long expires)", {a::timer, a::value}, false,
         r::value, ctx::any, 50, 0, false,
         "Arms TIMER on this CPU for the tick at jiffy EXPIRES (the next tick for a time already past): its body "
         "runs then in softirq context (TIMER_SOFTIRQ). Returns 1 if it was pending (re-armed), else 0.",
         [](kernel_env& e, call_args& x) {
             return static_cast<std::uint64_t>(e.m.timers().mod_timer(*e.objects.timers[x.v[0]], x.v[1]));
         }},
        {"del_timer", "int del_timer(struct timer_list *timer)", {a::timer}, false, r::value, ctx::any, 50, 0, false,
         "Disarms TIMER; 1 if it was pending. A callback already running goes on.",
         [](kernel_env& e, call_args& x) {
             return static_cast<std::uint64_t>(e.m.timers().del_timer(*e.objects.timers[x.v[0]]));
         }},
        {"del_timer_sync", "int del_timer_sync(struct timer_list *timer)", {a::timer}, false, r::value, ctx::any, 50,
         0, false,
         "del_timer(), then spins until a callback running on another CPU returns. lockdep sees the timer's "
         "(&TIMER) taken; in hard IRQ it WARNs.",
         [](kernel_env& e, call_args& x) {
             return static_cast<std::uint64_t>(e.m.timers().del_timer_sync(*e.objects.timers[x.v[0]]));
         }},
        {"tasklet_schedule", "void tasklet_schedule(struct tasklet_struct *t)", {a::tasklet}, false, r::none,
         ctx::any, 50, 0, false,
         "Puts T on this CPU's tasklet list once and raises TASKLET_SOFTIRQ: T runs in softirq context at the next "
         "irq_exit(), local_bh_enable(), or in ksoftirqd when raised from a task.",
         [](kernel_env& e, call_args& x) {
             e.m.tasklets().tasklet_schedule(*e.objects.tasklets[x.v[0]]);
             return std::uint64_t{0};
         }},
        {"local_bh_disable", "void local_bh_disable(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Disables softirqs on this CPU (SOFTIRQ_DISABLE_OFFSET, 0x200, in preempt_count); they stay pending.",
         [](kernel_env& e, call_args&) { e.m.softirqs().local_bh_disable(); return std::uint64_t{0}; }},
        {"local_bh_enable", "void local_bh_enable(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Enables softirqs again, running the pending ones now when the count reaches 0. WARNs in hard IRQ or with "
         "IRQs off.",
         [](kernel_env& e, call_args&) { e.m.softirqs().local_bh_enable(); return std::uint64_t{0}; }},
        {"spin_lock_bh", "void spin_lock_bh(spinlock_t *lock)", {a::spinlock}, false, r::none, ctx::any, 20, 0, false,
         "local_bh_disable(), then takes LOCK: a softirq of this CPU cannot interrupt the holder.",
         [](kernel_env& e, call_args& x) { spinlock_of(e, x.v[0]).lock_bh(); return std::uint64_t{0}; }},
        {"spin_unlock_bh", "void spin_unlock_bh(spinlock_t *lock)", {a::spinlock}, false, r::none, ctx::any, 20, 0,
         false, "Releases LOCK, then local_bh_enable().",
         [](kernel_env& e, call_args& x) { spinlock_of(e, x.v[0]).unlock_bh(); return std::uint64_t{0}; }},
        {"in_softirq", "bool in_softirq(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "Whether softirqs are disabled or being served on this CPU (softirq_count() non-zero).",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.softirqs().in_softirq()}; }},
        {"in_serving_softirq", "bool in_serving_softirq(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "Whether the code runs a softirq (SOFTIRQ_OFFSET set): a timer, a tasklet.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.softirqs().in_serving_softirq()}; }},
        // -- the page allocator
        {"alloc_pages", "struct page *alloc_pages(gfp_t gfp, unsigned int order)", {a::gfp, a::value}, false, r::pointer,
         ctx::gfp, 250, 0, false, "2^ORDER contiguous pages; the struct page of the first, or NULL.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.alloc_pages(gfp(x.v[0]), order(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[0]), p != 0};
             return p;
         }},
        {"__free_pages", "void __free_pages(struct page *page, unsigned int order)", {a::value, a::value}, false,
         r::none, ctx::any, 150, 0, false, "Frees the 2^ORDER pages that alloc_pages() returned as PAGE.",
         [](kernel_env& e, call_args& x) {
             e.mem.free_struct_pages(x.v[0], order(x.v[1]));
             return std::uint64_t{0};
         }},
        {"__get_free_pages", "unsigned long __get_free_pages(gfp_t gfp, unsigned int order)", {a::gfp, a::value},
         false, r::pointer, ctx::gfp, 250, 0, false, "alloc_pages(), returning the memory's address.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t p = e.mem.get_free_pages(gfp(x.v[0]), order(x.v[1]));
             x.alloc = alloc_outcome{gfp(x.v[0]), p != 0};
             return p;
         }},
        {"free_pages", "void free_pages(unsigned long addr, unsigned int order)", {a::value, a::value}, false, r::none,
         ctx::any, 150, 0, false, "Frees the 2^ORDER pages at ADDR.",
         [](kernel_env& e, call_args& x) {
             e.mem.free_pages(x.v[0], order(x.v[1]));
             return std::uint64_t{0};
         }},
        // -- memory
        {"memset", "void *memset(void *s, int c, size_t n)", {a::value, a::value, a::value}, false, r::none, ctx::any,
         10, 1, false, "Fills N bytes; KASAN checks the whole range first and writes nothing if it is bad.",
         [](kernel_env& e, call_args& x) {
             if (e.mem.kasan().memset(x.v[0], static_cast<int>(x.v[1]), x.v[2]))
                 x.bytes = x.v[2];
             return std::uint64_t{0};
         }},
        {"memcpy", "void *memcpy(void *dest, const void *src, size_t n)", {a::value, a::value, a::value}, false,
         r::none, ctx::any, 10, 1, false, "Copies N bytes; KASAN checks both ranges first (the source first).",
         [](kernel_env& e, call_args& x) {
             if (e.mem.kasan().memcpy(x.v[0], x.v[1], x.v[2]))
                 x.bytes = x.v[2];
             return std::uint64_t{0};
         }},
        // -- spinlocks and mutexes
        {"spin_lock", "void spin_lock(spinlock_t *lock)", {a::spinlock}, false, r::none, ctx::any, 20, 0, false,
         "Takes LOCK, spinning while another context holds it; disables preemption.",
         [](kernel_env& e, call_args& x) { spinlock_of(e, x.v[0]).lock(); return std::uint64_t{0}; }},
        {"spin_unlock", "void spin_unlock(spinlock_t *lock)", {a::spinlock}, false, r::none, ctx::any, 20, 0, false,
         "Releases LOCK.", [](kernel_env& e, call_args& x) { spinlock_of(e, x.v[0]).unlock(); return std::uint64_t{0}; }},
        {"spin_lock_irq", "void spin_lock_irq(spinlock_t *lock)", {a::spinlock}, false, r::none, ctx::any, 20, 0,
         false, "Disables local interrupts, then takes LOCK.",
         [](kernel_env& e, call_args& x) { spinlock_of(e, x.v[0]).lock_irq(); return std::uint64_t{0}; }},
        {"spin_unlock_irq", "void spin_unlock_irq(spinlock_t *lock)", {a::spinlock}, false, r::none, ctx::any, 20, 0,
         false, "Releases LOCK and enables local interrupts.",
         [](kernel_env& e, call_args& x) { spinlock_of(e, x.v[0]).unlock_irq(); return std::uint64_t{0}; }},
        {"spin_lock_irqsave", "unsigned long spin_lock_irqsave(spinlock_t *lock)", {a::spinlock}, false, r::value,
         ctx::any, 20, 0, false,
         "Saves and disables local interrupts, then takes LOCK; returns the flags (a function here, a macro in C).",
         [](kernel_env& e, call_args& x) { return std::uint64_t{spinlock_of(e, x.v[0]).lock_irqsave()}; }},
        {"spin_unlock_irqrestore", "void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)",
         {a::spinlock, a::value}, false, r::none, ctx::any, 20, 0, false,
         "Releases LOCK and restores the interrupt state FLAGS.",
         [](kernel_env& e, call_args& x) {
             spinlock_of(e, x.v[0]).unlock_irqrestore(x.v[1]);
             return std::uint64_t{0};
         }},
        {"spin_trylock", "int spin_trylock(spinlock_t *lock)", {a::spinlock}, false, r::value, ctx::any, 20, 0, false,
         "Takes LOCK if it is free: 1, else 0 at once.",
         [](kernel_env& e, call_args& x) { return std::uint64_t{spinlock_of(e, x.v[0]).trylock()}; }},
        {"mutex_lock", "void mutex_lock(struct mutex *lock)", {a::mutex}, false, r::none, ctx::process, 20, 0, false,
         "Takes LOCK, sleeping while another task holds it.",
         [](kernel_env& e, call_args& x) { mutex_of(e, x.v[0]).lock(); return std::uint64_t{0}; }},
        {"mutex_unlock", "void mutex_unlock(struct mutex *lock)", {a::mutex}, false, r::none, ctx::process, 20, 0,
         false, "Releases LOCK and hands it to the first waiter.",
         [](kernel_env& e, call_args& x) { mutex_of(e, x.v[0]).unlock(); return std::uint64_t{0}; }},
        {"mutex_trylock", "int mutex_trylock(struct mutex *lock)", {a::mutex}, false, r::value, ctx::process, 20, 0,
         false, "Takes LOCK if it is free: 1, else 0 at once.",
         [](kernel_env& e, call_args& x) { return std::uint64_t{mutex_of(e, x.v[0]).trylock()}; }},
        {"mutex_lock_nested", "void mutex_lock_nested(struct mutex *lock, unsigned int subclass)",
         {a::mutex, a::value}, false, r::none, ctx::process, 20, 0, false,
         "mutex_lock(), telling lockdep this is subclass SUBCLASS (below 8) of LOCK's class: a second lock of one "
         "class taken on purpose, as the inodes of a rename.",
         [](kernel_env& e, call_args& x) {
             mutex_of(e, x.v[0]).lock_nested(subclass(x.v[1]));
             return std::uint64_t{0};
         }},
        {"spin_lock_nested", "void spin_lock_nested(spinlock_t *lock, int subclass)", {a::spinlock, a::value}, false,
         r::none, ctx::any, 20, 0, false, "spin_lock(), telling lockdep this is subclass SUBCLASS of LOCK's class.",
         [](kernel_env& e, call_args& x) {
             spinlock_of(e, x.v[0]).lock_nested(subclass(x.v[1]));
             return std::uint64_t{0};
         }},
        // -- reader-writer semaphores
        {"down_read", "void down_read(struct rw_semaphore *sem)", {a::rwsem}, false, r::none, ctx::process, 20, 0,
         false,
         "Takes SEM for read, shared with other readers; sleeps while a writer holds it or any task waits for it "
         "(a waiting writer blocks new readers).",
         [](kernel_env& e, call_args& x) { rwsem_of(e, x.v[0]).down_read(); return std::uint64_t{0}; }},
        {"down_read_trylock", "int down_read_trylock(struct rw_semaphore *sem)", {a::rwsem}, false, r::value,
         ctx::any, 20, 0, false, "Takes SEM for read if that needs no wait: 1, else 0 at once.",
         [](kernel_env& e, call_args& x) { return std::uint64_t{rwsem_of(e, x.v[0]).down_read_trylock()}; }},
        {"up_read", "void up_read(struct rw_semaphore *sem)", {a::rwsem}, false, r::none, ctx::any, 20, 0, false,
         "Releases a read hold; the last reader out hands SEM to the first waiter.",
         [](kernel_env& e, call_args& x) { rwsem_of(e, x.v[0]).up_read(); return std::uint64_t{0}; }},
        {"down_write", "void down_write(struct rw_semaphore *sem)", {a::rwsem}, false, r::none, ctx::process, 20, 0,
         false, "Takes SEM for write, alone; sleeps while anyone holds it or waits before it.",
         [](kernel_env& e, call_args& x) { rwsem_of(e, x.v[0]).down_write(); return std::uint64_t{0}; }},
        {"down_write_trylock", "int down_write_trylock(struct rw_semaphore *sem)", {a::rwsem}, false, r::value,
         ctx::any, 20, 0, false, "Takes SEM for write if it is free: 1, else 0 at once.",
         [](kernel_env& e, call_args& x) { return std::uint64_t{rwsem_of(e, x.v[0]).down_write_trylock()}; }},
        {"up_write", "void up_write(struct rw_semaphore *sem)", {a::rwsem}, false, r::none, ctx::any, 20, 0, false,
         "Releases the write hold: the first waiter gets SEM, or every waiting reader when the first is one.",
         [](kernel_env& e, call_args& x) { rwsem_of(e, x.v[0]).up_write(); return std::uint64_t{0}; }},
        {"downgrade_write", "void downgrade_write(struct rw_semaphore *sem)", {a::rwsem}, false, r::none, ctx::any,
         20, 0, false, "Turns the write hold into a read hold, without letting a writer in between; waiting "
         "readers come in too.",
         [](kernel_env& e, call_args& x) { rwsem_of(e, x.v[0]).downgrade_write(); return std::uint64_t{0}; }},
        {"down_write_nested", "void down_write_nested(struct rw_semaphore *sem, int subclass)",
         {a::rwsem, a::value}, false, r::none, ctx::process, 20, 0, false,
         "down_write(), telling lockdep this is subclass SUBCLASS of SEM's class (as xfs_ilock() does).",
         [](kernel_env& e, call_args& x) {
             rwsem_of(e, x.v[0]).down_write_nested(subclass(x.v[1]));
             return std::uint64_t{0};
         }},
        // -- interrupts, preemption, RCU
        {"local_irq_disable", "void local_irq_disable(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Disables interrupts on this CPU.",
         [](kernel_env& e, call_args&) { e.m.local_irq_disable(); return std::uint64_t{0}; }},
        {"local_irq_enable", "void local_irq_enable(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Enables interrupts on this CPU; pending ones are taken at once.",
         [](kernel_env& e, call_args&) { e.m.local_irq_enable(); return std::uint64_t{0}; }},
        {"local_irq_save", "unsigned long local_irq_save(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "Disables interrupts and returns the previous state (a function here, a macro in C).",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.local_irq_save()}; }},
        {"local_irq_restore", "void local_irq_restore(unsigned long flags)", {a::value}, false, r::none, ctx::any, 5,
         0, false, "Restores the interrupt state FLAGS.",
         [](kernel_env& e, call_args& x) { e.m.local_irq_restore(x.v[0]); return std::uint64_t{0}; }},
        {"preempt_disable", "void preempt_disable(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Raises preempt_count: no sleeping, no preemption.",
         [](kernel_env& e, call_args&) { e.m.preempt_disable(); return std::uint64_t{0}; }},
        {"preempt_enable", "void preempt_enable(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Lowers preempt_count.", [](kernel_env& e, call_args&) { e.m.preempt_enable(); return std::uint64_t{0}; }},
        {"rcu_read_lock", "void rcu_read_lock(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "An RCU read-side section; with CONFIG_PREEMPT_RCU off it disables preemption.",
         [](kernel_env& e, call_args&) { e.m.rcu_read_lock(); return std::uint64_t{0}; }},
        {"rcu_read_unlock", "void rcu_read_unlock(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Ends the RCU read-side section.",
         [](kernel_env& e, call_args&) { e.m.rcu_read_unlock(); return std::uint64_t{0}; }},
        // -- allocation scopes
        {"memalloc_nofs_save", "unsigned int memalloc_nofs_save(void)", {}, false, r::value, ctx::task, 5, 0, false,
         "Starts a scope in which every allocation of the task acts as GFP_NOFS; returns the old state.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.mem.memalloc_save(mm::PF_MEMALLOC_NOFS)}; }},
        {"memalloc_nofs_restore", "void memalloc_nofs_restore(unsigned int flags)", {a::value}, false, r::none,
         ctx::task, 5, 0, false, "Ends the scope that memalloc_nofs_save() returned FLAGS for.",
         [](kernel_env& e, call_args& x) {
             e.mem.memalloc_restore(mm::PF_MEMALLOC_NOFS, x.v[0]);
             return std::uint64_t{0};
         }},
        {"memalloc_noio_save", "unsigned int memalloc_noio_save(void)", {}, false, r::value, ctx::task, 5, 0, false,
         "Starts a scope in which every allocation of the task acts as GFP_NOIO; returns the old state.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.mem.memalloc_save(mm::PF_MEMALLOC_NOIO)}; }},
        {"memalloc_noio_restore", "void memalloc_noio_restore(unsigned int flags)", {a::value}, false, r::none,
         ctx::task, 5, 0, false, "Ends the scope that memalloc_noio_save() returned FLAGS for.",
         [](kernel_env& e, call_args& x) {
             e.mem.memalloc_restore(mm::PF_MEMALLOC_NOIO, x.v[0]);
             return std::uint64_t{0};
         }},
        {"memalloc_noreclaim_save", "unsigned int memalloc_noreclaim_save(void)", {}, false, r::value, ctx::task,
         5, 0, false,
         "Sets PF_MEMALLOC on the task, as reclaim itself runs: its allocations never reclaim and may use every "
         "reserve below the min watermark. For code that frees memory; returns the old state.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.mem.memalloc_save(mm::PF_MEMALLOC)}; }},
        {"memalloc_noreclaim_restore", "void memalloc_noreclaim_restore(unsigned int flags)", {a::value}, false,
         r::none, ctx::task, 5, 0, false, "Ends the scope that memalloc_noreclaim_save() returned FLAGS for.",
         [](kernel_env& e, call_args& x) {
             e.mem.memalloc_restore(mm::PF_MEMALLOC, x.v[0]);
             return std::uint64_t{0};
         }},
        // -- time
        {"udelay", "void udelay(unsigned long usecs)", {a::value}, false, r::none, ctx::any, 0, 0, false,
         "Busy-waits USECS microseconds: the CPU stays busy, interrupts may arrive.",
         [](kernel_env& e, call_args& x) { e.m.udelay(x.v[0]); return std::uint64_t{0}; }},
        {"ndelay", "void ndelay(unsigned long nsecs)", {a::value}, false, r::none, ctx::any, 0, 0, false,
         "Busy-waits NSECS nanoseconds.", [](kernel_env& e, call_args& x) { e.m.ndelay(x.v[0]); return std::uint64_t{0}; }},
        {"mdelay", "void mdelay(unsigned long msecs)", {a::value}, false, r::none, ctx::any, 0, 0, false,
         "Busy-waits MSECS milliseconds.", [](kernel_env& e, call_args& x) { e.m.mdelay(x.v[0]); return std::uint64_t{0}; }},
        {"msleep", "void msleep(unsigned int msecs)", {a::value}, false, r::none, ctx::process, 0, 0, false,
         "Sleeps msecs_to_jiffies(MSECS) + 1 jiffies, to a jiffy boundary; the CPU runs other tasks meanwhile.",
         [](kernel_env& e, call_args& x) { e.m.msleep(x.v[0]); return std::uint64_t{0}; }},
        {"usleep_range", "void usleep_range(unsigned long min, unsigned long max)", {a::value, a::value}, false,
         r::none, ctx::process, 0, 0, false, "Sleeps MAX microseconds (kmsim takes the upper bound).",
         [](kernel_env& e, call_args& x) { e.m.usleep_range(x.v[0], x.v[1]); return std::uint64_t{0}; }},
        {"schedule", "void schedule(void)", {}, false, r::none, ctx::process, 5, 0, false,
         "Gives the CPU to the next runnable task, if any.",
         [](kernel_env& e, call_args&) { e.m.schedule(); return std::uint64_t{0}; }},
        {"cond_resched", "int cond_resched(void)", {}, false, r::none, ctx::process, 5, 0, false,
         "Gives the CPU away if the task's time slice is over.",
         [](kernel_env& e, call_args&) { e.m.cond_resched(); return std::uint64_t{0}; }},
        // -- completions
        {"complete", "void complete(struct completion *x)", {a::completion}, false, r::none, ctx::any, 50, 0, true,
         "Wakes one waiter of X, or lets the next wait return at once.",
         [](kernel_env& e, call_args& x) { completion_of(e, x.v[0]).complete(); return std::uint64_t{0}; }},
        {"complete_all", "void complete_all(struct completion *x)", {a::completion}, false, r::none, ctx::any, 50, 0,
         true, "Wakes every waiter of X, and every later wait returns at once.",
         [](kernel_env& e, call_args& x) { completion_of(e, x.v[0]).complete_all(); return std::uint64_t{0}; }},
        {"wait_for_completion", "void wait_for_completion(struct completion *x)", {a::completion}, false, r::none,
         ctx::process, 5, 0, false, "Sleeps until X is completed.",
         [](kernel_env& e, call_args& x) {
             completion_of(e, x.v[0]).wait_for_completion();
             return std::uint64_t{0};
         }},
        // -- wait queues
        {"wait_event", "void wait_event(wait_queue_head_t wq_head, condition)", {a::waitqueue, a::condition}, false,
         r::none, ctx::process, 5, 0, false,
         "Sleeps on WQ_HEAD until CONDITION holds; it is tested first, and again after every wake-up.",
         [](kernel_env& e, call_args& x) {
             waitqueue_of(e, x.v[0]).wait_event(*x.condition);
             return std::uint64_t{0};
         }},
        {"wait_event_timeout", "long wait_event_timeout(wait_queue_head_t wq_head, condition, long timeout)",
         {a::waitqueue, a::condition, a::timeout}, false, r::value, ctx::process, 5, 0, false,
         "wait_event() for at most TIMEOUT jiffies (a duration such as 10ms is converted): the jiffies left, at "
         "least 1, once CONDITION holds; 0 when the time ran out first.",
         [](kernel_env& e, call_args& x) {
             return waitqueue_of(e, x.v[0]).wait_event_timeout(*x.condition, x.v[2]);
         }},
        {"wake_up", "void wake_up(wait_queue_head_t *wq_head)", {a::waitqueue}, false, r::none, ctx::any, 50, 0, true,
         "Wakes the tasks sleeping in wait_event() on WQ_HEAD (all of them: their waits are not exclusive); each "
         "tests its condition again.",
         [](kernel_env& e, call_args& x) { waitqueue_of(e, x.v[0]).wake_up(); return std::uint64_t{0}; }},
        {"wake_up_all", "void wake_up_all(wait_queue_head_t *wq_head)", {a::waitqueue}, false, r::none, ctx::any, 50,
         0, true, "Wakes every task sleeping on WQ_HEAD.",
         [](kernel_env& e, call_args& x) { waitqueue_of(e, x.v[0]).wake_up_all(); return std::uint64_t{0}; }},
        // -- kernel threads
        {"kthread_create", "struct task_struct *kthread_create(int (*threadfn)(void *data), void *data, "
                           "const char namefmt[])",
         {a::func, a::value, a::comm}, false, r::pointer, ctx::process, 5000, 0, false,
         "A kernel thread named NAMEFMT that will run THREADFN(DATA), not started yet (wake_up_process() starts "
         "it). Its task_struct and stack (order 2) are allocated with GFP_KERNEL, so it may stall in reclaim; "
         "ERR_PTR(-ENOMEM) when they cannot be had. Returns the task.",
         [](kernel_env& e, call_args& x) { return create_kthread(e, x); }},
        {"kthread_run", "struct task_struct *kthread_run(int (*threadfn)(void *data), void *data, "
                        "const char namefmt[])",
         {a::func, a::value, a::comm}, false, r::pointer, ctx::process, 5000, 0, false,
         "kthread_create(), then wake_up_process(): the thread starts at once.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t task = create_kthread(e, x);
             if (!arch::IS_ERR_VALUE(task))
                 e.m.kthreads().wake_up_process(task);
             return task;
         }},
        {"wake_up_process", "int wake_up_process(struct task_struct *p)", {a::value}, false, r::value, ctx::any, 50,
         0, false, "Starts P, a thread kthread_create() made: 1, or 0 when it runs already.",
         [](kernel_env& e, call_args& x) { return static_cast<std::uint64_t>(e.m.kthreads().wake_up_process(x.v[0])); }},
        {"kthread_should_stop", "bool kthread_should_stop(void)", {}, false, r::value, ctx::task, 5, 0, false,
         "Whether kthread_stop() was called for the running thread.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.kthreads().should_stop()}; }},
        {"kthread_stop", "int kthread_stop(struct task_struct *k)", {a::value}, false, r::value, ctx::process, 50, 0,
         false,
         "Makes kthread_should_stop() true for K, wakes it, waits for it to return and returns its result (-EINTR "
         "if it never ran). K's memory is freed when it has exited: a thread that returned on its own before is "
         "a use-after-free, which KASAN reports, as in the kernel.",
         [](kernel_env& e, call_args& x) { return e.m.kthreads().stop(x.v[0]); }},
        {"IS_ERR", "bool IS_ERR(const void *ptr)", {a::value}, false, r::value, ctx::any, 0, 0, false,
         "Whether PTR is an error code (ERR_PTR(-ENOMEM)...) rather than a pointer.",
         [](kernel_env&, call_args& x) { return std::uint64_t{arch::IS_ERR_VALUE(x.v[0])}; }},
        {"PTR_ERR", "long PTR_ERR(const void *ptr)", {a::value}, false, r::value, ctx::any, 0, 0, false,
         "The error code in PTR, as a negative number (-12 for -ENOMEM).",
         [](kernel_env&, call_args& x) { return x.v[0]; }},
        {"msecs_to_jiffies", "unsigned long msecs_to_jiffies(const unsigned int m)", {a::value}, false, r::value,
         ctx::any, 0, 0, false, "M milliseconds in jiffies, rounded up.",
         [](kernel_env& e, call_args& x) {
             return arch::msecs_to_jiffies(static_cast<std::uint32_t>(x.v[0]), e.m.config().hz);
         }},
        {"usecs_to_jiffies", "unsigned long usecs_to_jiffies(const unsigned int u)", {a::value}, false, r::value,
         ctx::any, 0, 0, false, "U microseconds in jiffies, rounded up.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t us = static_cast<std::uint32_t>(x.v[0]);
             return (us * static_cast<std::uint64_t>(e.m.config().hz) + 999999) / 1000000;
         }},
        // -- memory pressure
        {"add_pagecache", "void add_pagecache(size_t size, struct block_device *bdev)", {a::value, a::device}, false,
         r::value, ctx::process, 100, 1, false,
         "kmsim's: reads SIZE bytes of file into the page cache now, a page at a time as filemap_alloc_folio() "
         "allocates them (GFP_HIGHUSER_MOVABLE, reclaiming if need be): clean, or with BDEV dirty, written back "
         "through BDEV by the flusher. Returns the bytes added (less when memory ran out).",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t pages = x.v[0] / mm::PAGE_SIZE;
             drivers::blockdev* dev = x.v.size() > 1 ? e.objects.blockdevs[x.v[1]].get() : nullptr;
             const std::uint64_t added = e.mem.reclaim().add_page_cache(pages, dev);
             x.bytes = added * mm::PAGE_SIZE;  // each page is filled, as a read copies it
             x.alloc = alloc_outcome{mm::GFP_HIGHUSER_MOVABLE, added == pages};
             return added * mm::PAGE_SIZE;
         }, 1},
        {"nr_free_pages", "unsigned long nr_free_pages(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "The free pages of all zones (global_zone_page_state(NR_FREE_PAGES)).",
         [](kernel_env& e, call_args&) {
             std::uint64_t n = 0;
             for (int z = 0; z < mm::MAX_NR_ZONES; ++z)
                 n += e.mem.nd().zone_at(z).nr_free_pages;
             return n;
         }},
        // -- block I/O
        {"submit_bio", "void submit_bio(struct bio *bio)", {a::device, a::value}, false, r::none, ctx::process, 5, 0,
         false,
         "Queues a write of PAGES pages to DEVICE (kmsim's form: submit_bio(dev, pages)); waits for a tag when "
         "the queue is full.",
         [](kernel_env& e, call_args& x) {
             e.objects.blockdevs[x.v[0]]->submit_bio_pages(x.v[1]);
             return std::uint64_t{0};
         }},
        {"submit_bio_wait", "int submit_bio_wait(struct bio *bio)", {a::device, a::value}, false, r::none, ctx::process,
         5, 0, false, "submit_bio(), then sleeps until the device completes it.",
         [](kernel_env& e, call_args& x) {
             e.objects.blockdevs[x.v[0]]->submit_bio_wait(x.v[1]);
             return std::uint64_t{0};
         }},
        // -- the log and debugging
        {"printk", "int printk(const char *fmt, ...)", {a::format}, true, r::none, ctx::any, 2000, 0, false,
         "Prints a record at the format's KERN_<LEVEL> (default: warning), as vsprintf formats it.",
         [](kernel_env& e, call_args& x) {
             arch::log_level level;
             const std::string text =
                 arch::vsprintf_record(x.text[0] ? *x.text[0] : "", arch::printk_args{x.v, x.text}, gfp_names, level);
             print_in_caller(e, level, text);
             return std::uint64_t{0};
         }},
        {"BUG_ON", "void BUG_ON(bool condition)", {a::value}, false, r::none, ctx::any, 5, 0, false,
         "If CONDITION holds: the kernel BUG Oops, which kills the task (panics in an interrupt).",
         [](kernel_env& e, call_args& x) {
             if (x.v[0]) {
                 const arch::frame& at = caller(e);
                 arch::die(e.m, fmt::format("kernel BUG at {}:{}!", at.file, at.line),
                           "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n");
             }
             return std::uint64_t{0};
         }},
        {"WARN_ON", "int WARN_ON(bool condition)", {a::value}, false, r::value, ctx::any, 5, 0, false,
         "If CONDITION holds: a WARNING with the stack, and taint W. Returns CONDITION.",
         [](kernel_env& e, call_args& x) {
             const bool hit = x.v[0] != 0;
             if (hit)
                 e.m.warn("", nullptr, 0, std::string(caller(e).function).c_str());
             return std::uint64_t{hit};
         }},
        {"might_sleep", "void might_sleep(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "Reports 'sleeping function called from invalid context' when the context may not sleep.",
         [](kernel_env& e, call_args&) { e.m.might_sleep(); return std::uint64_t{0}; }},
        {"might_alloc", "void might_alloc(gfp_t gfp_mask)", {a::value}, false, r::none, ctx::any, 5, 0, false,
         "The checks of an allocation with GFP_MASK, without allocating: fs_reclaim for lockdep, might_sleep().",
         [](kernel_env& e, call_args& x) { e.mem.pages().might_alloc(gfp(x.v[0])); return std::uint64_t{0}; }},
        {"fs_reclaim_acquire", "void fs_reclaim_acquire(gfp_t gfp_mask)", {a::value}, false, r::none, ctx::any, 5, 0,
         false, "Takes the fs_reclaim lockdep map when GFP_MASK may enter the filesystem, as reclaim does.",
         [](kernel_env& e, call_args& x) { e.mem.pages().fs_reclaim_acquire(gfp(x.v[0])); return std::uint64_t{0}; }},
        {"fs_reclaim_release", "void fs_reclaim_release(gfp_t gfp_mask)", {a::value}, false, r::none, ctx::any, 5, 0,
         false, "Releases what fs_reclaim_acquire() took.",
         [](kernel_env& e, call_args& x) { e.mem.pages().fs_reclaim_release(gfp(x.v[0])); return std::uint64_t{0}; }},
        // -- kmsim's: /proc views into the log
        {"show_buddyinfo", "void show_buddyinfo(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "kmsim's: prints /proc/buddyinfo into the log now.",
         [](kernel_env& e, call_args&) { return show(e, "buddyinfo"); }},
        {"show_slabinfo", "void show_slabinfo(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "kmsim's: prints /proc/slabinfo (the caches that hold objects) into the log now.",
         [](kernel_env& e, call_args&) { return show(e, "slabinfo"); }},
        {"show_meminfo", "void show_meminfo(void)", {}, false, r::none, ctx::any, 5, 0, false,
         "kmsim's: prints /proc/meminfo into the log now.",
         [](kernel_env& e, call_args&) { return show(e, "meminfo"); }},
        // -- queries
        {"in_interrupt", "bool in_interrupt(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "Whether the code runs in hard IRQ or softirq context, or with BH disabled.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.in_interrupt()}; }},
        {"in_atomic", "bool in_atomic(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "Whether preempt_count is non-zero: no sleeping.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.in_atomic()}; }},
        {"irqs_disabled", "bool irqs_disabled(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "Whether interrupts are off on this CPU.",
         [](kernel_env& e, call_args&) { return std::uint64_t{e.m.irqs_disabled()}; }},
        {"preempt_count", "int preempt_count(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "The CPU's preempt_count: hard IRQ 0x10000, softirq 0x100 and up, preempt_disable() depth.",
         [](kernel_env& e, call_args&) { return std::uint64_t{static_cast<std::uint64_t>(e.m.preempt_count())}; }},
        {"smp_processor_id", "int smp_processor_id(void)", {}, false, r::value, ctx::any, 5, 0, false,
         "The CPU the code runs on.",
         [](kernel_env& e, call_args&) { return static_cast<std::uint64_t>(e.m.smp_processor_id()); }},
        {"ZERO_OR_NULL_PTR", "bool ZERO_OR_NULL_PTR(const void *p)", {a::value}, false, r::value, ctx::any, 5, 0, false,
         "Whether P is NULL or ZERO_SIZE_PTR (what kmalloc(0) returns).",
         [](kernel_env&, call_args& x) { return std::uint64_t{mm::ZERO_OR_NULL_PTR(x.v[0])}; }},
        {"rand", "u64 rand(u64 a, u64 b)", {a::value, a::value}, false, r::value, ctx::any, 5, 0, false,
         "kmsim's: a uniform random number from A to B inclusive, from the run's seed.",
         [](kernel_env& e, call_args& x) {
             const std::uint64_t lo = std::min(x.v[0], x.v[1]), hi = std::max(x.v[0], x.v[1]);
             return e.m.eng().random().stream("rand").uniform(lo, hi);
         }},
    };
    return t;
}

}  // namespace

int kernel_call::gfp_arg() const
{
    for (std::size_t i = 0; i < args.size(); ++i)
        if (args[i] == arg_kind::gfp)
            return static_cast<int>(i);
    return -1;
}

const std::vector<kernel_call>& kernel_calls()
{
    static const std::vector<kernel_call> table = [] {
        std::vector<kernel_call> t = make_table();
        for (kernel_call& c : t)
            for (std::size_t i = 0; i < c.args.size(); ++i)
                if (c.args[i] == arg_kind::condition)
                    c.condition_arg = static_cast<int>(i);
        return t;
    }();
    return table;
}

const kernel_call* find_kernel_call(std::string_view name)
{
    for (const auto& c : kernel_calls())
        if (c.name == name)
            return &c;
    return nullptr;
}

// ---- dispatch

const std::string& kernel_api::gfp_name(mm::gfp_t mask)
{
    if (auto it = gfp_names_.find(mask); it != gfp_names_.end())
        return it->second;
    if (gfp_names_.size() < max_gfp_names)
        return gfp_names_.emplace(mask, mm::format_gfp(mask)).first->second;
    gfp_scratch_ = mm::format_gfp(mask);
    return gfp_scratch_;
}

namespace {

// "kmalloc(4096, GFP_KERNEL)": a call's frame as reports, stacks and the -v
// log show it, made from the values the frame keeps (a named argument keeps
// a pointer to its name, which the scenario owns).
std::string render_call(const arch::frame& f)
{
    const kernel_call& c = *static_cast<const kernel_call*>(f.detail);
    std::string s(c.name);
    if (c.args.size() == 1 && c.args[0] == arg_kind::format)
        return s;  // printk: the function alone
    s += '(';
    for (unsigned i = 0; i < f.nargs; ++i) {
        if (i)
            s += ", ";
        const arg_kind k = i < c.args.size() ? c.args[i] : arg_kind::value;
        if (k == arg_kind::name || k == arg_kind::comm) {
            s += '"' + *reinterpret_cast<const std::string*>(static_cast<std::uintptr_t>(f.args[i])) + '"';
        } else if (k == arg_kind::ctor) {
            s += "NULL";
        } else if (k == arg_kind::slab_flags) {
            s += mm::format_slab_flags(static_cast<std::uint32_t>(f.args[i]));
        } else if (k != arg_kind::value && k != arg_kind::gfp && k != arg_kind::timeout) {
            const auto* name = reinterpret_cast<const std::string*>(static_cast<std::uintptr_t>(f.args[i]));
            s += name->empty() ? "\"...\"" : *name;
        } else if (k == arg_kind::gfp) {
            s += mm::format_gfp(static_cast<mm::gfp_t>(f.args[i]));
        } else if (f.args[i] > 0xffff) {
            char hex[16];
            int n = 0;
            for (std::uint64_t v = f.args[i]; v; v >>= 4)
                hex[n++] = "0123456789abcdef"[v & 15];
            s += "0x";
            while (n)
                s += hex[--n];
        } else {
            const fmt::format_int n(f.args[i]);
            s.append(n.data(), n.size());
        }
    }
    s += ')';
    return s;
}

}  // namespace

std::uint64_t kernel_api::invoke(const kernel_call& c, call_args& a, std::int64_t& cost_ns)
{
    env_.m.preemption_point();
    arch::context& ctx = env_.m.current();
    const arch::frame& at = ctx.frames().back();
    arch::frame f(c.name, at.file, at.line);
    f.render = render_call;
    f.detail = &c;
    f.nargs = static_cast<std::uint8_t>(std::min(a.v.size(), f.args.size()));
    static const std::string null_cache = "NULL", bad_cache = "(struct kmem_cache *)?";
    for (unsigned i = 0; i < f.nargs; ++i) {
        const std::string* named = i < a.text.size() ? a.text[i] : nullptr;
        if (!named && i < c.args.size() && c.args[i] == arg_kind::cache) {
            // A handle: the frame shows the cache's name.
            const mm::kmem_cache* s = env_.objects.cache_named(a.v[i]);
            named = s ? &s->name : a.v[i] == 0 ? &null_cache : &bad_cache;
        }
        f.args[i] = named ? reinterpret_cast<std::uintptr_t>(named) : a.v[i];
    }
    arch::frame_guard fg(ctx, f);
    const sim::time_point start = env_.m.now();
    call_start(ctx.frames().back());
    const std::uint64_t result = c.handler(env_, a);
    if (call_done.enabled())
        call_done(call_record{c, ctx.frames().back(), result, start, a});
    cost_ns = c.cost_ns + c.ns_per_16_bytes * static_cast<std::int64_t>(a.bytes / 16);
    return result;
}

std::string call_name(const arch::frame& f)
{
    std::string s = f.name();
    const auto* c = static_cast<const kernel_call*>(f.detail);
    if (c && c->args.size() == 1 && c->args[0] == arg_kind::format)
        s += "()";  // printk's frame names only the function
    return s;
}

std::string call_result(const call_record& c)
{
    if (c.call.result == result_kind::none)
        return {};
    return c.result > 0xffff ? fmt::format(" = {:#x}", c.result) : fmt::format(" = {}", c.result);
}

std::string call_text(const call_record& c) { return call_name(c.frame) + call_result(c); }

// ---- docs/kernel-api.md

namespace {
const char* context_text(call_context c)
{
    switch (c) {
    case call_context::any: return "any context";
    case call_context::gfp: return "as the GFP mask allows";
    case call_context::process: return "process context (may sleep)";
    case call_context::task: return "process context (acts on the task)";
    }
    return "?";
}
}  // namespace

std::string kernel_api_markdown()
{
    std::string md =
        "# The kernel calls\n\n"
        "Generated from the table in `scenarios/kernel_api.cpp` (`tests/scenarios/kernel_api_test.cpp` fails\n"
        "when this file and the table differ; `KMSIM_UPDATE_GOLDEN=1` rewrites it).\n\n"
        "Every call a scenario body can make, with its C signature, what it does, where the kernel allows\n"
        "it and what it costs in simulated CPU time (charged when it returns; a delay or a sleep costs\n"
        "the time it waits). Objects (locks, completions, caches, block devices) are passed by the name\n"
        "they are declared with. Where the kernel forbids a call (sleeping in atomic context, GFP_KERNEL\n"
        "in an interrupt), kmsim makes it all the same and reports it as the kernel does.\n\n"
        "| call | where | cost |\n|---|---|---|\n";
    for (const auto& c : kernel_calls())
        md += fmt::format("| [`{}`](#{}) | {} | {} ns{} |\n", c.name, c.name, context_text(c.where), c.cost_ns,
                          c.ns_per_16_bytes ? fmt::format(" + {} ns per 16 bytes", c.ns_per_16_bytes) : "");
    for (const auto& c : kernel_calls()) {
        md += fmt::format("\n## {}\n\n```c\n{};\n```\n\n{}\n\n", c.name, c.signature, c.doc);
        md += fmt::format("Where: {}. Cost: {} ns{}.", context_text(c.where), c.cost_ns,
                          c.ns_per_16_bytes ? fmt::format(" + {} ns per 16 bytes copied", c.ns_per_16_bytes) : "");
        if (c.gfp_arg() >= 0)
            md += fmt::format(" The GFP mask is argument {}.", c.gfp_arg() + 1);
        md += "\n";
    }
    return md;
}

}  // namespace kmsim::scenarios

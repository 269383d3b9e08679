// scenarios/kernel_api.h - the kernel calls every front end makes: one table, one entry per call.
//
// Owns: the description of each kernel call a scenario (and later a C module)
// may make - its name, C signature, argument kinds, result, the contexts it
// may be used in, its cost in the cost model, which argument is its GFP mask,
// what it does - and its handler, a thin adapter onto arch/ and mm/, where
// the kernel's behaviour lives. The parser checks calls against the table,
// the interpreter dispatches through it, the -v log renders calls from it,
// and docs/kernel-api.md is generated from it (kernel_api_markdown()).
// Adding a call is one entry and its handler.
//
// Invariant: a handler does nothing the kernel does not; it converts
// arguments, calls one kernel function, and says what it allocated (for the
// run's statistics) and how many bytes it copied (for the cost model).
#pragma once

#include "arch/completion.h"
#include "arch/machine.h"
#include "arch/mutex.h"
#include "arch/rwsem.h"
#include "arch/spinlock.h"
#include "arch/tracepoint.h"
#include "arch/wait.h"
#include "arch/workqueue.h"
#include "drivers/blockdev.h"
#include "mm/kernel_memory.h"
#include "mm/mempool.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kmsim::scenarios {

// The kernel objects a world declares, by index (a front end resolves names).
struct kernel_objects {
    std::vector<std::unique_ptr<arch::spinlock>> spinlocks;  // by lock index (nullptr for mutexes)
    std::vector<std::unique_ptr<arch::mutex>> mutexes;       // by lock index (nullptr for other kinds)
    std::vector<std::unique_ptr<arch::rw_semaphore>> rwsems; // by lock index (nullptr for other kinds)
    std::vector<std::unique_ptr<arch::completion>> completions;
    // Slab caches: the declared ones first, then those kmem_cache_create()
    // made at run time. A `struct kmem_cache *` is a handle: an address
    // outside the direct map (nothing else lives there, so a handle is never
    // taken for memory), one per cache, never reused.
    std::vector<mm::kmem_cache*> caches;
    std::vector<std::unique_ptr<drivers::blockdev>> blockdevs;
    std::vector<std::unique_ptr<arch::wait_queue_head>> waitqueues;
    std::vector<std::unique_ptr<mm::mempool>> mempools;
    std::vector<arch::workqueue_struct*> workqueues;  // the system workqueues first; arch owns them
    std::vector<std::unique_ptr<arch::work_struct>> works;
    std::vector<std::unique_ptr<arch::timer_list>> timers;
    std::vector<std::unique_ptr<arch::tasklet_struct>> tasklets;
    // Runs the front end's function FN (a func argument's value) with ARG in
    // the running context, and returns its result: what a kthread runs.
    std::function<std::uint64_t(std::uint64_t fn, std::uint64_t arg)> run_function;

    static constexpr std::uint64_t cache_handle_base = 0xffffffffc1000000ULL;
    static constexpr std::uint64_t cache_handle_stride = 0x100;  // sizeof(struct kmem_cache), about
    static std::uint64_t cache_handle(std::size_t index) { return cache_handle_base + index * cache_handle_stride; }
    // The cache a handle stands for, released or not; else nullptr.
    mm::kmem_cache* cache_named(std::uint64_t handle) const
    {
        if (handle < cache_handle_base || (handle - cache_handle_base) % cache_handle_stride)
            return nullptr;
        const std::uint64_t i = (handle - cache_handle_base) / cache_handle_stride;
        return i < caches.size() ? caches[i] : nullptr;
    }
    // The cache a handle stands for, while it is not released; else nullptr.
    mm::kmem_cache* cache_at(std::uint64_t handle) const
    {
        mm::kmem_cache* s = cache_named(handle);
        return s && !s->released ? s : nullptr;
    }
};

// What a handler works with.
struct kernel_env {
    arch::machine& m;
    mm::kernel_memory& mem;
    kernel_objects& objects;
};

enum class arg_kind {
    value,       // an integer or pointer
    gfp,         // a GFP mask (rendered as %pGg)
    spinlock,    // a declared object, by name
    mutex,
    rwsem,
    completion,
    cache,       // a struct kmem_cache *: a declared cache's name, or a handle kmem_cache_create() returned
    device,
    format,      // printk's format string literal
    name,        // a string literal the kernel keeps (kmem_cache_create's name)
    comm,        // a new task's name, a string literal (kthread_run's)
    waitqueue,   // a declared wait queue, by name
    mempool,     // a declared mempool, by name
    workqueue,   // a declared workqueue (or a system one: system_wq, ...), by name
    work,        // a declared work item, by name
    timer,       // a declared timer_list, by name
    tasklet,     // a declared tasklet, by name
    func,        // a function of the front end's, run with one argument (kthread_run's threadfn)
    condition,   // an expression the call evaluates itself, again and again (wait_event's)
    timeout,     // jiffies; the language also takes a duration (10ms), converted at the machine's HZ
    slab_flags,  // SLAB_* flags, joined with |
    ctor,        // a constructor function: only NULL, as kmsim runs no C function
};

enum class result_kind { none, value, pointer };

// Where a call may be made, as the kernel documents it.
enum class call_context {
    any,      // process or interrupt context
    gfp,      // as its GFP mask allows: a mask that may block needs process context
    process,  // process context only: it may sleep
    task,     // acts on the current task (process context)
};

// An allocation a call made, for the run's statistics: its GFP mask (the
// scoped constraints are applied by whoever counts) and whether it worked.
struct alloc_outcome {
    mm::gfp_t gfp = 0;
    bool ok = false;
};

// Copying memory is work in proportion to its size: a 4 MiB memset is
// 65,536 steps of the run's budget, which so bounds the host memory a run can
// write as well as its time.
inline constexpr std::uint64_t bytes_per_step = 64;

// One call being made: the arguments as the front end evaluated them, and
// what the handler reports back.
struct call_args {
    std::span<const std::uint64_t> v;                // every argument; an object's is its index (a cache's, its handle)
    std::span<const std::string* const> text;       // string-literal arguments (printk), else nullptr
    // The condition argument, if any: evaluates it now, in the calling context.
    const std::function<bool()>* condition = nullptr;
    std::uint64_t bytes = 0;                         // out: bytes copied (memset, memcpy, kzalloc)
    std::optional<alloc_outcome> alloc;              // out: the allocation made, if any
};

using call_handler = std::uint64_t (*)(kernel_env& env, call_args& a);

struct kernel_call {
    std::string_view name;
    std::string_view signature;  // C, as the kernel declares it
    std::vector<arg_kind> args;
    bool variadic = false;       // printk: values after the format
    result_kind result = result_kind::none;
    call_context where = call_context::any;
    std::int64_t cost_ns = 5;         // charged when the call returns
    std::int64_t ns_per_16_bytes = 0; // and per 16 bytes copied
    bool completes = false;           // signals its completion argument
    std::string_view doc;             // what it does, one or two sentences
    call_handler handler = nullptr;
    std::size_t optional_args = 0;    // how many of the last arguments may be left out
    int condition_arg = -1;           // the index of its condition argument (set from args), or -1

    int gfp_arg() const;  // the index of the GFP-mask argument, or -1
};

// A call that returned, for probes: the -v log, the run's statistics.
struct call_record {
    const kernel_call& call;
    const arch::frame& frame;  // name() is "kmalloc(4096, GFP_KERNEL)"
    std::uint64_t result;
    sim::time_point start;
    const call_args& args;
};

// The call as the -v log and the timeline show it: "kmalloc(64, GFP_KERNEL)
// = 0xffff888004001000", "udelay(10)", "printk()"; its name alone (from the
// frame invoke() pushed), and its result alone (" = 0x...", or "").
std::string call_text(const call_record& c);
std::string call_name(const arch::frame& f);
std::string call_result(const call_record& c);

// The calls of one world: dispatch, and the names of the GFP masks they use.
class kernel_api {
public:
    explicit kernel_api(kernel_env env) : env_(env) {}

    // Makes call C in the running context (fiber side): pushes its frame,
    // runs its handler and announces it on call_done. Returns its result,
    // and its cost in the cost model in COST_NS, for the front end to charge
    // (with A.bytes / bytes_per_step steps of the run's budget).
    std::uint64_t invoke(const kernel_call& c, call_args& a, std::int64_t& cost_ns);

    // format_gfp() of MASK, made once per mask (for the first max_gfp_names):
    // the statistics name a row per mask.
    const std::string& gfp_name(mm::gfp_t mask);
    static constexpr std::size_t max_gfp_names = 4096;

    kernel_env& env() { return env_; }
    // A call starts (its frame, on top of the running context's) and returns.
    arch::tracepoint<const arch::frame&> call_start;
    arch::tracepoint<const call_record&> call_done;

private:
    kernel_env env_;
    std::unordered_map<mm::gfp_t, std::string> gfp_names_;
    std::string gfp_scratch_;
};

const std::vector<kernel_call>& kernel_calls();
const kernel_call* find_kernel_call(std::string_view name);

// docs/kernel-api.md, made from the table.
std::string kernel_api_markdown();

}  // namespace kmsim::scenarios

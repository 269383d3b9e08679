// scenarios/ast.h - a parsed scenario: declarations, bodies, expressions, expectations.
//
// Owns: the shape of a .kms file after parsing and checking (docs/scenario-language.md).
// Names are resolved here: a body's variables are numbered slots, object names
// point at their declarations, GFP names are already masks, so the interpreter
// never looks anything up by string.
#pragma once

#include "mm/slab.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kmsim::scenarios {

struct source_pos {
    int line = 0;
    int col = 0;
};

// ---- expressions ----

struct kernel_call;  // scenarios/kernel_api.h

struct expr {
    enum class kind {
        number, string, var, unary, binary, logical_and, logical_or, call, index, object, jiffies, shrink_field,
        global,       // a global integer: value is its word among the world's globals (global_decl::offset)
        global_elem,  // NAME[i] of a global array: value is its index in scenario::globals, args[0] is i
        func_call,    // a call of a scenario function: value is its index in scenario::funcs
        call_with_condition,  // a kernel call with a condition argument (wait_event): text is the condition's source
        module_call,  // a function a module exports: text is its name, value its index in scenario::module_calls
    };
    kind k = kind::number;
    source_pos pos;
    std::uint64_t value = 0;  // number; object: index into the scenario's table; var: slot; see kind
    std::string text;         // string literal (after escapes); operator; call name
    const kernel_call* call = nullptr;  // call: its entry in the table
    std::vector<std::unique_ptr<expr>> args;
    int depth = 1;            // levels of the tree below and including this node
};
using expr_ptr = std::unique_ptr<expr>;

// A OP B for the binary operators, on 64-bit unsigned integers as C
// computes them (a shift by 64 or more gives 0). The caller deals with
// division by zero first. The interpreter and the parser's constant
// folding share it.
inline std::uint64_t apply_binary(const std::string& op, std::uint64_t a, std::uint64_t b)
{
    switch (op[0]) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '|': return a | b;
    case '=': return a == b;
    case '!': return a != b;
    case '<':
        if (op.size() > 1 && op[1] == '<') return b >= 64 ? 0 : a << b;
        return op.size() > 1 ? a <= b : a < b;
    case '>':
        if (op.size() > 1 && op[1] == '>') return b >= 64 ? 0 : a >> b;
        return op.size() > 1 ? a >= b : a > b;
    }
    return 0;
}

// OP V for the unary operators - ! ~.
inline std::uint64_t apply_unary(const std::string& op, std::uint64_t v)
{
    return op == "-" ? (~v + 1) : op == "!" ? (v == 0) : ~v;
}

// ---- statements ----

struct stmt;
using block = std::vector<std::unique_ptr<stmt>>;

struct stmt {
    enum class kind {
        assign, store, eval, if_, repeat, for_, while_, break_, continue_, return_, assert_,
        assign_global,  // slot: the global's word (global_decl::offset); exprs: value
        store_global,   // NAME[i] = v of a global array; slot: its index; exprs: i, v
    };
    kind k = kind::eval;
    source_pos pos;
    int slot = -1;                    // assign, for; a global's index
    std::vector<expr_ptr> exprs;      // assign: value; store: ptr, index, value; eval: call;
                                      // if: conditions; repeat: count; for: from, to; while: cond; return/assert
    std::vector<block> bodies;        // if: one per condition, plus else; loops: one
    std::string message;              // assert
    std::string source;               // the statement's text, for reports
};

struct body {
    block stmts;
    int slots = 0;
    std::vector<std::string> slot_names;
};

// ---- shared state and functions (version 2)

// `global NAME = EXPR` (size 1, INIT the constant's value) or `global
// NAME[N]` (an array of SIZE zeroed integers). Every global is a run of
// `size` integers at `offset` in the world's one vector of them.
struct global_decl {
    std::string name;
    bool is_array = false;
    std::uint64_t size = 1;
    std::uint64_t offset = 0;
    std::uint64_t init = 0;
    source_pos pos;
};

// `func NAME(P1, ...)`: its parameters are the body's first slots.
struct func_decl {
    std::string name;
    std::size_t params = 0;
    body code;
    source_pos pos;
};


// ---- declarations ----

struct machine_decl {
    int cpus = 1;
    std::uint64_t memory = 0;
    int hz = 1000;
    source_pos pos;
};

struct zone_decl {
    int type = 0;
    std::uint64_t size = 0;
    std::uint64_t reserved = 0;
    source_pos pos;
};

enum class lock_kind { spinlock, mutex, rwsem };
inline const char* to_string(lock_kind k)
{
    return k == lock_kind::mutex ? "mutex" : k == lock_kind::rwsem ? "rwsem" : "spinlock";
}

struct lock_decl {
    std::string name;
    lock_kind kind = lock_kind::spinlock;
    std::string lock_class;  // class=CLASS: locks of one class share their lockdep class
    source_pos pos;
};

// A declaration that is a name and nothing else: `completion NAME`,
// `waitqueue NAME`.
struct named_decl {
    std::string name;
    source_pos pos;
};
using completion_decl = named_decl;
using waitqueue_decl = named_decl;

struct cache_decl {
    std::string name;
    std::uint64_t size = 0;
    std::uint64_t align = 0;
    std::uint32_t flags = 0;
    source_pos pos;
};

// `mempool NAME min=N size=BYTES` (a kmalloc pool) or `mempool NAME min=N
// cache=CACHE` (a slab pool: CACHE is a declared cache's index).
struct mempool_decl {
    std::string name;
    std::uint64_t min_nr = 0;
    std::uint64_t size = 0;
    int cache = -1;
    source_pos pos;
};

// `process NAME rss=SIZE [swap=SIZE] [oom_score_adj=N]`: a user process,
// its anonymous memory, a candidate for the OOM killer.
struct process_decl {
    std::string name;
    std::uint64_t rss = 0;   // bytes
    std::uint64_t swap = 0;  // bytes
    int oom_score_adj = 0;
    source_pos pos;
};

// `workqueue NAME [flags=WQ_...] [max_active=N]`. The system workqueues
// (system_wq, ...) are declared by the language itself, first.
struct workqueue_decl {
    std::string name;
    unsigned flags = 0;   // arch::wq_flags
    int max_active = 0;   // 0: WQ_DFL_ACTIVE
    bool builtin = false; // one of the system workqueues
    source_pos pos;
};

// A named body the kernel runs for the scenario: `work NAME` ... `end` (a
// work item, run in a kworker), `timer NAME` (a timer_list, run in
// softirq context), `tasklet NAME` (run in softirq context).
struct body_decl {
    std::string name;
    body code;
    source_pos pos;
};
using work_decl = body_decl;
using timer_decl = body_decl;
using tasklet_decl = body_decl;

struct thread_decl {
    std::string name;
    int cpu = -1;
    std::int64_t at_ns = 0;
    body code;
    source_pos pos;
};

// `module "PATH.c"`: a kernel module in C, loaded at boot.
struct module_decl {
    std::string path;  // as written: relative to the scenario file
    source_pos pos;
};

struct irq_decl {
    std::string name;
    int line = -1;
    int cpu = 0;
    std::optional<std::int64_t> at_ns;
    std::optional<std::int64_t> every_ns;
    std::uint64_t count = 0;
    std::int64_t jitter_ns = 0;
    bool bodiless = false;  // `interrupt`: the handler is a module's (request_irq())
    body code;
    source_pos pos;
};

struct blockdev_decl {
    std::string name;
    std::int64_t latency_ns = 1000000;
    int irq = -1;
    int cpu = 0;
    std::uint64_t depth = 32;
    std::optional<body> request;  // driver code run per request; `rq` is its slot 0
    source_pos pos;
};

struct shrinker_decl {
    std::string name;
    std::uint64_t objects = 0;
    std::uint64_t size = 0;
    body code;
    source_pos pos;
};

struct expect_decl {
    enum class kind { completed, deadlock, report, no_report, failure, no_failure, no_leaks, stat };
    kind k = kind::completed;
    std::string text;     // report text
    std::string context;  // "in NAME"
    std::string path;     // stat path
    std::string op;       // stat operator
    std::uint64_t number = 0;
    source_pos pos;
    std::string source;   // the line as written, "expect ..."
};

struct sysctl_entry;  // scenarios/sysctl.h

struct sysctl_decl {
    std::string key;
    const sysctl_entry* entry = nullptr;  // its row in the table
    std::string value;                   // as written, for messages
    std::vector<std::uint64_t> numbers;  // checked against the kernel's range: one value, or
                                         // three for vm.lowmem_reserve_ratio
    source_pos pos;
};

struct scenario {
    std::string file;     // as given on the command line, or the bundled name
    std::string title;
    std::string description;
    std::optional<std::uint64_t> seed;
    std::optional<machine_decl> machine;
    std::vector<zone_decl> zones;
    std::string boot;                  // the kernel command line, as written
    mm::slab_boot_params boot_params;  // what it sets, parsed once
    bool transparent_hugepage = true;  // transparent_hugepage= (never: false)
    std::vector<sysctl_decl> sysctls;
    std::vector<global_decl> globals;
    std::uint64_t global_words = 0;  // the integers all globals take together
    std::vector<func_decl> funcs;
    std::vector<waitqueue_decl> waitqueues;
    std::vector<lock_decl> locks;
    std::vector<completion_decl> completions;
    std::vector<cache_decl> caches;
    std::vector<mempool_decl> mempools;
    std::vector<process_decl> processes;
    std::vector<thread_decl> threads;
    std::vector<irq_decl> irqs;
    std::vector<module_decl> modules;
    // Calls of functions the modules export, resolved when they are loaded.
    struct module_call_site {
        std::string name;
        source_pos pos;
        std::size_t args = 0;
    };
    std::vector<module_call_site> module_calls;
    std::vector<shrinker_decl> shrinkers;
    std::vector<workqueue_decl> workqueues;  // the system workqueues first
    std::vector<work_decl> works;
    bool uses_workqueues = false;  // a work item, workqueue or workqueue call: the kworkers start at boot
    std::vector<timer_decl> timers;
    std::vector<tasklet_decl> tasklets;
    bool uses_softirqs = false;    // timers, tasklets or BH calls: ksoftirqd starts at boot
    std::uint64_t pagecache_clean = 0;  // bytes
    source_pos pagecache_clean_pos;     // the last line that added some
    struct dirty_cache {
        std::uint64_t bytes = 0;
        int device = -1;  // blockdev index
        source_pos pos;
    };
    std::vector<dirty_cache> pagecache_dirty;  // written back through their devices
    std::uint64_t anon = 0;             // bytes
    source_pos anon_pos;                // the last line that added some
    int anon_swap = -1;                 // blockdev index, or -1: no swap
    std::vector<blockdev_decl> blockdevs;
    std::vector<expect_decl> expects;
    std::vector<std::string> lines;  // the source, for messages
};

}  // namespace kmsim::scenarios

// mm/fork.h - the memory of a new task: kernel/fork.c's task_struct cache and thread stacks.
//
// Owns: the task_struct slab cache and the stack of every task made at run
// time, allocated as dup_task_struct() does - alloc_task_struct_node()
// (kmem_cache_alloc(task_struct_cachep, GFP_KERNEL)), then
// alloc_thread_stack_node() (THREAD_SIZE, order 2, THREADINFO_GFP), without
// CONFIG_VMAP_STACK - so making a thread can stall in reclaim and fail.
// It serves arch::kthreads through arch::task_memory.
// Simplification: the cache is made when the first task is, not at boot, so
// scenarios that make no thread see no task_struct cache in /proc/slabinfo.
// Invariant: stacks_ holds exactly the tasks allocated and not yet freed.
#pragma once

#include "arch/kthread.h"

#include <cstdint>
#include <map>

namespace kmsim::mm {

class kasan;
class kmemleak;
class page_allocator;
class slab_allocator;
struct kmem_cache;

// sizeof(struct task_struct) of an x86_64 6.15 build (it depends on the
// configuration), and the stack: THREAD_SIZE = PAGE_SIZE << 2.
inline constexpr std::uint32_t TASK_STRUCT_SIZE = 9792;
inline constexpr unsigned THREAD_SIZE_ORDER = 2;

class fork_memory {
public:
    fork_memory(page_allocator& pa, slab_allocator& slabs, kasan& k, kmemleak& leaks)
        : pa_(pa), slabs_(slabs), kasan_(k), kmemleak_(leaks)
    {
    }

    // The hooks arch::kthreads allocates through.
    arch::task_memory ops();

    // Fiber side: a task_struct and its stack; the task_struct's address,
    // or 0 (with nothing kept) when either could not be had.
    std::uint64_t alloc_task();
    void free_task(std::uint64_t task);

private:
    page_allocator& pa_;
    slab_allocator& slabs_;
    kasan& kasan_;
    kmemleak& kmemleak_;
    kmem_cache* task_struct_cachep_ = nullptr;
    std::map<std::uint64_t, std::uint64_t> stacks_;  // task_struct -> stack
};

}  // namespace kmsim::mm

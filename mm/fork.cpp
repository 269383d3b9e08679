// mm/fork.cpp - task_struct and stack allocation, as kernel/fork.c's dup_task_struct().
#include "mm/fork.h"

#include "mm/gfp.h"
#include "mm/kasan.h"
#include "mm/kmemleak.h"
#include "mm/page_alloc.h"
#include "mm/slab.h"

namespace kmsim::mm {

arch::task_memory fork_memory::ops()
{
    arch::task_memory m;
    m.alloc = [this] { return alloc_task(); };
    m.free = [this](std::uint64_t t) { free_task(t); };
    m.touch = [this](std::uint64_t t) { kasan_.check_access(t, 4, true, t); };
    return m;
}

std::uint64_t fork_memory::alloc_task()
{
    if (!task_struct_cachep_)
        task_struct_cachep_ = slabs_.create("task_struct", TASK_STRUCT_SIZE, {0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT});
    const std::uint64_t tsk = slabs_.kmem_cache_alloc(task_struct_cachep_, GFP_KERNEL);
    if (!tsk)
        return 0;
    // THREADINFO_GFP: GFP_KERNEL_ACCOUNT | __GFP_ZERO.
    const std::uint64_t stack = pa_.get_free_pages(GFP_KERNEL_ACCOUNT | gfp::ZERO, THREAD_SIZE_ORDER);
    if (!stack) {
        slabs_.kmem_cache_free(task_struct_cachep_, tsk);
        return 0;
    }
    kmemleak_.not_leak(tsk);  // on the task list
    stacks_[tsk] = stack;
    return tsk;
}

void fork_memory::free_task(std::uint64_t task)
{
    auto it = stacks_.find(task);
    if (it == stacks_.end())
        return;
    pa_.free_pages(it->second, THREAD_SIZE_ORDER);
    stacks_.erase(it);
    slabs_.kmem_cache_free(task_struct_cachep_, task);
}

}  // namespace kmsim::mm

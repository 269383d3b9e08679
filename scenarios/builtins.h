// scenarios/builtins.h - the kernel calls and queries a scenario body may use.
//
// Owns: the table of call names with their arity and argument kinds
// (docs/scenario-language.md, "Kernel calls"). The parser checks calls
// against it; the interpreter dispatches on `builtin`.
#pragma once

#include <string_view>
#include <vector>

namespace kmsim::scenarios {

enum class builtin {
    kmalloc, kzalloc, kcalloc, kmalloc_array, krealloc, kfree, ksize,
    kmem_cache_alloc, kmem_cache_zalloc, kmem_cache_free,
    alloc_pages, free_pages_page, get_free_pages, free_pages,
    memset, memcpy,
    spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq, spin_lock_irqsave, spin_unlock_irqrestore, spin_trylock,
    mutex_lock, mutex_unlock, mutex_trylock,
    local_irq_disable, local_irq_enable, local_irq_save, local_irq_restore,
    preempt_disable, preempt_enable, rcu_read_lock, rcu_read_unlock,
    memalloc_nofs_save, memalloc_nofs_restore, memalloc_noio_save, memalloc_noio_restore,
    udelay, ndelay, mdelay, msleep, usleep_range, schedule, cond_resched,
    complete, complete_all, wait_for_completion,
    submit_bio, submit_bio_wait,
    printk, bug_on, warn_on, might_sleep, might_alloc, fs_reclaim_acquire, fs_reclaim_release,
    show_buddyinfo, show_slabinfo, show_meminfo,
    in_interrupt, in_atomic, irqs_disabled, preempt_count, smp_processor_id, zero_or_null_ptr, rand, sizeof_,
};

enum class arg_kind { value, spinlock, mutex, completion, cache, device, type_name };

struct builtin_info {
    const char* name;
    builtin fn;
    std::vector<arg_kind> args;
    bool variadic = false;  // printk: a format, then values
};

const std::vector<builtin_info>& builtins();
const builtin_info* find_builtin(std::string_view name);
const builtin_info& info(builtin fn);

}  // namespace kmsim::scenarios

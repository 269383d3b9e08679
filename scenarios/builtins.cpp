// scenarios/builtins.cpp - the table of kernel calls.
#include "scenarios/builtins.h"

namespace kmsim::scenarios {

const std::vector<builtin_info>& builtins()
{
    using a = arg_kind;
    static const std::vector<builtin_info> table = {
        {"kmalloc", builtin::kmalloc, {a::value, a::value}},
        {"kzalloc", builtin::kzalloc, {a::value, a::value}},
        {"kcalloc", builtin::kcalloc, {a::value, a::value, a::value}},
        {"kmalloc_array", builtin::kmalloc_array, {a::value, a::value, a::value}},
        {"krealloc", builtin::krealloc, {a::value, a::value, a::value}},
        {"kfree", builtin::kfree, {a::value}},
        {"ksize", builtin::ksize, {a::value}},
        {"kmem_cache_alloc", builtin::kmem_cache_alloc, {a::cache, a::value}},
        {"kmem_cache_zalloc", builtin::kmem_cache_zalloc, {a::cache, a::value}},
        {"kmem_cache_free", builtin::kmem_cache_free, {a::cache, a::value}},
        {"alloc_pages", builtin::alloc_pages, {a::value, a::value}},
        {"__free_pages", builtin::free_pages_page, {a::value, a::value}},
        {"__get_free_pages", builtin::get_free_pages, {a::value, a::value}},
        {"free_pages", builtin::free_pages, {a::value, a::value}},
        {"memset", builtin::memset, {a::value, a::value, a::value}},
        {"memcpy", builtin::memcpy, {a::value, a::value, a::value}},
        {"spin_lock", builtin::spin_lock, {a::spinlock}},
        {"spin_unlock", builtin::spin_unlock, {a::spinlock}},
        {"spin_lock_irq", builtin::spin_lock_irq, {a::spinlock}},
        {"spin_unlock_irq", builtin::spin_unlock_irq, {a::spinlock}},
        {"spin_lock_irqsave", builtin::spin_lock_irqsave, {a::spinlock}},
        {"spin_unlock_irqrestore", builtin::spin_unlock_irqrestore, {a::spinlock, a::value}},
        {"spin_trylock", builtin::spin_trylock, {a::spinlock}},
        {"mutex_lock", builtin::mutex_lock, {a::mutex}},
        {"mutex_unlock", builtin::mutex_unlock, {a::mutex}},
        {"mutex_trylock", builtin::mutex_trylock, {a::mutex}},
        {"local_irq_disable", builtin::local_irq_disable, {}},
        {"local_irq_enable", builtin::local_irq_enable, {}},
        {"local_irq_save", builtin::local_irq_save, {}},
        {"local_irq_restore", builtin::local_irq_restore, {a::value}},
        {"preempt_disable", builtin::preempt_disable, {}},
        {"preempt_enable", builtin::preempt_enable, {}},
        {"rcu_read_lock", builtin::rcu_read_lock, {}},
        {"rcu_read_unlock", builtin::rcu_read_unlock, {}},
        {"memalloc_nofs_save", builtin::memalloc_nofs_save, {}},
        {"memalloc_nofs_restore", builtin::memalloc_nofs_restore, {a::value}},
        {"memalloc_noio_save", builtin::memalloc_noio_save, {}},
        {"memalloc_noio_restore", builtin::memalloc_noio_restore, {a::value}},
        {"udelay", builtin::udelay, {a::value}},
        {"ndelay", builtin::ndelay, {a::value}},
        {"mdelay", builtin::mdelay, {a::value}},
        {"msleep", builtin::msleep, {a::value}},
        {"usleep_range", builtin::usleep_range, {a::value, a::value}},
        {"schedule", builtin::schedule, {}},
        {"cond_resched", builtin::cond_resched, {}},
        {"complete", builtin::complete, {a::completion}},
        {"complete_all", builtin::complete_all, {a::completion}},
        {"wait_for_completion", builtin::wait_for_completion, {a::completion}},
        {"submit_bio", builtin::submit_bio, {a::device, a::value}},
        {"submit_bio_wait", builtin::submit_bio_wait, {a::device, a::value}},
        {"printk", builtin::printk, {a::value}, true},
        {"BUG_ON", builtin::bug_on, {a::value}},
        {"WARN_ON", builtin::warn_on, {a::value}},
        {"might_sleep", builtin::might_sleep, {}},
        {"might_alloc", builtin::might_alloc, {a::value}},
        {"fs_reclaim_acquire", builtin::fs_reclaim_acquire, {a::value}},
        {"fs_reclaim_release", builtin::fs_reclaim_release, {a::value}},
        // kmsim additions: print a /proc view into the log at this point of the run.
        {"show_buddyinfo", builtin::show_buddyinfo, {}},
        {"show_slabinfo", builtin::show_slabinfo, {}},
        {"show_meminfo", builtin::show_meminfo, {}},
        {"in_interrupt", builtin::in_interrupt, {}},
        {"in_atomic", builtin::in_atomic, {}},
        {"irqs_disabled", builtin::irqs_disabled, {}},
        {"preempt_count", builtin::preempt_count, {}},
        {"smp_processor_id", builtin::smp_processor_id, {}},
        {"ZERO_OR_NULL_PTR", builtin::zero_or_null_ptr, {a::value}},
        {"rand", builtin::rand, {a::value, a::value}},
        {"sizeof", builtin::sizeof_, {a::type_name}},
    };
    return table;
}

const builtin_info* find_builtin(std::string_view name)
{
    for (const auto& b : builtins())
        if (name == b.name)
            return &b;
    return nullptr;
}

const builtin_info& info(builtin fn)
{
    for (const auto& b : builtins())
        if (b.fn == fn)
            return b;
    return builtins().front();
}

}  // namespace kmsim::scenarios

// Every function kmsim's headers declare, referenced once: loading this
// module fails with "Unknown symbol" if a header declares a function kmsim
// does not export. It also runs a little of each kind.
#include <linux/atomic.h>
#include <linux/bottom_half.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

MODULE_LICENSE("GPL");

static void *const every[] = {
	_printk, dump_stack, __kmsim_bug, __kmsim_warn, smp_processor_id, in_interrupt, in_atomic, in_softirq,
	in_serving_softirq, in_task, irqs_disabled, get_random_u32_below,
	kmalloc, kzalloc, kcalloc, kmalloc_array, krealloc, krealloc_array, kfree, ksize, kmem_cache_create,
	kmem_cache_alloc, kmem_cache_zalloc, kmem_cache_free, kmem_cache_destroy, kvmalloc, kvzalloc, kvcalloc,
	kvmalloc_array, kvrealloc, kvfree, vmalloc, vzalloc, vfree, is_vmalloc_addr,
	alloc_pages, __free_pages, __get_free_pages, get_zeroed_page, free_pages, page_address, virt_to_page,
	nr_free_pages, memset, memcpy, memmove,
	__kmsim_lock_init, __kmsim_object_init, spin_lock, spin_unlock, spin_trylock, spin_lock_irq, spin_unlock_irq,
	_spin_lock_irqsave, spin_unlock_irqrestore, spin_lock_bh, spin_unlock_bh, spin_lock_nested,
	mutex_lock, mutex_unlock, mutex_trylock, mutex_lock_nested, mutex_lock_interruptible,
	down_read, down_read_trylock, up_read, down_write, down_write_trylock, up_write, downgrade_write,
	down_write_nested, complete, complete_all, wait_for_completion, wake_up, wake_up_all, __kmsim_wait_event,
	kthread_create_on_node, wake_up_process, kthread_should_stop, kthread_stop, get_current, schedule,
	cond_resched, udelay, ndelay, mdelay, msleep, usleep_range, get_jiffies_64, msecs_to_jiffies,
	usecs_to_jiffies, local_irq_disable, local_irq_enable, _local_irq_save, local_irq_restore,
	local_bh_disable, local_bh_enable, preempt_disable, preempt_enable, preempt_count, might_sleep,
	rcu_read_lock, rcu_read_unlock, memalloc_nofs_save, memalloc_nofs_restore, memalloc_noio_save,
	memalloc_noio_restore, memalloc_noreclaim_save, memalloc_noreclaim_restore, might_alloc,
	fs_reclaim_acquire, fs_reclaim_release, request_irq, free_irq, tasklet_schedule, mod_timer, del_timer,
	del_timer_sync, alloc_workqueue, destroy_workqueue, flush_workqueue, __kmsim_system_wq, queue_work,
	queue_delayed_work, schedule_work, schedule_delayed_work, flush_work, cancel_work_sync,
	cancel_delayed_work_sync, mempool_create_kmalloc_pool, mempool_create_slab_pool, mempool_alloc,
	mempool_free, mempool_destroy,
};

static DEFINE_SPINLOCK(stats_lock);
static DECLARE_RWSEM(table_sem);
static DECLARE_COMPLETION(done);
static LIST_HEAD(items);

struct item {
	struct list_head node;
	int value;
};

static int worker(void *data)
{
	complete(&done);
	return 0;
}

static int __init every_init(void)
{
	unsigned long flags;
	struct item *it, *tmp;
	struct task_struct *t;
	int i, sum = 0;
	atomic_t count = ATOMIC_INIT(0);

	for (i = 0; i < 3; i++) {
		it = kzalloc(sizeof(*it), GFP_KERNEL);
		if (!it)
			return -ENOMEM;
		it->value = i;
		list_add_tail(&it->node, &items);
		atomic_inc(&count);
	}
	down_read(&table_sem);
	list_for_each_entry(it, &items, node)
		sum += it->value;
	up_read(&table_sem);
	spin_lock_irqsave(&stats_lock, flags);
	sum += atomic_read(&count);
	spin_unlock_irqrestore(&stats_lock, flags);
	t = kthread_run(worker, NULL, "every/%d", 0);
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&done);
	pr_info("every: sum %d, %s/%d, %zu exports, HZ %d\n", sum, current->comm, current->pid, ARRAY_SIZE(every), HZ);
	WARN_ON(sum != 6);
	list_for_each_entry_safe(it, tmp, &items, node) {
		list_del(&it->node);
		kfree(it);
	}
	return 0;
}

module_init(every_init);

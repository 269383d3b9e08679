/* linux/kthread.h - kmsim's kernel headers: kernel threads.
 *
 * kthread_create() allocates the task's task_struct and stack with
 * GFP_KERNEL, so it can sleep in reclaim and fail with -ENOMEM; the thread
 * runs nothing until wake_up_process(). kthread_stop() sets
 * kthread_should_stop(), wakes the thread and waits for its function to
 * return. */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/err.h>
#include <linux/sched.h>
#include <linux/types.h>

__attribute__((__format__(printf, 4, 5)))
struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data, int node,
					   const char namefmt[], ...);
#define NUMA_NO_NODE (-1)
#define kthread_create(threadfn, data, namefmt, arg...)			\
	kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##arg)

#define kthread_run(threadfn, data, namefmt, ...) ({			\
	struct task_struct *__k						\
		= kthread_create(threadfn, data, namefmt, ##__VA_ARGS__); \
	if (!IS_ERR(__k))						\
		wake_up_process(__k);					\
	__k;								\
})

bool kthread_should_stop(void);
int kthread_stop(struct task_struct *k);

#endif /* _LINUX_KTHREAD_H */

/* linux/workqueue.h - kmsim's kernel headers: work items and workqueues.
 *
 * Work runs in a kworker (process context, may sleep), with the kernel's
 * per-CPU pools, concurrency management and, for WQ_MEM_RECLAIM queues, a
 * rescuer. flush_work() and the workqueue's flush are seen by lockdep. */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/container_of.h>
#include <linux/lockdep_types.h>
#include <linux/types.h>

struct workqueue_struct;
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	struct __kmsim_object __obj;
	work_func_t func;
};

struct delayed_work {
	struct work_struct work;
};

#define __WORK_INITIALIZER(n, f) { __KMSIM_OBJECT(n), (f) }
#define DECLARE_WORK(n, f) struct work_struct n = __WORK_INITIALIZER(n, f)
#define DECLARE_DELAYED_WORK(n, f) struct delayed_work n = { __WORK_INITIALIZER(n, f) }

void __kmsim_object_init(struct __kmsim_object *obj, const char *name);
#define INIT_WORK(_work, _func)						\
	do {								\
		__kmsim_object_init(&(_work)->__obj, #_work);		\
		(_work)->func = (_func);				\
	} while (0)
#define INIT_DELAYED_WORK(_work, _func)					\
	do {								\
		__kmsim_object_init(&(_work)->work.__obj, #_work);	\
		(_work)->work.func = (_func);				\
	} while (0)
#define to_delayed_work(_work) container_of(_work, struct delayed_work, work)

/* The kernel's values. */
enum wq_flags {
	WQ_UNBOUND = 1 << 1,
	WQ_FREEZABLE = 1 << 2,
	WQ_MEM_RECLAIM = 1 << 3,
	WQ_HIGHPRI = 1 << 4,
	WQ_CPU_INTENSIVE = 1 << 5,
};
#define WQ_MAX_ACTIVE 2048
#define WQ_DFL_ACTIVE (WQ_MAX_ACTIVE / 2)

__attribute__((__format__(printf, 1, 4)))
struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags, int max_active, ...);
#define alloc_ordered_workqueue(fmt, flags, args...) alloc_workqueue(fmt, WQ_UNBOUND | (flags), 1, ##args)
#define create_workqueue(name) alloc_workqueue("%s", WQ_MEM_RECLAIM, 1, (name))
#define create_singlethread_workqueue(name) alloc_ordered_workqueue("%s", WQ_MEM_RECLAIM, (name))
void destroy_workqueue(struct workqueue_struct *wq);
void flush_workqueue(struct workqueue_struct *wq);

struct workqueue_struct *__kmsim_system_wq(int which);
#define system_wq __kmsim_system_wq(0)
#define system_highpri_wq __kmsim_system_wq(1)
#define system_long_wq __kmsim_system_wq(2)
#define system_unbound_wq __kmsim_system_wq(3)

bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork, unsigned long delay);
bool schedule_work(struct work_struct *work);
bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay);
bool flush_work(struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool cancel_delayed_work_sync(struct delayed_work *dwork);

#endif /* _LINUX_WORKQUEUE_H */

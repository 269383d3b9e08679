/* linux/wait.h - kmsim's kernel headers: wait queues and wait_event().
 *
 * wait_event() tests its condition, sleeps until the next wake_up() of the
 * queue and tests again, as the kernel's does; no simulated time passes
 * between the test and the sleep, so no wake-up is lost. */
#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/lockdep_types.h>
#include <linux/types.h>

typedef struct wait_queue_head {
	struct __kmsim_object __obj;
} wait_queue_head_t;

#define __WAIT_QUEUE_HEAD_INITIALIZER(name) { __KMSIM_OBJECT(name) }
#define DECLARE_WAIT_QUEUE_HEAD(name) wait_queue_head_t name = __WAIT_QUEUE_HEAD_INITIALIZER(name)

void __kmsim_object_init(struct __kmsim_object *obj, const char *name);
#define init_waitqueue_head(wq_head) __kmsim_object_init(&(wq_head)->__obj, #wq_head)

void wake_up(wait_queue_head_t *wq_head);
void wake_up_all(wait_queue_head_t *wq_head);
#define wake_up_interruptible(x) wake_up(x)
#define wake_up_interruptible_all(x) wake_up_all(x)

/* Sleeps until the next wake-up of WQ_HEAD, or TIMEOUT jiffies (< 0: none);
 * the jiffies left, 0 when it timed out. */
long __kmsim_wait_event(wait_queue_head_t *wq_head, long timeout);

#define wait_event(wq_head, condition)					\
	do {								\
		while (!(condition))					\
			__kmsim_wait_event(&(wq_head), -1);		\
	} while (0)

#define wait_event_timeout(wq_head, condition, timeout) ({		\
	long __ret = (timeout);						\
	while (!(condition) && __ret > 0)				\
		__ret = __kmsim_wait_event(&(wq_head), __ret);		\
	(condition) && __ret == 0 ? 1 : __ret;				\
})

#define wait_event_interruptible(wq_head, condition) ({ wait_event(wq_head, condition); 0; })

#endif /* _LINUX_WAIT_H */

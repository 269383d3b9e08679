/* linux/timer.h - kmsim's kernel headers: timer_list.
 *
 * A timer's function runs in softirq context (TIMER_SOFTIRQ) on the CPU
 * that armed it, at its expiry jiffy. */
#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H

#include <linux/container_of.h>
#include <linux/jiffies.h>
#include <linux/lockdep_types.h>
#include <linux/types.h>

struct timer_list {
	struct __kmsim_object __obj;
	void (*function)(struct timer_list *);
	unsigned long expires;
	u32 flags;
};

#define DEFINE_TIMER(_name, _function)					\
	struct timer_list _name = { __KMSIM_OBJECT(_name), (_function), 0, 0 }

void __kmsim_object_init(struct __kmsim_object *obj, const char *name);
static inline void __kmsim_timer_setup(struct timer_list *timer, void (*func)(struct timer_list *), unsigned int flags,
				       const char *name)
{
	__kmsim_object_init(&timer->__obj, name);
	timer->function = func;
	timer->expires = 0;
	timer->flags = flags;
}
#define timer_setup(timer, callback, flags) __kmsim_timer_setup((timer), (callback), (flags), #timer)
#define from_timer(var, callback_timer, timer_fieldname)		\
	container_of(callback_timer, __typeof__(*var), timer_fieldname)

int mod_timer(struct timer_list *timer, unsigned long expires);
int del_timer(struct timer_list *timer);
int del_timer_sync(struct timer_list *timer);
#define timer_delete(t) del_timer(t)
#define timer_delete_sync(t) del_timer_sync(t)
static inline void add_timer(struct timer_list *timer) { mod_timer(timer, timer->expires); }

#endif /* _LINUX_TIMER_H */

/* linux/interrupt.h - kmsim's kernel headers: interrupt handlers and tasklets.
 *
 * request_irq() binds a handler to a line a scenario declares with
 * `interrupt line=N ...`; the handler runs in hard-IRQ context on the line's
 * CPU each time the line is raised. A tasklet runs in softirq context. */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/container_of.h>
#include <linux/lockdep_types.h>
#include <linux/types.h>

typedef enum irqreturn {
	IRQ_NONE = 0,
	IRQ_HANDLED = 1 << 0,
	IRQ_WAKE_THREAD = 1 << 1,
} irqreturn_t;
#define IRQ_RETVAL(x) ((x) ? IRQ_HANDLED : IRQ_NONE)

typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

#define IRQF_TRIGGER_NONE	0x00000000
#define IRQF_TRIGGER_RISING	0x00000001
#define IRQF_TRIGGER_FALLING	0x00000002
#define IRQF_TRIGGER_HIGH	0x00000004
#define IRQF_TRIGGER_LOW	0x00000008
#define IRQF_SHARED		0x00000080
#define IRQF_ONESHOT		0x00002000
#define IRQF_NO_SUSPEND		0x00004000

/* 0, -EINVAL without a handler, -EBUSY for a line another handler holds,
 * -ENOSYS (with a warning) for a line the scenario raises from nowhere. */
int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name, void *dev);
/* The name request_irq() was given; NULL (with a WARNING) for a line DEV_ID
 * does not hold. Waits for a running handler to return. */
const void *free_irq(unsigned int irq, void *dev_id);

struct tasklet_struct {
	struct __kmsim_object __obj;
	bool use_callback;
	union {
		void (*func)(unsigned long data);
		void (*callback)(struct tasklet_struct *t);
	};
	unsigned long data;
};

#define DECLARE_TASKLET(name, _callback)				\
	struct tasklet_struct name = { __KMSIM_OBJECT(name), true, { .callback = _callback }, 0 }
#define DECLARE_TASKLET_OLD(name, _func)				\
	struct tasklet_struct name = { __KMSIM_OBJECT(name), false, { .func = _func }, 0 }

void __kmsim_object_init(struct __kmsim_object *obj, const char *name);
static inline void __kmsim_tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *),
					 const char *name)
{
	__kmsim_object_init(&t->__obj, name);
	t->use_callback = true;
	t->callback = callback;
	t->data = 0;
}
static inline void __kmsim_tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data,
					const char *name)
{
	__kmsim_object_init(&t->__obj, name);
	t->use_callback = false;
	t->func = func;
	t->data = data;
}
#define tasklet_setup(t, callback) __kmsim_tasklet_setup((t), (callback), #t)
#define tasklet_init(t, func, data) __kmsim_tasklet_init((t), (func), (data), #t)
#define from_tasklet(var, callback_tasklet, tasklet_fieldname)		\
	container_of(callback_tasklet, __typeof__(*var), tasklet_fieldname)

void tasklet_schedule(struct tasklet_struct *t);

#endif /* _LINUX_INTERRUPT_H */

/*
 * irq-handler-gfp-kernel: an interrupt handler that allocates with GFP_KERNEL.
 *
 * The handler copies each event into a fresh buffer. GFP_KERNEL may sleep,
 * and a hard-IRQ handler may not: might_sleep() reports "BUG: sleeping
 * function called from invalid context" with in_atomic(): 1 and
 * irqs_disabled(): 1, and the call trace shows the handler between <IRQ>
 * and </IRQ>. Memory is plentiful here, so the allocation does not sleep
 * and the bug hides - until memory is short. The fix is GFP_ATOMIC.
 * Loaded by the scenario irq-handler-gfp-kernel, which raises line 5.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("An interrupt handler allocating with GFP_KERNEL (loaded by irq-handler-gfp-kernel.kms)");

#define MYDEV_IRQ 5

struct mydev {
	spinlock_t lock;
	int events;
	void *last;
};

static struct mydev dev;

static irqreturn_t mydev_interrupt(int irq, void *dev_id)
{
	struct mydev *d = dev_id;
	void *event = kmalloc(64, GFP_KERNEL);	/* bug: may sleep; GFP_ATOMIC */

	if (!event)
		return IRQ_HANDLED;
	spin_lock(&d->lock);
	d->events++;
	kfree(d->last);
	d->last = event;
	spin_unlock(&d->lock);
	return IRQ_HANDLED;
}

static int __init mydev_init(void)
{
	spin_lock_init(&dev.lock);
	return request_irq(MYDEV_IRQ, mydev_interrupt, 0, "mydev", &dev);
}

static void __exit mydev_exit(void)
{
	free_irq(MYDEV_IRQ, &dev);
	kfree(dev.last);
	pr_info("mydev: %d events\n", dev.events);
}

module_init(mydev_init);
module_exit(mydev_exit);

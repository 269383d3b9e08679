#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/workqueue.h>
struct dev { struct mutex lock; struct work_struct work; int n; };
static int __init u_init(void) {
	struct dev *d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d) return -ENOMEM;
	memset(d, 0x5a, sizeof(*d));	/* garbage, as uninitialised memory holds */
	mutex_lock(&d->lock);		/* bug: no mutex_init() */
	d->n++;
	mutex_unlock(&d->lock);
	schedule_work(&d->work);	/* bug: no INIT_WORK(): its function is garbage */
	flush_work(&d->work);
	kfree(d);
	return 0;
}
module_init(u_init);

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/timer.h>
#include <linux/interrupt.h>
#include <linux/mempool.h>
#include <linux/sched.h>
MODULE_LICENSE("GPL");
static void *buf;
static mempool_t *pool;
static struct work_struct w;
static struct timer_list t;
static struct tasklet_struct tl;

static void work_fn(struct work_struct *work) { pr_info("work runs in %s\n", current->comm); }
static void timer_fn(struct timer_list *tm) { pr_info("timer fires, in_softirq=%d\n", in_softirq()); tasklet_schedule(&tl); }
static void tasklet_fn(struct tasklet_struct *x) { pr_info("tasklet runs\n"); }
long drv_fill(int n) { buf = kzalloc(n, GFP_KERNEL); return buf ? n : -ENOMEM; }
EXPORT_SYMBOL(drv_fill);
void *drv_buf(void) { return buf; }
EXPORT_SYMBOL(drv_buf);
int drv_sum(unsigned char *p, int n) { int s = 0; while (n--) s += *p++; return s; }
EXPORT_SYMBOL(drv_sum);
static int __init d_init(void) {
	void *e;
	INIT_WORK(&w, work_fn); schedule_work(&w);
	timer_setup(&t, timer_fn, 0); mod_timer(&t, jiffies + 2);
	tasklet_setup(&tl, tasklet_fn);
	pool = mempool_create_kmalloc_pool(2, 128);
	e = mempool_alloc(pool, GFP_KERNEL); mempool_free(e, pool);
	return 0;
}
static void __exit d_exit(void) { flush_work(&w); del_timer_sync(&t); kfree(buf); mempool_destroy(pool); mempool_destroy(NULL); }
module_init(d_init);
module_exit(d_exit);

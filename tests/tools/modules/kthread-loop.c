#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>
static struct task_struct *t;
static int ticks;
static int fn(void *d) { while (!kthread_should_stop()) { ticks++; msleep(100); } return ticks; }
static int __init l_init(void) { t = kthread_run(fn, NULL, "ticker"); return IS_ERR(t) ? PTR_ERR(t) : 0; }
static void __exit l_exit(void) { pr_info("ticker stopped after %d ticks: %d\n", ticks, kthread_stop(t)); }
module_init(l_init);
module_exit(l_exit);

/*
 * kthread-abba: two kernel threads take two mutexes in opposite orders.
 *
 * module_init starts "stats" (config_lock, then stats_lock) and "config"
 * (stats_lock, then config_lock). On one CPU with kmsim's own schedule,
 * each thread finishes before the other starts, so nothing hangs - but
 * lockdep sees both orders and reports "possible circular locking
 * dependency detected", naming the module's functions and lines.
 * `kmsim explore kthread-abba` then finds the schedule that really
 * deadlocks, and prints the token that replays it.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Two kthreads taking two mutexes in opposite orders (ABBA)");

static DEFINE_MUTEX(config_lock);
static DEFINE_MUTEX(stats_lock);
static struct task_struct *stats_task, *config_task;
static int config_value, stats_count;
/* A kthread returns only once kthread_stop() asks it to: its task_struct
 * is freed when it returns, and kthread_stop() of a freed task is a
 * use-after-free. */
static DECLARE_WAIT_QUEUE_HEAD(idle_wq);

static int stats_fn(void *data)
{
	mutex_lock(&config_lock);
	mutex_lock(&stats_lock);
	stats_count += config_value;
	mutex_unlock(&stats_lock);
	mutex_unlock(&config_lock);
	wait_event(idle_wq, kthread_should_stop());
	return 0;
}

static int config_fn(void *data)
{
	mutex_lock(&stats_lock);	/* bug: the other order */
	mutex_lock(&config_lock);
	config_value = stats_count + 1;
	mutex_unlock(&config_lock);
	mutex_unlock(&stats_lock);
	wait_event(idle_wq, kthread_should_stop());
	return 0;
}

static int __init abba_init(void)
{
	stats_task = kthread_run(stats_fn, NULL, "stats");
	if (IS_ERR(stats_task))
		return PTR_ERR(stats_task);
	config_task = kthread_run(config_fn, NULL, "config");
	if (IS_ERR(config_task)) {
		kthread_stop(stats_task);
		return PTR_ERR(config_task);
	}
	return 0;
}

static void __exit abba_exit(void)
{
	kthread_stop(config_task);
	kthread_stop(stats_task);
	pr_info("abba: stats %d, config %d\n", stats_count, config_value);
}

module_init(abba_init);
module_exit(abba_exit);

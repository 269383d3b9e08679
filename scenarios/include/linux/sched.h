/* linux/sched.h - kmsim's kernel headers: the task and the scheduler.
 *
 * struct task_struct here holds what module code reads of a task (its pid,
 * comm and flags); it is not the kernel's layout. current is the running
 * task. */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/types.h>

#define TASK_COMM_LEN 16

#define PF_MEMALLOC		0x00000800
#define PF_KTHREAD		0x00200000
#define PF_MEMALLOC_NOFS	0x00040000
#define PF_MEMALLOC_NOIO	0x00080000
#define PF_WQ_WORKER		0x00000020

struct task_struct {
	unsigned int flags;
	pid_t pid;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
};

struct task_struct *get_current(void);
#define current get_current()

void schedule(void);
int cond_resched(void);
int wake_up_process(struct task_struct *p);

#endif /* _LINUX_SCHED_H */

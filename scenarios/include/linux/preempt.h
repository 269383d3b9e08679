/* linux/preempt.h - kmsim's kernel headers: preemption and the context tests. */
#ifndef _LINUX_PREEMPT_H
#define _LINUX_PREEMPT_H

#include <linux/types.h>

void preempt_disable(void);
void preempt_enable(void);
int preempt_count(void);
bool in_interrupt(void);
bool in_atomic(void);
bool in_softirq(void);
bool in_serving_softirq(void);
bool in_task(void);
void might_sleep(void);

#endif /* _LINUX_PREEMPT_H */

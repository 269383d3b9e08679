/* linux/rcupdate.h - kmsim's kernel headers: RCU read-side critical sections (checked for sleeps). */
#ifndef _LINUX_RCUPDATE_H
#define _LINUX_RCUPDATE_H

void rcu_read_lock(void);
void rcu_read_unlock(void);

#endif /* _LINUX_RCUPDATE_H */

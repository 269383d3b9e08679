/* linux/bottom_half.h - kmsim's kernel headers: softirqs off and on, on this CPU. */
#ifndef _LINUX_BOTTOM_HALF_H
#define _LINUX_BOTTOM_HALF_H

void local_bh_disable(void);
void local_bh_enable(void);

#endif /* _LINUX_BOTTOM_HALF_H */

/* linux/delay.h - kmsim's kernel headers: busy-waits and sleeps.
 *
 * udelay(), ndelay() and mdelay() spin on the CPU for simulated time;
 * msleep() and usleep_range() sleep, and may only be called where sleeping
 * is allowed. */
#ifndef _LINUX_DELAY_H
#define _LINUX_DELAY_H

void udelay(unsigned long usecs);
void ndelay(unsigned long nsecs);
void mdelay(unsigned long msecs);
void msleep(unsigned int msecs);
void usleep_range(unsigned long min, unsigned long max);

#endif /* _LINUX_DELAY_H */

/* linux/jiffies.h - kmsim's kernel headers: jiffies and conversions.
 *
 * HZ is the simulated machine's (kmsim compiles the module with its
 * CONFIG_HZ). jiffies reads the simulated clock. */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <linux/types.h>

#ifndef CONFIG_HZ
#define CONFIG_HZ 1000
#endif
#define HZ CONFIG_HZ
#define MAX_JIFFY_OFFSET ((long)(~0UL >> 1) - 1)

u64 get_jiffies_64(void);
#define jiffies ((unsigned long)get_jiffies_64())

#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)

unsigned long msecs_to_jiffies(const unsigned int m);
unsigned long usecs_to_jiffies(const unsigned int u);
static inline unsigned int jiffies_to_msecs(const unsigned long j) { return (unsigned int)(j * (1000 / HZ)); }

#endif /* _LINUX_JIFFIES_H */

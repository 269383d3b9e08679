/* linux/irqflags.h - kmsim's kernel headers: interrupts off and on, on this CPU. */
#ifndef _LINUX_IRQFLAGS_H
#define _LINUX_IRQFLAGS_H

#include <linux/types.h>

void local_irq_disable(void);
void local_irq_enable(void);
unsigned long _local_irq_save(void);
#define local_irq_save(flags) do { (flags) = _local_irq_save(); } while (0)
void local_irq_restore(unsigned long flags);
bool irqs_disabled(void);

#endif /* _LINUX_IRQFLAGS_H */

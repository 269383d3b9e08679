/* linux/spinlock.h - kmsim's kernel headers: spinlocks, with the _irq, _irqsave and _bh forms. */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

#include <linux/lockdep_types.h>
#include <linux/types.h>

typedef struct spinlock {
	struct __kmsim_object __obj;
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(lockname) { __KMSIM_OBJECT(lockname) }
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

void __kmsim_lock_init(struct __kmsim_object *obj, const char *name, struct lock_class_key *key);
#define spin_lock_init(lock)						\
	do {								\
		static struct lock_class_key __key;			\
		__kmsim_lock_init(&(lock)->__obj, #lock, &__key);	\
	} while (0)

void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
int spin_trylock(spinlock_t *lock);
void spin_lock_irq(spinlock_t *lock);
void spin_unlock_irq(spinlock_t *lock);
unsigned long _spin_lock_irqsave(spinlock_t *lock);
#define spin_lock_irqsave(lock, flags) do { (flags) = _spin_lock_irqsave(lock); } while (0)
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
void spin_lock_bh(spinlock_t *lock);
void spin_unlock_bh(spinlock_t *lock);
void spin_lock_nested(spinlock_t *lock, int subclass);

#endif /* _LINUX_SPINLOCK_H */

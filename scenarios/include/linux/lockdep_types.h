/* linux/lockdep_types.h - kmsim's kernel headers: lock classes.
 *
 * Every lock below is kmsim's lock of its kind, made at its first use: the
 * C structure only names it. A lock defined with DEFINE_MUTEX() or
 * DEFINE_SPINLOCK() is a lockdep class of its own named after the variable,
 * as a static lock is; locks initialised at one mutex_init() or
 * spin_lock_init() share the class of that call, named after its argument
 * ("&dev->lock"). */
#ifndef _LINUX_LOCKDEP_TYPES_H
#define _LINUX_LOCKDEP_TYPES_H

struct lock_class_key {
	char __kmsim_unused;
};

/* What kmsim keeps in each lock, wait queue and completion. */
struct __kmsim_object {
	unsigned long id;		/* kmsim's object, from its first use; 0 before */
	const char *name;
	struct lock_class_key *key;	/* NULL: the lock is a class of its own */
};
#define __KMSIM_OBJECT(objname) { 0, #objname, (struct lock_class_key *)0 }

#endif /* _LINUX_LOCKDEP_TYPES_H */

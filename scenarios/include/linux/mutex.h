/* linux/mutex.h - kmsim's kernel headers: sleeping locks. */
#ifndef _LINUX_MUTEX_H
#define _LINUX_MUTEX_H

#include <linux/lockdep_types.h>
#include <linux/types.h>

struct mutex {
	struct __kmsim_object __obj;
};

#define __MUTEX_INITIALIZER(lockname) { __KMSIM_OBJECT(lockname) }
#define DEFINE_MUTEX(mutexname) struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

void __kmsim_lock_init(struct __kmsim_object *obj, const char *name, struct lock_class_key *key);
#define mutex_init(mutex)						\
	do {								\
		static struct lock_class_key __key;			\
		__kmsim_lock_init(&(mutex)->__obj, #mutex, &__key);	\
	} while (0)

void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
void mutex_lock_nested(struct mutex *lock, unsigned int subclass);
int mutex_lock_interruptible(struct mutex *lock);
static inline void mutex_destroy(struct mutex *lock) { (void)lock; }

#endif /* _LINUX_MUTEX_H */

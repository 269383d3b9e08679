/* linux/rwsem.h - kmsim's kernel headers: read-write semaphores. */
#ifndef _LINUX_RWSEM_H
#define _LINUX_RWSEM_H

#include <linux/lockdep_types.h>
#include <linux/types.h>

struct rw_semaphore {
	struct __kmsim_object __obj;
};

#define __RWSEM_INITIALIZER(name) { __KMSIM_OBJECT(name) }
#define DECLARE_RWSEM(name) struct rw_semaphore name = __RWSEM_INITIALIZER(name)

void __kmsim_lock_init(struct __kmsim_object *obj, const char *name, struct lock_class_key *key);
#define init_rwsem(sem)							\
	do {								\
		static struct lock_class_key __key;			\
		__kmsim_lock_init(&(sem)->__obj, #sem, &__key);		\
	} while (0)

void down_read(struct rw_semaphore *sem);
int down_read_trylock(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
int down_write_trylock(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
void downgrade_write(struct rw_semaphore *sem);
void down_write_nested(struct rw_semaphore *sem, int subclass);

#endif /* _LINUX_RWSEM_H */

/* linux/completion.h - kmsim's kernel headers: completions. */
#ifndef _LINUX_COMPLETION_H
#define _LINUX_COMPLETION_H

#include <linux/lockdep_types.h>
#include <linux/types.h>

struct completion {
	struct __kmsim_object __obj;
};

#define COMPLETION_INITIALIZER(work) { __KMSIM_OBJECT(work) }
#define DECLARE_COMPLETION(work) struct completion work = COMPLETION_INITIALIZER(work)

void __kmsim_object_init(struct __kmsim_object *obj, const char *name);
#define init_completion(x) __kmsim_object_init(&(x)->__obj, #x)
#define reinit_completion(x) __kmsim_object_init(&(x)->__obj, #x)

void complete(struct completion *x);
void complete_all(struct completion *x);
void wait_for_completion(struct completion *x);

#endif /* _LINUX_COMPLETION_H */

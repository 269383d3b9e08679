/* linux/bug.h - kmsim's kernel headers: BUG_ON, WARN_ON and friends.
 *
 * BUG() is the kernel's "kernel BUG at FILE:LINE!" Oops: the task dies (in an
 * interrupt, the machine panics). WARN_ON() prints a WARNING with the stack
 * and taints the kernel W, and goes on. */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/types.h>

void __noreturn __kmsim_bug(const char *file, int line);
/* The WARNING itself; the _ONCE forms keep their own flag at each site. */
void __kmsim_warn(const char *file, int line, int once, const char *fmt, ...) __printf(4, 5);

#define BUG() __kmsim_bug(__FILE__, __LINE__)
#define BUG_ON(condition) do { if (unlikely(condition)) BUG(); } while (0)

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__kmsim_warn(__FILE__, __LINE__, 0, NULL);		\
	unlikely(__ret_warn_on);					\
})
#define WARN(condition, format...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__kmsim_warn(__FILE__, __LINE__, 0, format);		\
	unlikely(__ret_warn_on);					\
})
#define WARN_ON_ONCE(condition) ({					\
	static bool __warned;						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on) && !__warned) {			\
		__warned = true;					\
		__kmsim_warn(__FILE__, __LINE__, 1, NULL);		\
	}								\
	unlikely(__ret_warn_on);					\
})
#define WARN_ONCE(condition, format...) ({				\
	static bool __warned;						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on) && !__warned) {			\
		__warned = true;					\
		__kmsim_warn(__FILE__, __LINE__, 1, format);		\
	}								\
	unlikely(__ret_warn_on);					\
})

#define BUILD_BUG_ON(condition) _Static_assert(!(condition), "BUILD_BUG_ON failed: " #condition)
#define BUILD_BUG() BUILD_BUG_ON(1)

#endif /* _LINUX_BUG_H */

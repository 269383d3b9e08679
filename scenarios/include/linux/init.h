/* linux/init.h - kmsim's kernel headers: __init, __exit, module_init, module_exit. */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#include <linux/compiler.h>

#define __init __cold
#define __exit __cold
#define __initdata
#define __exitdata
#define __initconst
#define __read_mostly

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

/* As a loadable module has them: insmod runs init_module, rmmod
 * cleanup_module. */
#define module_init(initfn)						\
	static inline initcall_t __maybe_unused __inittest(void)	\
	{ return initfn; }						\
	int init_module(void) __attribute__((__alias__(#initfn)))

#define module_exit(exitfn)						\
	static inline exitcall_t __maybe_unused __exittest(void)	\
	{ return exitfn; }						\
	void cleanup_module(void) __attribute__((__alias__(#exitfn)))

#endif /* _LINUX_INIT_H */

/* linux/atomic.h - kmsim's kernel headers: atomic_t and atomic64_t.
 *
 * Simulated CPUs never run module code at the same host instant, so these
 * are plain operations, in the kernel's names and with its return values. */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define ATOMIC_INIT(i) { (i) }
#define ATOMIC64_INIT(i) { (i) }

static inline int atomic_read(const atomic_t *v) { return READ_ONCE(v->counter); }
static inline void atomic_set(atomic_t *v, int i) { WRITE_ONCE(v->counter, i); }
static inline void atomic_add(int i, atomic_t *v) { v->counter += i; }
static inline void atomic_sub(int i, atomic_t *v) { v->counter -= i; }
static inline void atomic_inc(atomic_t *v) { v->counter++; }
static inline void atomic_dec(atomic_t *v) { v->counter--; }
static inline int atomic_add_return(int i, atomic_t *v) { return v->counter += i; }
static inline int atomic_sub_return(int i, atomic_t *v) { return v->counter -= i; }
static inline int atomic_inc_return(atomic_t *v) { return ++v->counter; }
static inline int atomic_dec_return(atomic_t *v) { return --v->counter; }
static inline bool atomic_dec_and_test(atomic_t *v) { return --v->counter == 0; }
static inline bool atomic_inc_and_test(atomic_t *v) { return ++v->counter == 0; }
static inline int atomic_xchg(atomic_t *v, int n) { int old = v->counter; v->counter = n; return old; }
static inline int atomic_cmpxchg(atomic_t *v, int old, int n)
{
	int cur = v->counter;

	if (cur == old)
		v->counter = n;
	return cur;
}

static inline long atomic64_read(const atomic64_t *v) { return READ_ONCE(v->counter); }
static inline void atomic64_set(atomic64_t *v, long i) { WRITE_ONCE(v->counter, i); }
static inline void atomic64_add(long i, atomic64_t *v) { v->counter += i; }
static inline void atomic64_inc(atomic64_t *v) { v->counter++; }
static inline void atomic64_dec(atomic64_t *v) { v->counter--; }
static inline long atomic64_inc_return(atomic64_t *v) { return ++v->counter; }
static inline long atomic64_dec_return(atomic64_t *v) { return --v->counter; }

#endif /* _LINUX_ATOMIC_H */

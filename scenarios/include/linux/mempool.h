/* linux/mempool.h - kmsim's kernel headers: memory pools, a reserve for forward progress.
 *
 * mempool_alloc() with a mask that may sleep never fails: when the
 * allocator cannot give an element and the reserve is empty, it waits for
 * mempool_free(). */
#ifndef _LINUX_MEMPOOL_H
#define _LINUX_MEMPOOL_H

#include <linux/gfp.h>
#include <linux/types.h>

struct kmem_cache;
typedef struct mempool_s mempool_t;

mempool_t *mempool_create_kmalloc_pool(int min_nr, size_t size);
mempool_t *mempool_create_slab_pool(int min_nr, struct kmem_cache *kc);
void *mempool_alloc(mempool_t *pool, gfp_t gfp_mask);
void mempool_free(void *element, mempool_t *pool);
/* Frees the reserve; NULL is a no-op. Every element must be back first. */
void mempool_destroy(mempool_t *pool);

#endif /* _LINUX_MEMPOOL_H */

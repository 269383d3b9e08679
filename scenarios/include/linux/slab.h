/* linux/slab.h - kmsim's kernel headers: the kmalloc family and slab caches.
 *
 * Every call goes to kmsim's SLUB model: the kmalloc-N caches, KASAN's
 * redzones past the requested size, kmemleak, GFP checks and reclaim. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/gfp.h>
#include <linux/types.h>

/* Cache flags. kmsim's bit values; the names are the kernel's. */
#define SLAB_CONSISTENCY_CHECKS	((slab_flags_t)(1u << 0))
#define SLAB_RED_ZONE		((slab_flags_t)(1u << 1))
#define SLAB_POISON		((slab_flags_t)(1u << 2))
#define SLAB_STORE_USER		((slab_flags_t)(1u << 3))
#define SLAB_HWCACHE_ALIGN	((slab_flags_t)(1u << 4))
#define SLAB_CACHE_DMA		((slab_flags_t)(1u << 5))
#define SLAB_CACHE_DMA32	((slab_flags_t)(1u << 6))
#define SLAB_RECLAIM_ACCOUNT	((slab_flags_t)(1u << 7))
#define SLAB_ACCOUNT		((slab_flags_t)(1u << 8))
#define SLAB_PANIC		((slab_flags_t)(1u << 10))

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#define KMALLOC_MAX_SIZE (1UL << 22)

struct kmem_cache;

void *kmalloc(size_t size, gfp_t flags) __attribute__((__alloc_size__(1))) __attribute__((__malloc__));
void *kzalloc(size_t size, gfp_t flags) __attribute__((__alloc_size__(1))) __attribute__((__malloc__));
void *kcalloc(size_t n, size_t size, gfp_t flags) __attribute__((__alloc_size__(1, 2))) __attribute__((__malloc__));
void *kmalloc_array(size_t n, size_t size, gfp_t flags) __attribute__((__alloc_size__(1, 2))) __attribute__((__malloc__));
void *krealloc(const void *p, size_t new_size, gfp_t flags) __attribute__((__alloc_size__(2)));
void *krealloc_array(void *p, size_t new_n, size_t new_size, gfp_t flags);
void kfree(const void *objp);
size_t ksize(const void *objp);
#define kmalloc_node(size, flags, node) kmalloc(size, flags)
#define kzalloc_node(size, flags, node) kzalloc(size, flags)

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags) __attribute__((__malloc__));
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags) __attribute__((__malloc__));
void kmem_cache_free(struct kmem_cache *s, void *objp);
void kmem_cache_destroy(struct kmem_cache *s);
#define KMEM_CACHE(__struct, __flags)					\
	kmem_cache_create(#__struct, sizeof(struct __struct), __alignof__(struct __struct), (__flags), NULL)

void *kvmalloc(size_t size, gfp_t flags);
void *kvzalloc(size_t size, gfp_t flags);
void *kvcalloc(size_t n, size_t size, gfp_t flags);
void *kvmalloc_array(size_t n, size_t size, gfp_t flags);
void *kvrealloc(const void *p, size_t size, gfp_t flags);
void kvfree(const void *addr);

#endif /* _LINUX_SLAB_H */

/* linux/gfp.h - kmsim's kernel headers: the page allocator's interface.
 *
 * A struct page * is an address in the vmemmap, as the kernel's is: pass it
 * to the functions here, do not dereference it (kmsim's struct page is not
 * the kernel's layout). */
#ifndef _LINUX_GFP_H
#define _LINUX_GFP_H

#include <linux/gfp_types.h>
#include <linux/types.h>

struct page;

static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags) { return !!(gfp_flags & __GFP_DIRECT_RECLAIM); }

struct page *alloc_pages(gfp_t gfp, unsigned int order);
#define alloc_page(gfp_mask) alloc_pages(gfp_mask, 0)
void __free_pages(struct page *page, unsigned int order);
#define __free_page(page) __free_pages((page), 0)
unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order);
#define __get_free_page(gfp_mask) __get_free_pages((gfp_mask), 0)
unsigned long get_zeroed_page(gfp_t gfp_mask);
void free_pages(unsigned long addr, unsigned int order);
#define free_page(addr) free_pages((addr), 0)
void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);
unsigned long nr_free_pages(void);

#endif /* _LINUX_GFP_H */

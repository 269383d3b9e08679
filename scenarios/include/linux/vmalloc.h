/* linux/vmalloc.h - kmsim's kernel headers: virtually contiguous memory. */
#ifndef _LINUX_VMALLOC_H
#define _LINUX_VMALLOC_H

#include <linux/types.h>

void *vmalloc(unsigned long size) __attribute__((__alloc_size__(1)));
void *vzalloc(unsigned long size) __attribute__((__alloc_size__(1)));
void vfree(const void *addr);
bool is_vmalloc_addr(const void *x);

#endif /* _LINUX_VMALLOC_H */

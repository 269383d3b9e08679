/* linux/sched/mm.h - kmsim's kernel headers: the memalloc_*_save() scopes.
 *
 * Inside a NOFS (NOIO) scope every allocation of the task behaves as if
 * __GFP_FS (__GFP_IO) were cleared; in a NORECLAIM scope the task is
 * PF_MEMALLOC. */
#ifndef _LINUX_SCHED_MM_H
#define _LINUX_SCHED_MM_H

#include <linux/gfp_types.h>
#include <linux/types.h>

unsigned int memalloc_nofs_save(void);
void memalloc_nofs_restore(unsigned int flags);
unsigned int memalloc_noio_save(void);
void memalloc_noio_restore(unsigned int flags);
unsigned int memalloc_noreclaim_save(void);
void memalloc_noreclaim_restore(unsigned int flags);
void might_alloc(gfp_t gfp_mask);
void fs_reclaim_acquire(gfp_t gfp_mask);
void fs_reclaim_release(gfp_t gfp_mask);

#endif /* _LINUX_SCHED_MM_H */

// arch/sched.h - the task flags of include/linux/sched.h (PF_*).
//
// Owns: the bit values of current->flags that kmsim uses. A context keeps its
// flags (context::task_flags()); what each bit means belongs to the code that
// sets and reads it: the allocation scopes and reclaim in mm/, the workqueue
// in arch/workqueue.h.
#pragma once

#include <cstdint>

namespace kmsim::arch {

inline constexpr std::uint32_t PF_WQ_WORKER = 0x00000020;      // a workqueue worker (kworker)
inline constexpr std::uint32_t PF_MEMALLOC = 0x00000800;       // in reclaim: may use every reserve, never reclaims
inline constexpr std::uint32_t PF_KSWAPD = 0x00020000;         // kswapd
inline constexpr std::uint32_t PF_MEMALLOC_NOFS = 0x00040000;  // memalloc_nofs_save() scope
inline constexpr std::uint32_t PF_MEMALLOC_NOIO = 0x00080000;  // memalloc_noio_save() scope
inline constexpr std::uint32_t PF_MEMALLOC_PIN = 0x10000000;   // memalloc_pin_save() scope

}  // namespace kmsim::arch

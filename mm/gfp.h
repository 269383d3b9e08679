// mm/gfp.h - GFP flags: the kernel's bits, composites, zone selection, scoped masking, %pGg.
//
// Owns: the meaning of a gfp_mask as Linux 6.15 defines it (include/linux/gfp_types.h,
// gfp.h, trace/events/mmflags.h, sched/mm.h), for a kernel configured with lockdep and
// SLAB_OBJ_EXT and without KASAN_HW_TAGS - so __GFP_NOLOCKDEP is 0x1000000 and
// __GFP_NO_OBJ_EXT 0x2000000.
// Naming: C++ reserves identifiers with "__", so the single bits are gfp::DMA,
// gfp::IO, ... (the kernel's __GFP_DMA, __GFP_IO); the composites keep their kernel
// names (GFP_KERNEL). Text - parsing and printing - always uses the kernel spelling.
#pragma once

#include "arch/sched.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmsim::mm {

using gfp_t = std::uint32_t;

namespace gfp {
inline constexpr gfp_t DMA = 0x1;                   // __GFP_DMA: ZONE_DMA only
inline constexpr gfp_t HIGHMEM = 0x2;               // __GFP_HIGHMEM
inline constexpr gfp_t DMA32 = 0x4;                 // __GFP_DMA32: ZONE_DMA32 or lower
inline constexpr gfp_t MOVABLE = 0x8;               // __GFP_MOVABLE
inline constexpr gfp_t RECLAIMABLE = 0x10;          // __GFP_RECLAIMABLE
inline constexpr gfp_t HIGH = 0x20;                 // __GFP_HIGH: may use part of the min reserve
inline constexpr gfp_t IO = 0x40;                   // __GFP_IO: may start physical I/O
inline constexpr gfp_t FS = 0x80;                   // __GFP_FS: may call into a filesystem
inline constexpr gfp_t ZERO = 0x100;                // __GFP_ZERO
// 0x200 was __GFP_ATOMIC until 6.3; unused since.
inline constexpr gfp_t DIRECT_RECLAIM = 0x400;      // __GFP_DIRECT_RECLAIM: the caller may sleep
inline constexpr gfp_t KSWAPD_RECLAIM = 0x800;      // __GFP_KSWAPD_RECLAIM: wake kswapd at low
inline constexpr gfp_t WRITE = 0x1000;              // __GFP_WRITE
inline constexpr gfp_t NOWARN = 0x2000;             // __GFP_NOWARN
inline constexpr gfp_t RETRY_MAYFAIL = 0x4000;      // __GFP_RETRY_MAYFAIL
inline constexpr gfp_t NOFAIL = 0x8000;             // __GFP_NOFAIL
inline constexpr gfp_t NORETRY = 0x10000;           // __GFP_NORETRY
inline constexpr gfp_t MEMALLOC = 0x20000;          // __GFP_MEMALLOC: ignore watermarks
inline constexpr gfp_t COMP = 0x40000;              // __GFP_COMP
inline constexpr gfp_t NOMEMALLOC = 0x80000;        // __GFP_NOMEMALLOC
inline constexpr gfp_t HARDWALL = 0x100000;         // __GFP_HARDWALL
inline constexpr gfp_t THISNODE = 0x200000;         // __GFP_THISNODE
inline constexpr gfp_t ACCOUNT = 0x400000;          // __GFP_ACCOUNT
inline constexpr gfp_t ZEROTAGS = 0x800000;         // __GFP_ZEROTAGS
inline constexpr gfp_t NOLOCKDEP = 0x1000000;       // __GFP_NOLOCKDEP (CONFIG_LOCKDEP)
inline constexpr gfp_t NO_OBJ_EXT = 0x2000000;      // __GFP_NO_OBJ_EXT (CONFIG_SLAB_OBJ_EXT)
inline constexpr gfp_t RECLAIM = DIRECT_RECLAIM | KSWAPD_RECLAIM;  // __GFP_RECLAIM
inline constexpr gfp_t BITS_MASK = 0x3ffffff;       // __GFP_BITS_MASK
inline constexpr gfp_t ZONEMASK = DMA | HIGHMEM | DMA32 | MOVABLE;
}  // namespace gfp

inline constexpr gfp_t GFP_ATOMIC = gfp::HIGH | gfp::KSWAPD_RECLAIM;
inline constexpr gfp_t GFP_KERNEL = gfp::RECLAIM | gfp::IO | gfp::FS;
inline constexpr gfp_t GFP_KERNEL_ACCOUNT = GFP_KERNEL | gfp::ACCOUNT;
inline constexpr gfp_t GFP_NOWAIT = gfp::KSWAPD_RECLAIM;
inline constexpr gfp_t GFP_NOIO = gfp::RECLAIM;
inline constexpr gfp_t GFP_NOFS = gfp::RECLAIM | gfp::IO;
inline constexpr gfp_t GFP_USER = gfp::RECLAIM | gfp::IO | gfp::FS | gfp::HARDWALL;
inline constexpr gfp_t GFP_DMA = gfp::DMA;
inline constexpr gfp_t GFP_DMA32 = gfp::DMA32;
inline constexpr gfp_t GFP_HIGHUSER = GFP_USER | gfp::HIGHMEM;
inline constexpr gfp_t GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | gfp::MOVABLE;
inline constexpr gfp_t GFP_TRANSHUGE_LIGHT =
    (GFP_HIGHUSER_MOVABLE | gfp::COMP | gfp::NOMEMALLOC | gfp::NOWARN) & ~gfp::RECLAIM;
inline constexpr gfp_t GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | gfp::DIRECT_RECLAIM;

// Zone indexes of kmsim's x86-64 node (no ZONE_HIGHMEM; ZONE_MOVABLE and
// ZONE_DEVICE are not configured).
enum zone_type : int { ZONE_DMA = 0, ZONE_DMA32 = 1, ZONE_NORMAL = 2, MAX_NR_ZONES = 3 };
const char* zone_name(int zone_idx);  // "DMA", "DMA32", "Normal"

// gfpflags_allow_blocking(): THE definition of "may sleep".
constexpr bool gfpflags_allow_blocking(gfp_t g) { return g & gfp::DIRECT_RECLAIM; }

// gfp_zone(): the highest zone the mask may use. An invalid combination (two
// of DMA, HIGHMEM, DMA32) behaves as without CONFIG_DEBUG_VM: ZONE_DMA.
struct gfp_zone_result {
    int zone;
    bool invalid;
};
gfp_zone_result gfp_zone_checked(gfp_t g);
inline int gfp_zone(gfp_t g) { return gfp_zone_checked(g).zone; }

// gfp_migratetype(): the page block type a mask asks for: 0 unmovable,
// 1 movable, 2 reclaimable.
constexpr int gfp_migratetype(gfp_t g) { return static_cast<int>((g & (gfp::MOVABLE | gfp::RECLAIMABLE)) >> 3); }

// Task flags that shape allocations (include/linux/sched.h).
using arch::PF_KSWAPD;
using arch::PF_MEMALLOC;
using arch::PF_MEMALLOC_NOFS;
using arch::PF_MEMALLOC_NOIO;
using arch::PF_MEMALLOC_PIN;

// current_gfp_context(): the scoped NOIO/NOFS constraints of the task.
constexpr gfp_t current_gfp_context(gfp_t g, std::uint32_t task_flags)
{
    if (task_flags & PF_MEMALLOC_NOIO)
        g &= ~(gfp::IO | gfp::FS);
    else if (task_flags & PF_MEMALLOC_NOFS)
        g &= ~gfp::FS;
    if (task_flags & PF_MEMALLOC_PIN)
        g &= ~gfp::MOVABLE;
    return g;
}

// %pGg: "GFP_KERNEL|__GFP_ZERO"; "" for 0; unknown bits as "%#x".
std::string format_gfp(gfp_t g);
// "%#x(%pGg)": "0xcc0(GFP_KERNEL)".
std::string format_gfp_mode(gfp_t g);

// Every name the kernel has for a mask or a bit, for parsers and suggestions.
struct gfp_name {
    const char* name;
    gfp_t mask;
};
const std::vector<gfp_name>& gfp_names();
std::optional<gfp_t> gfp_by_name(std::string_view name);
// The known name closest to NAME (for "did you mean"), or "" if none is close.
std::string nearest_gfp_name(std::string_view name);

// Parses "GFP_NOFS|__GFP_ZERO", "GFP_KERNEL & ~__GFP_FS", "0xcc0", "3264".
struct gfp_parse_result {
    std::optional<gfp_t> mask;
    std::string error;   // empty on success
    std::size_t column = 0;  // 0-based position of the error
};
gfp_parse_result parse_gfp(std::string_view text);

}  // namespace kmsim::mm

namespace kmsim::mm {
// What `kmsim gfp` prints: the mask, its %pGg spelling, and what it allows
// (zone, sleeping, I/O, filesystem, reserves, kswapd, OOM killer).
std::string explain_gfp(gfp_t g);
}  // namespace kmsim::mm

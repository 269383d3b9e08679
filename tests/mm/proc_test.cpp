// tests/mm/proc_test.cpp - /proc views in the kernel's formats.
#include "harness.h"

#include "mm/proc.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

using namespace kmsim;
using namespace kmsim::test;

TEST_CASE("/proc/buddyinfo lists populated zones with nr_free per order", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    CHECK(mm::proc_buddyinfo(n) ==
          "Node 0, zone      DMA      2      2      2      2      2      1      1      0      1      1      3 \n"
          "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0     12 \n");
}

TEST_CASE("/proc/zoneinfo: watermarks, spans and protection; empty zones stop early", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    mm::vm_counters v;
    std::string z = mm::proc_zoneinfo(n, v);
    CHECK(z.rfind("Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 0\n", 0) == 0);
    // THP's min_free_kbytes (3180) sets the watermarks.
    CHECK(z.find("\n  pages free     3998\n        boost    0\n        min      195\n        low      243\n"
                 "        high     291\n        promo    339\n        spanned  4095\n        present  3998\n"
                 "        managed  3998\n        cma      0\n        protection: (0, 48, 48)\n"
                 "      nr_free_pages 3998\n") != std::string::npos);
    CHECK(z.find("\n  node_unreclaimable:  0\n  start_pfn:           1\n") != std::string::npos);
    CHECK(z.find("Node 0, zone    DMA32\n  pages free     12288\n") != std::string::npos);
    // Normal is empty: header, numbers through protection, then nothing.
    CHECK(z.size() > 0);
    std::string tail = z.substr(z.find("Node 0, zone   Normal"));
    CHECK(tail ==
          "Node 0, zone   Normal\n  pages free     0\n        boost    0\n        min      0\n        low      0\n"
          "        high     0\n        promo    0\n        spanned  0\n        present  0\n        managed  0\n"
          "        cma      0\n        protection: (0, 0, 0)\n");
}

TEST_CASE("/proc/meminfo: every line of a Debian kernel, in its order and widths", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    mm::vm_counters v;
    std::string mi = mm::proc_meminfo(n, v);
    CHECK(mi.rfind("MemTotal:          65144 kB\nMemFree:           65144 kB\n", 0) == 0);
    // MemAvailable = free - totalreserve; totalreserve = (291 + 48) + (897 + 0) pages
    // (the watermarks of THP's min_free_kbytes, 3180)
    CHECK(mi.find("MemAvailable:      60200 kB\n") != std::string::npos);
    CHECK(mi.find("SUnreclaim:            0 kB\n") != std::string::npos);
    // The lines a real 6.1 kernel prints (x86-64, no CMA, no 1G pages), and
    // 6.15's Unaccepted and Balloon, in the kernel's order.
    const std::vector<std::string> keys = {
        "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive",
        "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked", "SwapTotal",
        "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem", "KReclaimable", "Slab",
        "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
        "WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed", "VmallocChunk", "Percpu",
        "HardwareCorrupted", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped",
        "Unaccepted", "Balloon", "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp",
        "Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M"};
    std::vector<std::string> got;
    for (std::size_t pos = 0; pos < mi.size(); pos = mi.find('\n', pos) + 1)
        got.push_back(mi.substr(pos, mi.find(':', pos) - pos));
    CHECK(got == keys);
    // The widths of the lines not printed by show_val_kb(), and constants.
    CHECK(mi.find("\nHardwareCorrupted:     0 kB\n") != std::string::npos);
    CHECK(mi.find("\nHugePages_Total:       0\nHugePages_Free:        0\n") != std::string::npos);
    CHECK(mi.find("\nHugepagesize:       2048 kB\n") != std::string::npos);
    CHECK(mi.find("\nVmallocTotal:   34359738367 kB\n") != std::string::npos);
    CHECK(mi.find("\nCommitLimit:       32572 kB\n") != std::string::npos);  // half of MemTotal, no swap
    // The direct map covers what is present: pfn 1-511 less the legacy hole in 4K pages.
    CHECK(mi.find("\nDirectMap4k:        1656 kB\nDirectMap2M:       63488 kB\n") != std::string::npos);
}

TEST_CASE("/proc/vmstat: every key of a Debian 6.1 kernel in its order, 6.15's additions, nr_unstable last",
          "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(64 * MiB));
    mm::vm_counters v;
    v[mm::PGALLOC_DMA32] = 7;
    std::string s = mm::proc_vmstat(n, v);
    CHECK(s.rfind("nr_free_pages 16286\nnr_zone_inactive_anon 0\n", 0) == 0);
    CHECK(s.find("\npgalloc_dma32 7\n") != std::string::npos);
    CHECK(s.find("\nallocstall_normal 0\n") != std::string::npos);
    CHECK(s.substr(s.size() - 14) == "nr_unstable 0\n");
    // The 173 keys of the 6.1.192 oracle, each once, in order.
    std::istringstream want_text(
        "nr_free_pages nr_zone_inactive_anon nr_zone_active_anon nr_zone_inactive_file nr_zone_active_file "
        "nr_zone_unevictable nr_zone_write_pending nr_mlock nr_bounce nr_zspages nr_free_cma numa_hit numa_miss "
        "numa_foreign numa_interleave numa_local numa_other nr_inactive_anon nr_active_anon nr_inactive_file "
        "nr_active_file nr_unevictable nr_slab_reclaimable nr_slab_unreclaimable nr_isolated_anon "
        "nr_isolated_file workingset_nodes workingset_refault_anon workingset_refault_file "
        "workingset_activate_anon workingset_activate_file workingset_restore_anon workingset_restore_file "
        "workingset_nodereclaim nr_anon_pages nr_mapped nr_file_pages nr_dirty nr_writeback nr_writeback_temp "
        "nr_shmem nr_shmem_hugepages nr_shmem_pmdmapped nr_file_hugepages nr_file_pmdmapped "
        "nr_anon_transparent_hugepages nr_vmscan_write nr_vmscan_immediate_reclaim nr_dirtied nr_written "
        "nr_throttled_written nr_kernel_misc_reclaimable nr_foll_pin_acquired nr_foll_pin_released "
        "nr_kernel_stack nr_page_table_pages nr_sec_page_table_pages nr_swapcached pgpromote_success "
        "pgpromote_candidate nr_dirty_threshold nr_dirty_background_threshold pgpgin pgpgout pswpin pswpout "
        "pgalloc_dma pgalloc_dma32 pgalloc_normal pgalloc_movable pgalloc_device allocstall_dma "
        "allocstall_dma32 allocstall_normal allocstall_movable allocstall_device pgskip_dma pgskip_dma32 "
        "pgskip_normal pgskip_movable pgskip_device pgfree pgactivate pgdeactivate pglazyfree pgfault "
        "pgmajfault pglazyfreed pgrefill pgreuse pgsteal_kswapd pgsteal_direct pgdemote_kswapd pgdemote_direct "
        "pgscan_kswapd pgscan_direct pgscan_direct_throttle pgscan_anon pgscan_file pgsteal_anon pgsteal_file "
        "zone_reclaim_failed pginodesteal slabs_scanned kswapd_inodesteal kswapd_low_wmark_hit_quickly "
        "kswapd_high_wmark_hit_quickly pageoutrun pgrotated drop_pagecache drop_slab oom_kill numa_pte_updates "
        "numa_huge_pte_updates numa_hint_faults numa_hint_faults_local numa_pages_migrated pgmigrate_success "
        "pgmigrate_fail thp_migration_success thp_migration_fail thp_migration_split compact_migrate_scanned "
        "compact_free_scanned compact_isolated compact_stall compact_fail compact_success compact_daemon_wake "
        "compact_daemon_migrate_scanned compact_daemon_free_scanned htlb_buddy_alloc_success "
        "htlb_buddy_alloc_fail unevictable_pgs_culled unevictable_pgs_scanned unevictable_pgs_rescued "
        "unevictable_pgs_mlocked unevictable_pgs_munlocked unevictable_pgs_cleared unevictable_pgs_stranded "
        "thp_fault_alloc thp_fault_fallback thp_fault_fallback_charge thp_collapse_alloc "
        "thp_collapse_alloc_failed thp_file_alloc thp_file_fallback thp_file_fallback_charge thp_file_mapped "
        "thp_split_page thp_split_page_failed thp_deferred_split_page thp_split_pmd thp_scan_exceed_none_pte "
        "thp_scan_exceed_swap_pte thp_scan_exceed_share_pte thp_split_pud thp_zero_page_alloc "
        "thp_zero_page_alloc_failed thp_swpout thp_swpout_fallback balloon_inflate balloon_deflate "
        "balloon_migrate swap_ra swap_ra_hit ksm_swpin_copy cow_ksm zswpin zswpout direct_map_level2_splits "
        "direct_map_level3_splits nr_unstable");
    std::vector<std::string> keys, want;
    for (std::string k; want_text >> k;)
        want.push_back(k);
    REQUIRE(want.size() == 173);
    for (std::size_t pos = 0; pos < s.size(); pos = s.find('\n', pos) + 1)
        keys.push_back(s.substr(pos, s.find(' ', pos) - pos));
    std::size_t at = 0;
    for (const std::string& k : want) {
        INFO(k);
        const auto it = std::find(keys.begin() + static_cast<std::ptrdiff_t>(at), keys.end(), k);
        REQUIRE(it != keys.end());
        at = static_cast<std::size_t>(it - keys.begin()) + 1;
    }
    CHECK(keys.size() == 183);  // and ten of 6.15's
    // The dirty thresholds: 20% and 10% of (free - reserves + file LRU + 1).
    const std::uint64_t dirtyable = 16286 - n.totalreserve_pages() + 1;
    CHECK(s.find(fmt::format("\nnr_dirty_threshold {}\nnr_dirty_background_threshold {}\n", 819 * dirtyable / 4096,
                             409 * dirtyable / 4096)) != std::string::npos);
}

TEST_CASE("/proc/zoneinfo: pagesets with the kernel's batch and high, node_unreclaimable from kswapd", "[mm][proc]")
{
    mm::node n(mm_fixture::with_memory(1 * GiB));
    mm::vm_counters v;
    const std::string z = mm::proc_zoneinfo(n, v, mm::zoneinfo_extra{2, true});
    // DMA32 (258048 pages): batch min(252, 256) / 4 = 63 -> 63 + 31 = 94 -> 64 - 1;
    // high: low 13865 / 2 CPUs = 6932; threshold 2 * fls(2 CPUs) * (1 + fls(258048 >> 15)) = 16.
    // DMA: batch 1, high its low 213 / 2 = 106.
    const std::string dma32 = z.substr(z.find("Node 0, zone    DMA32"));
    CHECK(dma32.find("\n  pagesets\n    cpu: 0\n              count: 0\n              high:  6932\n"
                     "              batch: 63\n  vm stats threshold: 16\n    cpu: 1\n") != std::string::npos);
    CHECK(z.find("\n              high:  106\n              batch: 1\n") != std::string::npos);
    CHECK(dma32.find("\n  node_unreclaimable:  1\n  start_pfn:           4096\n") != std::string::npos);
    CHECK(z.find("\n      nr_free_pages_blocks") == std::string::npos);
    CHECK(z.find("\n      numa_hit     0\n      numa_miss    0\n") != std::string::npos);
}

// mm/proc.h - the /proc views of memory, in the kernel's exact formats.
//
// Owns: the text of /proc/buddyinfo (frag_show_print), /proc/zoneinfo
// (zoneinfo_show_print), /proc/meminfo (meminfo_proc_show) and /proc/vmstat
// (vmstat_text): every key a Debian 6.1 kernel prints on x86-64 (CONFIG_NUMA,
// no CMA, no 1 GiB direct-map pages), in its order, with the keys 6.15 adds
// (Balloon, nr_hugetlb, the khugepaged reclaim counters, ...) where 6.15
// prints them. A key kmsim does not model prints what such a kernel would:
// 0, or its constant (VmallocTotal, Hugepagesize). kmsim has no per-CPU page
// lists: zoneinfo's "pagesets" show count 0 with the batch and high the
// kernel would compute.
#pragma once

#include "mm/node.h"
#include "mm/vmstat.h"

#include <string>
#include <utility>
#include <vector>

namespace kmsim::mm {

// One line of /proc/meminfo: its name ("MemFree") and value (kB, or a
// count for the HugePages_ lines), and how the kernel prints it.
struct meminfo_line {
    enum style : std::uint8_t {
        kb,       // show_val_kb(): "Name:" padded to 16, the value to 8, " kB"
        kb5,      // "HardwareCorrupted: %5lu kB"
        count5,   // "HugePages_Total:   %5lu": padded to 19, the value to 5
    };
    const char* name;
    std::uint64_t value;
    style how = kb;
};
// Every line, in the kernel's order (meminfo_proc_show).
// VMALLOC_PAGES: vmalloc_nr_pages(), for VmallocUsed.
std::vector<meminfo_line> meminfo(const node& n, const vm_counters& v, std::uint64_t vmalloc_pages = 0);

// What zoneinfo needs besides the node and its counters.
struct zoneinfo_extra {
    int nr_cpus = 1;                  // pagesets are per CPU
    bool node_unreclaimable = false;  // kswapd gave up on the node
};

// One line of /proc/vmstat.
struct vmstat_line {
    const char* name;
    std::uint64_t value;
};
// Every line, in the kernel's order (vmstat_text, then "nr_unstable").
std::vector<vmstat_line> vmstat(const node& n, const vm_counters& v);

std::string proc_buddyinfo(const node& n);
std::string proc_zoneinfo(const node& n, const vm_counters& v, zoneinfo_extra extra = {});
std::string proc_meminfo(const node& n, const vm_counters& v, std::uint64_t vmalloc_pages = 0);
std::string proc_vmstat(const node& n, const vm_counters& v);
// global_dirty_limits(), in pages: the background and the dirty threshold.
std::pair<std::uint64_t, std::uint64_t> global_dirty_limits(const node& n, const vm_counters& v);
// si_mem_available(), in pages.
std::uint64_t si_mem_available(const node& n, const vm_counters& v);

}  // namespace kmsim::mm

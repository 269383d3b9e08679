// mm/proc.h - the /proc views of memory, in the kernel's exact formats.
//
// Owns: the text of /proc/buddyinfo (frag_show_print), /proc/zoneinfo
// (zoneinfo_show_print), /proc/meminfo (the lines kmsim has numbers for) and
// /proc/vmstat (the counters kmsim keeps, in vmstat_text order).
// kmsim has no per-CPU page lists, so zoneinfo has no "pagesets" section.
#pragma once

#include "mm/node.h"
#include "mm/vmstat.h"

#include <string>
#include <vector>

namespace kmsim::mm {

// One line of /proc/meminfo: its name ("MemFree") and value in kB.
struct meminfo_line {
    const char* name;
    std::uint64_t kb;
};
// The lines kmsim has numbers for, in the kernel's order (meminfo_proc_show).
std::vector<meminfo_line> meminfo(const node& n, const vm_counters& v);

std::string proc_buddyinfo(const node& n);
std::string proc_zoneinfo(const node& n, const vm_counters& v);
std::string proc_meminfo(const node& n, const vm_counters& v);
std::string proc_vmstat(const node& n, const vm_counters& v);
// si_mem_available(), in pages.
std::uint64_t si_mem_available(const node& n, const vm_counters& v);

}  // namespace kmsim::mm

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

namespace kmsim::mm {

std::string proc_buddyinfo(const node& n);
std::string proc_zoneinfo(const node& n, const vm_counters& v);
std::string proc_meminfo(const node& n, const vm_counters& v);
std::string proc_vmstat(const node& n, const vm_counters& v);
// si_mem_available(), in pages.
std::uint64_t si_mem_available(const node& n, const vm_counters& v);

}  // namespace kmsim::mm

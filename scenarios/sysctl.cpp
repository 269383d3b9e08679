// scenarios/sysctl.cpp - the table of sysctls.
#include "scenarios/sysctl.h"

namespace kmsim::scenarios {

const std::vector<sysctl_entry>& sysctls()
{
    using v = std::span<const std::uint64_t>;
    static const std::vector<sysctl_entry> table = {
        // proc_dointvec_minmax, >= 0
        {"vm.min_free_kbytes", 0, INT32_MAX, 1, [](mm::memory_config& c, v x) { c.node.min_free_kbytes = x[0]; }},
        // SYSCTL_ONE .. SYSCTL_THREE_THOUSAND
        {"vm.watermark_scale_factor", 1, 3000, 1,
         [](mm::memory_config& c, v x) { c.node.watermark_scale_factor = static_cast<std::uint32_t>(x[0]); }},
        // one int per zone: DMA DMA32 Normal
        {"vm.lowmem_reserve_ratio", 0, INT32_MAX, 3,
         [](mm::memory_config& c, v x) {
             for (std::size_t i = 0; i < 3; ++i)
                 c.node.lowmem_reserve_ratio[i] = static_cast<std::uint32_t>(x[i]);
         }},
        // SYSCTL_ZERO .. SYSCTL_TWO
        {"vm.panic_on_oom", 0, 2, 1, nullptr,
         [](arch::machine&, mm::kernel_memory& mem, v x) { mem.reclaim().panic_on_oom = x[0] != 0; }},
        // proc_dointvec: any int; it picks current as the victim, which here is
        // always a kernel thread (no mm): accepted, and it changes nothing.
        {"vm.oom_kill_allocating_task", 0, INT32_MAX, 1, nullptr, nullptr},
        // LONG_MAX / HZ
        {"kernel.hung_task_timeout_secs", 0, INT64_MAX / 1000, 1, nullptr,
         [](arch::machine& m, mm::kernel_memory&, v x) { m.set_hung_task_timeout(x[0]); }},
    };
    return table;
}

const sysctl_entry* find_sysctl(std::string_view name)
{
    for (const auto& s : sysctls())
        if (s.name == name)
            return &s;
    return nullptr;
}

}  // namespace kmsim::scenarios

// arch/traps.cpp - the Oops and the page-fault Oops.
#include "arch/traps.h"

#include "arch/machine.h"
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::arch {

void die(machine& m, const std::string& first, const std::string& detail)
{
    context& c = m.current();
    std::string text = first + "\n" + detail;
    text += m.dump_stack(c);
    text += "---[ end trace 0000000000000000 ]---\n";
    m.add_report(report_kind::bug, first, text, log_level::alert);
    m.add_taint(taint::die);
    if (c.is_irq())
        m.panic("Fatal exception in interrupt");  // never returns to this context
    throw task_killed{};
}

void page_fault_oops(machine& m, std::uint64_t addr, bool write, fault_kind kind)
{
    const char* what = kind == fault_kind::null_pointer ? "kernel NULL pointer dereference, address"
                                                        : "unable to handle page fault for address";
    const int error_code = write ? 2 : 0;  // X86_PF_WRITE; never X86_PF_PROT: the page is not present
    die(m, fmt::format("BUG: {}: {:016x}", what, addr),
        fmt::format("#PF: supervisor {} access in kernel mode\n#PF: error_code(0x{:04x}) - not-present page\n"
                    "Oops: {:04x} [#1] PREEMPT SMP NOPTI\n",
                    write ? "write" : "read", error_code, error_code));
}

}  // namespace kmsim::arch

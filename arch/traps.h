// arch/traps.h - die(): the Oops that ends a task whose kernel code faulted.
//
// Owns: the x86 Oops as arch/x86/kernel/dumpstack.c (die) and
// arch/x86/mm/fault.c (page_fault_oops) print it - the first line, the #PF
// lines, "Oops: ... [#1] PREEMPT SMP NOPTI", the stack and the end marker -
// the D taint, and what follows: in an interrupt the machine panics ("Fatal
// exception in interrupt"); in a task, the task dies (make_task_dead).
// A dying task's code must not go on, so die() throws task_killed through
// its stack; the front end that started the body catches it there. Every
// front end (language, C modules) raises faults through these.
#pragma once

#include <cstdint>
#include <string>

namespace kmsim::arch {

class machine;

// Thrown through the stack of a task that died in an Oops. Not an error of
// kmsim's: the simulated kernel's answer to a fault.
struct task_killed {};

// die(): reports FIRST (the report's title) with DETAIL lines after it, then
// kills the running task, or panics in an interrupt. Never returns.
[[noreturn]] void die(machine& m, const std::string& first, const std::string& detail);

// What a page fault in kernel mode hit: a NULL pointer (an address in the
// first page) or an address nothing maps.
enum class fault_kind { null_pointer, unmapped };

// page_fault_oops(): "BUG: kernel NULL pointer dereference, address: ..." or
// "BUG: unable to handle page fault for address: ...", the #PF lines, die().
[[noreturn]] void page_fault_oops(machine& m, std::uint64_t addr, bool write, fault_kind kind);

}  // namespace kmsim::arch

// arch/preempt.h - the preempt_count layout of include/linux/preempt.h.
//
// Owns: the bit fields and the predicates derived from them. The count lives
// per CPU (as x86 keeps it) and is saved into the task on a context switch.
//   PREEMPT  0x000000ff  preempt_disable(), spin_lock()
//   SOFTIRQ  0x0000ff00  serving softirq (0x100), local_bh_disable (0x200)
//   HARDIRQ  0x000f0000  irq_enter()
//   NMI      0x00f00000  nmi_enter()
#pragma once

#include <cstdint>

namespace kmsim::arch {

inline constexpr std::uint32_t PREEMPT_MASK = 0x000000ff;
inline constexpr std::uint32_t SOFTIRQ_MASK = 0x0000ff00;
inline constexpr std::uint32_t HARDIRQ_MASK = 0x000f0000;
inline constexpr std::uint32_t NMI_MASK = 0x00f00000;

inline constexpr std::uint32_t PREEMPT_OFFSET = 0x1;
inline constexpr std::uint32_t SOFTIRQ_OFFSET = 0x100;
inline constexpr std::uint32_t SOFTIRQ_DISABLE_OFFSET = 0x200;
inline constexpr std::uint32_t HARDIRQ_OFFSET = 0x10000;
inline constexpr std::uint32_t NMI_OFFSET = 0x100000;

constexpr bool in_nmi(std::uint32_t pc) { return pc & NMI_MASK; }
constexpr bool in_hardirq(std::uint32_t pc) { return pc & HARDIRQ_MASK; }
constexpr bool in_serving_softirq(std::uint32_t pc) { return pc & SOFTIRQ_OFFSET; }
constexpr bool in_interrupt(std::uint32_t pc) { return pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK); }
constexpr bool in_task(std::uint32_t pc) { return !(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)); }
constexpr bool in_atomic(std::uint32_t pc) { return pc != 0; }

// x86 EFLAGS as local_irq_save() returns them: IF (0x200) set when enabled.
inline constexpr unsigned long X86_EFLAGS_IF = 0x200;
inline constexpr unsigned long FLAGS_IRQS_ON = 0x246;
inline constexpr unsigned long FLAGS_IRQS_OFF = 0x046;

}  // namespace kmsim::arch

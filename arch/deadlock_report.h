// arch/deadlock_report.h - the report kmsim prints when the engine finds a deadlock.
//
// Owns: the text of "INFO: deadlock detected" - its title per kind (self,
// lock_cycle, no_progress), each waiting context with what it holds, where
// it waits and who could end the wait, the cycle as one chain through every
// context's calls, and a departed IRQ handler named as the holder nothing
// will release. The format is kmsim's, modelled on lockdep's
// "possible circular locking dependency" report. Built from the engine's
// deadlock_info and the contexts it names; the machine logs it.
#pragma once

#include "arch/kernel_log.h"
#include "sim/engine.h"

namespace kmsim::arch {

// D's report, raised at NOW. The actors in D are the machine's contexts.
report deadlock_report(const sim::deadlock_info& d, sim::time_point now);

}  // namespace kmsim::arch

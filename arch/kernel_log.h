// arch/kernel_log.h - the simulated kernel's log (dmesg) and its reports as values.
//
// Owns: every line the simulated kernel prints, with its time, level and the
// context and CPU that printed it; and every report (BUG, WARNING, deadlock,
// allocation failure...) as a structured value the rest of kmsim and the
// tests can assert on. Rate limiting is the printer's business, not the log's.
// Invariant: lines are appended in nondecreasing time; each report's lines are
// also in lines(), contiguous.
#pragma once

#include "sim/time.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kmsim::arch {

// printk levels (KERN_EMERG "0" .. KERN_DEBUG "7").
enum class log_level { emerg, alert, crit, err, warning, notice, info, debug };
const char* to_string(log_level l);

struct log_line {
    sim::time_point when{};
    log_level level = log_level::info;
    std::string text;     // without the timestamp
    std::string context;  // kmsim context that printed it ("" for the machine)
    int cpu = -1;
    bool in_report = false;  // part of a report's text (kept by `kmsim run -q`)
    std::string format() const;  // "[    0.002000] text"
};

enum class report_kind {
    might_sleep, atomic_sleep, alloc_failure, oom, lockdep, deadlock,
    hung_task, kasan, slab, warning, bug, panic,
};
const char* to_string(report_kind k);

struct report {
    report_kind kind = report_kind::bug;
    std::string title;    // the line `expect report` matches, e.g. "BUG: scheduling while atomic: ..."
    std::string context;  // kmsim context that raised it
    int cpu = -1;
    sim::time_point when{};
    std::string text;     // every line, '\n'-separated
};

class kernel_log {
public:
    // Appends TEXT, split at '\n' (a trailing newline ends the last line).
    void printk(sim::time_point when, log_level level, std::string_view text,
                std::string_view context = {}, int cpu = -1, bool in_report = false);
    // Prints the report's text at LEVEL and records it.
    void add_report(report r, log_level level = log_level::err);

    const std::vector<log_line>& lines() const { return lines_; }
    const std::vector<report>& reports() const { return reports_; }
    // Every line formatted as dmesg prints it, each ending in '\n'.
    std::string dmesg() const;

    // Called for each new line (tools/ prints them as they come).
    std::function<void(const log_line&)> sink;

private:
    std::vector<log_line> lines_;
    std::vector<report> reports_;
};

}  // namespace kmsim::arch

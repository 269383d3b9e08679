// arch/kernel_log.h - the simulated kernel's log (dmesg) and its reports as values.
//
// Owns: every line the simulated kernel prints, with its time, level and the
// context and CPU that printed it, and every report (BUG, WARNING, deadlock,
// allocation failure...) as a structured value the rest of kmsim and the
// tests can assert on. Rate limits of the kernel's own (might_sleep,
// warn_alloc) are the printer's business, not the log's.
//
// Memory stays bounded however long a run prints:
//   - lines stream out through `sink` as they are printed; the log keeps only
//     the last log_buf_len bytes (the kernel's __log_buf with
//     CONFIG_LOG_BUF_SHIFT=20), which dmesg() returns;
//   - the first reports_kept_per_kind reports of each kind are printed and
//     kept in full, for the summary, the JSON and tests; later ones of that
//     kind are counted and not printed, as printk's ratelimit counts
//     "callbacks suppressed". The report_raised tracepoint sees every
//     report all the same, so expectations judge all of them.
// Invariant: lines are appended in nondecreasing time; each kept report's
// lines were printed contiguously.
#pragma once

#include "arch/tracepoint.h"
#include "sim/time.h"

#include <array>
#include <cstdint>
#include <deque>
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
    hung_task, kasan, slab, warning, bug, panic, kmemleak,
};
inline constexpr std::size_t nr_report_kinds = static_cast<std::size_t>(report_kind::kmemleak) + 1;
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
    static constexpr std::size_t log_buf_len = 1u << 20;
    static constexpr std::size_t reports_kept_per_kind = 100;

    // Appends TEXT, split at '\n' (a trailing newline ends the last line).
    void printk(sim::time_point when, log_level level, std::string_view text,
                std::string_view context = {}, int cpu = -1, bool in_report = false);
    // Records R; prints its text at LEVEL unless its kind is over the limit.
    void add_report(report r, log_level level = log_level::err);
    // Records R without printing it: its raiser prints it in its own form
    // (kmemleak groups its findings). Past the limit it is only counted.
    void record_report(report r);

    // The reports kept in full, in the order they were raised.
    const std::vector<report>& reports() const { return reports_; }
    // Whether the next report of kind K would be kept in full.
    bool keeps(report_kind k) const { return kept_[static_cast<std::size_t>(k)] < reports_kept_per_kind; }
    // Reports of kind K raised but not printed (over the limit).
    std::uint64_t suppressed(report_kind k) const { return suppressed_[static_cast<std::size_t>(k)]; }
    std::uint64_t suppressed_total() const;
    // At the end of a run, one line per kind with suppressed reports, as
    // ___ratelimit() prints them: "kasan_report: 1992124 callbacks suppressed".
    void print_suppressed(sim::time_point when);

    // The lines still in the log buffer, formatted as dmesg prints them,
    // each ending in '\n'.
    std::string dmesg() const;

    // Called for each new line (tools/ prints them as they come).
    std::function<void(const log_line&)> sink;
    // Where every report is announced, printed or suppressed, before it is
    // kept (the machine's report_raised tracepoint).
    void set_report_tracepoint(const tracepoint<const report&>* tp) { report_raised_ = tp; }

private:
    const tracepoint<const report&>* report_raised_ = nullptr;
    std::deque<log_line> buf_;
    std::size_t buf_bytes_ = 0;
    std::vector<report> reports_;
    std::array<std::uint64_t, nr_report_kinds> kept_{};
    std::array<std::uint64_t, nr_report_kinds> suppressed_{};
};

}  // namespace kmsim::arch

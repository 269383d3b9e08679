// arch/kernel_log.cpp - dmesg lines, the log buffer and reports.
#include "arch/kernel_log.h"

#include <fmt/format.h>

namespace kmsim::arch {

const char* to_string(log_level l)
{
    static const char* names[] = {"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"};
    return names[static_cast<int>(l)];
}

const char* to_string(report_kind k)
{
    switch (k) {
    case report_kind::might_sleep: return "might_sleep";
    case report_kind::atomic_sleep: return "atomic_sleep";
    case report_kind::alloc_failure: return "alloc_failure";
    case report_kind::oom: return "oom";
    case report_kind::lockdep: return "lockdep";
    case report_kind::deadlock: return "deadlock";
    case report_kind::hung_task: return "hung_task";
    case report_kind::kasan: return "kasan";
    case report_kind::slab: return "slab";
    case report_kind::warning: return "warning";
    case report_kind::bug: return "bug";
    case report_kind::panic: return "panic";
    case report_kind::kmemleak: return "kmemleak";
    }
    return "?";
}

std::string log_line::format() const { return sim::dmesg_timestamp(when) + text; }

void kernel_log::printk(sim::time_point when, log_level level, std::string_view text, std::string_view context, int cpu,
                        bool in_report)
{
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    std::size_t start = 0;
    for (;;) {
        std::size_t nl = text.find('\n', start);
        std::string_view piece = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        buf_.push_back(log_line{when, level, std::string(piece), std::string(context), cpu, in_report});
        if (sink)
            sink(buf_.back());
        // The ring buffer: the oldest records make room for new ones.
        buf_bytes_ += sizeof(log_line) + buf_.back().text.size();
        while (buf_bytes_ > log_buf_len && buf_.size() > 1) {
            buf_bytes_ -= sizeof(log_line) + buf_.front().text.size();
            buf_.pop_front();
        }
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
}

void kernel_log::add_report(report r, log_level level)
{
    if (report_raised_)
        (*report_raised_)(r);
    const auto k = static_cast<std::size_t>(r.kind);
    if (kept_[k] == reports_kept_per_kind) {
        if (suppressed_[k]++ == 0)
            printk(r.when, log_level::info,
                   fmt::format("kmsim: {} {} reports so far; further ones are counted, not printed", kept_[k],
                               to_string(r.kind)),
                   r.context, r.cpu, true);
        return;
    }
    ++kept_[k];
    printk(r.when, level, r.text, r.context, r.cpu, true);
    reports_.push_back(std::move(r));
}

void kernel_log::record_report(report r)
{
    if (report_raised_)
        (*report_raised_)(r);
    const auto k = static_cast<std::size_t>(r.kind);
    if (kept_[k] == reports_kept_per_kind) {
        ++suppressed_[k];
        return;
    }
    ++kept_[k];
    reports_.push_back(std::move(r));
}

std::uint64_t kernel_log::suppressed_total() const
{
    std::uint64_t n = 0;
    for (std::uint64_t s : suppressed_)
        n += s;
    return n;
}

// The kernel function that prints each kind, for ___ratelimit()'s
// "FUNC: N callbacks suppressed".
static const char* printer_of(report_kind k)
{
    switch (k) {
    case report_kind::might_sleep: return "__might_resched";
    case report_kind::atomic_sleep: return "__schedule_bug";
    case report_kind::alloc_failure: return "warn_alloc";
    case report_kind::oom: return "out_of_memory";
    case report_kind::lockdep: return "lockdep";
    case report_kind::deadlock: return "kmsim_deadlock";
    case report_kind::hung_task: return "check_hung_task";
    case report_kind::kasan: return "kasan_report";
    case report_kind::slab: return "slab_bug";
    case report_kind::warning: return "__warn";
    case report_kind::bug: return "die";
    case report_kind::panic: return "panic";
    case report_kind::kmemleak: return "kmemleak_scan";
    }
    return "?";
}

void kernel_log::print_suppressed(sim::time_point when)
{
    for (std::size_t k = 0; k < nr_report_kinds; ++k)
        if (suppressed_[k])
            printk(when, log_level::warning,
                   fmt::format("{}: {} callbacks suppressed", printer_of(static_cast<report_kind>(k)), suppressed_[k]),
                   {}, -1, true);
}

std::string kernel_log::dmesg() const
{
    std::string out;
    for (const auto& l : buf_) {
        out += l.format();
        out += '\n';
    }
    return out;
}

}  // namespace kmsim::arch

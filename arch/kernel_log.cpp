// arch/kernel_log.cpp - dmesg lines and reports.
#include "arch/kernel_log.h"

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
        lines_.push_back(log_line{when, level, std::string(piece), std::string(context), cpu, in_report});
        if (sink)
            sink(lines_.back());
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
}

void kernel_log::add_report(report r, log_level level)
{
    printk(r.when, level, r.text, r.context, r.cpu, true);
    reports_.push_back(std::move(r));
}

std::string kernel_log::dmesg() const
{
    std::string out;
    for (const auto& l : lines_) {
        out += l.format();
        out += '\n';
    }
    return out;
}

}  // namespace kmsim::arch

// scenarios/runner.cpp - `kmsim run`: build a scenario's world, run it, judge it, render it.
#include "scenarios/runner.h"

#include "scenarios/chrome_trace.h"
#include "scenarios/ftrace.h"
#include "scenarios/html.h"
#include "scenarios/run.h"
#include "scenarios/summary.h"
#include "scenarios/world.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace kmsim::scenarios {

namespace {

bool is_alarm(const arch::log_line& l)
{
    return l.in_report && (l.text.rfind("BUG", 0) == 0 || l.text.rfind("WARNING", 0) == 0 ||
                           l.text.rfind("INFO:", 0) == 0 || l.text.rfind("Kernel panic", 0) == 0 ||
                           l.text.find("page allocation failure") != std::string::npos);
}

// Who a -v line is about: the CPU, the kind of context and the context
// ("[CPU0 task worker/100]", "[CPU1 hardirq eth0]"), and the body it runs
// when that is not its own ("[CPU1 task kswapd0/60 (shrinker dm_bufio)]").
std::string context_tag(const arch::context& ctx)
{
    std::string tag = fmt::format("[CPU{} {} ", ctx.on_cpu() ? ctx.on_cpu()->id() : -1,
                                  ctx.is_irq() ? "hardirq" : "task");
    tag += ctx.is_irq() ? ctx.name() : fmt::format("{}/{}", ctx.name(), ctx.pid());
    if (!ctx.frames().empty()) {
        const std::string_view body = caller_of(ctx).function;
        if (body != ctx.name())
            tag += fmt::format(" ({})", body);
    }
    return tag + "]";
}

// The renderers that print as the run goes: the kernel log, and with -v a
// line per kernel call and kswapd's passes.
void attach_live_output(world& w, const run_options& opts, std::ostream& out)
{
    w.m.log().sink = [&out, quiet = opts.level == verbosity::quiet, color = opts.color](const arch::log_line& l) {
        if (quiet && !l.in_report)
            return;
        if (color && is_alarm(l))
            out << ansi::red << l.format() << ansi::reset << '\n';
        else
            out << l.format() << '\n';
    };
    if (opts.level != verbosity::verbose)
        return;
    w.api.call_done.attach([&w, &out](const call_record& c) {
        const arch::context& ctx = w.m.current();
        out << sim::dmesg_timestamp(w.m.now()) << context_tag(ctx) << ' ' << call_text(c) << '\n';
    });
    auto kswapd_line = [&w, &out](const std::string& text) {
        out << sim::dmesg_timestamp(w.m.now()) << context_tag(w.m.current()) << ' ' << text << '\n';
    };
    w.m.trace().mm_vmscan_kswapd_wake.attach([kswapd_line](int zid, unsigned order) {
        kswapd_line(fmt::format("kswapd0: woken, order {}, highest zone {}", order, mm::zone_name(zid)));
    });
    w.m.trace().kswapd_pass_done.attach([kswapd_line](std::uint64_t total, bool balanced, bool gave_up) {
        kswapd_line(
            fmt::format("kswapd0: reclaimed {} pages, {}", total, balanced ? "balanced" : "nothing more to reclaim"));
        if (gave_up)
            kswapd_line(fmt::format("kswapd0: {} runs in a row reclaimed nothing: the node is all_unreclaimable, "
                                    "kswapd sleeps until reclaim makes progress",
                                    mm::MAX_RECLAIM_RETRIES));
    });
}

}  // namespace

namespace {

// An output file given on the command line (--ftrace, --trace, --html,
// --json): opened before the run, so that one that cannot be written is
// found now, and written after it.
class output_file {
public:
    output_file(const std::string& option, const std::string& path) : option_(option), path_(path)
    {
        if (path.empty() || path == "-")
            return;
        f_.open(path, std::ios::out | std::ios::trunc);
        if (!f_)
            throw output_error(fmt::format("{} {}: cannot write it: {}", option, path, std::strerror(errno)));
    }
    std::ostream& stream() { return f_; }
    void close()
    {
        f_.flush();
        if (!f_)
            throw output_error(fmt::format("{} {}: write failed: {}", option_, path_, std::strerror(errno)));
        f_.close();
    }

private:
    std::string option_, path_;
    std::ofstream f_;
};

}  // namespace

run_report run_scenario(const scenario& sc, const run_options& opts, std::ostream& out)
{
    output_file ftrace_file("--ftrace", opts.ftrace_path), trace_file("--trace", opts.trace_path),
        html_file("--html", opts.html_path), json_file("--json", opts.json_path);

    build_options b;
    b.seed = opts.seed ? *opts.seed : sc.seed ? *sc.seed : 1;
    b.version = opts.version;
    b.diag = opts.diag;
    b.chooser = opts.chooser;
    std::unique_ptr<ftrace_buffer> ftrace;
    std::unique_ptr<timeline_recorder> timeline;
    b.attach = [&](world& w) {
        attach_live_output(w, opts, out);
        if (!opts.ftrace_path.empty())
            ftrace = std::make_unique<ftrace_buffer>(w);
        if (!opts.trace_path.empty() || !opts.html_path.empty())
            timeline = std::make_unique<timeline_recorder>(w);
        if (opts.prepare)
            opts.prepare(w);
    };
    const std::unique_ptr<world> w = build_world(sc, b);

    sim::run_limits limits;
    if (opts.until_ns)
        limits.until = sim::at_ns(*opts.until_ns);
    limits.max_steps = opts.max_steps;
    const scenario_run run = run_world(*w, limits);

    run_report rep;
    rep.outcome = run.outcome();
    rep.expectations = judge(sc, run);
    rep.exit_code = exit_code(run, rep.expectations);

    print_summary(out, *w, run, rep.expectations, summary_style{opts.color, opts.show});
    if (ftrace) {
        ftrace_file.stream() << ftrace->text();
        ftrace_file.close();
    }
    if (timeline) {
        timeline->finish();
        if (!opts.trace_path.empty()) {
            write_chrome_trace(trace_file.stream(), timeline->get(), sc.title);
            trace_file.close();
        }
        if (!opts.html_path.empty()) {
            std::ostringstream summary;
            print_summary(summary, *w, run, rep.expectations, summary_style{false, {}});
            write_html(html_file.stream(), timeline->get(), html_page{sc.title, summary.str()});
            html_file.close();
        }
    }
    if (!opts.json_path.empty()) {
        std::ostream& json_out =
            opts.json_path == "-" ? (opts.json_stream ? *opts.json_stream : out) : json_file.stream();
        write_json_summary(json_out, *w, run, rep.expectations, opts.version);
        if (opts.json_path != "-")
            json_file.close();
    }
    return rep;
}

}  // namespace kmsim::scenarios

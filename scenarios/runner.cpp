// scenarios/runner.cpp - `kmsim run`: build a scenario's world, run it, judge it, render it.
#include "scenarios/runner.h"

#include "mm/alloc_explain.h"
#include "scenarios/chrome_trace.h"
#include "scenarios/ftrace.h"
#include "scenarios/html.h"
#include "scenarios/live_log.h"
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
    std::unique_ptr<live_log> live;
    std::unique_ptr<mm::alloc_explain> explain;
    if (opts.explain != explain_level::none)
        explain = std::make_unique<mm::alloc_explain>();
    std::unique_ptr<ftrace_buffer> ftrace;
    std::unique_ptr<timeline_recorder> timeline;
    b.attach = [&](world& w) {
        live = std::make_unique<live_log>(w, out,
                                          live_log_options{opts.level == verbosity::quiet,
                                                           opts.level == verbosity::verbose, opts.color, explain.get(),
                                                           opts.explain == explain_level::all});
        w.mem.set_explain(explain.get());
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
    live->finish();

    run_report rep;
    rep.outcome = run.outcome();
    rep.expectations = judge(sc, run);
    rep.exit_code = exit_code(run, rep.expectations);
    rep.compiler_warnings = w->module_warnings;

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

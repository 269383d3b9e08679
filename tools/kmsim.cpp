// tools/kmsim.cpp - the kmsim command line (docs/scenario-language.md).
//
// Owns: option parsing (CLI11), where output goes, and exit statuses:
// 0 success (every expectation held), 1 an expectation failed, 2 a malformed
// scenario or a bad command line, 3 an internal error.
#include "mm/gfp.h"
#include "mm/kernel_memory.h"
#include "scenarios/bundled.h"
#include "scenarios/explore.h"
#include "scenarios/limits.h"
#include "scenarios/parser.h"
#include "scenarios/runner.h"
#include "scenarios/world.h"
#include "sim/error.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace {

using namespace kmsim;

// kmsim's own diagnostics (not the simulated kernel log) go to standard
// error at LEVEL: --log-level, else KMSIM_LOG, else warnings only. None is
// made when nothing would print, so a run pays nothing for them.
sim::diagnostics make_diagnostics(std::string level)
{
    if (level.empty())
        if (const char* env = std::getenv("KMSIM_LOG"))
            level = env;
    if (level.empty())
        level = "warn";
    static constexpr const char* names[] = {"off", "error", "warn", "info", "debug", "trace"};
    if (std::find(std::begin(names), std::end(names), level) == std::end(names))
        throw std::invalid_argument(fmt::format("log level '{}': not one of off, error, warn, info, debug, trace", level));
    const auto l = spdlog::level::from_str(level);
    if (l >= spdlog::level::warn)  // kmsim has no warnings of its own yet
        return {};
    auto logger = std::make_shared<spdlog::logger>("kmsim", std::make_shared<spdlog::sinks::stderr_sink_st>());
    logger->set_pattern("kmsim: %l: %v");
    logger->set_level(l);
    return sim::diagnostics(std::move(logger));
}

// A path to a .kms file, or the name of a bundled scenario. Only a regular
// file is read, and only up to scenarios::max_file_bytes: a directory, a
// device or a huge file is refused before anything is parsed. A bundled
// scenario is found by name when no regular file has that name.
// A C module run directly (`kmsim run FILE.c`): a scenario that loads it,
// on MACHINE ("cpus=2 memory=64M"; the scenario default without one), and
// expects what insmod and rmmod of a good module give.
scenarios::scenario module_scenario(const std::string& file, const std::string& machine)
{
    namespace fs = std::filesystem;
    const std::string base = fs::path(file).filename().string();
    std::string text = fmt::format("scenario \"module {}: insmod, then rmmod\"\n", base);
    if (!machine.empty())
        text += "machine " + machine + "\n";
    text += fmt::format("module \"{}\"\nexpect completed\nexpect no report\nexpect no leaks\n", base);
    return scenarios::parse_scenario(text, file);
}

bool ends_with(const std::string& s, std::string_view end)
{
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

scenarios::scenario load(const std::string& arg, const std::string& machine = "")
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (fs::is_regular_file(st) && ends_with(arg, ".c"))
        return module_scenario(arg, machine);
    if (!machine.empty())
        throw std::invalid_argument("--machine is for a C module run directly (FILE.c); a scenario has its own "
                                    "machine line");
    if (fs::is_regular_file(st)) {
        std::ifstream f(arg, std::ios::binary);
        if (!f)
            throw std::invalid_argument(fmt::format("{}: cannot read it: {}", arg, std::strerror(errno)));
        std::string text(scenarios::max_file_bytes + 1, '\0');
        f.read(text.data(), static_cast<std::streamsize>(text.size()));
        if (f.bad())
            throw std::invalid_argument(fmt::format("{}: cannot read it: {}", arg, std::strerror(errno)));
        text.resize(static_cast<std::size_t>(f.gcount()));
        if (text.size() > scenarios::max_file_bytes)
            throw std::invalid_argument(fmt::format("{}: the file is larger than {} MiB, the most a scenario may be",
                                                    arg, scenarios::max_file_bytes >> 20));
        return scenarios::parse_scenario(text, arg);
    }
    if (const auto* b = scenarios::find_bundled(arg))
        return scenarios::parse_scenario(b->source, std::string(b->name) + ".kms");
    if (const auto* b = scenarios::find_bundled_module(ends_with(arg, ".c") ? arg.substr(0, arg.size() - 2) : arg))
        return module_scenario(std::string(b->name) + ".c", machine);
    if (fs::is_directory(st))
        throw std::invalid_argument(fmt::format("{}: is a directory, not a scenario file", arg));
    if (fs::exists(st))
        throw std::invalid_argument(fmt::format("{}: not a regular file (kmsim reads scenarios from files)", arg));
    throw std::invalid_argument(fmt::format("{}: no such file, and no bundled scenario of that name (see kmsim list)", arg));
}

// A number for --seed or --budget: decimal digits, with a K, M or G suffix
// (a thousand, a million, a billion) where ALLOW_SUFFIX; never negative,
// never wrapped.
std::uint64_t parse_count(const std::string& option, const std::string& text, bool allow_suffix)
{
    std::uint64_t v = 0;
    std::size_t i = 0;
    bool overflow = false;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
        const unsigned d = static_cast<unsigned>(text[i] - '0');
        overflow |= v > (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    std::uint64_t mult = 1;
    if (allow_suffix && i > 0 && i + 1 == text.size()) {
        mult = text[i] == 'K' ? 1000 : text[i] == 'M' ? 1000000 : text[i] == 'G' ? 1000000000 : 0;
        if (mult)
            ++i;
    }
    if (i == 0 || i != text.size() || mult == 0)
        throw std::invalid_argument(fmt::format("{} {}: expected a whole number from 0 to {}{}", option, text, UINT64_MAX,
                                                allow_suffix ? " (a K, M or G suffix multiplies by a thousand, a "
                                                               "million, a billion)"
                                                             : ""));
    if (overflow || v > UINT64_MAX / mult)
        throw std::invalid_argument(fmt::format("{} {}: larger than {}", option, text, UINT64_MAX));
    return v * mult;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"kmsim - a simulator of the Linux kernel's memory allocation, GFP semantics and execution contexts",
                 "kmsim"};
    app.set_version_flag("--version", std::string("kmsim ") + KMSIM_VERSION);
    app.require_subcommand(0, 1);

    std::string scenario_arg, until, color = "auto", show, json, seed, budget, log_level;
    bool verbose = false, quiet = false;
    CLI::App* run = app.add_subcommand("run", "Simulate a scenario and print the kernel log, reports and a summary");
    run->add_option("SCENARIO", scenario_arg, "A .kms file, a kernel module's .c file, or a bundled name")->required();
    std::string machine;
    run->add_option("--machine", machine, "The machine for a module run directly: \"cpus=N memory=SIZE\"");
    run->add_option("--seed", seed, "Seed of every random choice (default: the scenario's, else 1)");
    run->add_option("--until", until, "Stop at this simulated time (default: when every thread is done, or 600s)");
    run->add_option("--budget", budget,
                    fmt::format("Stop after this many steps, kernel events and scenario statements (default {}M): a "
                                "run that loops forever ends with outcome stopped",
                                sim::default_max_steps / 1000000));
    run->add_flag("-v,--verbose", verbose, "Log every kernel call with its result, CPU and context");
    run->add_flag("-q,--quiet", quiet, "Print only reports and the summary");
    run->add_option("--color", color, "Colour: auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
    run->add_option("--show", show,
                    fmt::format("Print kernel views at the end (/proc files; kmemleak: /sys/kernel/debug/kmemleak): {}",
                                fmt::join(mm::proc_views, ",")));
    run->add_option("--json", json, "Write the JSON summary to FILE (- for standard output)");
    std::string ftrace_path;
    run->add_option("--ftrace", ftrace_path,
                    "Write the run as /sys/kernel/tracing/trace would show it: kmem, irq, sched and vmscan events");
    std::string explain;
    run->add_flag("--explain{some}", explain,
                  "After each allocation that left the fast path, say why it went the way it did: zones and "
                  "watermarks, reserves, kswapd, direct reclaim, retries, OOM (--explain=all: every allocation)");
    std::string trace_path, html_path;
    run->add_option("--trace", trace_path,
                    "Write the run as Chrome trace-event JSON (open it in ui.perfetto.dev or chrome://tracing): a "
                    "track per CPU, the kernel calls and waits of each context, free pages per zone");
    run->add_option("--html", html_path,
                    "Write one self-contained HTML page: a timeline per CPU, free pages per zone with the "
                    "watermarks, the reports and the summary");
    run->add_option("--log-level", log_level,
                    "kmsim's own diagnostics on standard error: off, info, debug or trace (default: KMSIM_LOG, else "
                    "off)");
    std::string schedule_token;
    run->add_option("--schedule", schedule_token,
                    "Replay the schedule kmsim explore printed (its seed, preemptions, picks and injected faults)");

    std::string explore_arg, runs = "1000", strategy = "pct", depth = "3", faults, explore_seed = "1", explore_json;
    bool keep_going = false;
    CLI::App* explore_cmd = app.add_subcommand(
        "explore", "Run a scenario under many legal schedules and injected faults; print a failing run, shrunk");
    explore_cmd->add_option("SCENARIO", explore_arg, "A .kms file, a kernel module's .c file, or a bundled name");
    std::string explore_machine;
    explore_cmd->add_option("--machine", explore_machine, "The machine for a module explored directly");
    explore_cmd->add_option("--runs", runs, "How many runs (default 1000)");
    explore_cmd->add_option("--strategy", strategy, "pct (default) or random")
        ->check(CLI::IsMember({"pct", "random"}));
    explore_cmd->add_option("--depth", depth, "Deviations per run: PCT's depth D, D-1 change points (default 3)");
    explore_cmd->add_option("--faults", faults, "Fault kinds to inject: alloc, reclaim, or all (default none)");
    explore_cmd->add_option("--seed", explore_seed, "Seed of the schedules (default 1)");
    explore_cmd->add_flag("--keep-going", keep_going, "Go on after the first failure; collect up to 10 distinct ones");
    explore_cmd->add_option("--json", explore_json, "Write the results as JSON to FILE (- for standard output)");
    std::string jobs = "1", time_limit, shard, shard_count;
    explore_cmd->add_option("--jobs", jobs, "Worker threads (default 1); the result does not depend on them");
    explore_cmd->add_option("--time-limit", time_limit, "Stop starting runs after this long (wall clock: 30s, 5000ms)");
    explore_cmd->add_option("--shard", shard,
                            "Run only the run indices equal to I modulo N (I/N); default: from SLURM_ARRAY_TASK_ID "
                            "and SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX with --shard-count");
    explore_cmd->add_option("--shard-count", shard_count, "N for JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)");
    std::vector<std::string> merge_files;
    explore_cmd->add_option("--merge", merge_files, "Merge the JSON results of shards into one summary")
        ->expected(1, -1);

    std::vector<std::string> check_args;
    CLI::App* check = app.add_subcommand("check", "Parse and validate scenarios; simulate nothing");
    check->add_option("SCENARIO", check_args, "Scenario files or bundled names")->required();

    app.add_subcommand("list", "List the bundled scenarios and modules: name and title");

    std::string show_name;
    CLI::App* show_cmd = app.add_subcommand("show", "Print a bundled scenario's or module's source");
    show_cmd->add_option("NAME", show_name, "A bundled scenario")->required();

    std::string gfp_expr;
    CLI::App* gfp_cmd = app.add_subcommand(
        "gfp", "Decode GFP flags given as names (\"GFP_NOFS|__GFP_ZERO\") or a number (0xcc0)");
    gfp_cmd->add_option("EXPR", gfp_expr, "GFP flags: names joined with |, & and ~, or a number")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    try {
        if (run->parsed()) {
            scenarios::run_options o;
            o.diag = make_diagnostics(log_level);
            o.version = KMSIM_VERSION;
            if (!seed.empty())
                o.seed = parse_count("--seed", seed, false);
            if (!until.empty()) {
                sim::duration d{};
                if (auto e = sim::parse_duration(until, d))
                    throw std::invalid_argument("--until " + *e);
                o.until_ns = sim::to_ns(d);
            }
            if (!budget.empty()) {
                o.max_steps = parse_count("--budget", budget, true);
                if (o.max_steps == 0)
                    throw std::invalid_argument("--budget 0: a run needs at least one step");
            }
            if (verbose && quiet) {
                std::cerr << "kmsim run: -v and -q cannot be used together\n";
                return 2;
            }
            o.level = verbose ? scenarios::verbosity::verbose : quiet ? scenarios::verbosity::quiet
                                                                      : scenarios::verbosity::normal;
            o.color = color == "always" || (color == "auto" && ::isatty(1));
            std::stringstream views(show);
            for (std::string v; std::getline(views, v, ',');) {
                if (std::find_if(std::begin(mm::proc_views), std::end(mm::proc_views),
                                 [&](const char* p) { return v == p; }) == std::end(mm::proc_views)) {
                    std::cerr << fmt::format("kmsim run: --show {}: unknown view ({})\n", v,
                                             fmt::join(mm::proc_views, ", "));
                    return 2;
                }
                o.show.push_back(v);
            }
            o.json_path = json;
            o.ftrace_path = ftrace_path;
            o.trace_path = trace_path;
            if (explain == "some" || explain == "all")
                o.explain = explain == "all" ? scenarios::explain_level::all : scenarios::explain_level::slow;
            else if (!explain.empty()) {
                std::cerr << fmt::format("kmsim run: --explain={}: the value may only be all\n", explain);
                return 2;
            }
            o.html_path = html_path;
            const scenarios::scenario sc = load(scenario_arg, machine);
            std::optional<scenarios::schedule_chooser> replay;
            if (!schedule_token.empty()) {
                std::string why;
                auto s = scenarios::decode(schedule_token, &why);
                if (!s) {
                    std::cerr << "kmsim run: --schedule: " << why << "\n";
                    return 2;
                }
                if (!seed.empty() && *o.seed != s->seed) {
                    std::cerr << "kmsim run: --seed and --schedule disagree: the schedule's seed is " << s->seed
                              << "\n";
                    return 2;
                }
                o.seed = s->seed;
                replay.emplace(std::move(*s));
                o.chooser = &*replay;
                o.prepare = [&replay](scenarios::world& w) { scenarios::attach_schedule(w, *replay); };
            }
            // --json -: only the JSON on standard output, the log on standard error.
            o.json_stream = &std::cout;
            std::ostream& log = json == "-" ? std::cerr : std::cout;
            scenarios::run_report r = scenarios::run_scenario(sc, o, log);
            std::cout.flush();
            std::cerr << r.compiler_warnings;
            if (!std::cout) {
                std::cerr << "kmsim: cannot write standard output: " << std::strerror(errno) << "\n";
                return 2;
            }
            return r.exit_code;
        }
        if (explore_cmd->parsed() && !merge_files.empty()) {
            std::vector<std::string> texts;
            for (const std::string& f : merge_files) {
                std::ifstream in(f);
                if (!in)
                    throw std::invalid_argument(fmt::format("--merge {}: cannot read it", f));
                texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            }
            std::string why;
            const auto merged = scenarios::merge_explore_json(texts, merge_files, &why);
            if (!merged)
                throw std::invalid_argument("--merge: " + why);
            std::ofstream json_file;
            if (!explore_json.empty() && explore_json != "-") {
                json_file.open(explore_json, std::ios::out | std::ios::trunc);
                if (!json_file)
                    throw std::invalid_argument(fmt::format("--json {}: cannot write it", explore_json));
                json_file << merged->json;
            } else {
                std::cout << merged->json;
            }
            return merged->failing_runs ? 1 : 0;
        }
        if (explore_cmd->parsed()) {
            if (explore_arg.empty())
                throw std::invalid_argument("kmsim explore needs a SCENARIO (or --merge FILE.json...)");
            scenarios::explore_options eo;
            eo.jobs = static_cast<unsigned>(parse_count("--jobs", jobs, false));
            if (eo.jobs == 0 || eo.jobs > 1024)
                throw std::invalid_argument("--jobs " + jobs + ": 1 to 1024 workers");
            if (!time_limit.empty()) {
                sim::duration d{};
                if (auto e = sim::parse_duration(time_limit, d))
                    throw std::invalid_argument("--time-limit " + *e);
                eo.time_limit_s = static_cast<double>(sim::to_ns(d)) / 1e9;
            }
            // The shard: --shard I/N, else a job array's index.
            auto env = [](const char* name) -> std::string {
                const char* v = std::getenv(name);
                return v ? v : "";
            };
            if (!shard.empty()) {
                const auto slash = shard.find('/');
                if (slash == std::string::npos)
                    throw std::invalid_argument("--shard " + shard + ": write I/N, as 0/4");
                eo.shard_index = parse_count("--shard", shard.substr(0, slash), false);
                eo.shard_count = parse_count("--shard", shard.substr(slash + 1), false);
            } else if (!env("SLURM_ARRAY_TASK_ID").empty() && !env("SLURM_ARRAY_TASK_COUNT").empty()) {
                const std::uint64_t min = env("SLURM_ARRAY_TASK_MIN").empty()
                                              ? 0
                                              : parse_count("SLURM_ARRAY_TASK_MIN", env("SLURM_ARRAY_TASK_MIN"), false);
                eo.shard_index = parse_count("SLURM_ARRAY_TASK_ID", env("SLURM_ARRAY_TASK_ID"), false) - min;
                eo.shard_count = parse_count("SLURM_ARRAY_TASK_COUNT", env("SLURM_ARRAY_TASK_COUNT"), false);
            } else if (!env("JOB_COMPLETION_INDEX").empty()) {
                if (shard_count.empty())
                    throw std::invalid_argument("JOB_COMPLETION_INDEX is set: give --shard-count N as well");
                eo.shard_index = parse_count("JOB_COMPLETION_INDEX", env("JOB_COMPLETION_INDEX"), false);
                eo.shard_count = parse_count("--shard-count", shard_count, false);
            }
            if (eo.shard_count == 0 || eo.shard_index >= eo.shard_count)
                throw std::invalid_argument(fmt::format("shard {}/{}: the index must be below the count",
                                                        eo.shard_index, eo.shard_count));
            if (::isatty(2))
                eo.progress = &std::cerr;
            eo.version = KMSIM_VERSION;
            eo.runs = parse_count("--runs", runs, true);
            eo.depth = static_cast<unsigned>(parse_count("--depth", depth, false));
            if (eo.depth == 0 || eo.depth > 64)
                throw std::invalid_argument("--depth " + depth + ": a depth is 1 to 64");
            eo.seed = parse_count("--seed", explore_seed, false);
            eo.strategy = strategy == "random" ? scenarios::explore_strategy::random : scenarios::explore_strategy::pct;
            std::stringstream kinds(faults);
            for (std::string k; std::getline(kinds, k, ',');) {
                if (k == "alloc" || k == "all")
                    eo.fail_allocs = true;
                if (k == "reclaim" || k == "all")
                    eo.force_reclaim = true;
                if (k != "alloc" && k != "reclaim" && k != "all")
                    throw std::invalid_argument("--faults " + k + ": the fault kinds are alloc and reclaim (or all)");
            }
            eo.keep_going = keep_going;
            eo.color = ::isatty(1);
            const scenarios::scenario sc = load(explore_arg, explore_machine);
            std::ofstream json_file;
            if (!explore_json.empty() && explore_json != "-") {
                json_file.open(explore_json, std::ios::out | std::ios::trunc);
                if (!json_file)
                    throw std::invalid_argument(fmt::format("--json {}: cannot write it", explore_json));
            }
            std::ostream& log = explore_json == "-" ? std::cerr : std::cout;
            const scenarios::explore_result r = scenarios::explore(sc, explore_arg, eo, log);
            if (!explore_json.empty())
                scenarios::write_explore_json(explore_json == "-" ? std::cout : json_file, r, eo);
            std::cout.flush();
            return r.failing_runs ? 1 : 0;
        }
        if (check->parsed()) {
            int rc = 0;
            for (const auto& a : check_args) {
                try {
                    scenarios::scenario sc = load(a);
                    std::cout << sc.file << ": ok\n";
                } catch (const scenarios::scenario_error& e) {
                    std::cerr << e.what();
                    rc = 2;
                }
            }
            return rc;
        }
        if (app.got_subcommand("list")) {
            for (const auto& b : scenarios::bundled_scenarios())
                std::cout << fmt::format("{:<28} {}\n", b.name, scenarios::bundled_title(b));
            for (const auto& b : scenarios::bundled_modules())
                std::cout << fmt::format("{:<28} {}\n", b.name, scenarios::bundled_module_title(b));
            return 0;
        }
        if (show_cmd->parsed()) {
            const auto* b = scenarios::find_bundled(show_name);
            if (!b)
                b = scenarios::find_bundled_module(show_name);
            if (!b) {
                std::cerr << fmt::format("kmsim show: no bundled scenario '{}' (see kmsim list)\n", show_name);
                return 2;
            }
            std::cout << b->source;
            return 0;
        }
        if (gfp_cmd->parsed()) {
            auto r = mm::parse_gfp(gfp_expr);
            if (!r.mask) {
                fmt::print(stderr, "kmsim gfp: error: {}\n  {}\n  {}^\n", r.error, gfp_expr, std::string(r.column, ' '));
                return 2;
            }
            fmt::print("{}", mm::explain_gfp(*r.mask));
            return 0;
        }
        std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const scenarios::scenario_error& e) {
        std::cout.flush();
        std::cerr << e.what();
        return 2;
    } catch (const scenarios::module_error& e) {
        // The compiler's messages, or the kernel's "Unknown symbol" line.
        std::cout.flush();
        const std::string what = e.what();
        std::cerr << what << (what.empty() || what.back() != '\n' ? "\n" : "");
        return 2;
    } catch (const std::invalid_argument& e) {
        std::cout.flush();
        std::cerr << "kmsim: " << e.what() << "\n";
        return 2;
    } catch (const scenarios::output_error& e) {
        std::cout.flush();
        std::cerr << "kmsim: " << e.what() << "\n";
        return 2;
    } catch (const sim::internal_error& e) {
        std::cout.flush();
        std::cerr << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "kmsim: internal error: " << e.what() << "\n";
        return 3;
    }
}

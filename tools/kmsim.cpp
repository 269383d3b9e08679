// tools/kmsim.cpp - the kmsim command line (spec/cli.md).
//
// Owns: option parsing (CLI11), where output goes, and exit statuses:
// 0 success (every expectation held), 1 an expectation failed, 2 a malformed
// scenario or a bad command line, 3 an internal error.
#include "mm/gfp.h"
#include "scenarios/bundled.h"
#include "scenarios/parser.h"
#include "scenarios/runner.h"
#include "sim/error.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace {

using namespace kmsim;

// The simulator's own diagnostics (not the simulated kernel log) go to
// standard error; KMSIM_LOG=trace|debug|info|warn|error|off sets the level.
std::shared_ptr<spdlog::logger> make_diagnostics_logger()
{
    auto logger = std::make_shared<spdlog::logger>("kmsim", std::make_shared<spdlog::sinks::stderr_sink_st>());
    logger->set_pattern("kmsim: %l: %v");
    const char* level = std::getenv("KMSIM_LOG");
    logger->set_level(level ? spdlog::level::from_str(level) : spdlog::level::warn);
    return logger;
}

// A path to a .kms file, or the name of a bundled scenario.
scenarios::scenario load(const std::string& arg)
{
    std::ifstream f(arg, std::ios::binary);
    if (f) {
        std::stringstream ss;
        ss << f.rdbuf();
        return scenarios::parse_scenario(ss.str(), arg);
    }
    if (const auto* b = scenarios::find_bundled(arg))
        return scenarios::parse_scenario(b->source, std::string(b->name) + ".kms");
    throw std::invalid_argument(fmt::format("{}: no such file, and no bundled scenario of that name (see kmsim list)", arg));
}

std::int64_t parse_duration(const std::string& s)
{
    std::size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
        ++i;
    if (i == 0)
        throw std::invalid_argument("--until needs a duration such as 500ms or 2s");
    const std::uint64_t v = std::stoull(s.substr(0, i));
    const std::string unit = s.substr(i);
    const std::int64_t mult = unit == "ns" ? 1 : unit == "us" ? 1000 : unit == "ms" ? 1000000 : unit == "s" ? 1000000000 : 0;
    if (!mult)
        throw std::invalid_argument(fmt::format("--until {}: a duration needs a unit (ns, us, ms or s)", s));
    return static_cast<std::int64_t>(v) * mult;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"kmsim - a simulator of the Linux kernel's memory allocation, GFP semantics and execution contexts",
                 "kmsim"};
    app.set_version_flag("--version", std::string("kmsim ") + KMSIM_VERSION);
    app.footer("--explain, --trace, --ftrace, --html and `kmsim explore` come in a later version.");
    app.require_subcommand(0, 1);

    std::string scenario_arg, until, color = "auto", show, json;
    std::uint64_t seed = 0;
    bool verbose = false, quiet = false;
    CLI::App* run = app.add_subcommand("run", "Simulate a scenario and print the kernel log, reports and a summary");
    run->add_option("SCENARIO", scenario_arg, "A .kms file, or the name of a bundled scenario")->required();
    CLI::Option* seed_opt = run->add_option("--seed", seed, "Seed of every random choice (default: the scenario's, else 1)");
    run->add_option("--until", until, "Stop at this simulated time (default: when every thread is done, or 600s)");
    run->add_flag("-v,--verbose", verbose, "Log every kernel call with its result, CPU and context");
    run->add_flag("-q,--quiet", quiet, "Print only reports and the summary");
    run->add_option("--color", color, "Colour: auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
    run->add_option("--show", show, "Print /proc views at the end: buddyinfo,zoneinfo,slabinfo,meminfo,vmstat");
    run->add_option("--json", json, "Write the JSON summary to FILE (- for standard output)");

    std::vector<std::string> check_args;
    CLI::App* check = app.add_subcommand("check", "Parse and validate scenarios; simulate nothing");
    check->add_option("SCENARIO", check_args, "Scenario files or bundled names")->required();

    app.add_subcommand("list", "List the bundled scenarios: name and title");

    std::string show_name;
    CLI::App* show_cmd = app.add_subcommand("show", "Print a bundled scenario's source");
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
    auto diagnostics = make_diagnostics_logger();
    (void)diagnostics;
    try {
        if (run->parsed()) {
            scenarios::run_options o;
            o.version = KMSIM_VERSION;
            if (seed_opt->count())
                o.seed = seed;
            if (!until.empty())
                o.until_ns = parse_duration(until);
            if (verbose && quiet) {
                std::cerr << "kmsim run: -v and -q cannot be used together\n";
                return 2;
            }
            o.level = verbose ? scenarios::verbosity::verbose : quiet ? scenarios::verbosity::quiet
                                                                      : scenarios::verbosity::normal;
            o.color = color == "always" || (color == "auto" && ::isatty(1));
            std::stringstream views(show);
            for (std::string v; std::getline(views, v, ',');) {
                if (v != "buddyinfo" && v != "zoneinfo" && v != "slabinfo" && v != "meminfo" && v != "vmstat") {
                    std::cerr << "kmsim run: --show " << v
                              << ": unknown view (buddyinfo, zoneinfo, slabinfo, meminfo, vmstat)\n";
                    return 2;
                }
                o.show.push_back(v);
            }
            o.json_path = json;
            const scenarios::scenario sc = load(scenario_arg);
            scenarios::run_report r = scenarios::run_scenario(sc, o, std::cout);
            std::cout.flush();
            return r.exit_code;
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
            return 0;
        }
        if (show_cmd->parsed()) {
            const auto* b = scenarios::find_bundled(show_name);
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
    } catch (const std::invalid_argument& e) {
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

// tools/kmsim.cpp - the kmsim command line.
//
// Owns: option parsing (CLI11), log sinks, exit statuses. Everything else is
// in the libraries. Exit statuses follow spec/cli.md: 0 success, 1 an
// expectation failed, 2 bad input or command line, 3 internal error.
#include "mm/gfp.h"
#include "sim/error.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

namespace {

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

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"kmsim - a simulator of the Linux kernel's memory allocation, GFP semantics and execution contexts",
                 "kmsim"};
    app.set_version_flag("--version", std::string("kmsim ") + KMSIM_VERSION);
    app.footer(
        "The scenario language and the subcommands run, check, list and show arrive with the\n"
        "scenario-language milestone; --explain, --trace, --ftrace, --html and explore come later.");
    app.require_subcommand(0, 1);

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
    (void)diagnostics;  // handed to each engine once subcommands run simulations
    try {
        if (gfp_cmd->parsed()) {
            auto r = kmsim::mm::parse_gfp(gfp_expr);
            if (!r.mask) {
                fmt::print(stderr, "kmsim gfp: error: {}\n  {}\n  {}^\n", r.error, gfp_expr,
                           std::string(r.column, ' '));
                return 2;
            }
            fmt::print("{}", kmsim::mm::explain_gfp(*r.mask));
            return 0;
        }
        if (argc == 1)
            std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const kmsim::sim::internal_error& e) {
        fmt::print(stderr, "{}\n", e.what());
        return 3;
    } catch (const std::exception& e) {
        fmt::print(stderr, "kmsim: internal error: {}\n", e.what());
        return 3;
    }
}

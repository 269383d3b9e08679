// tests/fuzz/kms_fuzz.cpp - libFuzzer target: any bytes, parsed and run as a scenario.
//
// The promise under test (issue 10): every input ends as a scenario error
// (exit 2), a verdict (exit 0 or 1) or an outcome, within the budget, with
// no crash, no sanitizer report, no hang and no internal error. Anything else
// that escapes - sim::internal_error, a config_error the runner should have
// turned into a scenario_error, std::bad_alloc - aborts, which libFuzzer
// records as a crash with the input that caused it.
//
// Runs are small (a budget of 50,000 steps and 20 ms of simulated time) so
// that the fuzzer tries many inputs a second; the limits a user gets are the
// same code with larger numbers. Scenarios whose machine has more than 2 GiB
// are parsed but not run: kmsim backs the simulated memory a run writes with
// host memory.
#include "scenarios/parser.h"
#include "scenarios/runner.h"
#include "sim/error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <streambuf>
#include <string>

namespace {

// An ostream that formats nothing anywhere: the log and summary of a run.
class null_buffer : public std::streambuf {
protected:
    int overflow(int c) override { return c == EOF ? 0 : c; }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace kmsim;
    const std::string text(reinterpret_cast<const char*>(data), size);
    null_buffer nb;
    std::ostream out(&nb);
    try {
        const scenarios::scenario sc = scenarios::parse_scenario(text, "fuzz.kms");
        std::uint64_t memory = sc.machine && sc.machine->memory ? sc.machine->memory : 0;
        for (const auto& z : sc.zones)
            memory += z.size;
        if (memory > (2ULL << 30))
            return 0;
        // Loading a module runs the C compiler: not what this fuzzes.
        if (!sc.modules.empty())
            return 0;
        scenarios::run_options o;
        o.max_steps = 50'000;
        o.until_ns = 20'000'000;
        o.level = scenarios::verbosity::quiet;
        scenarios::run_scenario(sc, o, out);
    } catch (const scenarios::scenario_error&) {
        // Rejected with FILE:LINE:COL: the expected answer to bad input.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kms_fuzz: escaped exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}

// tests/scenarios/kernel_cases_test.cpp - the kernel's own test cases, re-expressed
// as scenarios in kernel-cases/, give the kernel's verdicts.
//
// Each file's first line names the kernel test and its verdict: "FAILURE"
// (lockdep must report), "SUCCESS" (lockdep must stay silent) or "KASAN
// report". The test runs every file, checks its expectations, checks that the
// number of reports agrees with the verdict, and that the table in
// kernel-cases/README.md lists the case, so the table cannot drift.
#include "scenarios/parser.h"
#include "scenarios/runner.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace kmsim::scenarios;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p)
{
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("kernel test cases give the kernel's verdicts", "[scenarios][kernel-cases]")
{
    const fs::path dir = fs::path(KMSIM_TEST_DIR) / "scenarios" / "kernel-cases";
    const std::string table = slurp(dir / "README.md");
    const std::string docs = slurp(fs::path(KMSIM_TEST_DIR) / ".." / "docs" / "validation.md");
    int cases = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".kms")
            continue;
        ++cases;
        const std::string name = entry.path().filename().string();
        INFO(name);
        const std::string text = slurp(entry.path());
        const std::string first = text.substr(0, text.find('\n'));
        const bool success = first.find("Verdict: SUCCESS") != std::string::npos;
        REQUIRE((success || first.find("Verdict: FAILURE") != std::string::npos ||
                 first.find("Verdict: KASAN report") != std::string::npos));
        CHECK(table.find("`" + name + "`") != std::string::npos);
        CHECK(docs.find("`" + name + "`") != std::string::npos);

        scenario sc = parse_scenario(text, name);
        std::ostringstream out;
        run_options o;
        o.version = "test";
        run_report r = run_scenario(sc, o, out);
        INFO(out.str());
        CHECK(r.exit_code == 0);
        std::smatch m;
        const std::string log = out.str();
        REQUIRE(std::regex_search(log, m, std::regex("\nreports: ([0-9]+)\n")));
        const int reports = std::stoi(m[1]);
        if (success)
            CHECK(reports == 0);
        else  // the kernel's one report and no false positive; plus the hang when the case really deadlocks
            CHECK(reports == (text.find("\nexpect deadlock") != std::string::npos ? 2 : 1));
    }
    CHECK(cases >= 30);
}

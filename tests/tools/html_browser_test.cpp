// tests/tools/html_browser_test.cpp - `kmsim run --html` pages, opened in headless Chromium.
//
// What a class sees is the page after its script ran, so this test renders it
// in a real browser (Debian's chromium, --dump-dom) and reads the DOM
// contract of scenarios/html.h: a lane per CPU, slices by kind and name, a
// chart per zone with its watermarks, the report markers, and a console with
// nothing in it (the page logs nothing; an uncaught error would appear there).
// Without a browser (KMSIM_CHROMIUM, else chromium on PATH) the program exits
// 77 before any test runs, which ctest shows as skipped, with the reason;
// tools/setup --tests (and so .ci/run) installs one.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // the listener below
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string browser;  // the chromium binary
fs::path work;        // this run's files

std::string find_browser()
{
    if (const char* env = std::getenv("KMSIM_CHROMIUM"); env && *env)
        return env;
    for (const char* name : {"chromium", "chromium-browser"}) {
        const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0)
            return name;
    }
    return {};
}

std::string slurp(const fs::path& p)
{
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct page {
    std::string dom;      // after the script ran
    std::string console;  // what the page wrote to its console
    std::size_t bytes = 0;
};

// Runs `kmsim run SCENARIO --html` and opens the page in the browser.
page render(const std::string& scenario)
{
    const fs::path html = work / (scenario + ".html"), dom = work / (scenario + ".dom"),
                   log = work / (scenario + ".log"), profile = work / (scenario + ".profile");
    const std::string run = std::string(KMSIM_BINARY) + " run " + scenario + " -q --html " + html.string() +
                            " >/dev/null";
    const int st = std::system(run.c_str());
    REQUIRE((st == 0 || WEXITSTATUS(st) == 1));  // 1: a scenario whose expectations failed still renders
    const std::string open = "timeout 120 " + browser +
                             " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=" +
                             profile.string() + " --enable-logging=stderr --v=0 --dump-dom file://" +
                             html.string() + " >" + dom.string() + " 2>" + log.string();
    REQUIRE(std::system(open.c_str()) == 0);
    page p;
    p.dom = slurp(dom);
    p.bytes = fs::file_size(html);
    std::istringstream lines(slurp(log));
    for (std::string l; std::getline(lines, l);)
        if (l.find(":CONSOLE") != std::string::npos)
            p.console += l + "\n";
    return p;
}

std::size_t count(const std::string& s, const std::string& re)
{
    const std::regex r(re);
    return static_cast<std::size_t>(std::distance(std::sregex_iterator(s.begin(), s.end(), r), std::sregex_iterator()));
}

std::set<std::string> captures(const std::string& s, const std::string& re)
{
    const std::regex r(re);
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), r); it != std::sregex_iterator(); ++it)
        out.insert((*it)[1]);
    return out;
}

}  // namespace

TEST_CASE("the irq-vs-process page draws both CPUs, the handlers over the task, the zones and the reports")
{
    const page p = render("irq-vs-process");
    INFO(p.console);
    CHECK(p.console.empty());
    REQUIRE(count(p.dom, R"re(<body[^>]*data-ready="1")re") == 1);

    CHECK(captures(p.dom, R"re(<div[^>]*class="row lane"[^>]*data-cpu="(\d+)")re") == std::set<std::string>{"0", "1"});
    // Process, hard-IRQ and idle time, each slice named after its context.
    CHECK(captures(p.dom, R"re(<rect[^>]*data-kind="(\w+)")re") == std::set<std::string>{"task", "hardirq", "idle"});
    CHECK(captures(p.dom, R"re(<rect[^>]*data-kind="task" data-name="([^"]+)")re").count("worker") == 1);
    CHECK(captures(p.dom, R"re(<rect[^>]*data-kind="hardirq" data-name="([^"]+)")re") ==
          std::set<std::string>{"buggy", "eth0"});
    CHECK(count(p.dom, R"re(<rect[^>]*data-kind="hardirq" data-name="eth0")re") == 20);  // count=20
    // Every slice was given a place and a width.
    CHECK(count(p.dom, R"re(<rect[^>]*data-kind="\w+"[^>]*\swidth="[0-9.e-]+")re") ==
          count(p.dom, R"re(<rect[^>]*data-kind=)re"));

    // Memory: a chart per zone, the free pages and the three watermarks drawn.
    CHECK(captures(p.dom, R"re(<svg[^>]*data-zone="(\w+)")re") == std::set<std::string>{"DMA", "DMA32"});
    CHECK(count(p.dom, R"re(<path data-series="free" d="M[^"]+")re") == 2);
    for (const char* w : {"min", "low", "high"})
        CHECK(count(p.dom, std::string(R"re(<path data-watermark=")re") + w + R"re(" d="M[^"]+")re") == 2);

    // Two reports (lockdep's and the BUG), each marker linked to its text.
    CHECK(count(p.dom, R"re(<a[^>]*data-report="\d+"[^>]*href="#report-\d+")re") == 2);
    CHECK(p.dom.find("BUG: sleeping function called from invalid context") != std::string::npos);
    CHECK(p.dom.find("id=\"summary\"") != std::string::npos);
}

TEST_CASE("the watermarks-kswapd page shows kswapd's activity in the memory panel")
{
    const page p = render("watermarks-kswapd");
    INFO(p.console);
    CHECK(p.console.empty());
    REQUIRE(count(p.dom, R"re(<body[^>]*data-ready="1")re") == 1);
    CHECK(count(p.dom, R"re(<rect[^>]*data-kind="task" data-name="kswapd0")re") > 0);
    CHECK(count(p.dom, R"re(<svg[^>]*data-zone="Normal"[^>]*><rect data-kswapd)re") == 1);
}

TEST_CASE("every bundled scenario's page is self-contained, under 5 MB, and draws without a console message")
{
    std::istringstream names(slurp(work / "list.txt"));
    std::size_t pages = 0;
    for (std::string line; std::getline(names, line);) {
        const std::string name = line.substr(0, line.find_first_of(" \t"));
        if (name.empty())
            continue;
        INFO(name);
        const page p = render(name);
        ++pages;
        CHECK(p.console.empty());
        CHECK(p.bytes < 5u * 1024 * 1024);
        CHECK(count(p.dom, R"re(<body[^>]*data-ready="1")re") == 1);
        // No request leaves the page: no src= or href= to another place.
        CHECK(count(p.dom, R"re((src|href)="(https?:)?//)re") == 0);
    }
    CHECK(pages > 30);
}

// Finds the browser and makes the work folder before the tests run; without
// a browser, skips them all (exit 77).
struct browser_setup : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testRunStarting(const Catch::TestRunInfo&) override
    {
        browser = find_browser();
        if (browser.empty()) {
            std::cout << "skipped: no Chromium (install Debian's chromium, or set KMSIM_CHROMIUM); "
                         "tools/setup --tests installs it\n";
            std::exit(77);
        }
        work = fs::temp_directory_path() / ("kmsim-html-test-" + std::to_string(::getpid()));
        fs::create_directories(work);
        const std::string list = std::string(KMSIM_BINARY) + " list >" + (work / "list.txt").string();
        if (std::system(list.c_str()) != 0) {
            std::cerr << "kmsim list failed\n";
            std::exit(1);
        }
    }
    void testRunEnded(const Catch::TestRunStats&) override { fs::remove_all(work); }
};
CATCH_REGISTER_LISTENER(browser_setup)

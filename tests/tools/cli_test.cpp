// tests/tools/cli_test.cpp - kmsim under hostile input: every run ends with exit 0, 1 or 2.
//
// Each file in hostile/ is a small reproducer of one class of input that once
// crashed, hung or exhausted kmsim (issue 10). Its header says how to run it
// and what must come out:
//   # args: --budget 1M          options for `kmsim run`
//   # exit: 2                    the exit status (never 3: that is kmsim's bug)
//   # output: TEXT               must appear in standard output or error (repeatable)
//   # max-rss-mb: N              the run's peak memory (release builds only)
// Inputs too big or too odd for a file (4097 threads, a 5 MiB file, a
// directory, /dev/zero) are made here. Every run goes through the real
// binary, so exit statuses and messages are what users see; under the
// sanitizer build a sanitizer report exits 99 and fails the test.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct result {
    int status = -1;  // exit status, or -1 if killed by a signal
    std::string output;
    long max_rss_kb = 0;
};

// Runs ARGV in directory CWD (if given) with standard output and error
// captured (or standard output sent to STDOUT_PATH), with ENV added to the
// environment, and measures the child alone with wait4().
result run(const std::vector<std::string>& argv, const char* stdout_path = nullptr, const char* cwd = nullptr,
           const std::vector<std::string>& env = {})
{
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    if (stdout_path)
        posix_spawn_file_actions_addopen(&actions, 1, stdout_path, O_WRONLY, 0);
    else
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&actions, cwd);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp(env.size());
    std::transform(env.begin(), env.end(), envp.begin(), [](const std::string& e) { return const_cast<char*>(e.c_str()); });
    for (char** e = environ; *e; ++e)
        envp.push_back(*e);
    envp.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    result r;
    char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        r.output.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    rusage usage{};
    REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.max_rss_kb = usage.ru_maxrss;
    return r;
}

std::vector<std::string> words(const std::string& s)
{
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

fs::path scratch(const std::string& name)
{
    const fs::path dir = fs::temp_directory_path() / ("kmsim-cli-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

}  // namespace

TEST_CASE("every hostile input ends as its header says", "[tools][hostile]")
{
    const fs::path dir = fs::path(KMSIM_TEST_DIR) / "tools" / "hostile";
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".kms")
            continue;
        ++files;
        std::ifstream in(entry.path());
        std::vector<std::string> args{KMSIM_BINARY, "run"};
        std::vector<std::string> outputs;
        int exit_status = -2;
        [[maybe_unused]] long max_rss_mb = 0;
        for (std::string line; std::getline(in, line) && line.rfind("#", 0) == 0;) {
            auto value = [&](const char* key) -> std::optional<std::string> {
                const std::string k = std::string("# ") + key + ": ";
                if (line.rfind(k, 0) != 0)
                    return std::nullopt;
                return line.substr(k.size());
            };
            if (auto v = value("args"))
                for (auto& w : words(*v))
                    args.push_back(w);
            if (auto v = value("exit"))
                exit_status = std::stoi(*v);
            if (auto v = value("output"))
                outputs.push_back(*v);
            if (auto v = value("max-rss-mb"))
                max_rss_mb = std::stol(*v);
        }
        // Run from the file's folder, so that reports name it as users see it.
        args.push_back(entry.path().filename().string());
        INFO(entry.path().filename().string());
        REQUIRE(exit_status != -2);  // every file states its exit status
        const result r = run(args, nullptr, dir.c_str());
        INFO(r.output.substr(0, 4000));
        CHECK(r.status == exit_status);
        for (const auto& o : outputs) {
            INFO("expected output: " << o);
            CHECK(r.output.find(o) != std::string::npos);
        }
#ifndef KMSIM_SANITIZED
        if (max_rss_mb)
            CHECK(r.max_rss_kb / 1024 <= max_rss_mb);
#endif
    }
    CHECK(files >= 30);
}

TEST_CASE("a scenario file must be a regular file of at most 4 MiB", "[tools][hostile]")
{
    SECTION("a directory")
    {
        const fs::path d = scratch("a-directory.kms");
        fs::create_directories(d);
        const result r = run({KMSIM_BINARY, "run", d.string()});
        CHECK(r.status == 2);
        CHECK(r.output.find("is a directory, not a scenario file") != std::string::npos);
    }
    SECTION("a directory named like a bundled scenario does not hide it")
    {
        const fs::path d = scratch("bundled");
        fs::create_directories(d / "irq-vs-process");
        const result r = run({KMSIM_BINARY, "run", "-q", "irq-vs-process"}, nullptr, d.c_str());
        CHECK(r.status == 0);
        CHECK(r.output.find("PASS  line 54: expect no leaks") != std::string::npos);
    }
    SECTION("a device that never ends")
    {
        const result r = run({KMSIM_BINARY, "run", "/dev/zero"});
        CHECK(r.status == 2);
        CHECK(r.output.find("/dev/zero: not a regular file") != std::string::npos);
    }
    SECTION("a file of 5 MiB is refused before it is read")
    {
        const fs::path f = scratch("huge.kms");
        {
            std::ofstream out(f);
            const std::string line(1023, '#');
            for (int i = 0; i < 5 * 1024; ++i)
                out << line << '\n';
        }
        const result r = run({KMSIM_BINARY, "run", f.string()});
        CHECK(r.status == 2);
        CHECK(r.output.find("larger than 4 MiB") != std::string::npos);
#ifndef KMSIM_SANITIZED
        CHECK(r.max_rss_kb < 64 * 1024);
#endif
    }
    fs::remove_all(scratch("").parent_path());
}

TEST_CASE("generated inputs past the language's limits are exit 2 at their line", "[tools][hostile]")
{
    SECTION("4097 threads")
    {
        const fs::path f = scratch("threads.kms");
        {
            std::ofstream out(f);
            for (int i = 0; i < 4097; ++i)
                out << "thread t" << i << "\n  udelay(1)\nend\n";
        }
        const result r = run({KMSIM_BINARY, "check", f.string()});
        CHECK(r.status == 2);
        CHECK(r.output.find("threads.kms:12289:1: error: too many kernel threads: a scenario has at most 4096") !=
              std::string::npos);
    }
    SECTION("6000 parentheses")
    {
        const fs::path f = scratch("parens.kms");
        std::ofstream(f) << "thread t\n  x = " << std::string(6000, '(') << "1" << std::string(6000, ')') << "\nend\n";
        const result r = run({KMSIM_BINARY, "check", f.string()});
        CHECK(r.status == 2);
        CHECK(r.output.find("this expression nests too deeply: more than 64 levels") != std::string::npos);
    }
    SECTION("8000 nested blocks")
    {
        const fs::path f = scratch("blocks.kms");
        {
            std::ofstream out(f);
            out << "thread t\n";
            for (int i = 0; i < 8000; ++i)
                out << "if 1\n";
            for (int i = 0; i < 8000; ++i)
                out << "end\n";
            out << "end\n";
        }
        const result r = run({KMSIM_BINARY, "check", f.string()});
        CHECK(r.status == 2);
        CHECK(r.output.find("blocks.kms:34:1: error: blocks nest too deeply") != std::string::npos);
    }
    SECTION("kmsim gfp with 50,000 ~")
    {
        const result r = run({KMSIM_BINARY, "gfp", std::string(50000, '~') + "GFP_KERNEL"});
        CHECK(r.status == 0);
        CHECK(r.output.rfind("0xcc0(GFP_KERNEL)", 0) == 0);
    }
    SECTION("3000 nested mutexes: lockdep gives up at MAX_LOCK_DEPTH, the run stays cheap")
    {
        const fs::path f = scratch("mutexes.kms");
        {
            std::ofstream out(f);
            for (int i = 0; i < 3000; ++i)
                out << "lock m" << i << " mutex\n";
            out << "thread t\n";
            for (int i = 0; i < 3000; ++i)
                out << "  mutex_lock(m" << i << ")\n";
            for (int i = 3000; i-- > 0;)
                out << "  mutex_unlock(m" << i << ")\n";
            out << "end\nexpect report \"BUG: MAX_LOCK_DEPTH too low!\"\nexpect completed\n";
        }
        const result r = run({KMSIM_BINARY, "run", "-q", f.string()});
        CHECK(r.status == 0);
        CHECK(r.output.find("depth: 48  max: 48!") != std::string::npos);
#ifndef KMSIM_SANITIZED
        CHECK(r.max_rss_kb < 100 * 1024);
#endif
    }
    fs::remove_all(scratch("").parent_path());
}

TEST_CASE("outputs that cannot be written are exit 2", "[tools][hostile]")
{
    const std::string failing = std::string(KMSIM_TEST_DIR) + "/scenarios/data/failing.kms";
    SECTION("--json into a directory is refused before the run")
    {
        const result r = run({KMSIM_BINARY, "run", "-q", "--json", fs::temp_directory_path().string(), failing});
        CHECK(r.status == 2);
        CHECK(r.output.find("cannot write it: Is a directory") != std::string::npos);
        CHECK(r.output.find("--- summary ---") == std::string::npos);
    }
    SECTION("--json into a missing directory")
    {
        const result r = run({KMSIM_BINARY, "run", "-q", "--json", "/nonexistent-dir/s.json", failing});
        CHECK(r.status == 2);
        CHECK(r.output.find("No such file or directory") != std::string::npos);
    }
    SECTION("--json onto a full disk")
    {
        const result r = run({KMSIM_BINARY, "run", "-q", "--json", "/dev/full", failing});
        CHECK(r.status == 2);
        CHECK(r.output.find("--json /dev/full: write failed: No space left on device") != std::string::npos);
    }
    SECTION("--trace, --html and --ftrace: refused before the run, or when the write fails")
    {
        for (const char* option : {"--trace", "--html", "--ftrace"}) {
            INFO(option);
            result r = run({KMSIM_BINARY, "run", "-q", option, "/nonexistent-dir/out", failing});
            CHECK(r.status == 2);
            CHECK(r.output.find(std::string(option) + " /nonexistent-dir/out: cannot write it: No such file or "
                                                      "directory") != std::string::npos);
            CHECK(r.output.find("--- summary ---") == std::string::npos);
            r = run({KMSIM_BINARY, "run", "-q", option, "/dev/full", failing});
            CHECK(r.status == 2);
            CHECK(r.output.find(std::string(option) + " /dev/full: write failed: No space left on device") !=
                  std::string::npos);
        }
    }
    SECTION("--explain takes no value but all")
    {
        const result r = run({KMSIM_BINARY, "run", "-q", "--explain=most", failing});
        CHECK(r.status == 2);
        CHECK(r.output.find("--explain=most: the value may only be all") != std::string::npos);
    }
    SECTION("standard output onto a full disk")
    {
        const result r = run({KMSIM_BINARY, "run", failing}, "/dev/full");
        CHECK(r.status == 2);
        CHECK(r.output.find("cannot write standard output: No space left on device") != std::string::npos);
    }
}

TEST_CASE("bad numbers on the command line are exit 2, never wrapped", "[tools][hostile]")
{
    struct bad {
        std::vector<std::string> args;
        const char* message;
    };
    const bad cases[] = {
        {{"--seed", "-1"}, "--seed -1: expected a whole number from 0 to 18446744073709551615"},
        {{"--seed", "18446744073709551616"}, "larger than 18446744073709551615"},
        {{"--until", "10000000000s"}, "longer than simulated time can hold"},
        {{"--until", "9223372036854775808ns"}, "longer than simulated time can hold"},
        {{"--until", "18446744073709551616ns"}, "longer than simulated time can hold"},
        {{"--until", "5"}, "a duration needs a unit"},
        {{"--budget", "0"}, "a run needs at least one step"},
        {{"--budget", "20000000000G"}, "larger than 18446744073709551615"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv{KMSIM_BINARY, "run", "-q"};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        argv.push_back("irq-vs-process");
        const result r = run(argv);
        INFO(c.args[0] << " " << c.args[1] << ": " << r.output);
        CHECK(r.status == 2);
        CHECK(r.output.find(c.message) != std::string::npos);
    }
}

TEST_CASE("KMSIM_LOG and --log-level print kmsim's own diagnostics on standard error, apart from the run",
          "[tools][log]")
{
    const std::string out = scratch("zero-size.out").string();
    std::ofstream(out).close();
    const result quiet = run({KMSIM_BINARY, "run", "zero-size"}, out.c_str(), nullptr, {"KMSIM_LOG="});
    CHECK(quiet.status == 0);
    CHECK(quiet.output.empty());
    std::ifstream plain_out(out);
    const std::string plain((std::istreambuf_iterator<char>(plain_out)), std::istreambuf_iterator<char>());

    const result debug = run({KMSIM_BINARY, "run", "zero-size"}, out.c_str(), nullptr, {"KMSIM_LOG=debug"});
    CHECK(debug.status == 0);
    CHECK(debug.output.find("kmsim: debug: world zero-size.kms: cpus=1 hz=1000 seed=1\n") != std::string::npos);
    CHECK(debug.output.find("kmsim: debug: zone DMA: pfn 0x1-0x1000, 3998 pages managed, watermarks min 195 low 243 "
                            "high 291\n") != std::string::npos);
    CHECK(debug.output.find("run stops: completed (every thread returned)") != std::string::npos);
    CHECK(debug.output.find("kmsim: trace:") == std::string::npos);
    std::ifstream debug_out(out);
    CHECK(std::string((std::istreambuf_iterator<char>(debug_out)), std::istreambuf_iterator<char>()) == plain);

    // The option wins over the environment.
    const result trace = run({KMSIM_BINARY, "run", "--log-level", "trace", "zero-size"}, out.c_str(), nullptr,
                             {"KMSIM_LOG=off"});
    CHECK(trace.output.find("kmsim: trace: t=0ns switch to demo\n") != std::string::npos);
    const result off = run({KMSIM_BINARY, "run", "--log-level", "off", "zero-size"}, out.c_str(), nullptr,
                           {"KMSIM_LOG=trace"});
    CHECK(off.output.empty());

    const result bad = run({KMSIM_BINARY, "run", "zero-size"}, out.c_str(), nullptr, {"KMSIM_LOG=loud"});
    CHECK(bad.status == 2);
    CHECK(bad.output == "kmsim: log level 'loud': not one of off, error, warn, info, debug, trace\n");
}

TEST_CASE("kmsim explore: exit 1 with a replay line that kmsim run --schedule reproduces, 0 when clean, 2 when malformed",
          "[tools][explore]")
{
    const result found = run({KMSIM_BINARY, "explore", "explore-abba"});
    CHECK(found.status == 1);
    const std::string prefix = "replay: kmsim run explore-abba --schedule ";
    const std::size_t at = found.output.find(prefix);
    REQUIRE(at != std::string::npos);
    const std::size_t from = at + prefix.size();
    const std::string token = found.output.substr(from, found.output.find('\n', from) - from);
    CHECK(token == "1.s1.p1");
    // The replay prints the run explore printed, byte for byte.
    const result replay = run({KMSIM_BINARY, "run", "explore-abba", "--schedule", token});
    CHECK(replay.status == 1);  // its expectation fails, as in explore
    CHECK(found.output.find(replay.output) != std::string::npos);

    CHECK(run({KMSIM_BINARY, "explore", "explore-abba-fixed", "--runs", "200"}).status == 0);
    CHECK(run({KMSIM_BINARY, "explore", "explore-abba", "--faults", "disk"}).status == 2);
    CHECK(run({KMSIM_BINARY, "explore", "explore-abba", "--shard", "3/3"}).status == 2);
    CHECK(run({KMSIM_BINARY, "explore", "explore-abba", "--depth", "0"}).status == 2);
    const result bad = run({KMSIM_BINARY, "run", "explore-abba", "--schedule", "1.s1.q7"});
    CHECK(bad.status == 2);
    CHECK(bad.output.find("kmsim run: --schedule: 'q7' is not a deviation") != std::string::npos);
}

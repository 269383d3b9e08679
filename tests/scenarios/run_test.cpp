// tests/scenarios/run_test.cpp - bundled scenarios meet their expectations; output is deterministic.
#include "scenarios/bundled.h"
#include "scenarios/parser.h"
#include "scenarios/runner.h"

#include <boost/crc.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace kmsim::scenarios;

namespace {
std::string run_text(const std::string& text, run_options o, run_report* rep = nullptr)
{
    scenario sc = parse_scenario(text, "t.kms");
    std::ostringstream out;
    run_report r = run_scenario(sc, o, out);
    if (rep)
        *rep = r;
    return out.str();
}
}  // namespace

TEST_CASE("every bundled scenario meets its expectations", "[scenarios][bundled]")
{
    REQUIRE(bundled_scenarios().size() >= 13);
    for (const auto& b : bundled_scenarios()) {
        INFO(b.name);
        scenario sc = parse_scenario(b.source, std::string(b.name) + ".kms");
        CHECK_FALSE(sc.expects.empty());
        CHECK(std::string(b.source).rfind("# ", 0) == 0);  // opens with its explanation
        std::ostringstream out;
        run_options o;
        o.version = "test";
        run_report r = run_scenario(sc, o, out);
        INFO(out.str());
        CHECK(r.exit_code == 0);
        for (const auto& e : r.expectations)
            CHECK(e.held);
    }
}

// The bundled scenarios' output is the contract users see: the log of a plain
// run is kept in full (golden/NAME.log); the -v log with every /proc view, and
// the JSON summary, are kept as their length and CRC-32 (golden/digests.txt),
// because a few of them run to megabytes. KMSIM_UPDATE_GOLDEN=1 rewrites both
// after a deliberate change; `git diff tests/scenarios/golden` then shows it.
namespace {
struct golden_outputs {
    std::string log, verbose, json;
};

golden_outputs run_for_golden(const bundled_scenario& b)
{
    const scenario sc = parse_scenario(b.source, std::string(b.name) + ".kms");
    golden_outputs g;
    run_options o;
    o.version = "golden";
    std::ostringstream log;
    run_scenario(sc, o, log);
    g.log = log.str();

    o.level = verbosity::verbose;
    o.show = {"buddyinfo", "zoneinfo", "slabinfo", "meminfo", "vmstat", "kmemleak"};
    std::ostringstream verbose;
    run_scenario(sc, o, verbose);
    g.verbose = verbose.str();

    run_options j;
    j.version = "golden";
    j.level = verbosity::quiet;
    j.json_path = "-";
    std::ostringstream json, quiet;
    j.json_stream = &json;
    run_scenario(sc, j, quiet);
    g.json = json.str();
    return g;
}

std::string digest(const std::string& name, const std::string& kind, const std::string& text)
{
    boost::crc_32_type crc;
    crc.process_bytes(text.data(), text.size());
    return fmt::format("{}.{} {} {:08x}\n", name, kind, text.size(), crc.checksum());
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("every bundled scenario prints exactly its golden output", "[scenarios][golden]")
{
    const std::string dir = KMSIM_TEST_DIR "/scenarios/golden/";
    const bool update = std::getenv("KMSIM_UPDATE_GOLDEN") != nullptr;
    std::string digests;
    for (const auto& b : bundled_scenarios()) {
        INFO(b.name);
        const golden_outputs g = run_for_golden(b);
        digests += digest(b.name, "verbose", g.verbose) + digest(b.name, "json", g.json);
        const std::string log_path = dir + std::string(b.name) + ".log";
        if (update)
            std::ofstream(log_path, std::ios::binary) << g.log;
        CHECK(g.log == slurp(log_path));
    }
    if (update)
        std::ofstream(dir + "digests.txt", std::ios::binary) << digests;
    // One line per output: NAME.KIND LENGTH CRC32.
    CHECK(digests == slurp(dir + "digests.txt"));
}

TEST_CASE("the same seed gives byte-identical output; another seed moves the IRQ jitter", "[scenarios][determinism]")
{
    const std::string text = R"(scenario "jitter"
machine cpus=2 memory=64M
lock l spinlock
irq nic line=5 cpu=1 every=200us count=30 jitter=150us
  spin_lock(l)
  p = kmalloc(rand(64, 2048), GFP_ATOMIC)
  printk(KERN_INFO "nic: %d on CPU%d\n", jiffies, smp_processor_id())
  kfree(p)
  spin_unlock(l)
end
thread w cpu=1
  repeat 50
    flags = spin_lock_irqsave(l)
    udelay(20)
    spin_unlock_irqrestore(l, flags)
    usleep_range(50, 100)
  end
end
expect completed
)";
    run_options a;
    a.seed = 7;
    run_options c;
    c.seed = 8;
    const std::string first = run_text(text, a), second = run_text(text, a), other = run_text(text, c);
    CHECK(first == second);
    CHECK(first != other);
}

TEST_CASE("exit status 1 and the failing line when an expectation does not hold", "[scenarios][run]")
{
    run_report rep;
    std::string out = run_text("machine cpus=1 memory=64M\nthread t\n  p = kmalloc(8, GFP_KERNEL)\nend\nexpect no leaks\n"
                               "expect completed\n",
                               run_options{}, &rep);
    CHECK(rep.exit_code == 1);
    CHECK(out.find("  FAIL  line 5: expect no leaks  (1 allocation never freed)\n") != std::string::npos);
    CHECK(out.find("  PASS  line 6: expect completed\n") != std::string::npos);
}

TEST_CASE("a failed assertion stops the run with outcome assert", "[scenarios][run]")
{
    run_report rep;
    std::string out = run_text("machine cpus=1 memory=64M\nthread t\n  x = 1\n  assert x == 2 \"x is wrong\"\n"
                               "  msleep(10)\nend\nexpect completed\n",
                               run_options{}, &rep);
    CHECK(rep.outcome == "assert");
    CHECK(rep.exit_code == 1);
    CHECK(out.find("assertion: t.kms:4: assertion failed in t: assert x == 2 (x is wrong)") !=
          std::string::npos);
}

TEST_CASE("expect report matches any line of a report, title or body", "[scenarios][run]")
{
    run_report rep;
    run_text("machine cpus=1 memory=64M\nthread t\n  p = kmalloc(1 << 40, GFP_KERNEL)\nend\n"
             "expect report \"__alloc_pages_noprof\"\n"  // the WARNING's title
             "expect report \"Call Trace:\" in t\n"        // a line of its body
             "expect report \"Call Trace:\" in kswapd0\n"  // raised in t, not kswapd0
             "expect no report \"kmalloc(0x10000000000, GFP_KERNEL) at t.kms:3\"\n",  // the stack's frame
             run_options{}, &rep);
    REQUIRE(rep.expectations.size() == 4);
    CHECK(rep.expectations[0].held);
    CHECK(rep.expectations[1].held);
    CHECK_FALSE(rep.expectations[2].held);
    CHECK_FALSE(rep.expectations[3].held);
}

TEST_CASE("after a deadlock its report is the last thing in the log; leaks are only counted", "[scenarios][run]")
{
    run_report rep;
    const std::string out = run_text("machine cpus=1 memory=64M\nlock m mutex\nthread t\n  p = kmalloc(64, GFP_KERNEL)\n"
                                     "  mutex_lock(m)\n  mutex_lock(m)\nend\nexpect deadlock\n",
                                     run_options{}, &rep);
    CHECK(rep.outcome == "deadlock");
    const auto summary = out.find("\n--- summary ---\n");
    REQUIRE(summary != std::string::npos);
    CHECK(out.rfind(" *** DEADLOCK ***\n", summary) != std::string::npos);
    CHECK(out.find("unreferenced object") == std::string::npos);
    CHECK(out.find("\nleaks: 1\n") != std::string::npos);
}

TEST_CASE("kernel threads stuck when the scenario's threads end make a deadlock, not completed", "[scenarios][run]")
{
    // loop/dm-bufio's shape: the block device's worker holds bufio_lock and
    // waits for memory; kswapd's shrinker waits for bufio_lock. The thread
    // that submitted the I/O has long returned.
    const char* text = R"(machine cpus=2 memory=64M
lock bufio_lock mutex
blockdev sdb latency=2ms cpu=1
  request
    mutex_lock(bufio_lock)
    msleep(20)
    buf = kmalloc(4096, GFP_NOIO)
    kfree(buf)
    mutex_unlock(bufio_lock)
  end
end
shrinker bufio_cache objects=2000 size=4096
  if (sc.gfp_mask & __GFP_IO) == 0
    return SHRINK_STOP
  end
  mutex_lock(bufio_lock)
  mutex_unlock(bufio_lock)
  return sc.nr_to_scan
end
thread app cpu=0
  submit_bio(sdb, 1)
  msleep(1)
  while 1
    p = __get_free_pages(GFP_NOWAIT | __GFP_NOWARN, 0)
    if p == NULL
      break
    end
  end
end
expect deadlock
expect report "blocked for more than 120 seconds" in kswapd0
)";
    run_report rep;
    const std::string out = run_text(text, run_options{}, &rep);
    CHECK(rep.outcome == "deadlock");
    CHECK(rep.exit_code == 0);  // its expectations hold
    CHECK(out.find("  kworker/sdb/70 on CPU1 holds bufio_lock\n") != std::string::npos);
    CHECK(out.find("and waits for free memory for an order-0 GFP_NOIO|__GFP_COMP allocation") != std::string::npos);
    CHECK(out.find("  kswapd0/60 on CPU1 holds no lock\n") != std::string::npos);
    CHECK(out.find("and waits for mutex_lock(bufio_lock) at t.kms:16, which only kworker/sdb can end") !=
          std::string::npos);
}

TEST_CASE("caches made and destroyed at run time, as a module's init and exit do", "[scenarios][slab]")
{
    const char* text = R"kms(machine cpus=1 memory=64M
thread t
  c = kmem_cache_create("my_cache", 100, 0, SLAB_HWCACHE_ALIGN, NULL)
  p = kmem_cache_alloc(c, GFP_KERNEL)
  q = kmem_cache_zalloc(c, GFP_KERNEL)
  kmem_cache_free(c, q)
  kmem_cache_destroy(c)
  kmem_cache_free(c, p)
  d = kmem_cache_create("empty", 64, 0, 0, NULL)
  kmem_cache_destroy(d)
  kmem_cache_destroy(NULL)
  r = kmem_cache_alloc(d, GFP_KERNEL)
  printk("not reached\n")
end
expect report "Objects remaining in my_cache on __kmem_cache_shutdown()" in t
expect report "kmem_cache_destroy my_cache: Slab cache still has objects when called from kmem_cache_destroy(my_cache) at t.kms:7"
expect report "BUG: unable to handle page fault for address: ffffffffc1000100" in t
expect no leaks
)kms";
    run_options o;
    o.level = verbosity::verbose;
    o.show = {"slabinfo"};
    run_report rep;
    const std::string out = run_text(text, o, &rep);
    CHECK(rep.exit_code == 0);
    CHECK(out.find("[CPU0 task t/100] kmem_cache_create(\"my_cache\", 100, 0, SLAB_HWCACHE_ALIGN, NULL) = 0xffffffffc1000000\n") !=
          std::string::npos);
    CHECK(out.find("[CPU0 task t/100] kmem_cache_alloc(my_cache, GFP_KERNEL) = 0xffff888") != std::string::npos);
    CHECK(out.find(" kmem_cache_alloc(empty, GFP_KERNEL) at t.kms:12\n") != std::string::npos);  // in the Oops
    CHECK(out.find("not reached") == std::string::npos);
    const std::string slabinfo = out.substr(out.find("--- /proc/slabinfo ---"));
    CHECK(slabinfo.find("my_cache") == std::string::npos);
    CHECK(slabinfo.find("empty") == std::string::npos);
}

TEST_CASE("a failed assertion is a failure without expectations too, and the JSON says so", "[scenarios][run]")
{
    const std::string text = "machine cpus=1 memory=64M\nthread t\n  assert 1 == 2\nend\n";
    run_options o;
    o.json_path = "-";
    o.level = verbosity::quiet;
    run_report rep;
    std::string out = run_text(text, o, &rep);
    CHECK(rep.outcome == "assert");
    CHECK(rep.exit_code == 1);
    CHECK(out.find("\"assertion\": \"t.kms:3: assertion failed in t: assert 1 == 2\",\n") != std::string::npos);

    run_report ok;
    out = run_text("machine cpus=1 memory=64M\nthread t\n  assert 1 == 1\nend\n", o, &ok);
    CHECK(ok.exit_code == 0);
    CHECK(out.find("\"assertion\": null,\n") != std::string::npos);
}

TEST_CASE("the JSON summary has the fields of the spec", "[scenarios][json]")
{
    run_options o;
    o.json_path = "-";
    o.level = verbosity::quiet;
    o.version = "9.9.9";
    std::string out = run_text(R"(scenario "json"
machine cpus=1 memory=64M
thread t
  p = kmalloc(100, GFP_KERNEL)
  q = kmalloc(100, GFP_KERNEL | GFP_DMA)
  kfree(q)
end
expect completed
)",
                               o);
    std::string j = out.substr(out.find("{\n"));
    for (const char* field : {"\"kmsim\": \"9.9.9\"", "\"scenario\": \"json\"", "\"file\": \"t.kms\"", "\"seed\": 1",
                              "\"outcome\": \"completed\"", "\"sim_time_ns\": ", "\"events\": ",
                              "{\"line\": 8, \"text\": \"expect completed\", \"held\": true}",
                              "\"reports\": [\n    {\"kind\": \"kmemleak\", \"title\": \"unreferenced object 0x",
                              "\"deadlock\": null", "\"allocations\": {\"calls\": 2, \"failed\": 0, \"by_gfp\": {",
                              "\"GFP_KERNEL\": {\"calls\": 1, \"failed\": 0, \"stall_ns_max\": 0}",
                              "\"GFP_KERNEL|GFP_DMA\": {\"calls\": 1",
                              "{\"name\": \"DMA\", \"spanned\": 4095, \"present\": 3998, \"managed\": 3998, \"free\": ",
                              "\"protection\": [0, 48, 48]", "\"min_free_kbytes\": 3180", "\"vmstat\": {\"nr_free_pages\": ",
                              "\"allocstall_normal\": 0",
                              "{\"name\": \"kmalloc-128\", \"active_objs\": ", "\"objperslab\": 32, \"pagesperslab\": 1}",
                              "\"leaks\": [{\"context\": \"t\", \"line\": 4, \"call\": \"kmalloc\", \"size\": 100}]",
                              "\"kmemleak\": {\"unreferenced\": [{\"address\": \"0xffff88800",
                              "\"size\": 100, \"comm\": \"t\", \"pid\": 100, \"jiffies\": 4294667296, \"backtrace_crc\": ",
                              "], \"backtraces\": {"}) {
        INFO(field);
        CHECK(j.find(field) != std::string::npos);
    }
}

TEST_CASE("a deadlock in JSON names its cycle", "[scenarios][json]")
{
    const bundled_scenario* b = find_bundled("irq-spinlock-self-deadlock");
    scenario sc = parse_scenario(b->source, "irq-spinlock-self-deadlock.kms");
    std::ostringstream out;
    run_options o;
    o.json_path = "-";
    o.level = verbosity::quiet;
    run_scenario(sc, o, out);
    CHECK(out.str().find("\"deadlock\": {\"kind\": \"self\", \"cycle\": [{\"context\": \"eth0\", \"waits_for\": "
                         "\"spin_lock(dev_lock)\", \"held_by\": \"worker\"}, {\"context\": \"worker\", \"waits_for\": "
                         "\"CPU0 (interrupted by eth0)\", \"held_by\": \"eth0\"}]}") != std::string::npos);
}

TEST_CASE("verbose runs log every kernel call with its CPU, context and result", "[scenarios][run]")
{
    run_options o;
    o.level = verbosity::verbose;
    std::string out = run_text("machine cpus=1 memory=64M\nthread t\n  p = kmalloc(100, GFP_KERNEL)\n  kfree(p)\nend\n", o);
    CHECK(out.find("[    0.000000] [CPU0 task t/100] kmalloc(100, GFP_KERNEL) = 0xffff888") != std::string::npos);
    CHECK(out.find("[CPU0 task t/100] kfree(0xffff888") != std::string::npos);
}

TEST_CASE("an out-of-bounds write is reported KASAN-style with the scenario line", "[scenarios][run]")
{
    std::string out = run_text("machine cpus=1 memory=64M\nthread t\n  p = kmalloc(60, GFP_KERNEL)\n  p[60] = 1\n"
                               "  kfree(p)\nend\n",
                               run_options{});
    CHECK(out.find("BUG: KASAN: slab-out-of-bounds in t at t.kms:4\n") != std::string::npos);
    CHECK(out.find("Write of size 1 at addr ") != std::string::npos);
    CHECK(out.find("which belongs to the cache kmalloc-64 of size 64") != std::string::npos);
    CHECK(out.find("The buggy address is located 0 bytes to the right of\n") != std::string::npos);
}

TEST_CASE("kmem_cache_free into the wrong cache warns as SLUB does and frees into the real one", "[scenarios][slab]")
{
    run_options o;
    o.version = "test";
    const std::string out = run_text("machine cpus=1 memory=64M\ncache a_cache size=200\ncache b_cache size=96\n"
                                     "thread t\n  p = kmem_cache_alloc(a_cache, GFP_KERNEL)\n"
                                     "  kmem_cache_free(b_cache, p)\nend\nexpect no leaks\n",
                                     o);
    CHECK(out.find("kmem_cache_free: Wrong slab cache. b_cache but object is from a_cache\n"
                   "[    0.000000] WARNING: CPU: 0 PID: 100 at mm/slub.c:") != std::string::npos);
    CHECK(out.find("  PASS  line 8: expect no leaks") != std::string::npos);
}

TEST_CASE("kfree of page-allocator memory warns and leaves the pages allocated", "[scenarios][slab]")
{
    run_options o;
    o.version = "test";
    const std::string out = run_text("machine cpus=1 memory=64M\nthread t\n  p = __get_free_pages(GFP_KERNEL, 0)\n"
                                     "  kfree(p)\nend\nexpect stat leaks == 1\n",
                                     o);
    CHECK(out.find("WARNING: CPU: 0 PID: 100 at mm/slub.c:4702 free_large_kmalloc") != std::string::npos);
    CHECK(out.find("  PASS  line 6: expect stat leaks == 1") != std::string::npos);
}

TEST_CASE("a NULL pointer write is the kernel's page-fault Oops and kills the context", "[scenarios][run]")
{
    run_options o;
    o.version = "test";
    const std::string out = run_text("machine cpus=1 memory=64M\nthread t\n  p = 0\n  p[16] = 1\nend\n"
                                     "expect report \"BUG: kernel NULL pointer dereference\" in t\n",
                                     o);
    CHECK(out.find("BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
                   "[    0.000000] #PF: supervisor write access in kernel mode\n"
                   "[    0.000000] #PF: error_code(0x0002) - not-present page\n"
                   "[    0.000000] Oops: 0002 [#1] PREEMPT SMP NOPTI\n") != std::string::npos);
    CHECK(out.find("  PASS  line 6: expect report") != std::string::npos);
}

TEST_CASE("a run takes its scheduling decisions from the chooser it is given", "[scenarios][chooser]")
{
    // Two threads wait for one mutex; the owner releases it.
    const std::string text = R"(scenario "handoff"
machine cpus=3 memory=64M
lock m mutex
thread owner cpu=0
  mutex_lock(m)
  udelay(10)
  mutex_unlock(m)
end
thread first cpu=1
  udelay(1)
  mutex_lock(m)
  printk(KERN_INFO "first\n")
  mutex_unlock(m)
end
thread second cpu=2
  udelay(2)
  mutex_lock(m)
  printk(KERN_INFO "second\n")
  mutex_unlock(m)
end
expect completed
)";
    struct last_waiter : kmsim::sim::chooser {
        std::size_t choose(kmsim::sim::decision d, std::size_t n) override
        {
            return d == kmsim::sim::decision::lock_waiter ? n - 1 : 0;
        }
        std::int64_t choose_delay(kmsim::sim::decision, std::int64_t, std::int64_t, int, std::string_view,
                                  std::int64_t seeded) override
        {
            return seeded;
        }
    } chooser;
    run_options plain;
    run_options chosen;
    chosen.chooser = &chooser;
    const std::string a = run_text(text, plain), b = run_text(text, chosen);
    CHECK(a.find("first") < a.find("second"));
    CHECK(b.find("second") < b.find("first"));
    CHECK(run_text(text, plain) == a);  // the default is kmsim's own, every time
}

TEST_CASE("worlds run one after another in one process carry nothing over", "[scenarios][determinism]")
{
    // Exploration runs one scenario thousands of times in a process: every
    // run must start from nothing (no statics, no caches that leak across).
    for (const auto& [name, times] : {std::pair{"zero-size", 1000}, std::pair{"irq-vs-process", 1000}}) {
        const bundled_scenario* b = find_bundled(name);
        REQUIRE(b);
        const scenario sc = parse_scenario(b->source, std::string(name) + ".kms");
        run_options o;
        o.json_path = "-";
        std::ostringstream first_log, first_json;
        o.json_stream = &first_json;
        run_scenario(sc, o, first_log);
        for (int i = 1; i < times; ++i) {
            std::ostringstream log, json;
            o.json_stream = &json;
            run_scenario(sc, o, log);
            INFO(name << " run " << i);
            REQUIRE(log.str() == first_log.str());
            REQUIRE(json.str() == first_json.str());
        }
    }
}

TEST_CASE("the JSON summary is valid UTF-8 even when the scenario is not", "[scenarios][json]")
{
    run_options o;
    o.json_path = "-";
    o.level = verbosity::quiet;
    const std::string out = run_text("scenario \"bad \xff byte\"\nmachine cpus=1 memory=64M\nthread t\n  x = 1\nend\n", o);
    CHECK(out.find("\"scenario\": \"bad \xef\xbf\xbd byte\"") != std::string::npos);  // U+FFFD
    CHECK(out.find('\xff') == std::string::npos);
}

TEST_CASE("ftrace output: the nop tracer's header and the kernel's event lines", "[scenarios][ftrace]")
{
    const bundled_scenario* b = find_bundled("irq-vs-process");
    REQUIRE(b);
    const scenario sc = parse_scenario(b->source, "irq-vs-process.kms");
    const std::string path = "ftrace_test.txt";
    run_options o;
    o.level = verbosity::quiet;
    o.ftrace_path = path;
    std::ostringstream out;
    run_scenario(sc, o, out);
    std::ifstream in(path);
    const std::string t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(path.c_str());
    CHECK(t.rfind("# tracer: nop\n#\n# entries-in-buffer/entries-written: ", 0) == 0);
    CHECK(t.find("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n") != std::string::npos);
    // A task's kmalloc, an interrupt's entry on the idle CPU, a switch.
    CHECK(t.find("          worker-100     [000] .....     0.000000: kmalloc: call_site=irq-vs-process.kms:45 "
                 "ptr=ffff888001000000 bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 "
                 "accounted=false\n") != std::string::npos);
    CHECK(t.find("          <idle>-0       [001] d.h..     0.000500: irq_handler_entry: irq=11 name=eth0\n") !=
          std::string::npos);
    CHECK(t.find(": irq_handler_exit: irq=11 ret=handled\n") != std::string::npos);
    CHECK(t.find("sched_switch: prev_comm=worker prev_pid=100 prev_prio=120 prev_state=D ==> next_comm=swapper/0 "
                 "next_pid=0 next_prio=120\n") != std::string::npos);
    CHECK(t.find(": mm_page_alloc: page=ffffea") != std::string::npos);
}

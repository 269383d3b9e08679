// tests/scenarios/parser_test.cpp - malformed input gets a precise error, never a crash.
#include "scenarios/parser.h"

#include <catch2/catch.hpp>

#include <string>

using namespace kmsim::scenarios;

namespace {
// The diagnostic for TEXT, which must fail to parse.
diagnostic error_of(const std::string& text)
{
    try {
        parse_scenario(text, "t.kms");
    } catch (const scenario_error& e) {
        return e.diag;
    }
    FAIL("expected a parse error for:\n" << text);
    return {};
}
}  // namespace

TEST_CASE("a good scenario parses", "[scenarios][parser]")
{
    scenario sc = parse_scenario(R"(scenario "t"
machine cpus=2 memory=64M hz=250
lock l spinlock; lock m mutex
completion done
cache c size=100 align=8 flags=SLAB_HWCACHE_ALIGN|SLAB_POISON
/* a block
   comment */
thread "kworker/0:1" cpu=1 at=1ms
  p = kzalloc(4096, GFP_KERNEL | __GFP_NOWARN)   // trailing comment
  for i in 0..4
    p[i] = i * 2
  end
  if p == NULL
    return
  else if p[1] != 2
    assert 0 "bad"
  else
    kfree(p)
  end
end
irq eth0 line=11 cpu=0 every=500us count=20 jitter=10us
  printk(KERN_INFO "x=%d %pGg\n", 1, GFP_ATOMIC)
end
expect no leaks
expect stat zone.DMA.min >= 1
expect report "BUG" in eth0
)",
                                   "t.kms");
    CHECK(sc.title == "t");
    CHECK(sc.machine->cpus == 2);
    CHECK(sc.machine->hz == 250);
    CHECK(sc.threads.size() == 1);
    CHECK(sc.threads[0].name == "kworker/0:1");
    CHECK(sc.threads[0].at_ns == 1000000);
    CHECK(sc.irqs[0].every_ns == 500000);
    CHECK(sc.irqs[0].count == 20);
    CHECK(sc.expects.size() == 3);
    CHECK(sc.expects[1].path == "zone.DMA.min");
    CHECK(sc.expects[2].source == "expect report \"BUG\" in eth0");
}

TEST_CASE("errors carry file, line, column, the line and a caret", "[scenarios][parser]")
{
    diagnostic d = error_of("scenario \"x\"\nmachin cpus=2\n");
    CHECK(d.line == 2);
    CHECK(d.col == 1);
    CHECK(d.message == "unknown declaration 'machin'; did you mean 'machine'?");
    CHECK(d.format() == "t.kms:2:1: error: unknown declaration 'machin'; did you mean 'machine'?\n"
                        "    2 | machin cpus=2\n"
                        "      | ^\n");
}

TEST_CASE("an unterminated string", "[scenarios][parser]")
{
    diagnostic d = error_of("scenario \"oops\nmachine cpus=1\n");
    CHECK(d.line == 1);
    CHECK(d.col == 10);
    CHECK(d.message == "unterminated string: missing '\"' before the end of the line");
}

TEST_CASE("a missing end", "[scenarios][parser]")
{
    diagnostic d = error_of("machine cpus=1 memory=64M\nthread t\n  msleep(1)\n");
    CHECK(d.line == 2);
    CHECK(d.col == 1);
    CHECK(d.message == "'thread' has no matching 'end' (the file ends first)");
    // The one `end` closes the `if`: the thread is the block left open.
    diagnostic d2 = error_of("machine cpus=1 memory=64M\nthread t\n  if 1\n    msleep(1)\nend\n");
    CHECK(d2.line == 2);
    CHECK(d2.message == "'thread' has no matching 'end' (the file ends first)");
    diagnostic d3 = error_of("machine cpus=1\nthread a\n  msleep(1)\nthread b\nend\n");
    CHECK(d3.message == "'thread' has no matching 'end' before the next declaration at line 4");
}

TEST_CASE("an unknown GFP name suggests the nearest real one", "[scenarios][parser]")
{
    diagnostic d = error_of("machine cpus=1\nthread t\n  p = kmalloc(8, GFP_KERNAL)\nend\n");
    CHECK(d.line == 3);
    CHECK(d.col == 18);
    CHECK(d.message == "unknown GFP flag 'GFP_KERNAL'; did you mean GFP_KERNEL?");
    diagnostic d2 = error_of("machine cpus=1\nthread t\n  p = kmalloc(8, GFP_KERNEL | __GFP_ZER0)\nend\n");
    CHECK(d2.message == "unknown GFP flag '__GFP_ZER0'; did you mean __GFP_ZERO?");
}

TEST_CASE("a duration without a unit", "[scenarios][parser]")
{
    diagnostic d = error_of("machine cpus=1\nirq i line=3 at=500\nend\n");
    CHECK(d.line == 2);
    CHECK(d.col == 17);
    CHECK(d.message == "at needs a unit: write 500us, 500ms... (ns, us, ms or s)");
    diagnostic d2 = error_of("machine cpus=1\nthread t at=5\nend\n");
    CHECK(d2.message == "at needs a unit: write 5us, 5ms... (ns, us, ms or s)");
}

TEST_CASE("an undeclared lock or cache", "[scenarios][parser]")
{
    diagnostic d = error_of("machine cpus=1\nthread t\n  spin_lock(dev_lock)\nend\n");
    CHECK(d.line == 3);
    CHECK(d.col == 13);
    CHECK(d.message == "lock (spinlock) 'dev_lock' is not declared (declare it with 'lock' before the thread that uses it)");
    diagnostic d2 = error_of("machine cpus=1\nthread t\n  p = kmem_cache_alloc(objs, GFP_KERNEL)\nend\n");
    CHECK(d2.message == "cache 'objs' is not declared (declare it with 'cache' before the thread that uses it)");
    diagnostic d3 = error_of("machine cpus=1\nlock m mutex\nthread t\n  spin_lock(m)\nend\n");
    CHECK(d3.message == "spin_lock() needs a spinlock, but 'm' is a mutex");
}

TEST_CASE("kmem_cache_create takes a string literal name and a NULL constructor", "[scenarios][parser]")
{
    diagnostic d = error_of("machine cpus=1\nthread t\n  n = 3\n  c = kmem_cache_create(n, 64, 0, 0, NULL)\nend\n");
    CHECK(d.line == 4);
    CHECK(d.col == 25);
    CHECK(d.message == "kmem_cache_create() takes a string literal here, as kmem_cache_create(\"my_cache\", ...)");
    diagnostic d2 = error_of("machine cpus=1\nthread t\n  c = kmem_cache_create(\"c\", 64, 0, 0, 5)\nend\n");
    CHECK(d2.message == "kmem_cache_create() takes NULL here: kmsim runs no constructor");
    diagnostic d3 = error_of("machine cpus=1\nthread t\n  c = kmem_cache_create(\"c\", 64, 0, SLAB_HWCACHE_ALIGNED, NULL)\nend\n");
    CHECK(d3.message.rfind("'SLAB_HWCACHE_ALIGNED' is not defined here", 0) == 0);
    // A handle in a variable is a cache; so is a declared cache's name.
    CHECK_NOTHROW(parse_scenario("machine cpus=1\ncache objs size=64\nthread t\n"
                                 "  c = kmem_cache_create(\"c\", 64, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC, NULL)\n"
                                 "  p = kmem_cache_alloc(c, GFP_KERNEL)\n  q = kmem_cache_alloc(objs, GFP_KERNEL)\n"
                                 "  kmem_cache_destroy(NULL)\nend\n",
                                 "t.kms"));
}

TEST_CASE("impossible machine values", "[scenarios][parser]")
{
    CHECK(error_of("machine cpus=0 memory=64M\n").message == "a machine has 1 to 1024 CPUs, not 0");
    CHECK(error_of("machine cpus=2000\n").message == "a machine has 1 to 1024 CPUs, not 2000");
    diagnostic d = error_of("machine cpus=2 memory=1M\n");
    CHECK(d.col == 23);
    CHECK(d.message == "memory=1M is too small: kmsim needs at least 32M (or explicit zone lines)");
    CHECK(error_of("machine cpus=1 hz=123\n").message == "hz=123 is not a kernel HZ: use 100, 250, 300 or 1000");
    CHECK(error_of("machine cpus=2\nthread t cpu=5\nend\n").message == "CPU 5 does not exist: the machine has CPUs 0..1");
    CHECK(error_of("machine cpus=2 memory=64X\n").message ==
          "'64X' is not a number: sizes take K, M or G, durations ns, us, ms or s");
}

TEST_CASE("binary garbage is rejected at its first bad byte", "[scenarios][parser]")
{
    std::string garbage = "scenario \"x\"\n\x7f\x45\x4c\x46\x02\x01";
    diagnostic d = error_of(garbage);
    CHECK(d.line == 2);
    CHECK(d.col == 1);
    CHECK(d.message == "unexpected byte 0x7f: a .kms file is plain ASCII text");
    std::string nul("machine cpus=1\0x", 16);
    CHECK(error_of(nul).message == "unexpected byte 0x00: a .kms file is plain ASCII text");
}

TEST_CASE("other mistakes a user makes", "[scenarios][parser]")
{
    CHECK(error_of("machine cpus=1\nthread t\n  x = y + 1\nend\n").message ==
          "'y' is not defined here (variables must be assigned before they are used)");
    CHECK(error_of("machine cpus=1\nthread t\n  kmaloc(8, GFP_KERNEL)\nend\n").message ==
          "unknown kernel call 'kmaloc'; did you mean kmalloc?");
    CHECK(error_of("machine cpus=1\nthread t\n  kmalloc(8)\nend\n").message == "kmalloc() takes 2 arguments, not 1");
    CHECK(error_of("machine cpus=1\nthread t\n  break\nend\n").message == "'break' outside a loop");
    CHECK(error_of("machine cpus=1\nthread t\n  p = 1\n  p + 2\nend\n").message ==
          "a statement must be an assignment or a call: this value is not used");
    CHECK(error_of("expect report \"x\" in nobody\n").message ==
          "'nobody' is not a thread or irq of this scenario, nor one of its kernel threads (kswapd0, flusher, "
          "kworker/DEVICE for each blockdev)");
    // Kernel threads are contexts too: kswapd0, the flusher, a block device's worker.
    const scenario k = parse_scenario("blockdev sdb latency=2ms irq=14\nend\nexpect report \"x\" in kswapd0\n"
                                      "expect no report in flusher\nexpect no report in kworker/sdb\n"
                                      "expect no report in \"kworker/sdb\"\n",
                                      "t.kms");
    REQUIRE(k.expects.size() == 4);
    CHECK(k.expects[2].context == "kworker/sdb");
    CHECK(k.expects[3].context == "kworker/sdb");
    CHECK(error_of("expect report \"x\" in kworker/sdc\n").message.rfind("'kworker/sdc' is not a thread", 0) == 0);
    CHECK(error_of("sysctl vm.min_free_kbyte=100\n").message ==
          "unknown sysctl 'vm.min_free_kbyte'; did you mean vm.min_free_kbytes?");
    CHECK(error_of("machine cpus=1\nlock a mutex\nlock a spinlock\n").message == "'a' is already declared as a lock");
    CHECK(error_of("boot \"slub_debug=Q\"\n").message ==
          "slub_debug=Q: unknown slab_debug option in 'Q' (letters are F Z P U T A O -)");
    CHECK(error_of("/* never closed\n").message == "unterminated comment: '/*' without '*/'");
    CHECK(error_of("machine cpus=1\nirq i line=3\nend\n").message == "irq needs either at=TIME or every=TIME");
}

TEST_CASE("no input crashes or hangs the parser", "[scenarios][parser]")
{
    // Every prefix of a real scenario either parses or fails cleanly.
    const std::string text = "scenario \"t\"\nmachine cpus=2 memory=64M\nlock l spinlock\nthread w cpu=0\n"
                             "  if 1 == 1\n    spin_lock(l); p = kmalloc(8, GFP_ATOMIC)\n  end\n"
                             "  spin_unlock(l)\nend\nexpect no leaks\n";
    for (std::size_t n = 0; n <= text.size(); ++n) {
        try {
            parse_scenario(text.substr(0, n), "p.kms");
        } catch (const scenario_error&) {
        }
    }
    // And a few hostile ones.
    for (const char* t : {"(", "thread", "thread t\n  (((((((", "expect stat", "irq i line=99999999999999999999",
                          "thread t\n  p[", "\"", "0x", "thread t\n  x = 1 +\nend", "thread t\n  for i in\nend"}) {
        try {
            parse_scenario(t, "h.kms");
        } catch (const scenario_error&) {
        }
    }
    SUCCEED();
}

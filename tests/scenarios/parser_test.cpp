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
          "kworker/DEVICE for each blockdev, kworkers with workqueues, ksoftirqd/N with timers or tasklets)");
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

// ---- version 2: shared state, functions, kernel threads, wait queues, lock classes

TEST_CASE("globals, functions, wait queues and lock classes parse", "[scenarios][parser][v2]")
{
    scenario sc = parse_scenario(R"(global base = 4 * PAGE_SIZE
global limit = base + 1
global ring[16]
waitqueue ring_wq
lock ilock_a mutex class=xfs_ilock
lock ilock_b mutex class=xfs_ilock
thread t
  n = twice(limit)
  ring[n % 16] = n
  base = ring[0] + 1
  w = kthread_run(worker, 7, "ringd")
  kthread_stop(w)
end
func twice(x)
  return 2 * x
end
func worker(arg)
  left = wait_event_timeout(ring_wq, ring[0] != 0 || kthread_should_stop(), 10ms)
  return left
end
expect report "BUG" in ringd
)",
                                 "t.kms");
    REQUIRE(sc.globals.size() == 3);
    CHECK(sc.globals[0].init == 16384);
    CHECK(sc.globals[1].init == 16385);
    CHECK(sc.globals[1].offset == 1);
    CHECK(sc.globals[2].is_array);
    CHECK(sc.globals[2].size == 16);
    CHECK(sc.global_words == 18);
    REQUIRE(sc.funcs.size() == 2);
    CHECK(sc.funcs[0].name == "twice");  // called before its declaration
    CHECK(sc.funcs[0].params == 1);
    CHECK(sc.funcs[1].code.slot_names == std::vector<std::string>{"arg", "left"});
    CHECK(sc.waitqueues.size() == 1);
    CHECK(sc.locks[0].lock_class == "xfs_ilock");
    const block& b = sc.threads[0].code.stmts;
    CHECK(b[0]->exprs[0]->k == expr::kind::func_call);
    CHECK(b[1]->k == stmt::kind::store_global);
    CHECK(b[2]->k == stmt::kind::assign_global);
    CHECK(b[2]->slot == 0);
    // The duration becomes msecs_to_jiffies(10); the condition keeps its text.
    const expr& wait = *sc.funcs[1].code.stmts[0]->exprs[0];
    CHECK(wait.k == expr::kind::call_with_condition);
    CHECK(wait.text == "ring[0] != 0 || kthread_should_stop()");
    CHECK(wait.args[2]->k == expr::kind::call);
    CHECK(wait.args[2]->text == "msecs_to_jiffies");
    CHECK(wait.args[2]->args[0]->value == 10);
}

TEST_CASE("version 2 mistakes are errors at their line and column", "[scenarios][parser][v2]")
{
    struct bad {
        const char* text;
        int line, col;
        const char* message;
    };
    const bad cases[] = {
        {"global\n", 1, 7, "expected the global's name after 'global', found the end of the line"},
        {"global x\n", 1, 9, "expected '= VALUE' or '[LENGTH]' after global x, found the end of the line"},
        {"global x = kmalloc(8, GFP_KERNEL)\n", 1, 12,
         "a global's initial value is computed before anything runs: it takes numbers, constants and globals "
         "declared above, not kernel calls, strings or variables"},
        {"global x = 1 / 0\n", 1, 14, "division by zero in a global's initial value"},
        {"global x[0]\n", 1, 10, "a global array holds 1 to 1048576 integers, not 0"},
        {"global x[1048577]\n", 1, 10, "a global array holds 1 to 1048576 integers, not 1048577"},
        {"global kmalloc = 1\n", 1, 8, "'kmalloc' is a kernel call: a global needs a name of its own"},
        {"global GFP_KERNEL = 1\n", 1, 8, "'GFP_KERNEL' is a constant: a global needs a name of its own"},
        {"global x = 1\nglobal x = 2\n", 2, 8, "'x' is already declared as a global"},
        {"global a[4]\nthread t\n  a = 1\nend\n", 3, 3, "'a' is an array: assign its elements, as a[i] = ..."},
        {"global a[4]\nthread t\n  b = a\nend\n", 3, 7, "'a' is an array of 4 integers: use its elements, as a[i]"},
        {"global g = 1\nthread t\n  for g in 0..3\n  end\nend\n", 3, 7,
         "the loop variable must be local, and 'g' is a global"},
        {"func f(a, a)\nend\n", 1, 11, "parameter 'a' appears twice"},
        {"global g = 1\nfunc f(g)\nend\n", 2, 8, "parameter 'g' would hide the global of that name"},
        {"func if(a)\nend\n", 1, 6, "'if' is a word of the language: a function needs a name of its own"},
        {"func f(x)\n  return x\n", 1, 1, "'func' has no matching 'end' (the file ends first)"},
        {"func f(x)\n  return x\nend\nthread t\n  f(1, 2)\nend\n", 5, 3, "f() takes 1 argument, not 2"},
        {"func f(x)\nend\nfunc f(y)\nend\n", 3, 6, "'f' is already declared as a function"},
        {"thread t\n  x = f\nend\nfunc f(a)\nend\n", 2, 7, "'f' is a function, not a value: call it, as f(...)"},
        {"func f()\n  return 1\nend\nthread t\n  kthread_run(f, 0, \"w\")\nend\n", 5, 15,
         "kthread_run() runs FUNC(ARG), so FUNC takes one parameter; 'f' takes 0"},
        {"func f(a)\nend\nthread t\n  kthread_create(f, 0, \"averyveryverylongname\")\nend\n", 4, 24,
         "a task's name (comm) is at most 15 characters (TASK_COMM_LEN 16), and \"averyveryverylongname\" has 21"},
        {"lock a mutex class=c\nlock b spinlock class=c\n", 2, 6,
         "lock class 'c' holds a mutex already (a): one class is one kind of lock"},
        {"lock a mutex klass=c\n", 1, 14, "'klass' is not an option of lock"},
        {"waitqueue w\nthread t\n  wait_event(w)\nend\n", 3, 3, "wait_event() takes 2 arguments, not 1"},
        {"thread t\n  wait_event(q, 1)\nend\n", 2, 14,
         "waitqueue 'q' is not declared (declare it with 'waitqueue' before the thread that uses it)"},
        {"thread t\n  add_pagecache()\nend\n", 2, 3, "add_pagecache() takes 1 or 2 arguments, not 0"},
        {"thread t\n  twic(1)\nend\nfunc twice(x)\nend\n", 2, 3, "unknown kernel call 'twic'; did you mean twice?"},
        {"thread t\n  kthread_run(wroker, 0, \"w\")\nend\n", 2, 15,
         "function 'wroker' is not declared (declare it with func wroker(ARG) ... end)"},
        {"func worker(a)\nend\nthread t\n  kthread_run(worker, 0, \"w\")\nend\nexpect report \"x\" in w\n"
         "expect report \"x\" in wokrer\n",
         7, 22,
         "'wokrer' is not a thread or irq of this scenario, nor one of its kernel threads (kswapd0, flusher, "
         "kworker/DEVICE for each blockdev, kworkers with workqueues, ksoftirqd/N with timers or tasklets)"},
        {"workqueue q flags=WQ_MEM_RECLAM\n", 1, 19,
         "unknown workqueue flag 'WQ_MEM_RECLAM'; did you mean WQ_MEM_RECLAIM?"},
        {"workqueue q max_active=0\n", 1, 24, "max_active is 1 to 2048 (WQ_MAX_ACTIVE), not 0"},
        {"workqueue q flags=WQ_UNBOUND max_active=4 rescuer=1\n", 1, 43, "'rescuer' is not an option of workqueue"},
        {"workqueue system_wq\n", 1, 11, "'system_wq' is already declared as a workqueue"},
        {"thread t\n  queue_work(system_wq, w)\nend\n", 2, 25,
         "work item 'w' is not declared (declare it with 'work' before the thread that uses it)"},
        {"lock l mutex\nthread t\n  schedule_work(l)\nend\n", 3, 17,
         "schedule_work() needs a work item, but 'l' is a lock"},
        {"work w\nend\nthread t\n  queue_work(w, w)\nend\n", 4, 14,
         "queue_work() needs a workqueue, but 'w' is a work item"},
        {"work w\n  x = 1\n", 1, 1, "'work' has no matching 'end' (the file ends first)"},
        {"thread t\n  mod_timer(x, 1)\nend\n", 2, 13,
         "timer 'x' is not declared (declare it with 'timer' before the thread that uses it)"},
        {"tasklet b\nend\nthread t\n  mod_timer(b, jiffies + 1)\nend\n", 4, 13,
         "mod_timer() needs a timer, but 'b' is a tasklet"},
        {"timer tick\nend\ntimer tick\nend\n", 3, 7, "'tick' is already declared as a timer"},
        {"expect report \"x\" in kworker/0:\n", 1, 32,
         "expected the rest of a kernel thread's name after ':' (kworker/sdb, kworker/0:1)"},
    };
    for (const bad& c : cases) {
        INFO(c.text);
        diagnostic d = error_of(c.text);
        CHECK(d.message == c.message);
        CHECK(d.line == c.line);
        CHECK(d.col == c.col);
    }
}

TEST_CASE("modules: module lines, bodiless interrupts and calls of exports", "[scenarios][parser]")
{
    const scenario sc = parse_scenario("module \"drv.c\"\ninterrupt line=5 every=1ms count=3\n"
                                       "thread t\n  n = drv_fill(100, 2)\n  drv_reset()\nend\n",
                                       "dir/t.kms");
    REQUIRE(sc.modules.size() == 1);
    CHECK(sc.modules[0].path == "drv.c");
    REQUIRE(sc.irqs.size() == 1);
    CHECK(sc.irqs[0].bodiless);
    CHECK(sc.irqs[0].line == 5);
    CHECK(sc.irqs[0].count == 3);
    // Resolved when the modules are loaded, not here.
    REQUIRE(sc.module_calls.size() == 2);
    CHECK(sc.module_calls[0].name == "drv_fill");
    CHECK(sc.module_calls[0].args == 2);
    CHECK(sc.module_calls[1].pos.line == 5);

    CHECK(error_of("module \"drv.ko\"\n").message == "a module is a C source file: its name ends in .c");
    CHECK(error_of("module \"a.c\"\nmodule \"a.c\"\n").message == "module \"a.c\" is loaded already (line 1)");
    CHECK(error_of("interrupt line=5 at=1ms\n").message ==
          "an interrupt without a body needs a module to handle it: module \"PATH.c\" with request_irq()");
    CHECK(error_of("module \"a.c\"\ninterrupt line=5\n").message == "interrupt needs either at=TIME or every=TIME");
    CHECK(error_of("module \"a.c\"\ninterrupt line=5 at=1ms\ninterrupt line=5 at=2ms\n").message ==
          "irq line 5 is already used by the interrupt at line 2");
    const diagnostic d = error_of("module \"a.c\"\nthread t\n  f(1, 2, 3, 4, 5, 6, 7)\nend\n");
    CHECK(d.line == 3);
    CHECK(d.message == "f() is called with 7 arguments; a module's function takes at most 6 here");
    // Without a module, an unknown name is still an unknown kernel call.
    CHECK(error_of("thread t\n  drv_fill(1)\nend\n").message.rfind("unknown kernel call 'drv_fill'", 0) == 0);
}

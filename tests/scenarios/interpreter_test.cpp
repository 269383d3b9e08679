// tests/scenarios/interpreter_test.cpp - the language's version 2 at run time: globals, functions,
// kernel threads, wait queues, lock classes, page cache at run time, interrupt sources that end.
#include "scenarios/parser.h"
#include "scenarios/runner.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace kmsim::scenarios;

namespace {
struct ran {
    run_report r;
    std::string out;
    bool has(const std::string& s) const { return out.find(s) != std::string::npos; }
};
ran run(const std::string& text, verbosity level = verbosity::normal)
{
    const scenario sc = parse_scenario(text, "t.kms");
    std::ostringstream out;
    run_options o;
    o.version = "test";
    o.level = level;
    ran x;
    x.r = run_scenario(sc, o, out);
    x.out = out.str();
    return x;
}
}  // namespace

TEST_CASE("globals are shared by every body and set before any context starts", "[scenarios][v2]")
{
    const ran x = run(R"(machine cpus=2
global counter = 10 * 2
global seen[4]
lock l spinlock
thread t cpu=1
  seen[0] = counter
  repeat 5
    flags = spin_lock_irqsave(l)
    counter = counter + 1
    spin_unlock_irqrestore(l, flags)
    udelay(100)
  end
end
irq tick line=3 cpu=0 every=50us count=4
  spin_lock(l)
  counter = counter + 100
  spin_unlock(l)
  seen[1] = seen[1] + 1
end
irq last line=4 at=2ms
  printk(KERN_INFO "counter=%d seen=%d,%d\n", counter, seen[0], seen[1])
end
expect completed
)");
    INFO(x.out);
    CHECK(x.r.exit_code == 0);
    CHECK(x.has("counter=425 seen=20,4"));
}

TEST_CASE("a global array index out of range stops the run: exit 1, naming file, line, array and index",
          "[scenarios][v2]")
{
    const ran x = run("global ring[8]\nthread consumer\n  i = 3\n  ring[i * 3] = 1\nend\n");
    INFO(x.out);
    CHECK(x.r.exit_code == 1);
    CHECK(x.r.outcome == "assert");
    CHECK(x.has("kmsim: t.kms:4: index 9 is out of range for ring[8] in consumer"));
    const ran y = run("global ring[8]\nthread t\n  x = ring[0 - 1]\nend\n");
    CHECK(y.r.exit_code == 1);
    CHECK(y.has("t.kms:3: index -1 is out of range for ring[8] in t"));
}

TEST_CASE("functions: parameters and assignments are local, return gives a value, frames show in traces",
          "[scenarios][v2]")
{
    const ran x = run(R"(func fib(n)
  if n < 2
    return n
  end
  return fib(n - 1) + fib(n - 2)
end
func nothing(a)
  a = a + 1
  return
end
func scribble(len)
  p = kmalloc(len, GFP_KERNEL)
  p[len] = 1
  kfree(p)
end
thread t
  a = 5
  r = nothing(a)
  printk(KERN_INFO "fib=%d a=%d r=%d\n", fib(20), a, r)
  scribble(16)
end
)");
    INFO(x.out);
    CHECK(x.has("fib=6765 a=5 r=0"));
    CHECK(x.has("BUG: KASAN: slab-out-of-bounds in scribble at t.kms:13"));
    // The call trace: the function's frame, then its caller's.
    CHECK(x.has("  scribble at t.kms:13\n"));
    CHECK(x.has("  t at t.kms:20\n"));
}

TEST_CASE("recursion deeper than 256 frames stops the run with a clear error", "[scenarios][v2]")
{
    const std::string deep = "func down(n)\n  if n == 0\n    return 0\n  end\n  return 1 + down(n - 1)\nend\n";
    const ran ok = run(deep + "thread t\n  printk(KERN_INFO \"d=%d\\n\", down(254))\nend\n");
    CHECK(ok.r.exit_code == 0);
    CHECK(ok.has("d=254"));  // 255 frames of down() and the thread's own: 256
    const ran bad = run(deep + "thread t\n  down(255)\nend\n");
    CHECK(bad.r.exit_code == 1);
    CHECK(bad.has("t.kms:5: calls nest too deeply: down() would be frame 257 on the stack of t, and kmsim allows 256"));
}

TEST_CASE("kthread_run and kthread_stop: the thread's result, its memory allocated and freed", "[scenarios][v2]")
{
    const ran x = run(R"(waitqueue wq
global jobs = 0
func worker(base)
  done = 0
  while !kthread_should_stop()
    wait_event(wq, jobs > 0 || kthread_should_stop())
    done = done + jobs
    jobs = 0
  end
  return base + done
end
thread t
  k = kthread_run(worker, 1000, "worker")
  repeat 3
    jobs = 7
    wake_up(wq)
    msleep(1)
  end
  printk(KERN_INFO "result=%d\n", kthread_stop(k))
end
expect completed
expect no leaks
)");
    INFO(x.out);
    CHECK(x.r.exit_code == 0);
    CHECK(x.has("result=1021"));
    // task_struct and stack: GFP_KERNEL, counted on the calling thread's row.
    CHECK(x.has("GFP_KERNEL                                  1 calls      0 failed"));
}

TEST_CASE("kthread_create waits for wake_up_process; stopped first, it returns -EINTR", "[scenarios][v2]")
{
    const ran x = run(R"(global ran = 0
func f(a)
  ran = ran + a
  return 5
end
thread t
  k = kthread_create(f, 1, "lazy")
  msleep(5)
  printk(KERN_INFO "before wake: ran=%d\n", ran)
  wake_up_process(k)
  msleep(5)
  printk(KERN_INFO "after: ran=%d stop=%d\n", ran, kthread_stop(k))
  k2 = kthread_create(f, 10, "never")
  printk(KERN_INFO "never: stop=%d ran=%d is_err=%d\n", kthread_stop(k2), ran, IS_ERR(k2))
end
)");
    INFO(x.out);
    CHECK(x.has("before wake: ran=0"));
    // A thread that returned by itself is freed: stopping it is a use-after-free.
    CHECK(x.has("BUG: KASAN: slab-use-after-free in kthread_stop("));
    CHECK(x.has("after: ran=1 stop=5"));
    CHECK(x.has("never: stop=-4 ran=1 is_err=0"));
}

TEST_CASE("wait_event_timeout gives the jiffies left, or 0; a wait nobody ends is a deadlock", "[scenarios][v2]")
{
    const ran x = run(R"(machine cpus=2 hz=1000
global flag = 0
waitqueue wq
thread waiter
  left = wait_event_timeout(wq, flag == 1, 10ms)
  gone = wait_event_timeout(wq, flag == 2, 5)
  printk(KERN_INFO "left=%d gone=%d\n", left, gone)
end
thread setter
  mdelay(3)
  flag = 1
  wake_up(wq)
end
)");
    INFO(x.out);
    CHECK(x.has("left=7 gone=0"));
    const ran d = run("waitqueue never_wq\nthread t\n  wait_event(never_wq, 0)\nend\nexpect deadlock\n");
    INFO(d.out);
    CHECK(d.r.outcome == "deadlock");
    CHECK(d.r.exit_code == 0);
    CHECK(d.has("wait_event(never_wq)"));
}

TEST_CASE("a lock class: recursive locking without the nesting annotation, silence with it", "[scenarios][v2]")
{
    const std::string decls = "lock a mutex class=inode\nlock b mutex class=inode\n";
    const ran plain = run(decls + "thread t\n  mutex_lock(a)\n  mutex_lock(b)\n  mutex_unlock(b)\n  mutex_unlock(a)\nend\n");
    CHECK(plain.has("WARNING: possible recursive locking detected"));
    CHECK(plain.has("(inode){+.+.}-{3:3}, at: t at t.kms:4"));
    const ran nested =
        run(decls + "thread t\n  mutex_lock(a)\n  mutex_lock_nested(b, 1)\n  mutex_unlock(b)\n  mutex_unlock(a)\nend\n");
    CHECK_FALSE(nested.has("WARNING"));
}

TEST_CASE("add_pagecache at run time: clean or dirty through a device; nr_free_pages falls", "[scenarios][v2]")
{
    const ran x = run(R"(machine cpus=1 memory=64M
blockdev disk latency=100us
end
thread t
  before = nr_free_pages()
  added = add_pagecache(4M)
  dirty = add_pagecache(1M, disk)
  printk(KERN_INFO "added=%d dirty=%d used=%d\n", added, dirty, before - nr_free_pages())
  show_meminfo()
end
)");
    INFO(x.out);
    CHECK(x.has("added=4194304 dirty=1048576 used=1280"));
    CHECK(x.has("GFP_HIGHUSER_MOVABLE                        2 calls      0 failed"));
    CHECK(x.has("Cached:             5120 kB"));
    CHECK(x.has("Dirty:              1024 kB"));
}

TEST_CASE("an interrupt source with count=N delivers all N even after the threads return", "[scenarios][v2]")
{
    const ran x = run(R"(global n = 0
thread t
  n = n + 1
end
irq tick line=3 every=1ms count=10
  n = n + 1
  if n == 11
    printk(KERN_INFO "all ten\n")
  end
end
irq forever line=4 every=3ms
end
expect completed
)");
    INFO(x.out);
    CHECK(x.has("[    0.010000] all ten"));
    CHECK(x.has("outcome: completed    simulated time: 0.010"));
}

TEST_CASE("lock NAME rwsem: down_read shares, down_write waits, and the calls check the lock's kind",
          "[scenarios][v2][rwsem]")
{
    const ran x = run(R"(machine cpus=3
lock sem rwsem
global readers = 0
thread r1 cpu=0
  down_read(sem)
  readers = readers + 1
  msleep(5)
  readers = readers - 1
  up_read(sem)
end
thread r2 cpu=1
  down_read(sem)
  printk(KERN_INFO "r2 reads beside %d other\n", readers)
  up_read(sem)
end
thread w cpu=2 at=1ms
  down_write(sem)
  printk(KERN_INFO "w writes after the readers: %d left\n", readers)
  downgrade_write(sem)
  up_read(sem)
end
expect completed
expect no report
)");
    INFO(x.out);
    CHECK(x.r.exit_code == 0);
    CHECK(x.has("r2 reads beside 1 other"));
    CHECK(x.has("[    0.006000] w writes after the readers: 0 left"));
    try {
        parse_scenario("lock m mutex\nthread t\n  down_read(m)\nend\n", "t.kms");
        FAIL("a mutex is no rwsem");
    } catch (const scenario_error& e) {
        CHECK(e.diag.message == "down_read() needs a rwsem, but 'm' is a mutex");
        CHECK(e.diag.col == 13);
    }
}

TEST_CASE("memalloc_noreclaim_save: the task's allocations use the reserves and never reclaim", "[scenarios][v2]")
{
    const ran x = run(R"(machine cpus=1 memory=32M
thread t
  while alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0) != NULL
  end
  f = memalloc_noreclaim_save()
  p = alloc_pages(GFP_KERNEL, 0)
  memalloc_noreclaim_restore(f)
  q = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0)
  printk(KERN_INFO "in the scope %d, after it %d\n", p != NULL, q != NULL)
end
)");
    INFO(x.out);
    CHECK(x.has("in the scope 1, after it 0"));
}

TEST_CASE("mempool: the reserve first when the allocator fails, NULL only to a caller that cannot sleep",
          "[scenarios][mempool]")
{
    // failslab-like exhaustion: the cache's one slab is full, and memory
    // is too: GFP_NOWAIT gets the two reserved elements, then NULL.
    const ran x = run(R"(machine cpus=1 memory=32M
cache obj size=4096
mempool pool min=2 cache=obj
global hog[8192]
thread t
  n = 0
  while n < 8192
    p = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0)
    if p == NULL
      break
    end
    hog[n] = p
    n = n + 1
  end
  while kmem_cache_alloc(obj, GFP_NOWAIT | __GFP_NOWARN) != NULL
  end
  a = mempool_alloc(pool, GFP_NOWAIT)
  b = mempool_alloc(pool, GFP_NOWAIT)
  c = mempool_alloc(pool, GFP_NOWAIT)
  printk(KERN_INFO "a=%d b=%d c=%d\n", a != NULL, b != NULL, c != NULL)
  mempool_free(a, pool)
  d = mempool_alloc(pool, GFP_NOWAIT)
  printk(KERN_INFO "d is a: %d\n", d == a)
end
)");
    INFO(x.out);
    CHECK(x.has("a=1 b=1 c=0"));
    CHECK(x.has("d is a: 1"));
    struct bad {
        const char* text;
        const char* message;
    };
    for (const bad& b : {bad{"mempool p size=64\n", "mempool needs min=N and either size=BYTES (a kmalloc pool) or cache=CACHE (a slab pool)"},
                         bad{"mempool p min=0 size=64\n", "a mempool reserves 1 to 65536 elements, not 0"},
                         bad{"mempool p min=2 cache=nope\n", "cache 'nope' is not declared (declare it with 'cache' before the mempool)"},
                         bad{"thread t\n  mempool_alloc(q, GFP_KERNEL)\nend\n", "mempool 'q' is not declared (declare it with 'mempool' before the thread that uses it)"}}) {
        INFO(b.text);
        try {
            parse_scenario(b.text, "t.kms");
            FAIL("expected an error");
        } catch (const scenario_error& e) {
            CHECK(e.diag.message == b.message);
        }
    }
}

TEST_CASE("process declarations: the OOM killer's candidates, checked where they are written", "[scenarios][oom]")
{
    const scenario sc = parse_scenario("process db rss=16M swap=4M oom_score_adj=-1000\nprocess web rss=8M\n", "t.kms");
    REQUIRE(sc.processes.size() == 2);
    CHECK(sc.processes[0].oom_score_adj == -1000);
    CHECK(sc.processes[0].swap == 4u << 20);
    CHECK(sc.processes[1].oom_score_adj == 0);
    struct bad {
        const char* text;
        int col;
        const char* message;
    };
    for (const bad& b : {bad{"process p\n", 1, "process needs rss=SIZE: the anonymous memory it holds"},
                         bad{"process p rss=100\n", 15, "rss is a size in whole pages, as 64M"},
                         bad{"process p rss=4M oom_score_adj=1001\n", 32, "oom_score_adj is -1000 to 1000, not 1001"},
                         bad{"process p rss=4M oom_score_adj=-2000\n", 32, "oom_score_adj is -1000 to 1000, not -2000"},
                         bad{"process averyveryverylongname rss=4M\n", 9,
                             "a task's name (comm) is at most 15 characters (TASK_COMM_LEN 16), and "
                             "\"averyveryverylongname\" has 21"}}) {
        INFO(b.text);
        try {
            parse_scenario(b.text, "t.kms");
            FAIL("expected an error");
        } catch (const scenario_error& e) {
            CHECK(e.diag.message == b.message);
            CHECK(e.diag.col == b.col);
        }
    }
    // Memory a process cannot have at boot is an error at its line.
    const scenario big = parse_scenario("machine cpus=1 memory=32M\nprocess huge rss=64M\n", "t.kms");
    std::ostringstream out;
    run_options o;
    CHECK_THROWS_AS(run_scenario(big, o, out), scenario_error);
}

// tests/mm/slab_test.cpp - SLUB geometry, slabs growing and shrinking, slub_debug checks, slabinfo.
#include "harness.h"

#include "mm/kernel_memory.h"
#include "mm/memmap.h"

#include <cstring>
#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;

namespace {

using slab_fixture = memory_fixture;

struct geometry {
    const char* name;
    std::uint32_t objsize;
    unsigned objperslab;
    unsigned pagesperslab;
};

void check_geometry(slab_fixture& f, const std::vector<geometry>& table)
{
    for (const auto& g : table) {
        INFO(g.name);
        const mm::kmem_cache* s = f.mem.slabs().find(g.name);
        REQUIRE(s);
        CHECK(s->size == g.objsize);
        CHECK(s->objects == g.objperslab);
        CHECK((1u << s->order) == g.pagesperslab);
    }
}

}  // namespace

TEST_CASE("kmalloc caches on 2 CPUs without debugging: a real 6.1 kernel's slabinfo", "[mm][slab]")
{
    slab_fixture f(2);
    check_geometry(f, {{"kmalloc-8", 8, 512, 1},     {"kmalloc-16", 16, 256, 1},   {"kmalloc-32", 32, 128, 1},
                       {"kmalloc-64", 64, 64, 1},    {"kmalloc-96", 96, 42, 1},    {"kmalloc-128", 128, 32, 1},
                       {"kmalloc-192", 192, 21, 1},  {"kmalloc-256", 256, 16, 1},  {"kmalloc-512", 512, 16, 2},
                       {"kmalloc-1k", 1024, 16, 4},  {"kmalloc-2k", 2048, 16, 8},  {"kmalloc-4k", 4096, 8, 8},
                       {"kmalloc-8k", 8192, 4, 8}});
}

TEST_CASE("kmalloc caches on 2 CPUs with slub_debug=FZPU: a real 6.1 kernel's slabinfo", "[mm][slab]")
{
    slab_fixture f(2, "slub_debug=FZPU");
    check_geometry(f, {{"kmalloc-8", 112, 36, 1},      {"kmalloc-16", 128, 32, 1},     {"kmalloc-32", 160, 25, 1},
                       {"kmalloc-64", 256, 16, 1},     {"kmalloc-96", 200, 20, 1},     {"kmalloc-128", 384, 21, 2},
                       {"kmalloc-192", 296, 13, 1},    {"kmalloc-256", 768, 21, 4},    {"kmalloc-512", 1536, 21, 8},
                       {"kmalloc-1k", 3072, 10, 8},    {"kmalloc-2k", 6144, 5, 8},     {"kmalloc-4k", 12288, 2, 8},
                       {"kmalloc-8k", 24576, 1, 8}});
}

TEST_CASE("min_objects follows the CPU count: 8 CPUs give kmalloc-1k order 3", "[mm][slab]")
{
    // 4 * (fls(8) + 1) = 20 objects: 20 KiB -> order 3, 32 objects.
    slab_fixture f(8);
    check_geometry(f, {{"kmalloc-64", 64, 64, 1}, {"kmalloc-96", 96, 42, 1}, {"kmalloc-192", 192, 21, 1},
                       {"kmalloc-1k", 1024, 32, 8}, {"kmalloc-8k", 8192, 4, 8}});
}

TEST_CASE("boot parameters: slub_min_objects, slub_max_order, per-cache debugging", "[mm][slab]")
{
    slab_fixture f(2, "slub_max_order=0 slub_debug=FZ,kmalloc-64");
    // max order 0: every slab is one page (8k objects need order 1: get_order).
    check_geometry(f, {{"kmalloc-1k", 1024, 4, 1}, {"kmalloc-8k", 8192, 1, 2}});
    const mm::kmem_cache* k64 = f.mem.slabs().find("kmalloc-64");
    CHECK((k64->flags & mm::SLAB_RED_ZONE) != 0);
    CHECK((f.mem.slabs().find("kmalloc-128")->flags & mm::SLAB_RED_ZONE) == 0);
    // 64 + 8 red zone + 8 pad + left pad 64 = 144 -> aligned to 64: 192
    CHECK(k64->size == 192);

    slab_fixture g(2, "slab_min_objects=64");
    check_geometry(g, {{"kmalloc-256", 256, 64, 4}});

    mm::slab_boot_params p;
    CHECK(*mm::parse_slab_boot_params("slub_debug=FQ", p) ==
          "slub_debug=FQ: unknown slab_debug option in 'FQ' (letters are F Z P U T A O -)");
    CHECK(*mm::parse_slab_boot_params("slub_max_order=99", p) == "slub_max_order=99: '99' is not a number from 0 to 10");
}

TEST_CASE("SLAB_HWCACHE_ALIGN aligns to a cache line, halved while the object fits in half", "[mm][slab]")
{
    slab_fixture f(2);
    auto* a = f.mem.slabs().create("tiny", 20, {0, mm::SLAB_HWCACHE_ALIGN});
    auto* b = f.mem.slabs().create("medium", 100, {0, mm::SLAB_HWCACHE_ALIGN});
    auto* c = f.mem.slabs().create("plain", 100, {});
    CHECK(a->align == 32);
    CHECK(a->size == 32);
    CHECK(b->align == 64);
    CHECK(b->size == 128);
    CHECK(c->size == 104);
    CHECK(c->offset == 48);  // the free pointer sits mid-object
    CHECK_THROWS_WITH(f.mem.slabs().create("zero", 0, {}),
                      "kmem_cache_create(zero) integrity check failed: size 0 is not in 8..4M");
}

TEST_CASE("slabs grow from the page allocator and empty ones return per min_partial", "[mm][slab]")
{
    slab_fixture f(1);
    auto* s = f.mem.slabs().create("obj", 512, {});  // 8 objects per order-0 slab? 4096/512 = 8, min 8 -> order 0
    REQUIRE(s->objects == 8);
    const std::uint64_t free_before = f.mem.nd().nr_free_pages();
    std::vector<std::uint64_t> objs;
    f.in_thread([&] {
        for (int i = 0; i < 8 * 20; ++i)
            objs.push_back(f.mem.slabs().alloc(s, mm::GFP_KERNEL));
        CHECK(s->nr_slabs == 20);
        CHECK(f.mem.vm()[mm::NR_SLAB_UNRECLAIMABLE] == 20);
        for (std::uint64_t o : objs)
            f.mem.slabs().free(s, o);
    });
    // min_partial = clamp(ilog2(512) / 2, 5, 10) = 5. A slab that empties
    // while the node already has 5 partial slabs (itself included) goes back:
    // 4 empty partial slabs stay, plus the CPU's own slab.
    CHECK(s->min_partial == 5);
    CHECK(s->nr_slabs == 5);
    CHECK(s->partial.size() == 4);
    CHECK(s->inuse_objects == 0);
    CHECK(f.mem.nd().nr_free_pages() == free_before - 5);
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("slab growth uses the caller's mask: GFP_ATOMIC fails at the atomic reserve", "[mm][slab]")
{
    slab_fixture f(1, "", 64 * MiB);
    auto* s = f.mem.slabs().create("big", 4096, {});
    std::size_t got = 0;
    f.in_thread([&] {
        while (f.mem.slabs().alloc(s, mm::GFP_ATOMIC))
            ++got;
    });
    CHECK(got > 1000);
    const arch::report* r =
        f.find_report("SLUB: Unable to allocate memory on CPU 0 (of node 0) on node -1, gfp=0x820(GFP_ATOMIC)");
    REQUIRE(r);
    CHECK(r->text.find("  cache: big, object size: 4096, buffer size: 4096, default order: 3, min order: 0\n") !=
          std::string::npos);
    // Order 3 is the cache's choice, not debugging's: no hint.
    CHECK(r->text.find("debugging increased min order") == std::string::npos);
    // The page allocator's own report came first, for the min-order attempt with the caller's flags.
    CHECK(f.find_report("worker: page allocation failure: order:0, mode:0x40820(GFP_ATOMIC|__GFP_COMP)"));
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("SLUB's out-of-memory message says when debugging raised the minimum order", "[mm][slab]")
{
    // A red zone makes a 4096-byte object's buffer larger than a page, so
    // its minimum order is 1 where get_order(4096) is 0.
    //
    // A debugged cache whose minimum order is what its objects need anyway
    // (1000 bytes and a red zone fit in a page) gets no hint, whatever its
    // preferred order.
    slab_fixture f(1, "slub_debug=Z", 64 * MiB);
    auto* s = f.mem.slabs().create("big", 4096, {});
    auto* mid = f.mem.slabs().create("mid", 1000, {});
    CHECK(s->min_order == 1);
    CHECK(mid->min_order == 0);
    CHECK(mid->order > 0);
    f.in_thread([&] {
        while (f.mem.slabs().alloc(s, mm::GFP_ATOMIC)) {
        }
        while (f.mem.slabs().alloc(mid, mm::GFP_ATOMIC)) {
        }
    });
    const arch::report* r = f.find_report("SLUB: Unable to allocate memory on CPU 0 (of node 0) on node -1");
    REQUIRE(r);
    CHECK(r->text.find("\n  big debugging increased min order, use slab_debug=O to disable.\n") != std::string::npos);
    const arch::report* m = nullptr;
    for (const auto& x : f.m.log().reports())
        if (x.text.find("  cache: mid,") != std::string::npos)
            m = &x;
    REQUIRE(m);
    CHECK(m->text.find("debugging increased min order") == std::string::npos);
}

TEST_CASE("without KASAN, a double free is SLUB's 'Object already free', and the object stays free", "[mm][slab]")
{
    slab_fixture f(1, "", 256 * MiB, false);
    auto* s = f.mem.slabs().create("obj", 64, {});
    f.in_thread([&] {
        std::uint64_t o = f.mem.slabs().alloc(s, mm::GFP_KERNEL);
        f.mem.slabs().free(s, o);
        f.mem.slabs().free(s, o);
    });
    const arch::report* r = f.find_report("BUG obj (Not tainted): Object already free");
    REQUIRE(r);
    CHECK(r->kind == arch::report_kind::slab);
    CHECK(r->text.rfind("=============================================================================\n"
                        "BUG obj (Not tainted): Object already free\n"
                        "-----------------------------------------------------------------------------\n\n",
                        0) == 0);
    CHECK(r->text.find("\nFIX obj: Object at 0x") != std::string::npos);
    CHECK(s->inuse_objects == 0);
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("a write past the requested size is caught as a kmalloc Redzone overwrite at kfree", "[mm][slab]")
{
    slab_fixture f(1, "slub_debug=FZPU");
    std::uint64_t p = 0;
    f.in_thread([&] {
        p = f.mem.kmalloc().kmalloc(60, mm::GFP_KERNEL);  // kmalloc-64, 4 bytes of slack
        f.bytes(p)[61] = 0x78;
        f.mem.kmalloc().kfree(p);
    });
    const arch::report* r = f.find_report("BUG kmalloc-64 (Not tainted): kmalloc Redzone overwritten");
    REQUIRE(r);
    CHECK(r->text.find(fmt::format("0x{:016x}-0x{:016x} @offset=", p + 61, p + 61)) != std::string::npos);
    CHECK(r->text.find(". First byte 0x78 instead of 0xcc\n") != std::string::npos);
    CHECK(r->text.find("Allocated in worker age=0 cpu=0 pid=100\n") != std::string::npos);
    CHECK(r->text.find("\nObject   ") != std::string::npos);
    CHECK(r->text.find("FIX kmalloc-64: Restoring kmalloc Redzone") != std::string::npos);
    // Not freed (the check failed), as free_debug_processing does.
    CHECK(f.mem.slabs().find("kmalloc-64")->inuse_objects == 1);
}

TEST_CASE("a write after free is caught as Poison overwritten at the next allocation", "[mm][slab]")
{
    slab_fixture f(1, "slub_debug=FZPU,obj");
    auto* s = f.mem.slabs().create("obj", 64, {});
    std::uint64_t a = 0, b = 0;
    f.in_thread([&] {
        a = f.mem.slabs().alloc(s, mm::GFP_KERNEL);
        // Freshly allocated debug objects read as poison.
        CHECK(f.bytes(a)[0] == mm::POISON_FREE);
        CHECK(f.bytes(a)[63] == mm::POISON_END);
        f.mem.slabs().free(s, a);
        f.bytes(a)[10] = 0;  // use after free
        b = f.mem.slabs().alloc(s, mm::GFP_KERNEL);
    });
    const arch::report* r = f.find_report("BUG obj (Not tainted): Poison overwritten");
    REQUIRE(r);
    CHECK(r->text.find("First byte 0x0 instead of 0x6b") != std::string::npos);
    CHECK(r->text.find("Freed in worker age=0 cpu=0 pid=100\n") != std::string::npos);
    CHECK(b != 0);
    CHECK(b != a);  // the damaged slab was isolated ("Marking all objects used")
    CHECK(f.m.log().dmesg().find("FIX obj: Marking all objects used") != std::string::npos);
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("kmem_cache_destroy with live objects reports them, takes the cache off the list and leaves it usable",
          "[mm][slab]")
{
    slab_fixture f(1);
    auto* s = f.mem.slabs().create("leaky", 128, {});
    std::uint64_t a = 0;
    f.in_thread([&] {
        a = f.mem.slabs().alloc(s, mm::GFP_KERNEL);
        f.mem.slabs().alloc(s, mm::GFP_KERNEL);
        f.mem.slabs().destroy(s);
        f.mem.slabs().kmem_cache_free(s, a);  // the kernel leaked the struct: it still works
    });
    // 6.15's wording, from slab_err(): the banner, the slab, the stack, then the objects.
    const arch::report* r = f.find_report("BUG leaky (Not tainted): Objects remaining in leaky on __kmem_cache_shutdown()");
    REQUIRE(r);
    const std::size_t slab = r->text.find("objects=32 used=2");
    const std::size_t stack = r->text.find("Call Trace:");
    const std::size_t object = r->text.find(fmt::format("Object 0x{:016x} @offset=0\n", a));
    CHECK(slab < stack);
    CHECK(stack < object);
    CHECK(object != std::string::npos);
    CHECK(f.find_report("kmem_cache_destroy leaky: Slab cache still has objects when called from worker"));
    CHECK(s->destroyed);
    CHECK_FALSE(s->released);
    CHECK(f.mem.slabs().find("leaky") == nullptr);  // off /proc/slabinfo
    CHECK(f.mem.slabs().slabinfo().find("leaky") == std::string::npos);
    CHECK(s->inuse_objects == 1);
}

TEST_CASE("kmem_cache_destroy of an empty cache frees its slabs and releases it", "[mm][slab]")
{
    slab_fixture f(1);
    auto* s = f.mem.slabs().create("tidy", 256, {});
    const std::uint64_t free_before = f.mem.nd().nr_free_pages();
    f.in_thread([&] {
        const std::uint64_t p = f.mem.slabs().alloc(s, mm::GFP_KERNEL);
        f.mem.slabs().kmem_cache_free(s, p);
        f.mem.slabs().destroy(s);
    });
    CHECK(f.m.log().reports().empty());
    CHECK(s->destroyed);
    CHECK(s->released);
    CHECK(f.mem.nd().nr_free_pages() == free_before);
    CHECK(f.mem.slabs().find("tidy") == nullptr);
}

TEST_CASE("kmem_cache_create at run time: any name, NULL with a warning when no slab holds the objects",
          "[mm][slab]")
{
    slab_fixture f(1);
    mm::kmem_cache *small = nullptr, *twin = nullptr, *huge = nullptr, *zero = nullptr;
    f.in_thread([&] {
        small = f.mem.slabs().kmem_cache_create("tiny", 3, {});
        twin = f.mem.slabs().kmem_cache_create("tiny", 3, {});  // names may repeat
        huge = f.mem.slabs().kmem_cache_create("huge", 8u << 20, {});
        zero = f.mem.slabs().kmem_cache_create("zero", 0, {});
    });
    REQUIRE(small);
    CHECK(small->object_size == 8);  // at least a word
    CHECK(twin != small);
    CHECK(f.mem.slabs().find("tiny") == twin);  // the most recent
    CHECK(huge == nullptr);
    CHECK(zero == nullptr);
    const std::string log = f.m.log().dmesg();
    CHECK(log.find("__kmem_cache_create_args(huge) failed with error -22\n") != std::string::npos);
    CHECK(log.find("__kmem_cache_create_args(zero) failed with error -22\n") != std::string::npos);

    slab_fixture g(1);
    mm::kmem_cache_options panic;
    panic.flags = mm::SLAB_PANIC;
    g.in_thread([&] { g.mem.slabs().kmem_cache_create("must", 8u << 20, panic); });
    CHECK(g.find_report("Kernel panic - not syncing: __kmem_cache_create_args: Failed to create slab 'must'. Error -22"));
}

TEST_CASE("SLAB_* flags by name, and back", "[mm][slab]")
{
    CHECK(mm::slab_flag_by_name("SLAB_HWCACHE_ALIGN") == mm::SLAB_HWCACHE_ALIGN);
    CHECK_FALSE(mm::slab_flag_by_name("SLAB_NOPE"));
    CHECK(mm::format_slab_flags(0) == "0");
    CHECK(mm::format_slab_flags(mm::SLAB_HWCACHE_ALIGN | mm::SLAB_PANIC) == "SLAB_HWCACHE_ALIGN|SLAB_PANIC");
    CHECK(mm::format_slab_flags(mm::SLAB_POISON | (1u << 30)) == "SLAB_POISON|0x40000000");
}

TEST_CASE("/proc/slabinfo: version 2.1, most recent cache first", "[mm][slab]")
{
    slab_fixture f(2);
    auto* s = f.mem.slabs().create("my_cache", 100, {});
    f.in_thread([&] {
        for (int i = 0; i < 3; ++i)
            f.mem.slabs().alloc(s, mm::GFP_KERNEL);
    });
    std::string info = f.mem.slabs().slabinfo();
    CHECK(info.rfind("slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> "
                     "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> "
                     "<num_slabs> <sharedavail>\nmy_cache              39     39    104   39    1 : tunables    0 "
                     "   0    0 : slabdata      1      1      0\n",
                     0) == 0);
    CHECK(info.find("\nkmalloc-8              0      0      8  512    1 : tunables") != std::string::npos);
}

TEST_CASE("random slab operations keep every invariant", "[mm][slab]")
{
    slab_fixture f(2);
    auto* a = f.mem.slabs().create("a", 40, {});
    auto* b = f.mem.slabs().create("b", 700, {0, mm::SLAB_HWCACHE_ALIGN});
    f.in_thread([&] {
        auto& r = f.eng.random().stream("slab");
        std::vector<std::pair<mm::kmem_cache*, std::uint64_t>> live;
        for (int step = 0; step < 5000; ++step) {
            if (live.empty() || r.uniform(0, 99) < 55) {
                mm::kmem_cache* s = r.uniform(0, 1) ? a : b;
                if (std::uint64_t o = f.mem.slabs().alloc(s, mm::GFP_KERNEL))
                    live.push_back({s, o});
            } else {
                std::size_t i = r.uniform(0, live.size() - 1);
                f.mem.slabs().free(live[i].first, live[i].second);
                live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
            }
            if (step % 7 == 0)
                f.m.udelay(1);
            REQUIRE(f.mem.check_invariants().empty());
        }
    });
}

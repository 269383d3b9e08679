// tests/mm/kmalloc_test.cpp - the kmalloc family's edge cases, exactly as Linux 6.15 has them.
#include "harness.h"

#include "mm/kernel_memory.h"

#include <cstring>
#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;
using mm::ZERO_SIZE_PTR;

using km_fixture = memory_fixture;

TEST_CASE("kmalloc size classes map as __kmalloc_index does", "[mm][kmalloc]")
{
    struct row {
        std::uint64_t size;
        const char* cache;
    };
    for (row r : {row{1, "kmalloc-8"}, {8, "kmalloc-8"}, {9, "kmalloc-16"}, {17, "kmalloc-32"}, {32, "kmalloc-32"},
                  {33, "kmalloc-64"}, {65, "kmalloc-96"}, {96, "kmalloc-96"}, {97, "kmalloc-128"},
                  {129, "kmalloc-192"}, {192, "kmalloc-192"}, {193, "kmalloc-256"}, {257, "kmalloc-512"},
                  {513, "kmalloc-1k"}, {1025, "kmalloc-2k"}, {2049, "kmalloc-4k"}, {4097, "kmalloc-8k"},
                  {8192, "kmalloc-8k"}}) {
        INFO(r.size);
        CHECK(mm::kmalloc_cache_name(mm::KMALLOC_NORMAL, mm::kmalloc_index(r.size)) == r.cache);
    }
    CHECK(mm::kmalloc_index(0) == 0);
}

TEST_CASE("the GFP mask picks the cache type; __GFP_DMA32 picks none", "[mm][kmalloc]")
{
    km_fixture f;
    std::vector<std::string> caches;
    f.in_thread([&] {
        caches.push_back(f.cache_of(f.k().kmalloc(100, mm::GFP_KERNEL)));
        caches.push_back(f.cache_of(f.k().kmalloc(100, mm::GFP_KERNEL | mm::GFP_DMA)));
        caches.push_back(f.cache_of(f.k().kmalloc(100, mm::GFP_KERNEL | mm::gfp::RECLAIMABLE)));
        caches.push_back(f.cache_of(f.k().kmalloc(100, mm::GFP_KERNEL_ACCOUNT)));
        caches.push_back(f.cache_of(f.k().kmalloc(100, mm::GFP_KERNEL | mm::gfp::DMA | mm::gfp::ACCOUNT)));
    });
    CHECK(caches == std::vector<std::string>{"kmalloc-128", "dma-kmalloc-128", "kmalloc-rcl-128", "kmalloc-cg-128",
                                             "dma-kmalloc-128"});
}

TEST_CASE("__GFP_DMA32 and __GFP_HIGHMEM are fixed up, with the kernel's message, for slabs and large kmalloc",
          "[mm][kmalloc]")
{
    // kmalloc_fix_flags(): the slab path meets it when a new slab is made,
    // the large-kmalloc path (over 8 KiB) before it asks for pages.
    km_fixture f;
    std::uint64_t small = 0, large = 0;
    f.in_thread([&] {
        small = f.k().kmalloc(64, mm::GFP_KERNEL | mm::gfp::DMA32);
        large = f.k().kmalloc(16384, mm::GFP_KERNEL | mm::gfp::HIGHMEM);
    });
    CHECK(small != 0);
    CHECK(large != 0);
    std::vector<std::string> titles;
    for (const auto& r : f.m.log().reports())
        titles.push_back(r.title);
    CHECK(titles == std::vector<std::string>{
                        "Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!",
                        "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"});
    const arch::report* r = f.find_report("Unexpected gfp: 0x2");
    REQUIRE(r);
    CHECK(r->text.find("Call Trace:") != std::string::npos);
}

TEST_CASE("dma-kmalloc slabs come from ZONE_DMA", "[mm][kmalloc]")
{
    km_fixture f;
    std::uint64_t p = 0;
    f.in_thread([&] { p = f.k().kmalloc(64, mm::GFP_KERNEL | mm::GFP_DMA); });
    mm::pfn_t pfn;
    REQUIRE(f.mem.nd().map().virt_to_pfn(p, pfn));
    CHECK(f.mem.nd().zone_of(pfn)->type == mm::ZONE_DMA);
}

TEST_CASE("kmalloc(0) is ZERO_SIZE_PTR; kfree of NULL and ZERO_SIZE_PTR do nothing", "[mm][kmalloc]")
{
    km_fixture f;
    std::uint64_t z = 1;
    f.in_thread([&] {
        z = f.k().kmalloc(0, mm::GFP_KERNEL);
        f.k().kfree(0);
        f.k().kfree(ZERO_SIZE_PTR);
    });
    CHECK(z == 16);
    CHECK(mm::ZERO_OR_NULL_PTR(z));
    CHECK(f.m.log().reports().empty());
    CHECK(f.k().ksize(ZERO_SIZE_PTR) == 0);
}

TEST_CASE("above 8 KiB kmalloc goes to the page allocator; above 4 MiB it warns and fails", "[mm][kmalloc]")
{
    km_fixture f;
    std::uint64_t a = 0, big = 1, huge = 1;
    std::uint64_t ka = 0, kbig = 0;
    f.in_thread([&] {
        a = f.k().kmalloc(9000, mm::GFP_KERNEL);
        ka = f.k().ksize(a);
        CHECK(f.mem.vm()[mm::NR_SLAB_UNRECLAIMABLE] == 4);  // order 2, counted as SUnreclaim
        big = f.k().kmalloc(4 << 20, mm::GFP_KERNEL);
        kbig = f.k().ksize(big);
        huge = f.k().kmalloc((4 << 20) + 1, mm::GFP_KERNEL);
        f.k().kfree(a);
        f.k().kfree(big);
    });
    CHECK((a & 0xfff) == 0);
    CHECK(ka == 16384);
    CHECK(kbig == 4 << 20);
    CHECK(huge == 0);
    REQUIRE(f.m.log().reports().size() == 1);
    CHECK(f.m.log().reports()[0].title == "WARNING: CPU: 0 PID: 100 at mm/page_alloc.c:4773 __alloc_pages_noprof");
    CHECK(f.mem.vm()[mm::NR_SLAB_UNRECLAIMABLE] == 0);
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("kzalloc and kcalloc zero; kcalloc and kmalloc_array fail quietly on overflow", "[mm][kmalloc]")
{
    km_fixture f;
    f.in_thread([&] {
        std::uint64_t p = f.k().kmalloc(64, mm::GFP_KERNEL);
        std::memset(f.bytes(p), 0xee, 64);
        f.k().kfree(p);
        std::uint64_t z = f.k().kzalloc(64, mm::GFP_KERNEL);
        CHECK(z == p);  // LIFO: the object just freed
        bool zero = true;
        for (int i = 0; i < 64; ++i)
            zero &= f.bytes(z)[i] == 0;
        CHECK(zero);
        std::uint64_t c = f.k().kcalloc(10, sizeof(int), mm::GFP_KERNEL);
        CHECK(f.cache_of(c) == "kmalloc-64");
        CHECK(f.k().kcalloc(UINT64_MAX / 2, 4, mm::GFP_KERNEL) == 0);
        CHECK(f.k().kmalloc_array(1ULL << 62, 8, mm::GFP_KERNEL) == 0);
    });
    CHECK(f.m.log().reports().empty());  // no warning for an overflow
}

TEST_CASE("krealloc: NULL acts as kmalloc, 0 frees and returns ZERO_SIZE_PTR", "[mm][kmalloc]")
{
    km_fixture f;
    f.in_thread([&] {
        std::uint64_t p = f.k().krealloc(0, 40, mm::GFP_KERNEL);
        CHECK(f.cache_of(p) == "kmalloc-64");
        std::uint64_t z = f.k().krealloc(p, 0, mm::GFP_KERNEL);
        CHECK(z == ZERO_SIZE_PTR);
        CHECK(f.mem.slabs().find("kmalloc-64")->inuse_objects == 0);
        std::uint64_t q = f.k().krealloc(ZERO_SIZE_PTR, 10, mm::GFP_KERNEL);
        CHECK(f.cache_of(q) == "kmalloc-16");
    });
}

TEST_CASE("krealloc keeps the pointer while the new size fits, zeroing spare bytes on request", "[mm][kmalloc]")
{
    km_fixture f;
    f.in_thread([&] {
        std::uint64_t p = f.k().kmalloc(40, mm::GFP_KERNEL);  // kmalloc-64
        std::memset(f.bytes(p), 0x11, 64);
        CHECK(f.k().krealloc(p, 64, mm::GFP_KERNEL) == p);  // grows in place
        CHECK(f.bytes(p)[50] == 0x11);                      // no zeroing without __GFP_ZERO
        CHECK(f.k().krealloc(p, 20, mm::GFP_KERNEL | mm::gfp::ZERO) == p);  // shrinks in place
        CHECK(f.bytes(p)[19] == 0x11);
        CHECK(f.bytes(p)[20] == 0);
        CHECK(f.bytes(p)[63] == 0);
        // Beyond the object: a new one, content copied, the old one freed.
        std::uint64_t q = f.k().krealloc(p, 100, mm::GFP_KERNEL);
        CHECK(q != p);
        CHECK(f.cache_of(q) == "kmalloc-128");
        CHECK(f.bytes(q)[0] == 0x11);
        CHECK(f.mem.slabs().find("kmalloc-64")->inuse_objects == 0);
    });
}

TEST_CASE("a failed krealloc returns NULL and leaves the object intact", "[mm][kmalloc]")
{
    km_fixture f;
    f.in_thread([&] {
        std::uint64_t p = f.k().kmalloc(64, mm::GFP_KERNEL);
        f.bytes(p)[0] = 0x42;
        f.mem.pages().should_fail_alloc_page = [](mm::gfp_t, unsigned) { return true; };
        std::uint64_t q = f.k().krealloc(p, 100000, mm::GFP_KERNEL | mm::gfp::NOWARN);
        f.mem.pages().should_fail_alloc_page = nullptr;
        CHECK(q == 0);
        CHECK(f.cache_of(p) == "kmalloc-64");
        CHECK(f.bytes(p)[0] == 0x42);
        f.k().kfree(p);
    });
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("with slub_debug the tail of a shrunk object becomes red zone again", "[mm][kmalloc]")
{
    km_fixture f(2, "slub_debug=FZPU");
    f.in_thread([&] {
        std::uint64_t p = f.k().kmalloc(60, mm::GFP_KERNEL);
        CHECK(f.k().krealloc(p, 30, mm::GFP_KERNEL) == p);
        CHECK(f.bytes(p)[30] == mm::SLUB_RED_ACTIVE);
        CHECK(f.bytes(p)[63] == mm::SLUB_RED_ACTIVE);
        f.bytes(p)[40] = 1;  // past the new size: a kmalloc Redzone write
        f.k().kfree(p);
    });
    bool found = false;
    for (const auto& r : f.m.log().reports())
        found |= r.title == "BUG kmalloc-64 (Not tainted): kmalloc Redzone overwritten";
    CHECK(found);
}

TEST_CASE("ksize reports the usable size of the object", "[mm][kmalloc]")
{
    km_fixture plain;
    std::uint64_t a = 0, b = 0;
    plain.in_thread([&] {
        a = plain.k().ksize(plain.k().kmalloc(100, mm::GFP_KERNEL));
        b = plain.k().ksize(plain.k().kmalloc(9000, mm::GFP_KERNEL));
    });
    CHECK(a == 128);
    CHECK(b == 16384);
    km_fixture dbg(2, "slub_debug=FZPU");
    dbg.in_thread([&] { a = dbg.k().ksize(dbg.k().kmalloc(100, mm::GFP_KERNEL)); });
    CHECK(a == 128);
}

TEST_CASE("without KASAN, kfree of a pointer inside an object, or not from kmalloc, is reported by SLUB",
          "[mm][kmalloc]")
{
    km_fixture f(2, "", 256 * MiB, false);
    f.in_thread([&] {
        std::uint64_t p = f.k().kmalloc(64, mm::GFP_KERNEL);
        f.k().kfree(p + 8);
        std::uint64_t pg = f.mem.pages().get_free_pages(mm::GFP_KERNEL, 0);
        f.k().kfree(pg);
        f.k().kfree(p);
    });
    const auto& reps = f.m.log().reports();
    REQUIRE(reps.size() == 2);
    CHECK(reps[0].title.find("BUG kmalloc-64 (Not tainted): Invalid object pointer 0x") == 0);
    CHECK(reps[1].title.rfind("object pointer: 0x", 0) == 0);
    CHECK(reps[1].text.find("WARNING: CPU: 0 PID: 100 at mm/slub.c:4702 free_large_kmalloc") != std::string::npos);
    CHECK(f.mem.slabs().find("kmalloc-64")->inuse_objects == 0);
}

TEST_CASE("meminfo and vmstat count slab pages", "[mm][kmalloc]")
{
    km_fixture f;
    f.in_thread([&] {
        for (int i = 0; i < 100; ++i)
            f.k().kmalloc(4096, mm::GFP_KERNEL);
        for (int i = 0; i < 10; ++i)
            f.k().kmalloc(4096, mm::GFP_KERNEL | mm::gfp::RECLAIMABLE);
    });
    // kmalloc-4k: 8 objects per order-3 slab: 13 slabs = 104 pages; rcl: 2 slabs = 16 pages.
    CHECK(f.mem.vm()[mm::NR_SLAB_UNRECLAIMABLE] == 104);
    CHECK(f.mem.vm()[mm::NR_SLAB_RECLAIMABLE] == 16);
    std::string mi = mm::proc_meminfo(f.mem.nd(), f.mem.vm());
    CHECK(mi.find("Slab:                480 kB\nSReclaimable:         64 kB\nSUnreclaim:          416 kB\n") !=
          std::string::npos);
}

// tests/mm/vmalloc_test.cpp - vmalloc areas, guard pages, KASAN in them, and the kvmalloc() fallback.
#include "harness.h"

#include "mm/kasan.h"
#include "mm/vmalloc.h"

#include <cstring>

using namespace kmsim;
using namespace kmsim::test;

namespace {
struct vmalloc_fixture : memory_fixture {
    explicit vmalloc_fixture(std::uint64_t memory = 64 * MiB) : memory_fixture(1, "", memory) {}
    mm::vmalloc_allocator& v() { return mem.vmalloc(); }
    void in_test(std::function<void()> body) { in_function("vm_test", "vm_test.c", std::move(body)); }
};
}  // namespace

TEST_CASE("vmalloc: areas from VMALLOC_START, a guard page after each, pages mapped one by one", "[mm][vmalloc]")
{
    vmalloc_fixture f;
    f.in_test([&] {
        const std::uint64_t free_before = f.mem.nd().nr_free_pages();
        const std::uint64_t a = f.call("vmalloc", [&] { return f.v().vmalloc(10000, mm::GFP_KERNEL); });
        const std::uint64_t b = f.call("vmalloc", [&] { return f.v().vmalloc(4096, mm::GFP_KERNEL); });
        CHECK(a == mm::VMALLOC_START);
        CHECK(b == mm::VMALLOC_START + 4 * mm::PAGE_SIZE);  // 3 pages and a guard page
        CHECK(f.v().nr_vmalloc_pages() == 4);
        CHECK(free_before - f.mem.nd().nr_free_pages() >= 4);
        // The pages need not be contiguous: bytes are reached page by page.
        REQUIRE(f.mem.kasan().memset(a, 0x5a, 10000));
        CHECK(*f.mem.nd().map().bytes_at(a + 9999) == 0x5a);
        CHECK(f.mem.proc_show("meminfo").find("VmallocUsed:          16 kB") != std::string::npos);
        f.call("vfree", [&] { f.v().vfree(a); return 0; });
        f.call("vfree", [&] { f.v().vfree(b); return 0; });
        CHECK(f.v().nr_vmalloc_pages() == 0);
        // A freed range is not reused until the lazy purge.
        const std::uint64_t c = f.call("vmalloc", [&] { return f.v().vmalloc(100, mm::GFP_KERNEL); });
        CHECK(c == mm::VMALLOC_START + 6 * mm::PAGE_SIZE);
        f.call("vfree", [&] { f.v().vfree(c); return 0; });
    });
    CHECK(f.mem.kmemleak().leak_count() == 0);
}

TEST_CASE("KASAN in vmalloc memory: past the requested size, the guard page, after vfree", "[mm][vmalloc][kasan]")
{
    vmalloc_fixture f;
    f.in_test([&] {
        const std::uint64_t a = f.call("vmalloc", [&] { return f.v().vmalloc(100, mm::GFP_KERNEL); });
        auto& k = f.mem.kasan();
        CHECK_FALSE(k.check_access(a + 99, 1, true, a).reported);
        const auto past = k.check_access(a + 100, 1, true, a);  // in the page, past the request
        CHECK(past.reported);
        CHECK(past.bytes != nullptr);
        const auto guard = k.check_access(a + mm::PAGE_SIZE, 1, false, a);
        CHECK(guard.reported);
        CHECK(guard.bytes == nullptr);
        f.call("vfree", [&] { f.v().vfree(a); return 0; });
        CHECK(k.check_access(a, 1, false, a).reported);
        CHECK(k.check_access(mm::VMALLOC_START + 1000 * mm::PAGE_SIZE, 1, false).fault.has_value());
    });
    const arch::report* r = f.find_report("BUG: KASAN: vmalloc-out-of-bounds in vm_test at vm_test.c:10");
    REQUIRE(r);
    CHECK(r->text.find("Write of size 1 at addr ffffc90000000064 by task worker/100") != std::string::npos);
    CHECK(r->text.find("The buggy address belongs to the virtual mapping at\n [ffffc90000000000, ffffc90000002000) "
                       "created by:\n vmalloc at vm_test.c:12\n") != std::string::npos);
}

TEST_CASE("vfree of what is no area WARNs; vrealloc grows in place within the pages, else moves",
          "[mm][vmalloc]")
{
    vmalloc_fixture f;
    f.in_test([&] {
        f.call("vfree", [&] { f.v().vfree(mm::VMALLOC_START + 123); return 0; });
        const std::uint64_t a = f.call("vmalloc", [&] { return f.v().vmalloc(100, mm::GFP_KERNEL); });
        *f.mem.nd().map().bytes_at(a) = 7;
        CHECK(f.call("vrealloc", [&] { return f.v().vrealloc(a, 4000, mm::GFP_KERNEL); }) == a);
        const std::uint64_t b = f.call("vrealloc", [&] { return f.v().vrealloc(a, 3 * mm::PAGE_SIZE, mm::GFP_KERNEL); });
        CHECK(b != a);
        CHECK(*f.mem.nd().map().bytes_at(b) == 7);
        CHECK(f.call("vrealloc", [&] { return f.v().vrealloc(b, 0, mm::GFP_KERNEL); }) == 0);
    });
    CHECK(f.find_report("Trying to vfree() nonexistent vm area (ffffc9000000007b)"));
    CHECK(f.v().nr_vmalloc_pages() == 0);
}

TEST_CASE("kvmalloc: kmalloc while it works, vmalloc when no block is contiguous, never for atomic masks",
          "[mm][vmalloc]")
{
    vmalloc_fixture f(32 * MiB);
    f.in_test([&] {
        const std::uint64_t small = f.call("kvmalloc", [&] { return f.v().kvmalloc(64 * 1024, mm::GFP_KERNEL); });
        CHECK_FALSE(mm::is_vmalloc_addr(small));
        f.call("kvfree", [&] { f.v().kvfree(small); return 0; });
        // Fragment: take every page (reserves too), give back every other.
        const std::uint32_t saved = f.mem.memalloc_save(mm::PF_MEMALLOC);
        std::vector<mm::page*> pages;
        while (mm::page* p = f.mem.pages().alloc_pages(mm::GFP_KERNEL | mm::gfp::NOWARN, 0))
            pages.push_back(p);
        f.mem.memalloc_restore(mm::PF_MEMALLOC, saved);
        for (std::size_t i = 0; i < pages.size(); i += 2)
            f.mem.pages().free_pages_at(pages[i], 0);
        const std::uint64_t big = f.call("kvmalloc", [&] { return f.v().kvmalloc(64 * 1024, mm::GFP_KERNEL); });
        CHECK(mm::is_vmalloc_addr(big));
        CHECK(f.call("kvmalloc", [&] { return f.v().kvmalloc(64 * 1024, mm::GFP_ATOMIC); }) == 0);
        CHECK(f.call("kvmalloc_array", [&] { return f.v().kvmalloc_array(~0ULL, 16, mm::GFP_KERNEL); }) == 0);
        f.call("kvfree", [&] { f.v().kvfree(big); return 0; });
        for (std::size_t i = 1; i < pages.size(); i += 2)
            f.mem.pages().free_pages_at(pages[i], 0);
    });
    // kvmalloc's kmalloc attempts above a page are __GFP_NOWARN: no warning at all.
    CHECK(f.find_report("page allocation failure") == nullptr);
}

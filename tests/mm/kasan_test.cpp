// tests/mm/kasan_test.cpp - KASAN's checks and reports, driving the allocators directly (mm/kasan_test_c.c's cases).
#include "harness.h"

#include "arch/context.h"
#include "mm/kasan.h"

#include <fmt/format.h>

using namespace kmsim;
using namespace kmsim::test;

namespace {

// The test's code is one kernel function, kasan_test() in kasan_test.c.
struct kasan_fixture : memory_fixture {
    using memory_fixture::memory_fixture;

    void in_test(std::function<void()> body) { in_function("kasan_test", "kasan_test.c", std::move(body)); }
    mm::kasan& kasan() { return mem.kasan(); }
    std::size_t kasan_reports() const
    {
        std::size_t n = 0;
        for (const auto& r : m.log().reports())
            n += r.kind == arch::report_kind::kasan;
        return n;
    }
};

}  // namespace

TEST_CASE("an access past the requested size is slab-out-of-bounds, named as KASAN names it", "[mm][kasan]")
{
    kasan_fixture f(1);
    std::uint64_t p = 0;
    f.in_test([&] {
        p = f.call("kmalloc", [&] { return f.k().kmalloc(60, mm::GFP_KERNEL); });
        const auto inside = f.kasan().check_access(p + 59, 1, true, p);
        CHECK(inside.bytes != nullptr);
        CHECK_FALSE(inside.reported);
        const auto past = f.kasan().check_access(p + 60, 1, true, p);
        CHECK(past.reported);
        CHECK(past.bytes != nullptr);  // a one-byte store still happens (kasan_multi_shot)
        CHECK_FALSE(past.fault);
    });
    REQUIRE(f.kasan_reports() == 1);
    const arch::report& r = f.m.log().reports().front();
    CHECK(r.title == "BUG: KASAN: slab-out-of-bounds in kasan_test at kasan_test.c:10");
    CHECK(r.text.find(fmt::format("Write of size 1 at addr {:016x} by task worker/100\n", p + 60)) != std::string::npos);
    CHECK(r.text.find("Allocated by task 100:\n kmalloc at kasan_test.c:12\n kasan_test at kasan_test.c:10\n") !=
          std::string::npos);
    CHECK(r.text.find(fmt::format("The buggy address belongs to the object at {:016x}\n which belongs to the cache "
                                  "kmalloc-64 of size 64\n",
                                  p)) != std::string::npos);
    CHECK(r.text.find(fmt::format("The buggy address is located 0 bytes to the right of\n allocated 60-byte region "
                                  "[{:016x}, {:016x})\n",
                                  p, p + 60)) != std::string::npos);
    CHECK(f.m.taint_string().find('B') != std::string::npos);
}

TEST_CASE("the pointer an access came from decides its object: p[-1] is out of bounds to the left", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t a = f.call("kmalloc", [&] { return f.k().kmalloc(64, mm::GFP_KERNEL); });
        const std::uint64_t b = f.call("kmalloc", [&] { return f.k().kmalloc(64, mm::GFP_KERNEL); });
        const std::uint64_t lo = std::min(a, b), hi = std::max(a, b);
        REQUIRE(hi - lo == 64);  // neighbours in one slab
        CHECK_FALSE(f.kasan().check_access(hi - 1, 1, false, lo).reported);
        CHECK(f.kasan().check_access(hi - 1, 1, false, hi).reported);
    });
    REQUIRE(f.kasan_reports() == 1);
    CHECK(f.m.log().reports()[0].text.find("The buggy address is located 1 bytes to the left of\n") != std::string::npos);
}

TEST_CASE("a freed object is slab-use-after-free, with who allocated and who freed it", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("kmalloc", [&] { return f.k().kmalloc(128, mm::GFP_KERNEL); });
        f.call("kfree", [&] { return f.k().kfree(p); });
        CHECK(f.kasan().check_access(p + 8, 8, false, p).reported);
    });
    REQUIRE(f.kasan_reports() == 1);
    const arch::report& r = f.m.log().reports().front();
    CHECK(r.title == "BUG: KASAN: slab-use-after-free in kasan_test at kasan_test.c:10");
    CHECK(r.text.find("Read of size 8 at addr ") != std::string::npos);
    CHECK(r.text.find("Allocated by task 100:\n kmalloc at kasan_test.c:12\n") != std::string::npos);
    CHECK(r.text.find("Freed by task 100:\n kfree at kasan_test.c:12\n") != std::string::npos);
    CHECK(r.text.find("The buggy address is located 8 bytes inside of\n freed 128-byte region") != std::string::npos);
}

TEST_CASE("double-free and invalid-free are reported by KASAN and nothing is freed", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("kmalloc", [&] { return f.k().kmalloc(64, mm::GFP_KERNEL); });
        f.call("kfree", [&] { return f.k().kfree(p + 8); });
        CHECK(f.mem.slabs().find("kmalloc-64")->inuse_objects == 1);
        f.call("kfree", [&] { return f.k().kfree(p); });
        f.call("kfree", [&] { return f.k().kfree(p); });
    });
    const auto& reps = f.m.log().reports();
    REQUIRE(reps.size() == 2);
    CHECK(reps[0].title == "BUG: KASAN: invalid-free in kasan_test at kasan_test.c:10");
    CHECK(reps[0].text.find("Free of addr ") != std::string::npos);
    CHECK(reps[0].text.find("The buggy address is located 8 bytes inside of\n 64-byte region") != std::string::npos);
    CHECK(reps[1].title == "BUG: KASAN: double-free in kasan_test at kasan_test.c:10");
    CHECK(f.mem.slabs().find("kmalloc-64")->inuse_objects == 0);
    CHECK(f.mem.check_invariants().empty());
}

TEST_CASE("a large kmalloc: its tail is a redzone, and a pointer inside it is an invalid free", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("kmalloc", [&] { return f.k().kmalloc(10000, mm::GFP_KERNEL); });
        CHECK_FALSE(f.kasan().check_access(p + 9999, 1, false, p).reported);
        CHECK(f.kasan().check_access(p + 10000, 1, false, p).reported);
        CHECK_FALSE(f.call("kfree", [&] { return f.k().kfree(p + 4096); }));
        CHECK(f.call("kfree", [&] { return f.k().kfree(p); }));
    });
    const auto& reps = f.m.log().reports();
    REQUIRE(reps.size() == 2);
    CHECK(reps[0].title == "BUG: KASAN: slab-out-of-bounds in kasan_test at kasan_test.c:10");
    CHECK(reps[0].text.find("The buggy address belongs to the physical page pfn 0x") != std::string::npos);
    CHECK(reps[0].text.find("The buggy address is located 0 bytes to the right of\n 10000-byte region") !=
          std::string::npos);
    CHECK(reps[1].title == "BUG: KASAN: invalid-free in kasan_test at kasan_test.c:10");
}

TEST_CASE("pages given back to the buddy allocator are use-after-free", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("__get_free_pages", [&] { return f.mem.get_free_pages(mm::GFP_KERNEL, 0); });
        CHECK_FALSE(f.kasan().check_access(p + 4095, 1, true).reported);
        f.call("free_pages", [&] {
            f.mem.free_pages(p, 0);
            return 0;
        });
        CHECK(f.kasan().check_access(p, 1, true).reported);
    });
    REQUIRE(f.kasan_reports() == 1);
    CHECK(f.m.log().reports()[0].title == "BUG: KASAN: use-after-free in kasan_test at kasan_test.c:10");
    CHECK(f.m.log().reports()[0].text.find(", which is free\n") != std::string::npos);
}

TEST_CASE("memset and memcpy check their whole range first, and touch nothing when it is bad", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("kmalloc", [&] { return f.k().kzalloc(60, mm::GFP_KERNEL); });
        const std::uint64_t q = f.call("kmalloc", [&] { return f.k().kzalloc(60, mm::GFP_KERNEL); });
        CHECK(f.call("memset", [&] { return f.kasan().memset(p, 0xaa, 60); }));
        CHECK(f.bytes(p)[59] == 0xaa);
        CHECK_FALSE(f.call("memset", [&] { return f.kasan().memset(q, 0xbb, 61); }));
        CHECK(f.bytes(q)[0] == 0);  // the instrumented memset did nothing
        CHECK(f.call("memcpy", [&] { return f.kasan().memcpy(q, p, 60); }));
        CHECK(f.bytes(q)[10] == 0xaa);
        CHECK_FALSE(f.call("memcpy", [&] { return f.kasan().memcpy(q, p, 64); }));
    });
    const auto& reps = f.m.log().reports();
    REQUIRE(reps.size() == 2);
    // Inside a call, the report names the code that made it.
    CHECK(reps[0].title == "BUG: KASAN: slab-out-of-bounds in kasan_test at kasan_test.c:10");
    CHECK(reps[0].text.find("Write of size 61 at addr ") != std::string::npos);
    CHECK(reps[1].text.find("Read of size 64 at addr ") != std::string::npos);  // the source is checked first
}

TEST_CASE("krealloc of a freed object is a KASAN report and NULL", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("kmalloc", [&] { return f.k().kmalloc(201, mm::GFP_KERNEL); });
        f.call("kfree", [&] { return f.k().kfree(p); });
        CHECK(f.call("krealloc", [&] { return f.k().krealloc(p, 235, mm::GFP_KERNEL); }) == 0);
    });
    REQUIRE(f.kasan_reports() == 1);
    CHECK(f.m.log().reports()[0].title == "BUG: KASAN: slab-use-after-free in kasan_test at kasan_test.c:10");
}

TEST_CASE("a NULL or unmapped address is a fault for the caller's Oops, with KASAN on or off", "[mm][kasan]")
{
    for (bool on : {true, false}) {
        INFO("KASAN " << (on ? "on" : "off"));
        kasan_fixture f(1, "", 256 * MiB, on);
        f.in_test([&] {
            const auto null = f.kasan().check_access(16, 1, true);
            REQUIRE(null.fault);
            CHECK(*null.fault == arch::fault_kind::null_pointer);
            const auto wild = f.kasan().check_access(0xffff000000000000ULL, 8, false);
            REQUIRE(wild.fault);
            CHECK(*wild.fault == arch::fault_kind::unmapped);
            // Off, a bad access is not reported at all.
            const std::uint64_t p = f.k().kmalloc(60, mm::GFP_KERNEL);
            CHECK(f.kasan().check_access(p + 60, 1, true, p).reported == on);
        });
        CHECK(f.kasan_reports() == (on ? 1u : 0u));
    }
}

TEST_CASE("a free stack lasts until the object is allocated again", "[mm][kasan]")
{
    kasan_fixture f(1);
    f.in_test([&] {
        const std::uint64_t p = f.call("kmalloc", [&] { return f.k().kmalloc(4096, mm::GFP_KERNEL); });
        f.call("kfree", [&] { return f.k().kfree(p); });
        for (int i = 0; i < 100000; ++i)  // other caches' churn does not forget it
            f.k().kfree(f.k().kmalloc(16, mm::GFP_KERNEL));
        CHECK(f.kasan().check_access(p, 1, false, p).reported);
        REQUIRE(f.call("kmalloc", [&] { return f.k().kmalloc(4096, mm::GFP_KERNEL); }) == p);  // LIFO reuse
        f.call("kfree", [&] { return f.k().kfree(p); });
        f.call("kfree", [&] { return f.k().kfree(p); });
    });
    const auto& reps = f.m.log().reports();
    REQUIRE(reps.size() == 2);
    CHECK(reps[0].text.find("Freed by task 100:\n kfree at kasan_test.c:12\n") != std::string::npos);
    CHECK(reps[1].title == "BUG: KASAN: double-free in kasan_test at kasan_test.c:10");
    CHECK(reps[1].text.find("Freed by task 100:") != std::string::npos);
}

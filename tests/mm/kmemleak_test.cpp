// tests/mm/kmemleak_test.cpp - kmemleak's records and its "unreferenced object" report, driving the allocators directly.
#include "harness.h"

#include "arch/context.h"
#include "mm/kmemleak.h"

#include <fmt/format.h>

#include <cstring>

using namespace kmsim;
using namespace kmsim::test;

namespace {

// A thread whose code is leaker() in leak.c.
struct leak_fixture : memory_fixture {
    using memory_fixture::memory_fixture;
    void in_leaker(std::function<void()> body) { in_function("leaker", "leak.c", std::move(body)); }
    mm::kmemleak& leaks() { return mem.kmemleak(); }
    // The kernel log without its timestamps.
    std::string log_text() const
    {
        std::string out;
        const std::string d = m.log().dmesg();
        for (std::size_t pos = 0; pos < d.size();) {
            const std::size_t nl = d.find('\n', pos);
            const std::size_t text = d.find("] ", pos) + 2;
            out += d.substr(text, nl + 1 - text);
            pos = nl + 1;
        }
        return out;
    }
};

}  // namespace

TEST_CASE("an object never freed is an unreferenced object, printed as kmemleak prints it", "[mm][kmemleak]")
{
    leak_fixture f(1);
    std::uint64_t p = 0;
    f.in_leaker([&] {
        p = f.call("kmalloc", [&] { return f.k().kmalloc(100, mm::GFP_KERNEL); });
        std::memcpy(f.bytes(p), "kmsim leaks this object!", 24);
        f.call("kfree", [&] { return f.k().kfree(f.call("kmalloc", [&] { return f.k().kmalloc(8, mm::GFP_KERNEL); })); });
    });
    REQUIRE(f.leaks().leak_count() == 1);
    const mm::object_track* o = f.leaks().find(p);
    REQUIRE(o);
    CHECK(o->size == 100);
    CHECK(o->pid == 100);
    CHECK_FALSE(o->is(mm::object_track::is_page));

    f.leaks().scan();
    CHECK(f.log_text() == fmt::format("unreferenced object 0x{:016x} (size 100):\n"
                              "  comm \"leaker\", pid 100, jiffies 4294667296\n"
                              "  hex dump (first 32 bytes):\n"
                              "    6b 6d 73 69 6d 20 6c 65 61 6b 73 20 74 68 69 73  kmsim leaks this\n"
                              "    20 6f 62 6a 65 63 74 21 00 00 00 00 00 00 00 00   object!........\n"
                              "  backtrace (crc 5f79f88f):\n"  // zlib.crc32 of the two frames' text
                              "    [<0000000000000000>] kmalloc at leak.c:12\n"
                              "    [<0000000000000000>] leaker at leak.c:10\n"
                              "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n",
                              p));
}

TEST_CASE("kmemleak follows krealloc, ksize and kmemleak_not_leak", "[mm][kmemleak]")
{
    leak_fixture f(1);
    f.in_leaker([&] {
        const std::uint64_t p = f.k().kmalloc(20, mm::GFP_KERNEL);
        const std::uint64_t q = f.k().krealloc(p, 500, mm::GFP_KERNEL);  // moved: p is freed
        REQUIRE(q != p);
        CHECK_FALSE(f.leaks().find(p));
        REQUIRE(f.leaks().find(q));
        CHECK(f.leaks().find(q)->size == 500);
        CHECK(f.k().krealloc(q, 300, mm::GFP_KERNEL) == q);  // in place, at its new size
        CHECK(f.leaks().find(q)->size == 300);
        CHECK(f.k().ksize(q) == 512);
        CHECK(f.leaks().find(q)->size == 512);
        f.leaks().not_leak(q);
    });
    CHECK(f.leaks().leak_count() == 0);
    std::size_t listed = 0;
    f.leaks().for_each_leak([&](std::uint64_t, const mm::object_track&) { ++listed; });
    CHECK(listed == 0);
    f.leaks().scan();
    CHECK(f.log_text().empty());  // nothing to say
}

TEST_CASE("pages from alloc_pages and __get_free_pages are recorded too, without a hex dump", "[mm][kmemleak]")
{
    leak_fixture f(1);
    std::uint64_t page = 0, addr = 0;
    f.in_leaker([&] {
        page = f.mem.alloc_pages(mm::GFP_KERNEL, 2);
        addr = f.mem.get_free_pages(mm::GFP_KERNEL, 0);
        const std::uint64_t freed = f.mem.get_free_pages(mm::GFP_KERNEL, 1);
        f.mem.free_pages(freed, 1);
    });
    REQUIRE(f.leaks().leak_count() == 2);
    CHECK(f.leaks().find(page)->size == 16384);
    CHECK(f.leaks().find(page)->is(mm::object_track::is_page));
    CHECK(f.leaks().find(addr)->size == 4096);
    f.leaks().scan();
    const std::string log = f.log_text();
    CHECK(log.find(fmt::format("unreferenced object 0x{:016x} (size 16384):\n", page)) != std::string::npos);
    CHECK(log.find("hex dump") == std::string::npos);
}

TEST_CASE("the scan prints the first 20 leaks and counts them all", "[mm][kmemleak]")
{
    leak_fixture f(1);
    f.in_leaker([&] {
        for (int i = 0; i < 25; ++i)
            f.k().kmalloc(32, mm::GFP_KERNEL);
    });
    f.leaks().scan();
    const std::string log = f.log_text();
    std::size_t objects = 0;
    for (std::size_t pos = 0; (pos = log.find("unreferenced object", pos)) != std::string::npos; ++pos)
        ++objects;
    CHECK(objects == mm::kmemleak::max_reported);
    CHECK(log.find("kmemleak: 25 new suspected memory leaks") != std::string::npos);
}

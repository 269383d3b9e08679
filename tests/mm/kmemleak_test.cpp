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

    CHECK(f.leaks().scan() == 1);
    const std::string block = fmt::format("unreferenced object 0x{:016x} (size 100):\n"
                                          "  comm \"leaker\", pid 100, jiffies 4294667296\n"
                                          "  hex dump (first 32 bytes):\n"
                                          "    6b 6d 73 69 6d 20 6c 65 61 6b 73 20 74 68 69 73  kmsim leaks this\n"
                                          "    20 6f 62 6a 65 63 74 21 00 00 00 00 00 00 00 00   object!........\n"
                                          "  backtrace (crc 5f79f88f):\n"  // zlib.crc32 of the two frames' text
                                          "    [<0000000000000000>] kmalloc at leak.c:12\n"
                                          "    [<0000000000000000>] leaker at leak.c:10\n",
                                          p);
    // The console (kmemleak.verbose) prefixes each line with "kmemleak: ";
    // /sys/kernel/debug/kmemleak does not.
    std::string console;
    for (std::size_t pos = 0; pos < block.size();) {
        const std::size_t nl = block.find('\n', pos);
        console += "kmemleak: " + block.substr(pos, nl + 1 - pos);
        pos = nl + 1;
    }
    CHECK(f.log_text() == console + "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n");
    CHECK(f.leaks().debugfs_text() == block);
    CHECK(f.mem.proc_show("kmemleak") == block);
    // And a report of kind kmemleak, raised in the context that allocated it.
    REQUIRE(f.m.log().reports().size() == 1);
    const arch::report& r = f.m.log().reports()[0];
    CHECK(r.kind == arch::report_kind::kmemleak);
    CHECK(r.title == fmt::format("unreferenced object 0x{:016x} (size 100):", p));
    CHECK(r.context == "leaker");
    CHECK(r.text == block);
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
    CHECK(f.leaks().scan() == 0);
    CHECK(f.log_text().empty());  // nothing to say
}

TEST_CASE("pages from alloc_pages and __get_free_pages are counted as never freed, but kmemleak leaves them out",
          "[mm][kmemleak]")
{
    leak_fixture f(1);
    std::uint64_t page = 0, addr = 0, large = 0;
    f.in_leaker([&] {
        page = f.mem.alloc_pages(mm::GFP_KERNEL, 2);
        addr = f.mem.get_free_pages(mm::GFP_KERNEL, 0);
        const std::uint64_t freed = f.mem.get_free_pages(mm::GFP_KERNEL, 1);
        f.mem.free_pages(freed, 1);
        large = f.k().kmalloc(3 * mm::PAGE_SIZE, mm::GFP_KERNEL);  // a large kmalloc: tracked
    });
    REQUIRE(f.leaks().leak_count() == 3);
    CHECK(f.leaks().find(page)->size == 16384);
    CHECK(f.leaks().find(page)->is(mm::object_track::is_page));
    CHECK(f.leaks().find(addr)->size == 4096);
    CHECK(f.leaks().scan() == 1);
    REQUIRE(f.leaks().unreferenced_count() == 1);
    f.leaks().for_each_unreferenced([&](const mm::kmemleak::unreferenced_object& u) {
        CHECK(u.addr == large);
        CHECK(u.track->size == 3 * mm::PAGE_SIZE);
    });
}

TEST_CASE("the scan follows references: from live variables, from referenced objects, into an object's middle",
          "[mm][kmemleak]")
{
    leak_fixture f(1);
    std::vector<std::uint64_t> roots;
    f.leaks().set_roots([&](const std::function<void(std::uint64_t)>& visit) {
        for (std::uint64_t v : roots)
            visit(v);
    });
    std::uint64_t held = 0, child = 0, grandchild = 0, lost = 0, lost_child = 0, kept = 0, kept_child = 0,
                  in_page = 0;
    auto store = [&](std::uint64_t at, std::uint64_t value) { std::memcpy(f.bytes(at), &value, sizeof value); };
    f.in_leaker([&] {
        auto k = [&](std::size_t n) { return f.k().kmalloc(n, mm::GFP_KERNEL); };
        held = k(64), child = k(128), grandchild = k(8192), lost = k(64), lost_child = k(32);
        kept = k(64), kept_child = k(16), in_page = k(16);
        store(held + 8, child);             // held -> child
        store(child + 120, grandchild + 100);  // child -> the middle of grandchild (a large kmalloc)
        store(lost, lost_child);            // lost -> lost_child, but nothing -> lost
        store(kept, kept_child);            // a not_leak object's pointers count
        f.leaks().not_leak(kept);
        const std::uint64_t page = f.mem.get_free_pages(mm::GFP_KERNEL, 0);
        store(page, in_page);  // page-allocator memory is not scanned
    });
    roots = {12345, held + 63};  // a pointer to held's last byte references it
    f.leaks().scan();
    std::vector<std::uint64_t> found;
    f.leaks().for_each_unreferenced([&](const mm::kmemleak::unreferenced_object& u) { found.push_back(u.addr); });
    std::vector<std::uint64_t> expected = {lost, lost_child, in_page};
    std::sort(expected.begin(), expected.end());
    CHECK(found == expected);
    CHECK(f.leaks().leak_count() == 8);  // 7 objects never freed, and the page
}

TEST_CASE("the log shows the first object of each backtrace; the debugfs file and the reports have them all",
          "[mm][kmemleak]")
{
    leak_fixture f(1);
    f.in_leaker([&] {
        for (int i = 0; i < 25; ++i)
            f.call("kmalloc", [&] { return f.k().kmalloc(32, mm::GFP_KERNEL); });
        f.call("kzalloc", [&] { return f.k().kmalloc(64, mm::GFP_KERNEL | mm::gfp::ZERO); });
    });
    CHECK(f.leaks().scan() == 26);
    const std::string log = f.log_text();
    auto count = [](const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (std::size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos)
            ++n;
        return n;
    };
    CHECK(count(log, "kmemleak: unreferenced object") == 2);
    CHECK(count(log, "kmsim: kmemleak: 24 more unreferenced objects with backtrace crc ") == 1);
    CHECK(log.find("kmemleak: 26 new suspected memory leaks") != std::string::npos);
    CHECK(count(f.leaks().debugfs_text(), "unreferenced object") == 26);
    CHECK(f.m.log().reports().size() == 26);
}

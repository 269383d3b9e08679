// tests/mm/buddy_test.cpp - split, merge, alignment, and invariants under random operations.
#include "harness.h"

#include "mm/buddy.h"
#include "sim/random.h"

#include <map>

using namespace kmsim;
using namespace kmsim::test;

namespace {
// A 4 MiB DMA32-only node: one order-10 block at pfn 0x1000.
mm::node_config one_block()
{
    mm::node_config c;
    c.zones = {{mm::ZONE_DMA32, 4 * MiB, 0}};
    return c;
}
std::array<std::uint64_t, mm::NR_PAGE_ORDERS> nr_free(const mm::zone& z)
{
    std::array<std::uint64_t, mm::NR_PAGE_ORDERS> a{};
    for (unsigned o = 0; o < mm::NR_PAGE_ORDERS; ++o)
        a[o] = z.free_area[o].nr_free;
    return a;
}
}  // namespace

TEST_CASE("an order-0 allocation splits a 4 MiB block down to one page", "[mm][buddy]")
{
    //  pfn 0x1000                                              0x1400
    //      |##|.|..|....|........| ... |512 pages               |
    //       ^ taken; one free block of each order 0..9 remains above it
    // Expect: the lowest page is returned; nr_free[0..9] = 1, nr_free[10] = 0.
    mm::node n(one_block());
    mm::zone& z = n.zone_at(mm::ZONE_DMA32);
    auto pfn = n.buddy_of(mm::ZONE_DMA32).allocate(0);
    REQUIRE(pfn);
    CHECK(*pfn == 0x1000);
    CHECK(nr_free(z) == std::array<std::uint64_t, 11>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0});
    CHECK(z.nr_free_pages == 1023);
    CHECK(n.check_invariants().empty());

    // Freeing it merges everything back into the one order-10 block.
    n.buddy_of(mm::ZONE_DMA32).free(*pfn, 0);
    CHECK(nr_free(z) == std::array<std::uint64_t, 11>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    CHECK(n.check_invariants().empty());
}

TEST_CASE("buddies merge only with their own buddy of the same order", "[mm][buddy]")
{
    //  pages 0x1000 0x1001 0x1002 0x1003
    //          A      B      C      D      (four order-0 allocations)
    //  free B, C: they are not buddies (B's buddy is A), so nothing merges.
    //  free A: A+B merge to order 1; C stays single (its buddy D is used).
    mm::node n(one_block());
    auto& b = n.buddy_of(mm::ZONE_DMA32);
    mm::zone& z = n.zone_at(mm::ZONE_DMA32);
    mm::pfn_t p[4];
    for (auto& x : p)
        x = *b.allocate(0);
    CHECK(p[0] == 0x1000);
    CHECK(p[3] == 0x1003);
    b.free(p[1], 0);
    b.free(p[2], 0);
    CHECK(z.free_area[0].nr_free == 2);
    b.free(p[0], 0);
    CHECK(z.free_area[0].nr_free == 1);
    CHECK(z.free_area[1].nr_free == 1);
    CHECK(n.check_invariants().empty());
}

TEST_CASE("blocks are naturally aligned", "[mm][buddy]")
{
    mm::node n(one_block());
    auto& b = n.buddy_of(mm::ZONE_DMA32);
    b.allocate(0);
    for (unsigned order = 1; order <= 5; ++order) {
        auto pfn = b.allocate(order);
        REQUIRE(pfn);
        CHECK((*pfn & ((1u << order) - 1)) == 0);
    }
    CHECK(n.check_invariants().empty());
}

TEST_CASE("boot splits a range with holes into the largest aligned blocks", "[mm][buddy]")
{
    // DMA of a derived layout: pfn 1..0x9e, then 0x100..0xfff.
    // 1 (o0), 2-3 (o1), 4-7 (o2), ... 0x80-0x9d, 0x9e, then 0x100.. up to 0x1000.
    mm::node n(mm_fixture::with_memory(64 * MiB));
    const mm::zone& dma = n.zone_at(mm::ZONE_DMA);
    CHECK(dma.nr_free_pages == 3998);
    CHECK(nr_free(dma) == std::array<std::uint64_t, 11>{2, 2, 2, 2, 2, 1, 1, 0, 1, 1, 3});
    CHECK(n.check_invariants().empty());
}

TEST_CASE("seeded random allocations and frees keep every invariant", "[mm][buddy]")
{
    for (std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
        mm::node n(mm_fixture::with_memory(64 * MiB));
        sim::random_source rng(seed);
        auto& r = rng.stream("buddy");
        std::vector<std::pair<int, std::pair<mm::pfn_t, unsigned>>> live;
        for (int step = 0; step < 3000; ++step) {
            if (live.empty() || r.uniform(0, 99) < 55) {
                int t = static_cast<int>(r.uniform(0, 1));
                unsigned order = static_cast<unsigned>(r.uniform(0, 4));
                if (auto pfn = n.buddy_of(t).allocate(order))
                    live.push_back({t, {*pfn, order}});
            } else {
                std::size_t i = r.uniform(0, live.size() - 1);
                auto [t, blk] = live[i];
                live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
                n.buddy_of(t).free(blk.first, blk.second);
            }
            std::string err = n.check_invariants();
            INFO("seed " << seed << " step " << step);
            REQUIRE(err.empty());
        }
        for (auto& [t, blk] : live)
            n.buddy_of(t).free(blk.first, blk.second);
        REQUIRE(n.check_invariants().empty());
        // Everything merged back to the boot layout.
        CHECK(nr_free(n.zone_at(mm::ZONE_DMA)) == std::array<std::uint64_t, 11>{2, 2, 2, 2, 2, 1, 1, 0, 1, 1, 3});
        CHECK(n.zone_at(mm::ZONE_DMA32).free_area[10].nr_free == 12);
    }
}

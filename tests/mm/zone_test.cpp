// tests/mm/zone_test.cpp - zone layouts, min_free_kbytes, watermarks and lowmem_reserve.
//
// Every expected number is computed by hand from the kernel's formulas:
//   min_free_kbytes = clamp(int_sqrt(4 * sum(managed) * 16), 128, 262144)
//   pages_min = min_free_kbytes / 4;  tmp = pages_min * managed / sum(managed)
//   min = tmp;  gap = max(tmp / 4, managed * 10 / 10000);  low = min + gap;  high = low + gap
//   lowmem_reserve[i][j] = sum(managed of zones i+1..j) / ratio[i], ratios 256 256 32
// (The number of CPUs does not enter: it only shapes per-CPU page lists,
// which kmsim does not model.)
// The layout tests boot with transparent_hugepage=never, to test that
// arithmetic alone; khugepaged's raise of min_free_kbytes has tests of its own.
#include "harness.h"

#include "mm/zone.h"
#include "sim/error.h"

using namespace kmsim;
using namespace kmsim::test;

namespace {
void check_zone(const mm::zone& z, std::uint64_t managed, std::uint64_t min, std::uint64_t low, std::uint64_t high,
                std::array<std::uint64_t, 3> protection)
{
    INFO("zone " << z.name);
    CHECK(z.managed_pages == managed);
    CHECK(z.min_wmark() == min);
    CHECK(z.low_wmark() == low);
    CHECK(z.high_wmark() == high);
    CHECK(z.lowmem_reserve == protection);
}
mm::node_config without_thp(std::uint64_t memory)
{
    mm::node_config c = mm_fixture::with_memory(memory);
    c.transparent_hugepage = false;
    return c;
}
}  // namespace

TEST_CASE("int_sqrt is the floor of the square root", "[mm][zone]")
{
    CHECK(mm::int_sqrt(0) == 0);
    CHECK(mm::int_sqrt(1) == 1);
    CHECK(mm::int_sqrt(15) == 3);
    CHECK(mm::int_sqrt(16) == 4);
    CHECK(mm::int_sqrt(4194304) == 2048);
    CHECK(mm::int_sqrt(268429184) == 16383);
    CHECK(mm::int_sqrt(~0ULL) == 4294967295ULL);
}

TEST_CASE("min_free_kbytes reference points", "[mm][zone]")
{
    // 16 MiB -> 512, 64 MiB -> 1024, 256 MiB -> 2048, 1 GiB -> 4096, 4 GiB -> 8192, 16 GiB -> 16384
    CHECK(mm::node::calculate_min_free_kbytes(16 * 1024) == 512);
    CHECK(mm::node::calculate_min_free_kbytes(64 * 1024) == 1024);
    CHECK(mm::node::calculate_min_free_kbytes(256 * 1024) == 2048);
    CHECK(mm::node::calculate_min_free_kbytes(1024 * 1024) == 4096);
    CHECK(mm::node::calculate_min_free_kbytes(4 * 1024 * 1024) == 8192);
    CHECK(mm::node::calculate_min_free_kbytes(16 * 1024 * 1024) == 16384);
    CHECK(mm::node::calculate_min_free_kbytes(100) == 128);                 // clamped low
    CHECK(mm::node::calculate_min_free_kbytes(8ULL << 40 >> 10) == 262144);  // clamped high
}

TEST_CASE("the worked example: DMA 16M + Normal 240M", "[mm][zone]")
{
    //  pfn 0        4096                                   65536
    //      |  DMA   |              Normal (61440)          |
    // Expect min_free_kbytes 2048; DMA 32/40/48, Normal 480/600/720, DMA
    // protects 240 pages from Normal requests.
    mm::node_config c;
    c.zones = {{mm::ZONE_DMA, 16 * MiB, 0}, {mm::ZONE_NORMAL, 240 * MiB, 0}};
    c.transparent_hugepage = false;
    mm::node n(c);
    CHECK(n.min_free_kbytes() == 2048);
    check_zone(n.zone_at(mm::ZONE_DMA), 4096, 32, 40, 48, {0, 0, 240});
    check_zone(n.zone_at(mm::ZONE_DMA32), 0, 0, 0, 0, {0, 0, 0});
    check_zone(n.zone_at(mm::ZONE_NORMAL), 61440, 480, 600, 720, {0, 0, 0});
    CHECK(n.zone_at(mm::ZONE_NORMAL).zone_start_pfn == 0x100000);
    CHECK(n.check_invariants().empty());
}

TEST_CASE("a derived 64M layout: DMA with the legacy hole, DMA32 above", "[mm][zone]")
{
    // DMA: pfn 1..4095 minus 0x9f..0xff = 3998 present; DMA32 16M..64M = 12288.
    // lowmem 65144 kB -> min_free_kbytes int_sqrt(1042304) = 1020 -> pages_min 255
    // DMA: 255*3998/16286 = 62, gap 15; DMA32: 255*12288/16286 = 192, gap 48.
    mm::node n(without_thp(64 * MiB));
    const mm::zone& dma = n.zone_at(mm::ZONE_DMA);
    CHECK(dma.zone_start_pfn == 1);
    CHECK(dma.spanned_pages == 4095);
    CHECK(dma.present_pages == 3998);
    CHECK(n.min_free_kbytes() == 1020);
    check_zone(dma, 3998, 62, 77, 92, {0, 48, 48});
    check_zone(n.zone_at(mm::ZONE_DMA32), 12288, 192, 240, 288, {0, 0, 0});
    CHECK_FALSE(n.zone_at(mm::ZONE_NORMAL).populated());
    CHECK(n.totalram_pages() == 16286);
    CHECK(n.nr_free_pages() == 16286);
    CHECK(n.check_invariants().empty());
}

TEST_CASE("a derived 1G layout", "[mm][zone]")
{
    // 3998 + 258048 managed; min_free_kbytes 4095; DMA 15/18/21; DMA32 1007/1265/1523 (gap 258 > 251)
    mm::node n(without_thp(1 * GiB));
    CHECK(n.min_free_kbytes() == 4095);
    check_zone(n.zone_at(mm::ZONE_DMA), 3998, 15, 18, 21, {0, 1008, 1008});
    check_zone(n.zone_at(mm::ZONE_DMA32), 258048, 1007, 1265, 1523, {0, 0, 0});
}

TEST_CASE("a derived 16G layout: memory above 3G moves above 4G", "[mm][zone]")
{
    // DMA32 16M..3G = 782336 pages; Normal 13G from 4G = 3407872 pages.
    // min_free_kbytes 16383 -> pages_min 4095.
    // DMA 3/6/9; DMA32 763 + 782 gaps; Normal 3327 + 3407 gaps (scale factor wins).
    mm::node n(without_thp(16 * GiB));
    CHECK(n.min_free_kbytes() == 16383);
    check_zone(n.zone_at(mm::ZONE_DMA), 3998, 3, 6, 9, {0, 3056, 16368});
    check_zone(n.zone_at(mm::ZONE_DMA32), 782336, 763, 1545, 2327, {0, 0, 13312});
    check_zone(n.zone_at(mm::ZONE_NORMAL), 3407872, 3327, 6734, 10141, {0, 0, 0});
    CHECK(n.zone_at(mm::ZONE_NORMAL).zone_start_pfn == 0x100000);
    // DMA32 spans up to 4G: the PCI hole is spanned, not present.
    CHECK(n.zone_at(mm::ZONE_DMA32).spanned_pages == 1044480);
    CHECK(n.zone_at(mm::ZONE_DMA32).present_pages == 782336);
    CHECK(n.zone_of(0xc0000) == nullptr);  // 3G: in the hole
    CHECK(n.zone_of(0xbffff) == &n.zone_at(mm::ZONE_DMA32));
}

TEST_CASE("transparent hugepages raise min_free_kbytes as khugepaged does", "[mm][zone]")
{
    // recommended = pageblock_nr_pages (512) * zones up to Normal * (2 + 3*3),
    // at most 5% of what the zones have above high (before the raise), in kB.
    // The real machines' numbers: 1G and 2G (DMA, DMA32) 45056, 4G (and Normal) 67584.
    mm::node n1(mm_fixture::with_memory(1 * GiB));
    CHECK(n1.min_free_kbytes() == 45056);
    // pages_min 11264: DMA 11264*3998/262046 = 171, gap 42; DMA32 11092, gap 2773
    check_zone(n1.zone_at(mm::ZONE_DMA), 3998, 171, 213, 255, {0, 1008, 1008});
    check_zone(n1.zone_at(mm::ZONE_DMA32), 258048, 11092, 13865, 16638, {0, 0, 0});
    CHECK(mm::node(mm_fixture::with_memory(2 * GiB)).min_free_kbytes() == 45056);
    mm::node n4(mm_fixture::with_memory(4 * GiB));
    CHECK(n4.min_free_kbytes() == 67584);
    check_zone(n4.zone_at(mm::ZONE_NORMAL), 262144, 4224, 5280, 6336, {0, 0, 0});
    // 64M: 5% of (3998 - 92) + (12288 - 288) = 795 pages = 3180 kB.
    CHECK(mm::node(mm_fixture::with_memory(64 * MiB)).min_free_kbytes() == 3180);
    // 256M, the scenario default: 5% of 64676 pages = 3233 pages.
    CHECK(mm::node(mm_fixture::with_memory(256 * MiB)).min_free_kbytes() == 12932);
    // transparent_hugepage=never keeps calculate_min_free_kbytes()'s value.
    CHECK(mm::node(without_thp(1 * GiB)).min_free_kbytes() == 4095);
}

TEST_CASE("transparent_hugepage= on the kernel command line", "[mm][zone]")
{
    bool thp = true;
    CHECK_FALSE(mm::parse_thp_boot_param("slub_debug=FZ transparent_hugepage=never", thp));
    CHECK_FALSE(thp);
    CHECK_FALSE(mm::parse_thp_boot_param("transparent_hugepage=madvise", thp));
    CHECK(thp);
    CHECK_FALSE(mm::parse_thp_boot_param("transparent_hugepage=always quiet", thp));
    CHECK(thp);
    CHECK(mm::parse_thp_boot_param("transparent_hugepage=sometimes", thp) ==
          "transparent_hugepage=sometimes: 'sometimes' is not always, madvise or never");
}

TEST_CASE("a derived 64G layout", "[mm][zone]")
{
    mm::node n(without_thp(64 * GiB));
    CHECK(n.min_free_kbytes() == 32767);
    check_zone(n.zone_at(mm::ZONE_DMA), 3998, 1, 4, 7, {0, 3056, 65520});
    check_zone(n.zone_at(mm::ZONE_DMA32), 782336, 381, 1163, 1945, {0, 0, 62464});
    check_zone(n.zone_at(mm::ZONE_NORMAL), 15990784, 7807, 23797, 39787, {0, 0, 0});
    CHECK(n.check_invariants().empty());
}

TEST_CASE("sysctls: min_free_kbytes, watermark_scale_factor, lowmem_reserve_ratio", "[mm][zone]")
{
    mm::node_config c = mm_fixture::with_memory(64 * MiB);
    c.min_free_kbytes = 4096;          // pages_min 1024, over THP's raise
    c.watermark_scale_factor = 1000;   // 10% of the zone
    c.lowmem_reserve_ratio = {32, 0, 0};
    mm::node n(c);
    CHECK(n.min_free_kbytes() == 4096);
    // DMA: 1024*3998/16286 = 251, gap max(62, 399) = 399
    check_zone(n.zone_at(mm::ZONE_DMA), 3998, 251, 650, 1049, {0, 384, 384});
    // DMA32: 1024*12288/16286 = 772, gap max(193, 1228) = 1228
    check_zone(n.zone_at(mm::ZONE_DMA32), 12288, 772, 2000, 3228, {0, 0, 0});
}

TEST_CASE("reserved pages are present but not managed", "[mm][zone]")
{
    mm::node_config c;
    c.zones = {{mm::ZONE_DMA, 16 * MiB, 1 * MiB}, {mm::ZONE_DMA32, 112 * MiB, 0}};
    mm::node n(c);
    CHECK(n.zone_at(mm::ZONE_DMA).present_pages == 4096);
    CHECK(n.zone_at(mm::ZONE_DMA).managed_pages == 3840);
    CHECK(n.zone_at(mm::ZONE_DMA).nr_free_pages == 3840);
    CHECK(n.check_invariants().empty());
}

TEST_CASE("impossible layouts are errors", "[mm][zone]")
{
    CHECK_THROWS_WITH(mm::node(mm_fixture::with_memory(8 * MiB)),
                      "memory=8M is too small: kmsim needs at least 32M (or explicit zone lines)");
    mm::node_config c;
    c.zones = {{mm::ZONE_DMA, 32 * MiB, 0}};
    CHECK_THROWS_WITH(mm::node(c), "zone DMA: 32 MiB does not fit (at most 16 MiB on x86-64)");
    c.zones = {{mm::ZONE_DMA, 16 * MiB, 32 * MiB}};
    CHECK_THROWS_AS(mm::node(c), kmsim::sim::config_error);
    c.zones = {{mm::ZONE_DMA, 16 * MiB, 0}, {mm::ZONE_DMA, 16 * MiB, 0}};
    CHECK_THROWS_WITH(mm::node(c), "zone DMA is given twice");
}

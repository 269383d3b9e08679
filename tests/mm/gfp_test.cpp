// tests/mm/gfp_test.cpp - GFP values, %pGg spelling, gfp_zone, scoped constraints, parsing.
#include "mm/gfp.h"

#include <catch2/catch.hpp>

#include <iterator>
#include <string>

using namespace kmsim::mm;

TEST_CASE("composite GFP masks have the kernel's values", "[mm][gfp]")
{
    CHECK(GFP_ATOMIC == 0x820);
    CHECK(GFP_NOWAIT == 0x800);
    CHECK(GFP_KERNEL == 0xcc0);
    CHECK(GFP_KERNEL_ACCOUNT == 0x400cc0);
    CHECK(GFP_NOIO == 0xc00);
    CHECK(GFP_NOFS == 0xc40);
    CHECK(GFP_USER == 0x100cc0);
    CHECK(GFP_HIGHUSER == 0x100cc2);
    CHECK(GFP_HIGHUSER_MOVABLE == 0x100cca);
    CHECK(GFP_TRANSHUGE_LIGHT == 0x1c20ca);
    CHECK(GFP_TRANSHUGE == 0x1c24ca);
    CHECK(gfp::NOLOCKDEP == 0x1000000);
}

TEST_CASE("%pGg prints as the kernel does", "[mm][gfp]")
{
    CHECK(format_gfp_mode(GFP_KERNEL) == "0xcc0(GFP_KERNEL)");
    CHECK(format_gfp_mode(GFP_KERNEL | gfp::ZERO) == "0xdc0(GFP_KERNEL|__GFP_ZERO)");
    CHECK(format_gfp_mode(GFP_KERNEL | gfp::COMP) == "0x40cc0(GFP_KERNEL|__GFP_COMP)");
    CHECK(format_gfp_mode(GFP_NOIO) == "0xc00(GFP_NOIO)");  // never __GFP_RECLAIM
    CHECK(format_gfp_mode(GFP_KERNEL | GFP_DMA) == "0xcc1(GFP_KERNEL|GFP_DMA)");
    CHECK(format_gfp_mode(GFP_ATOMIC) == "0x820(GFP_ATOMIC)");
    // (0xa20 was GFP_ATOMIC itself before 6.3, when it still had __GFP_ATOMIC.)
    CHECK(format_gfp_mode(GFP_ATOMIC | gfp::NOWARN) == "0x2820(GFP_ATOMIC|__GFP_NOWARN)");
    CHECK(format_gfp_mode(GFP_NOFS) == "0xc40(GFP_NOFS)");
    CHECK(format_gfp_mode(GFP_KERNEL | gfp::HIGH) == "0xce0(GFP_KERNEL|__GFP_HIGH)");
    CHECK(format_gfp_mode(GFP_NOWAIT | gfp::NOWARN) == "0x2800(GFP_NOWAIT|__GFP_NOWARN)");
    CHECK(format_gfp_mode(GFP_HIGHUSER_MOVABLE) == "0x100cca(GFP_HIGHUSER_MOVABLE)");
    CHECK(format_gfp_mode(0) == "0x0()");
    CHECK(format_gfp_mode(gfp::DIRECT_RECLAIM) == "0x400(__GFP_DIRECT_RECLAIM)");
    CHECK(format_gfp(0x200) == "0x200");  // the bit __GFP_ATOMIC used to have
    CHECK(format_gfp(GFP_KERNEL | gfp::ZERO | gfp::COMP | gfp::NOWARN) ==
          "GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN|__GFP_COMP");
}

TEST_CASE("gfp_zone picks the highest usable zone; bad combinations fall to DMA", "[mm][gfp]")
{
    CHECK(gfp_zone(GFP_KERNEL) == ZONE_NORMAL);
    CHECK(gfp_zone(GFP_KERNEL | GFP_DMA) == ZONE_DMA);
    CHECK(gfp_zone(GFP_KERNEL | GFP_DMA32) == ZONE_DMA32);
    CHECK(gfp_zone(GFP_HIGHUSER_MOVABLE) == ZONE_NORMAL);
    CHECK(gfp_zone(gfp::MOVABLE | gfp::DMA) == ZONE_DMA);
    auto bad = gfp_zone_checked(gfp::DMA | gfp::DMA32);
    CHECK(bad.invalid);
    CHECK(bad.zone == ZONE_DMA);
    CHECK_FALSE(gfp_zone_checked(GFP_ATOMIC).invalid);
}

TEST_CASE("memalloc scopes mask the allocation context", "[mm][gfp]")
{
    CHECK(current_gfp_context(GFP_KERNEL, PF_MEMALLOC_NOFS) == GFP_NOFS);
    CHECK(current_gfp_context(GFP_KERNEL, PF_MEMALLOC_NOIO) == GFP_NOIO);
    CHECK(current_gfp_context(GFP_KERNEL, PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS) == GFP_NOIO);
    CHECK(current_gfp_context(GFP_ATOMIC, PF_MEMALLOC_NOIO) == GFP_ATOMIC);
    CHECK(current_gfp_context(GFP_HIGHUSER_MOVABLE, PF_MEMALLOC_PIN) == GFP_HIGHUSER);
    CHECK(gfpflags_allow_blocking(GFP_NOIO));
    CHECK_FALSE(gfpflags_allow_blocking(GFP_ATOMIC));
    CHECK_FALSE(gfpflags_allow_blocking(GFP_NOWAIT));
}

TEST_CASE("GFP expressions parse from names and numbers", "[mm][gfp]")
{
    CHECK(parse_gfp("GFP_NOFS|__GFP_ZERO").mask == (GFP_NOFS | gfp::ZERO));
    CHECK(parse_gfp(" GFP_KERNEL & ~__GFP_FS ").mask == GFP_NOFS);
    CHECK(parse_gfp("0xcc0").mask == GFP_KERNEL);
    CHECK(parse_gfp("3264").mask == GFP_KERNEL);
    CHECK(parse_gfp("(GFP_KERNEL|GFP_DMA)").mask == 0xcc1);

    auto r = parse_gfp("GFP_KERNEL|__GFP_ZER0");
    CHECK_FALSE(r.mask);
    CHECK(r.error == "unknown GFP flag '__GFP_ZER0'; did you mean __GFP_ZERO?");
    CHECK(r.column == 11);
    CHECK(parse_gfp("GFP_KERNAL").error == "unknown GFP flag 'GFP_KERNAL'; did you mean GFP_KERNEL?");
    CHECK(parse_gfp("GFP_KERNEL|").error == "expected a GFP flag name or a number");
    CHECK(parse_gfp("0x100000000").error == "0x100000000 does not fit in gfp_t (32 bits)");
    // Bits that name no flag are kept, and printed in hex as %pGg prints them.
    CHECK(parse_gfp("0xfc000020").mask == 0xfc000020);
    CHECK(format_gfp(0xfc000020) == "__GFP_HIGH|0xfc000000");
    CHECK(parse_gfp("GFP_KERNEL)").error == "unexpected ')' in a GFP expression");
    CHECK(parse_gfp("WIBBLE").error == "unknown GFP flag 'WIBBLE'");
}

TEST_CASE("kmsim gfp: every line, for a table of masks", "[mm][gfp]")
{
    // Each row is worked out from the kernel's rules, not from kmsim's
    // output: gfp_zone(); __GFP_DIRECT_RECLAIM, __GFP_IO, __GFP_FS; the
    // watermark reserves of gfp_to_alloc_flags() and __zone_watermark_ok()
    // (MEMALLOC without NOMEMALLOC: all; HIGH and cannot block, without
    // NOMEMALLOC: min - min/2 - min/8; HIGH: min/2); __GFP_KSWAPD_RECLAIM;
    // the OOM decision in the slow path's order; NOFAIL, then NOWARN.
    enum zones { N, D32, D };
    enum reserves { none, half, three_eighths, all };
    enum oom { yes, cannot_block, noretry, mayfail, thisnode, lowmem, no_fs };
    enum failure { warns, quiet, never, nofail_fails };
    struct row {
        const char* mask;
        zones z;
        bool sleep, io, fs;
        reserves r;
        bool kswapd;
        oom o;
        failure f;
    };
    const row table[] = {
        {"GFP_KERNEL", N, true, true, true, none, true, yes, warns},
        {"GFP_NOFS", N, true, true, false, none, true, no_fs, warns},
        {"GFP_NOIO", N, true, false, false, none, true, no_fs, warns},
        {"GFP_ATOMIC", N, false, false, false, three_eighths, true, cannot_block, warns},
        {"GFP_NOWAIT", N, false, false, false, none, true, cannot_block, warns},
        {"GFP_KERNEL|__GFP_NOWARN", N, true, true, true, none, true, yes, quiet},
        {"GFP_KERNEL|__GFP_NORETRY", N, true, true, true, none, true, noretry, warns},
        {"GFP_KERNEL|__GFP_RETRY_MAYFAIL", N, true, true, true, none, true, mayfail, warns},
        {"GFP_KERNEL|__GFP_NOFAIL", N, true, true, true, none, true, yes, never},
        {"GFP_KERNEL|__GFP_THISNODE", N, true, true, true, none, true, thisnode, warns},
        {"GFP_KERNEL|GFP_DMA", D, true, true, true, none, true, lowmem, warns},
        {"GFP_KERNEL|GFP_DMA32", D32, true, true, true, none, true, lowmem, warns},
        {"GFP_NOFS|__GFP_NORETRY", N, true, true, false, none, true, noretry, warns},
        {"GFP_NOIO|__GFP_RETRY_MAYFAIL", N, true, false, false, none, true, mayfail, warns},
        {"GFP_NOFS|GFP_DMA", D, true, true, false, none, true, lowmem, warns},
        {"GFP_NOFS|GFP_DMA32", D32, true, true, false, none, true, lowmem, warns},
        {"GFP_NOFS|__GFP_THISNODE", N, true, true, false, none, true, thisnode, warns},
        {"GFP_ATOMIC|__GFP_NOWARN", N, false, false, false, three_eighths, true, cannot_block, quiet},
        {"GFP_ATOMIC|__GFP_NOMEMALLOC", N, false, false, false, half, true, cannot_block, warns},
        {"GFP_ATOMIC|__GFP_MEMALLOC", N, false, false, false, all, true, cannot_block, warns},
        {"GFP_KERNEL|__GFP_MEMALLOC", N, true, true, true, all, true, yes, warns},
        {"GFP_KERNEL|__GFP_MEMALLOC|__GFP_NOMEMALLOC", N, true, true, true, none, true, yes, warns},
        {"GFP_KERNEL|__GFP_HIGH", N, true, true, true, half, true, yes, warns},
        {"GFP_KERNEL|__GFP_HIGH|__GFP_NOMEMALLOC", N, true, true, true, half, true, yes, warns},
        {"GFP_ATOMIC|GFP_DMA", D, false, false, false, three_eighths, true, cannot_block, warns},
        {"GFP_ATOMIC|GFP_DMA32", D32, false, false, false, three_eighths, true, cannot_block, warns},
        {"GFP_KERNEL|__GFP_ZERO", N, true, true, true, none, true, yes, warns},
        {"GFP_USER", N, true, true, true, none, true, yes, warns},
        {"GFP_HIGHUSER", N, true, true, true, none, true, yes, warns},  // no highmem on x86-64
        {"GFP_KERNEL_ACCOUNT", N, true, true, true, none, true, yes, warns},
        {"__GFP_DIRECT_RECLAIM", N, true, false, false, none, false, no_fs, warns},
        {"__GFP_KSWAPD_RECLAIM", N, false, false, false, none, true, cannot_block, warns},
        {"__GFP_HIGH", N, false, false, false, three_eighths, false, cannot_block, warns},
        {"0", N, false, false, false, none, false, cannot_block, warns},
        {"GFP_NOIO|__GFP_NOWARN", N, true, false, false, none, true, no_fs, quiet},
        {"GFP_NOFS|__GFP_NOFAIL", N, true, true, false, none, true, no_fs, never},
        {"GFP_ATOMIC|__GFP_NOFAIL", N, false, false, false, three_eighths, true, cannot_block, nofail_fails},
        {"GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN", N, true, true, true, none, true, noretry, quiet},
        {"GFP_NOFS|__GFP_RETRY_MAYFAIL", N, true, true, false, none, true, mayfail, warns},
        {"GFP_NOIO|__GFP_THISNODE", N, true, false, false, none, true, thisnode, warns},
        {"GFP_NOIO|GFP_DMA", D, true, false, false, none, true, lowmem, warns},
        {"GFP_KERNEL|__GFP_RETRY_MAYFAIL|GFP_DMA", D, true, true, true, none, true, mayfail, warns},
        {"GFP_KERNEL|__GFP_NOFAIL|__GFP_NOWARN", N, true, true, true, none, true, yes, never},
    };
    static const char* const zone_text[] = {"Normal, then DMA32, then DMA", "DMA32, then DMA",
                                            "DMA only (nothing below it to fall back to)"};
    static const char* const reserve_text[] = {"none", "down to half of min (__GFP_HIGH)",
                                               "down to about 3/8 of min (__GFP_HIGH and cannot block: min/2 - min/8)",
                                               "all of them (__GFP_MEMALLOC: no watermark check)"};
    static const char* const oom_text[] = {"yes, for orders up to 3",
                                           "no (cannot block)",
                                           "no (__GFP_NORETRY: fails after one reclaim pass)",
                                           "no (__GFP_RETRY_MAYFAIL: retries, then fails)",
                                           "no (__GFP_THISNODE)",
                                           "no (lowmem-only request: fails instead)",
                                           "no (no __GFP_FS: retries instead)"};
    static const char* const failure_text[] = {"returns NULL and prints \"page allocation failure\"",
                                               "returns NULL quietly (__GFP_NOWARN)",
                                               "never fails (__GFP_NOFAIL: loops)",
                                               "warns and fails: __GFP_NOFAIL needs __GFP_DIRECT_RECLAIM"};
    REQUIRE(std::size(table) >= 40);
    for (const row& r : table) {
        INFO(r.mask);
        const auto parsed = parse_gfp(r.mask);
        REQUIRE(parsed.mask);
        const std::string text = explain_gfp(*parsed.mask);
        auto line = [&](const char* what) {
            const auto at = text.find(std::string("  ") + what);
            REQUIRE(at != std::string::npos);
            return text.substr(at + 23, text.find('\n', at) - at - 23);
        };
        auto yes_no = [](const std::string& answer) { return answer.rfind("yes", 0) == 0; };
        CHECK(line("zones:") == zone_text[r.z]);
        CHECK(yes_no(line("may sleep:")) == r.sleep);
        CHECK(yes_no(line("may start I/O:")) == r.io);
        CHECK(yes_no(line("may enter the fs:")) == r.fs);
        CHECK(line("reserves:").rfind(reserve_text[r.r], 0) == 0);
        CHECK(yes_no(line("wakes kswapd:")) == r.kswapd);
        CHECK(line("OOM killer:") == oom_text[r.o]);
        CHECK(line("on failure:") == failure_text[r.f]);
    }
}

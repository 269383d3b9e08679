// tests/mm/gfp_test.cpp - GFP values, %pGg spelling, gfp_zone, scoped constraints, parsing.
#include "mm/gfp.h"

#include <catch2/catch.hpp>

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

TEST_CASE("kmsim gfp's OOM line follows the slow path's order of checks", "[mm][gfp]")
{
    // Cannot block; __GFP_NORETRY; __GFP_RETRY_MAYFAIL, __GFP_THISNODE or a
    // lowmem zone; only then the missing __GFP_FS, which retries.
    auto oom_line = [](const char* mask) {
        const auto parsed = parse_gfp(mask);
        REQUIRE(parsed.mask);
        const std::string text = explain_gfp(*parsed.mask);
        const auto at = text.find("  OOM killer:");
        REQUIRE(at != std::string::npos);
        return text.substr(at + 23, text.find('\n', at) - at - 23);
    };
    CHECK(oom_line("GFP_NOFS|__GFP_NORETRY") == "no (__GFP_NORETRY: fails after one reclaim pass)");
    CHECK(oom_line("GFP_NOIO|__GFP_RETRY_MAYFAIL") == "no (__GFP_RETRY_MAYFAIL: retries, then fails)");
    CHECK(oom_line("GFP_NOFS|GFP_DMA") == "no (lowmem-only request: fails instead)");
    CHECK(oom_line("GFP_NOFS|GFP_DMA32") == "no (lowmem-only request: fails instead)");
    CHECK(oom_line("GFP_NOFS|__GFP_THISNODE") == "no (__GFP_THISNODE)");
    CHECK(oom_line("GFP_NOFS") == "no (no __GFP_FS: retries instead)");
    CHECK(oom_line("GFP_NOIO") == "no (no __GFP_FS: retries instead)");
    CHECK(oom_line("GFP_ATOMIC") == "no (cannot block)");
    CHECK(oom_line("GFP_NOWAIT|__GFP_NORETRY") == "no (cannot block)");
    CHECK(oom_line("GFP_KERNEL") == "yes, for orders up to 3");
    CHECK(oom_line("GFP_KERNEL|__GFP_NORETRY") == "no (__GFP_NORETRY: fails after one reclaim pass)");
    CHECK(oom_line("GFP_KERNEL|GFP_DMA32") == "no (lowmem-only request: fails instead)");
}

// tests/arch/printk_test.cpp - printk's formatting: levels, conversions, flags, the record's limit.
#include "arch/printk.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kmsim;

namespace {
std::string gfp_names(std::string_view, std::uint64_t v) { return v == 0xcc0 ? "GFP_KERNEL" : "?"; }

std::string fmt_record(std::string_view format, std::vector<std::uint64_t> values,
                       std::vector<const std::string*> text = {}, arch::log_level* level = nullptr)
{
    values.insert(values.begin(), 0);  // argument 0 is the format
    text.insert(text.begin(), nullptr);
    text.resize(values.size(), nullptr);
    arch::log_level l;
    std::string out = arch::vsprintf_record(format, {values, text}, gfp_names, l);
    if (level)
        *level = l;
    return out;
}
}  // namespace

TEST_CASE("printk formats as lib/vsprintf.c does", "[arch][printk]")
{
    arch::log_level level;
    CHECK(fmt_record("\0016x=%d\n", {42}, {}, &level) == "x=42");
    CHECK(level == arch::log_level::info);
    CHECK(fmt_record("no level", {}, {}, &level) == "no level");
    CHECK(level == arch::log_level::warning);  // MESSAGE_LOGLEVEL_DEFAULT
    CHECK(fmt_record("%d %u %x %X %c", {static_cast<std::uint64_t>(-5), 7, 255, 255, 'A'}) == "-5 7 ff FF A");
    CHECK(fmt_record("[%5d] [%-5d] [%05d] [%#x] [%lu] [%zx]", {42, 42, 42, 31, 9, 16}) ==
          "[   42] [42   ] [00042] [0x1f] [9] [10]");
    CHECK(fmt_record("%p %px", {0xffff888000001000ULL, 16}) == "ffff888000001000 0000000000000010");
    CHECK(fmt_record("mode:%pGg", {0xcc0}) == "mode:GFP_KERNEL");
    const std::string name = "eth0";
    CHECK(fmt_record("%s up, %s", {0, 0}, {&name}) == "eth0 up, (efault)");
    CHECK(fmt_record("100%% %q", {}) == "100% %q");
}

TEST_CASE("a record holds at most PRINTKRB_RECORD_MAX bytes, and odd formats never throw", "[arch][printk]")
{
    CHECK(fmt_record("%2000d", {1}).size() == 1023);
    CHECK(fmt_record("\0016%2000d", {1}).size() == 1021);  // the level prefix counts
    // A NUL where a flag would be (strchr() takes it for one): skipped, as ever.
    const std::string nul_flags("%\0\0" "1010d|", 9);
    CHECK_NOTHROW(fmt_record(nul_flags, {5}));
    CHECK(fmt_record(nul_flags, {5}) == std::string(1009, ' ') + "5|");
    CHECK(fmt_record("%", {}) == "%");
    CHECK(fmt_record("%l", {}) == "%l");
}

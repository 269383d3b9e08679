// mm/gfp.cpp - gfp_zone(), %pGg printing and GFP expression parsing.
#include "mm/gfp.h"

#include "sim/suggest.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace kmsim::mm {

const char* zone_name(int zone_idx)
{
    static const char* names[] = {"DMA", "DMA32", "Normal"};
    return zone_idx >= 0 && zone_idx < MAX_NR_ZONES ? names[zone_idx] : "?";
}

gfp_zone_result gfp_zone_checked(gfp_t g)
{
    // GFP_ZONE_TABLE for x86-64 (no highmem: HIGHMEM alone means Normal,
    // MOVABLE|HIGHMEM means Movable, which kmsim folds into Normal).
    switch (g & gfp::ZONEMASK) {
    case 0x0: return {ZONE_NORMAL, false};
    case 0x1: return {ZONE_DMA, false};
    case 0x2: return {ZONE_NORMAL, false};
    case 0x4: return {ZONE_DMA32, false};
    case 0x8: return {ZONE_NORMAL, false};
    case 0x9: return {ZONE_DMA, false};
    case 0xa: return {ZONE_NORMAL, false};
    case 0xc: return {ZONE_DMA32, false};
    default: return {ZONE_DMA, true};  // GFP_ZONE_BAD: the table slot is 0
    }
}

const std::vector<gfp_name>& gfp_names()
{
    // The order of __def_gfpflag_names (6.15): composites with most bits
    // first, then single bits in bit order. %pGg takes the first name whose
    // whole mask is still present.
    static const std::vector<gfp_name> names = {
        {"GFP_TRANSHUGE", GFP_TRANSHUGE},
        {"GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT},
        {"GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE},
        {"GFP_HIGHUSER", GFP_HIGHUSER},
        {"GFP_USER", GFP_USER},
        {"GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT},
        {"GFP_KERNEL", GFP_KERNEL},
        {"GFP_NOFS", GFP_NOFS},
        {"GFP_ATOMIC", GFP_ATOMIC},
        {"GFP_NOIO", GFP_NOIO},
        {"GFP_NOWAIT", GFP_NOWAIT},
        {"GFP_DMA", GFP_DMA},
        {"GFP_DMA32", GFP_DMA32},
        {"__GFP_RECLAIM", gfp::RECLAIM},
        {"__GFP_DMA", gfp::DMA},
        {"__GFP_HIGHMEM", gfp::HIGHMEM},
        {"__GFP_DMA32", gfp::DMA32},
        {"__GFP_MOVABLE", gfp::MOVABLE},
        {"__GFP_RECLAIMABLE", gfp::RECLAIMABLE},
        {"__GFP_HIGH", gfp::HIGH},
        {"__GFP_IO", gfp::IO},
        {"__GFP_FS", gfp::FS},
        {"__GFP_ZERO", gfp::ZERO},
        {"__GFP_DIRECT_RECLAIM", gfp::DIRECT_RECLAIM},
        {"__GFP_KSWAPD_RECLAIM", gfp::KSWAPD_RECLAIM},
        {"__GFP_WRITE", gfp::WRITE},
        {"__GFP_NOWARN", gfp::NOWARN},
        {"__GFP_RETRY_MAYFAIL", gfp::RETRY_MAYFAIL},
        {"__GFP_NOFAIL", gfp::NOFAIL},
        {"__GFP_NORETRY", gfp::NORETRY},
        {"__GFP_MEMALLOC", gfp::MEMALLOC},
        {"__GFP_COMP", gfp::COMP},
        {"__GFP_NOMEMALLOC", gfp::NOMEMALLOC},
        {"__GFP_HARDWALL", gfp::HARDWALL},
        {"__GFP_THISNODE", gfp::THISNODE},
        {"__GFP_ACCOUNT", gfp::ACCOUNT},
        {"__GFP_ZEROTAGS", gfp::ZEROTAGS},
        {"__GFP_NOLOCKDEP", gfp::NOLOCKDEP},
        {"__GFP_NO_OBJ_EXT", gfp::NO_OBJ_EXT},
    };
    return names;
}

std::string format_gfp(gfp_t g)
{
    std::string out;
    for (const auto& n : gfp_names()) {
        if (g == 0)
            break;
        if ((g & n.mask) == n.mask) {
            if (!out.empty())
                out += '|';
            out += n.name;
            g &= ~n.mask;
        }
    }
    if (g) {
        if (!out.empty())
            out += '|';
        out += fmt::format("{:#x}", g);
    }
    return out;
}

std::string format_gfp_mode(gfp_t g) { return fmt::format("{:#x}({})", g, format_gfp(g)); }

std::optional<gfp_t> gfp_by_name(std::string_view name)
{
    for (const auto& n : gfp_names())
        if (name == n.name)
            return n.mask;
    return std::nullopt;
}

std::string nearest_gfp_name(std::string_view name)
{
    std::vector<std::string> names;
    for (const auto& n : gfp_names())
        names.push_back(n.name);
    return sim::nearest(name, names);
}

namespace {

// expr   := term ('|' term)*
// term   := factor ('&' factor)*
// factor := '~' factor | '(' expr ')' | NAME | NUMBER
class gfp_parser {
public:
    explicit gfp_parser(std::string_view t) : t_(t) {}

    gfp_parse_result parse()
    {
        gfp_parse_result r;
        gfp_t v = 0;
        if (!expr(v))
            return fail_result();
        skip();
        if (pos_ != t_.size()) {
            error_ = fmt::format("unexpected '{}' in a GFP expression", t_[pos_]);
            err_pos_ = pos_;
            return fail_result();
        }
        r.mask = v;
        return r;
    }

private:
    gfp_parse_result fail_result() const
    {
        gfp_parse_result r;
        r.error = error_;
        r.column = err_pos_;
        return r;
    }
    void skip()
    {
        while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_])))
            ++pos_;
    }
    bool fail(std::string msg, std::size_t at)
    {
        error_ = std::move(msg);
        err_pos_ = at;
        return false;
    }
    bool expr(gfp_t& v)
    {
        if (!term(v))
            return false;
        for (skip(); pos_ < t_.size() && t_[pos_] == '|'; skip()) {
            ++pos_;
            gfp_t r;
            if (!term(r))
                return false;
            v |= r;
        }
        return true;
    }
    bool term(gfp_t& v)
    {
        if (!factor(v))
            return false;
        for (skip(); pos_ < t_.size() && t_[pos_] == '&'; skip()) {
            ++pos_;
            gfp_t r;
            if (!factor(r))
                return false;
            v &= r;
        }
        return true;
    }
    bool factor(gfp_t& v)
    {
        skip();
        if (pos_ >= t_.size())
            return fail("expected a GFP flag name or a number", pos_);
        char c = t_[pos_];
        if (c == '~') {
            // A run of ~ is counted, not recursed into: ~~~~x is x.
            bool invert = false;
            for (; pos_ < t_.size() && (t_[pos_] == '~' || std::isspace(static_cast<unsigned char>(t_[pos_]))); ++pos_)
                invert ^= t_[pos_] == '~';
            if (!factor(v))
                return false;
            if (invert)
                v = ~v & gfp::BITS_MASK;
            return true;
        }
        if (c == '(') {
            if (++depth_ > max_depth)
                return fail(fmt::format("parentheses nest deeper than {} levels", max_depth), pos_);
            ++pos_;
            if (!expr(v))
                return false;
            --depth_;
            skip();
            if (pos_ >= t_.size() || t_[pos_] != ')')
                return fail("expected ')'", pos_);
            ++pos_;
            return true;
        }
        std::size_t start = pos_;
        if (std::isdigit(static_cast<unsigned char>(c))) {
            while (pos_ < t_.size() && std::isalnum(static_cast<unsigned char>(t_[pos_])))
                ++pos_;
            std::string num(t_.substr(start, pos_ - start));
            try {
                std::size_t used = 0;
                unsigned long long n = std::stoull(num, &used, 0);
                if (used != num.size())
                    return fail("'" + num + "' is not a number", start);
                // gfp_t is an unsigned int. Bits above __GFP_BITS_MASK name
                // no flag; %pGg prints them in hex, and so does kmsim.
                if (n > UINT32_MAX)
                    return fail(fmt::format("{:#x} does not fit in gfp_t (32 bits)", n), start);
                v = static_cast<gfp_t>(n);
                return true;
            } catch (const std::exception&) {
                return fail("'" + num + "' is not a number", start);
            }
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            while (pos_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[pos_])) || t_[pos_] == '_'))
                ++pos_;
            std::string_view name = t_.substr(start, pos_ - start);
            if (auto m = gfp_by_name(name)) {
                v = *m;
                return true;
            }
            std::string near = nearest_gfp_name(name);
            return fail(fmt::format("unknown GFP flag '{}'{}", name, near.empty() ? "" : "; did you mean " + near + "?"),
                        start);
        }
        return fail(fmt::format("unexpected '{}' in a GFP expression", c), pos_);
    }

    static constexpr int max_depth = 64;
    std::string_view t_;
    std::size_t pos_ = 0;
    int depth_ = 0;
    std::string error_;
    std::size_t err_pos_ = 0;
};

}  // namespace

gfp_parse_result parse_gfp(std::string_view text) { return gfp_parser(text).parse(); }

}  // namespace kmsim::mm

namespace kmsim::mm {

std::string explain_gfp(gfp_t g)
{
    std::string o = format_gfp_mode(g) + "\n";
    auto row = [&](const char* what, const std::string& answer) { o += fmt::format("  {:<20} {}\n", what, answer); };
    const auto zi = gfp_zone_checked(g);
    std::string zone = zone_name(zi.zone);
    if (zi.invalid)
        zone += " (invalid zone modifiers: more than one of __GFP_DMA, __GFP_HIGHMEM, __GFP_DMA32; "
                "gfp_zone() falls back to ZONE_DMA)";
    else if (zi.zone == ZONE_DMA)
        zone += " only (nothing below it to fall back to)";
    else if (zi.zone == ZONE_DMA32)
        zone += ", then DMA";
    else
        zone += ", then DMA32, then DMA";
    row("zones:", zone);
    const bool block = gfpflags_allow_blocking(g);
    row("may sleep:", block ? "yes (__GFP_DIRECT_RECLAIM: direct reclaim, reclaim stalls)"
                            : "no (no __GFP_DIRECT_RECLAIM: fails instead of reclaiming; safe in IRQ context)");
    row("may start I/O:", (g & gfp::IO) ? "yes (__GFP_IO: reclaim may swap out)"
                                        : "no (no __GFP_IO: reclaim cannot swap or start block I/O)");
    row("may enter the fs:", (g & gfp::FS) ? "yes (__GFP_FS: filesystem shrinkers and writeback)"
                                           : "no (no __GFP_FS: no filesystem shrinkers, no OOM killer)");
    std::string reserves;
    if ((g & gfp::MEMALLOC) && !(g & gfp::NOMEMALLOC))
        reserves = "all of them (__GFP_MEMALLOC: no watermark check)";
    else if ((g & gfp::HIGH) && !block && !(g & gfp::NOMEMALLOC))
        reserves = "down to about 3/8 of min (__GFP_HIGH and cannot block: min/2 - min/8)";
    else if (g & gfp::HIGH)
        reserves = "down to half of min (__GFP_HIGH)";
    else
        reserves = block ? "none (stops at the min watermark; reclaims to make room)"
                         : "none (stops at the min watermark)";
    row("reserves:", reserves);
    row("wakes kswapd:", (g & gfp::KSWAPD_RECLAIM) ? "yes (__GFP_KSWAPD_RECLAIM, when below the low watermark)"
                                                   : "no");
    // In the order the slow path and __alloc_pages_may_oom() decide: a mask
    // that cannot block never gets there; __GFP_NORETRY gives up after one
    // pass; __GFP_RETRY_MAYFAIL, __GFP_THISNODE and lowmem requests skip the
    // OOM killer and fail; only then does a mask without __GFP_FS reach
    // out_of_memory(), which kills nothing for it and reports progress.
    std::string oom;
    if (!block)
        oom = "no (cannot block)";
    else if (g & gfp::NORETRY)
        oom = "no (__GFP_NORETRY: fails after one reclaim pass)";
    else if (g & gfp::RETRY_MAYFAIL)
        oom = "no (__GFP_RETRY_MAYFAIL: retries, then fails)";
    else if (g & gfp::THISNODE)
        oom = "no (__GFP_THISNODE)";
    else if (zi.zone < ZONE_NORMAL)
        oom = "no (lowmem-only request: fails instead)";
    else if (!(g & gfp::FS))
        oom = "no (no __GFP_FS: retries instead)";
    else
        oom = "yes, for orders up to 3";
    row("OOM killer:", oom);
    if (g & gfp::NOFAIL)
        row("on failure:", block ? "never fails (__GFP_NOFAIL: loops)" : "warns and fails: __GFP_NOFAIL needs __GFP_DIRECT_RECLAIM");
    else
        row("on failure:", (g & gfp::NOWARN) ? "returns NULL quietly (__GFP_NOWARN)"
                                             : "returns NULL and prints \"page allocation failure\"");
    return o;
}

}  // namespace kmsim::mm

// mm/node.cpp - zone layout and the boot-time watermark arithmetic.
#include "mm/node.h"

#include "mm/cmdline.h"
#include "sim/error.h"

#include <algorithm>
#include <fmt/format.h>

namespace kmsim::mm {

namespace {
constexpr std::uint64_t MiB = 1ULL << 20;
constexpr std::uint64_t GiB = 1ULL << 30;
constexpr pfn_t DMA_END_PFN = (16 * MiB) >> PAGE_SHIFT;       // MAX_DMA_PFN
constexpr pfn_t DMA32_END_PFN = (4 * GiB) >> PAGE_SHIFT;      // MAX_DMA32_PFN
constexpr std::uint64_t LOWMEM_LIMIT = 3 * GiB;               // below the PCI hole
}  // namespace

std::uint64_t int_sqrt(std::uint64_t x)
{
    // lib/math/int_sqrt.c: the floor of the square root, bit by bit.
    if (x <= 1)
        return x;
    std::uint64_t m = 1ULL << ((63 - __builtin_clzll(x)) & ~1ULL);
    std::uint64_t y = 0;
    while (m != 0) {
        std::uint64_t b = y + m;
        y >>= 1;
        if (x >= b) {
            x -= b;
            y += m;
        }
        m >>= 2;
    }
    return y;
}

std::uint64_t node::calculate_min_free_kbytes(std::uint64_t lowmem_kbytes)
{
    std::uint64_t v = int_sqrt(lowmem_kbytes * 16);
    return std::clamp<std::uint64_t>(v, 128, 262144);
}

namespace {
// "64M", "1G", "12K", or bytes: as a scenario writes a size.
std::string size_text(std::uint64_t bytes)
{
    for (auto [shift, unit] : {std::pair{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}})
        if (bytes >= (1ULL << shift) && bytes % (1ULL << shift) == 0)
            return fmt::format("{}{}", bytes >> shift, unit);
    return std::to_string(bytes);
}
}  // namespace

std::optional<std::string> check_memory(std::uint64_t bytes)
{
    if (bytes < min_memory)
        return fmt::format("memory={} is too small: kmsim needs at least {} (or explicit zone lines)",
                           size_text(bytes), size_text(min_memory));
    if (bytes > max_memory)
        return fmt::format("memory={} is too large: kmsim simulates at most {}", size_text(bytes),
                           size_text(max_memory));
    if (bytes % PAGE_SIZE)
        return fmt::format("memory={} is not a multiple of 4K", size_text(bytes));
    return std::nullopt;
}

node::node(node_config cfg) : config_(std::move(cfg))
{
    build_zones(config_);
    if (config_.watermark_scale_factor < 1 || config_.watermark_scale_factor > 3000)
        throw sim::config_error(fmt::format("vm.watermark_scale_factor must be 1..3000, not {}",
                                            config_.watermark_scale_factor));
    // init_per_zone_wmark_min(): at that point the high watermarks are still
    // 0, so nr_free_buffer_pages() is the managed pages of every zone up to
    // ZONE_NORMAL.
    std::uint64_t lowmem_kbytes = 0;
    for (const zone& z : zones_)
        lowmem_kbytes += z.managed_pages * (PAGE_SIZE / 1024);
    min_free_kbytes_ = calculate_min_free_kbytes(lowmem_kbytes);
    setup_per_zone_wmarks();
    setup_per_zone_lowmem_reserve();
    // hugepage_init() (a later initcall) starts khugepaged, which raises
    // min_free_kbytes for THP; a vm.min_free_kbytes sysctl, written once the
    // system is up, overrides both.
    if (config_.transparent_hugepage)
        min_free_kbytes_ = std::max(min_free_kbytes_, recommended_min_free_kbytes());
    if (config_.min_free_kbytes)
        min_free_kbytes_ = *config_.min_free_kbytes;
    setup_per_zone_wmarks();
}

std::uint64_t node::nr_free_buffer_pages() const
{
    // nr_free_zone_pages(gfp_zone(GFP_USER)): what each zone up to Normal
    // has above its high watermark.
    std::uint64_t sum = 0;
    for (const zone& z : zones_)
        if (z.managed_pages > z.high_wmark())
            sum += z.managed_pages - z.high_wmark();
    return sum;
}

std::uint64_t node::recommended_min_free_kbytes() const
{
    constexpr std::uint64_t pageblock_nr_pages = 1ULL << 9;  // pageblock_order: HPAGE_PMD_ORDER
    constexpr std::uint64_t MIGRATE_PCPTYPES = 3;            // unmovable, movable, reclaimable
    std::uint64_t nr_zones = 0;
    for (const zone& z : zones_)
        nr_zones += z.populated() ? 1 : 0;
    // Two free pageblocks against fragmentation, and on average two almost
    // free of another type for each pair of the three migrate types ...
    std::uint64_t recommended_min = pageblock_nr_pages * nr_zones * 2;
    recommended_min += pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
    // ... but never more than 5% of lowmem.
    recommended_min = std::min(recommended_min, nr_free_buffer_pages() / 20);
    return recommended_min << (PAGE_SHIFT - 10);
}

std::optional<std::string> parse_thp_boot_param(const std::string& cmdline, bool& out)
{
    // setup_transparent_hugepage() in mm/huge_memory.c.
    for (const cmdline_param& p : parse_cmdline(cmdline)) {
        if (p.key != "transparent_hugepage")
            continue;
        if (p.value == "always" || p.value == "madvise")
            out = true;
        else if (p.value == "never")
            out = false;
        else
            return fmt::format("{}: '{}' is not always, madvise or never", p.word, p.value);
    }
    return std::nullopt;
}

void node::build_zones(const node_config& cfg)
{
    struct zone_range {
        pfn_t start = 0, end = 0;
        std::vector<range> holes;
        std::uint64_t reserved_pages = 0;
    };
    std::array<zone_range, MAX_NR_ZONES> r{};
    if (!cfg.zones.empty()) {
        if (cfg.memory)
            throw sim::config_error("give either machine memory= or zone lines, not both");
        const pfn_t base[MAX_NR_ZONES] = {0, DMA_END_PFN, DMA32_END_PFN};
        const std::uint64_t limit[MAX_NR_ZONES] = {16 * MiB, 4 * GiB - 16 * MiB, 1ULL << 46};
        std::array<bool, MAX_NR_ZONES> seen{};
        for (const zone_spec& s : cfg.zones) {
            auto i = static_cast<std::size_t>(s.type);
            if (s.type < 0 || s.type >= MAX_NR_ZONES)
                throw sim::config_error("unknown zone type");
            if (seen[i])
                throw sim::config_error(fmt::format("zone {} is given twice", zone_name(s.type)));
            seen[i] = true;
            if (s.size == 0 || s.size % PAGE_SIZE)
                throw sim::config_error(fmt::format("zone {}: the size must be a positive multiple of 4K", zone_name(s.type)));
            if (s.size > limit[i])
                throw sim::config_error(fmt::format("zone {}: {} MiB does not fit (at most {} MiB on x86-64)",
                                                    zone_name(s.type), s.size / MiB, limit[i] / MiB));
            if (s.reserved % PAGE_SIZE || s.reserved > s.size)
                throw sim::config_error(fmt::format("zone {}: reserved must be a multiple of 4K no larger than the zone",
                                                    zone_name(s.type)));
            r[i].start = base[i];
            r[i].end = base[i] + (s.size >> PAGE_SHIFT);
            r[i].reserved_pages = s.reserved >> PAGE_SHIFT;
        }
    } else {
        if (auto err = check_memory(cfg.memory))
            throw sim::config_error(*err);
        // DMA: pfn 1..4095 with the legacy VGA/BIOS hole.
        r[ZONE_DMA].start = 1;
        r[ZONE_DMA].end = DMA_END_PFN;
        r[ZONE_DMA].holes.push_back({0x9f, 0x100});
        const std::uint64_t low = std::min(cfg.memory, LOWMEM_LIMIT);
        r[ZONE_DMA32].start = DMA_END_PFN;
        r[ZONE_DMA32].end = low >> PAGE_SHIFT;
        if (cfg.memory > LOWMEM_LIMIT) {
            // RAM goes on above 4 GiB: DMA32 spans the PCI hole, not present.
            r[ZONE_DMA32].end = DMA32_END_PFN;
            r[ZONE_DMA32].holes.push_back({low >> PAGE_SHIFT, DMA32_END_PFN});
            r[ZONE_NORMAL].start = DMA32_END_PFN;
            r[ZONE_NORMAL].end = DMA32_END_PFN + ((cfg.memory - LOWMEM_LIMIT) >> PAGE_SHIFT);
        }
    }

    pfn_t end_pfn = 0;
    for (auto& zr : r)
        end_pfn = std::max(end_pfn, zr.end);
    map_ = std::make_unique<memmap>(end_pfn, cfg.host_views);

    for (int t = 0; t < MAX_NR_ZONES; ++t) {
        auto i = static_cast<std::size_t>(t);
        zone& z = zones_[i];
        const zone_range& zr = r[i];
        z.type = t;
        z.name = zone_name(t);
        z.zone_start_pfn = zr.start;
        z.spanned_pages = zr.end - zr.start;
        std::uint64_t holes = 0;
        for (const range& h : zr.holes)
            holes += h.end - h.start;
        z.present_pages = z.spanned_pages - holes;
        z.managed_pages = z.present_pages - zr.reserved_pages;
        buddies_[i] = std::make_unique<buddy>(z, *map_);
        if (!z.spanned_pages)
            continue;
        // Present ranges, minus holes; the reserved pages are the first ones.
        pfn_t pos = zr.start;
        std::uint64_t to_reserve = zr.reserved_pages;
        auto give = [&](pfn_t a, pfn_t b) {
            present_.push_back({a, b});
            pfn_t skip = std::min<std::uint64_t>(to_reserve, b - a);
            to_reserve -= skip;
            if (a + skip < b)
                buddies_[i]->add_range(a + skip, b);
        };
        for (const range& h : zr.holes) {
            give(pos, h.start);
            pos = h.end;
        }
        give(pos, zr.end);
        z.allocated_pages = 0;
    }
}

zone* node::zone_of(pfn_t pfn)
{
    for (zone& z : zones_)
        if (z.spans(pfn)) {
            for (const range& p : present_)
                if (pfn >= p.start && pfn < p.end)
                    return &z;
            return nullptr;
        }
    return nullptr;
}

std::uint64_t node::totalram_pages() const
{
    std::uint64_t n = 0;
    for (const zone& z : zones_)
        n += z.managed_pages;
    return n;
}

std::uint64_t node::present_pages_in(pfn_t start, pfn_t end) const
{
    std::uint64_t n = 0;
    for (const range& r : present_)
        if (r.start < end && start < r.end)
            n += std::min(r.end, end) - std::max(r.start, start);
    return n;
}

std::uint64_t node::nr_free_pages() const
{
    std::uint64_t n = 0;
    for (const zone& z : zones_)
        n += z.nr_free_pages;
    return n;
}

std::uint64_t node::totalreserve_pages() const
{
    std::uint64_t total = 0;
    for (const zone& z : zones_) {
        std::uint64_t max = 0;
        for (std::uint64_t r : z.lowmem_reserve)
            max = std::max(max, r);
        max += z.high_wmark();
        total += std::min(max, z.managed_pages);
    }
    return total;
}

void node::setup_per_zone_wmarks()
{
    const std::uint64_t pages_min = min_free_kbytes_ >> (PAGE_SHIFT - 10);
    std::uint64_t lowmem_pages = 0;
    for (const zone& z : zones_)
        lowmem_pages += z.managed_pages;  // no highmem or movable zones here
    for (zone& z : zones_) {
        // Each zone's share of min_free_kbytes, by its managed pages.
        std::uint64_t tmp = lowmem_pages ? pages_min * z.managed_pages / lowmem_pages : 0;
        z.watermark[WMARK_MIN] = tmp;
        // The gap between watermarks: a quarter of min, or
        // watermark_scale_factor/10000 of the zone if that is larger
        // (mult_frac(managed, factor, 10000)).
        const std::uint64_t m = z.managed_pages, f = config_.watermark_scale_factor;
        tmp = std::max(tmp >> 2, (m / 10000) * f + ((m % 10000) * f) / 10000);
        z.watermark[WMARK_LOW] = z.watermark[WMARK_MIN] + tmp;
        z.watermark[WMARK_HIGH] = z.watermark[WMARK_LOW] + tmp;
        z.watermark[WMARK_PROMO] = z.watermark[WMARK_HIGH] + tmp;
    }
}

void node::setup_per_zone_lowmem_reserve()
{
    for (int i = 0; i < MAX_NR_ZONES; ++i) {
        zone& z = zones_[static_cast<std::size_t>(i)];
        const std::uint32_t ratio = config_.lowmem_reserve_ratio[static_cast<std::size_t>(i)];
        const bool clear = ratio == 0 || z.managed_pages == 0;
        std::uint64_t managed = 0;
        z.lowmem_reserve[static_cast<std::size_t>(i)] = 0;
        for (int j = i + 1; j < MAX_NR_ZONES; ++j) {
            managed += zones_[static_cast<std::size_t>(j)].managed_pages;
            z.lowmem_reserve[static_cast<std::size_t>(j)] = clear ? 0 : managed / ratio;
        }
    }
}

std::string node::check_invariants() const
{
    for (const auto& b : buddies_)
        if (std::string e = b->check_invariants(); !e.empty())
            return e;
    return {};
}

}  // namespace kmsim::mm

// mm/slub.cpp - SLUB: cache geometry, slabs, object allocation and freeing, slub_debug.
#include "mm/slab.h"

#include "arch/hexdump.h"
#include "arch/machine.h"
#include "mm/alloc_explain.h"
#include "mm/cmdline.h"
#include "mm/kasan.h"
#include "mm/kmemleak.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"
#include "sim/error.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fmt/format.h>

namespace kmsim::mm {

namespace {
constexpr std::uint32_t PTR = 8;           // sizeof(void *)
constexpr std::uint32_t TRACK_SIZE = 32;   // struct track with CONFIG_STACKDEPOT
constexpr std::uint32_t CACHE_LINE = 64;
constexpr unsigned MAX_OBJS_PER_PAGE = 32767;

constexpr std::uint32_t align_up(std::uint32_t x, std::uint32_t a) { return (x + a - 1) / a * a; }
unsigned fls(unsigned x) { return x ? 32 - static_cast<unsigned>(__builtin_clz(x)) : 0; }
unsigned ilog2(std::uint32_t x) { return 31 - static_cast<unsigned>(__builtin_clz(x)); }
unsigned order_objects(unsigned order, std::uint32_t size) { return static_cast<unsigned>((PAGE_SIZE << order) / size); }

std::uint32_t debug_letters(const std::string& s, bool* order_o, bool* ok)
{
    std::uint32_t f = 0;
    *ok = true;
    if (s.empty())
        return SLAB_DEBUG_FLAGS;  // "slub_debug" alone: FZPU
    for (char c : s) {
        switch (std::tolower(static_cast<unsigned char>(c))) {
        case 'f': f |= SLAB_CONSISTENCY_CHECKS; break;
        case 'z': f |= SLAB_RED_ZONE; break;
        case 'p': f |= SLAB_POISON; break;
        case 'u': f |= SLAB_STORE_USER; break;
        case 't': case 'a': break;  // tracing and failslab: accepted, not modelled
        case 'o': *order_o = true; break;
        case '-': f = 0; break;
        default: *ok = false;
        }
    }
    return f;
}
}  // namespace

std::optional<std::string> parse_slab_boot_params(const std::string& cmdline, slab_boot_params& out)
{
    for (const cmdline_param& param : parse_cmdline(cmdline)) {
        const std::string& word = param.word;
        const std::string& value = param.value;
        const bool has_value = param.has_value;
        std::string key = param.key;
        if (key.rfind("slub_", 0) == 0)
            key = "slab_" + key.substr(5);
        auto number = [&](unsigned& dst, unsigned max) -> std::optional<std::string> {
            try {
                std::size_t used = 0;
                unsigned long v = std::stoul(value, &used, 0);
                if (used != value.size() || v > max)
                    throw std::out_of_range("");
                dst = static_cast<unsigned>(v);
                return std::nullopt;
            } catch (const std::exception&) {
                return fmt::format("{}: '{}' is not a number from 0 to {}", word, value, max);
            }
        };
        if (key == "slab_debug") {
            // slab_debug=<flags>[,<cache>,...][;<flags>,<cache>...]: kmsim takes
            // the first block (flags for all caches or for the listed ones).
            std::string block = value.substr(0, value.find(';'));
            std::string letters = block.substr(0, block.find(','));
            bool ok = true;
            out.debug_flags = debug_letters(has_value ? letters : std::string(), &out.disable_debug_if_order_grows, &ok);
            if (!ok)
                return fmt::format("{}: unknown slab_debug option in '{}' (letters are F Z P U T A O -)", word, letters);
            out.debug_caches.clear();
            std::size_t p = block.find(',');
            while (p != std::string::npos) {
                std::size_t q = block.find(',', p + 1);
                std::string name = block.substr(p + 1, q == std::string::npos ? std::string::npos : q - p - 1);
                if (!name.empty())
                    out.debug_caches.push_back(name);
                p = q;
            }
        } else if (key == "slab_min_objects") {
            if (auto e = number(out.min_objects, MAX_OBJS_PER_PAGE))
                return e;
        } else if (key == "slab_max_order") {
            if (auto e = number(out.max_order, MAX_PAGE_ORDER))
                return e;
        } else if (key == "slab_min_order") {
            if (auto e = number(out.min_order, MAX_PAGE_ORDER))
                return e;
        }
    }
    if (out.min_order > out.max_order)
        out.max_order = out.min_order;  // slub_min_order raises max, as setup_slub_min_order does
    return std::nullopt;
}

std::uint64_t kmem_cache::active_objs() const
{
    std::uint64_t free_on_partial = 0;
    for (const slab* sl : partial)
        free_on_partial += sl->free.size();
    return total_objects - free_on_partial;
}

slab_allocator::slab_allocator(arch::machine& m, page_allocator& pa, vm_counters& vm, slab_boot_params params)
    : machine_(m), pa_(pa), map_(pa.nd().map()), vm_(vm), params_(std::move(params))
{
}

slab_allocator::~slab_allocator() = default;

unsigned slab_allocator::calculate_order(std::uint32_t size) const
{
    unsigned min_objects = params_.min_objects;
    if (!min_objects)
        min_objects = 4 * (fls(static_cast<unsigned>(machine_.nr_cpus())) + 1);
    const unsigned max_objects = std::max(order_objects(params_.max_order, size), 1u);
    min_objects = std::min(min_objects, max_objects);
    const unsigned min_order = std::max(params_.min_order, get_order(static_cast<std::uint64_t>(min_objects) * size));
    if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
        return get_order(static_cast<std::uint64_t>(size) * MAX_OBJS_PER_PAGE) - 1;
    // Accept at most 1/16 of the slab wasted, then 1/8, 1/4, 1/2.
    for (unsigned fraction = 16; fraction > 1; fraction /= 2) {
        unsigned order = min_order;
        for (; order <= params_.max_order; ++order) {
            const std::uint64_t slab_size = PAGE_SIZE << order;
            if (slab_size % size <= slab_size / fraction)
                break;
        }
        if (order <= params_.max_order)
            return order;
    }
    return get_order(size);
}

void slab_allocator::calculate_sizes(kmem_cache& s) const
{
    const std::uint32_t flags = s.flags;
    std::uint32_t size = align_up(s.object_size, PTR);
    s.poison_objects = flags & SLAB_POISON;  // no ctor, no TYPESAFE_BY_RCU here
    // A word of red zone after the object if alignment left no room.
    if ((flags & SLAB_RED_ZONE) && size == s.object_size)
        size += PTR;
    s.inuse = size;
    if ((flags & SLAB_POISON) || ((flags & SLAB_RED_ZONE) && (s.object_size < PTR || s.tracks_orig_size()))) {
        // The free pointer goes after the object so poison or red zone
        // checks can see the whole object.
        s.offset = size;
        size += PTR;
    } else {
        s.offset = (s.object_size / 2) / PTR * PTR;
    }
    if (flags & SLAB_STORE_USER) {
        size += 2 * TRACK_SIZE;
        if (flags & SLAB_KMALLOC)
            size += 4;  // orig_size
    }
    if (flags & SLAB_RED_ZONE) {
        size += PTR;
        s.red_left_pad = align_up(PTR, s.align);
        size += s.red_left_pad;
    }
    s.size = align_up(size, s.align);
    s.reciprocal_size = make_reciprocal_value(s.size);
    s.order = calculate_order(s.size);
    s.objects = order_objects(s.order, s.size);
    s.min_order = get_order(s.size);
    s.min_objects_order = order_objects(s.min_order, s.size);
    s.allocflags = gfp::COMP;
    if (flags & SLAB_CACHE_DMA)
        s.allocflags |= GFP_DMA;
    if (flags & SLAB_CACHE_DMA32)
        s.allocflags |= GFP_DMA32;
    if (flags & SLAB_RECLAIM_ACCOUNT)
        s.allocflags |= gfp::RECLAIMABLE;
    s.min_partial = std::clamp(ilog2(s.size) / 2, 5u, 10u);
}

kmem_cache* slab_allocator::create(const std::string& name, std::uint32_t size, kmem_cache_options opts)
{
    if (name.empty())
        throw sim::config_error("kmem_cache_create: a cache needs a name");
    if (size < PTR || size > (4u << 20))
        throw sim::config_error(fmt::format("kmem_cache_create({}) integrity check failed: size {} is not in 8..4M",
                                            name, size));
    if (opts.align & (opts.align - 1))
        throw sim::config_error(fmt::format("kmem_cache_create({}): align {} is not a power of two", name, opts.align));
    if (find(name))
        throw sim::config_error(fmt::format("kmem_cache_create({}): a cache with that name exists", name));
    return make_cache(name, size, opts);
}

kmem_cache* slab_allocator::make_cache(const std::string& name, std::uint32_t size, kmem_cache_options opts)
{
    auto s = std::make_unique<kmem_cache>();
    s->id = static_cast<int>(caches_.size());
    s->name = name;
    s->object_size = size;
    s->flags = opts.flags;
    // slub_debug= from the boot line, for every cache or the listed ones.
    if (params_.debug_flags &&
        (params_.debug_caches.empty() ||
         std::find(params_.debug_caches.begin(), params_.debug_caches.end(), name) != params_.debug_caches.end()))
        s->flags |= params_.debug_flags;
    // calculate_alignment(): a cache line, halved while the object fits in half.
    std::uint32_t align = std::max<std::uint32_t>(opts.align, 1);
    if (s->flags & SLAB_HWCACHE_ALIGN) {
        std::uint32_t ralign = CACHE_LINE;
        while (size <= ralign / 2)
            ralign /= 2;
        align = std::max(align, ralign);
    }
    s->align = align_up(std::max<std::uint32_t>(align, 8), PTR);
    calculate_sizes(*s);
    if (params_.disable_debug_if_order_grows && s->debug()) {
        // slub_debug=O: drop debugging where it would raise the order.
        kmem_cache plain = *s;
        plain.flags &= ~SLAB_DEBUG_FLAGS;
        calculate_sizes(plain);
        if (s->order > plain.order)
            *s = plain;
    }
    if (s->size > (PAGE_SIZE << MAX_PAGE_ORDER))
        throw sim::config_error(fmt::format("kmem_cache_create({}): objects of {} bytes do not fit a slab", name, size));
    s->cpu_slab.assign(static_cast<std::size_t>(machine_.nr_cpus()), nullptr);
    kmem_cache* raw = s.get();
    caches_.push_back(std::move(s));
    order_.insert(order_.begin(), raw);
    return raw;
}

kmem_cache* slab_allocator::kmem_cache_create(const std::string& name, std::uint32_t size, kmem_cache_options opts)
{
    machine_.might_sleep("kernel/locking/mutex.c", 283);  // mutex_lock(&slab_mutex)
    // Without CONFIG_DEBUG_VM there is no sanity check of the name; a size
    // that calculate_sizes() cannot fit in a slab is -EINVAL. An object is
    // at least a word.
    kmem_cache* s = nullptr;
    if (size > 0 && !(opts.align & (opts.align - 1))) {
        try {
            s = make_cache(name, std::max(size, PTR), opts);
        } catch (const sim::config_error&) {
            s = nullptr;  // does not fit a slab
        }
    }
    if (s)
        return s;
    if (opts.flags & SLAB_PANIC) {
        machine_.panic(fmt::format("__kmem_cache_create_args: Failed to create slab '{}'. Error -22", name));
        return nullptr;
    }
    std::string text = fmt::format("__kmem_cache_create_args({}) failed with error -22\n", name);
    if (machine_.current_context())
        text += machine_.dump_stack(machine_.current());
    machine_.log().printk(machine_.now(), arch::log_level::warning, text, machine_.current_comm());
    return nullptr;
}

kmem_cache* slab_allocator::find(const std::string& name) const
{
    for (kmem_cache* c : order_)
        if (c->name == name)
            return c;
    return nullptr;
}

std::uint8_t* slab_allocator::bytes(std::uint64_t addr)
{
    pfn_t pfn;
    if (!pa_.nd().map().virt_to_pfn(addr, pfn))
        return nullptr;
    return pa_.nd().map().data(pfn) + (addr & (PAGE_SIZE - 1));
}

std::uint32_t slab_allocator::orig_size_of(const slab& sl, unsigned index) const
{
    return sl.orig_size.empty() ? sl.cache->object_size : sl.orig_size[index];
}

void slab_allocator::set_orig_size(slab& sl, unsigned index, std::uint32_t size)
{
    if (!sl.orig_size.empty())
        sl.orig_size[index] = size;
}

slab_track slab_allocator::track_here() const
{
    slab_track t;
    t.valid = true;
    const arch::context* c = machine_.current_context();
    if (c) {
        const arch::frame* loc = c->location();
        t.where = loc ? loc->format() : (c->frames().empty() ? c->name() : c->frames().back().format());
        t.cpu = c->on_cpu() ? c->on_cpu()->id() : 0;
    }
    t.pid = machine_.current_context() ? machine_.current_pid() : 0;
    t.when = machine_.jiffies();
    return t;
}

void slab_allocator::init_object(kmem_cache& s, slab& sl, unsigned index, std::uint8_t red)
{
    const std::uint64_t obj = object_addr(sl, index);
    std::uint8_t* p = bytes(obj);
    std::uint32_t poison_size = s.object_size;
    if (s.flags & SLAB_RED_ZONE) {
        std::memset(p - s.red_left_pad, red, s.red_left_pad);
        if (s.tracks_orig_size() && red == SLUB_RED_ACTIVE)
            poison_size = orig_size_of(sl, index);
    }
    if (s.poison_objects && poison_size) {
        std::memset(p, POISON_FREE, poison_size - 1);
        p[poison_size - 1] = POISON_END;
    }
    if (s.flags & SLAB_RED_ZONE)
        std::memset(p + poison_size, red, s.inuse - poison_size);
}

std::string slab_allocator::slab_bug_header(const kmem_cache& s, const std::string& reason) const
{
    return "=============================================================================\n"
           "BUG " + s.name + " (" + machine_.taint_string() + "): " + reason + "\n"
           "-----------------------------------------------------------------------------\n\n";
}

std::string slab_allocator::trailer(kmem_cache& s, slab& sl, unsigned index)
{
    std::string o;
    const std::uint64_t obj = object_addr(sl, index);
    const std::uint64_t base = memmap::pfn_to_virt(sl.pfn);
    if (s.flags & SLAB_STORE_USER) {
        const std::uint64_t now = machine_.jiffies();
        for (int which = 0; which < 2; ++which) {
            const slab_track& t = which ? sl.free_track[index] : sl.alloc_track[index];
            if (t.valid)
                o += fmt::format("{} in {} age={} cpu={} pid={}\n", which ? "Freed" : "Allocated", t.where,
                                 now - t.when, t.cpu, t.pid);
        }
    }
    const std::uint64_t fp = sl.free.empty() ? 0 : object_addr(sl, sl.free.back());
    o += fmt::format("Slab 0x{:016x} objects={} used={} fp=0x{:016x} flags=0x{:x}({}zone={})\n",
                     memmap::pfn_to_page_addr(sl.pfn), sl.objects, sl.inuse, fp, sl.order ? 0x240 : 0x200,
                     sl.order ? "slab|head|" : "slab|", static_cast<int>(pa_.nd().map()[sl.pfn].zone));
    o += fmt::format("Object 0x{:016x} @offset={} fp=0x{:016x}\n\n", obj, obj - base, std::uint64_t{0});
    const std::uint8_t* p = bytes(obj);
    if (s.flags & SLAB_RED_ZONE)
        o += arch::hex_dump("Redzone  ", arch::dump_prefix::address, obj - s.red_left_pad, p - s.red_left_pad, s.red_left_pad);
    else if (obj >= base + 16)
        o += arch::hex_dump("Bytes b4 ", arch::dump_prefix::address, obj - 16, p - 16, 16);
    o += arch::hex_dump("Object   ", arch::dump_prefix::address, obj, p, std::min<std::uint64_t>(s.object_size, PAGE_SIZE));
    if (s.flags & SLAB_RED_ZONE)
        o += arch::hex_dump("Redzone  ", arch::dump_prefix::address, obj + s.object_size, p + s.object_size, s.inuse - s.object_size);
    std::uint32_t off = s.offset >= s.inuse ? s.inuse + PTR : s.inuse;
    if (s.flags & SLAB_STORE_USER)
        off += 2 * TRACK_SIZE + (s.flags & SLAB_KMALLOC ? 4 : 0);
    const std::uint32_t size_from_object = s.size - s.red_left_pad;
    if (off < size_from_object)
        o += arch::hex_dump("Padding  ", arch::dump_prefix::address, obj + off, p + off, size_from_object - off);
    return o;
}

void slab_allocator::report_object(kmem_cache* s, slab& sl, unsigned index, const std::string& reason,
                                   const std::string& fix)
{
    std::string title = "BUG " + s->name + " (" + machine_.taint_string() + "): " + reason;
    std::string text = slab_bug_header(*s, reason) + trailer(*s, sl, index);
    if (machine_.current_context())
        text += machine_.dump_stack(machine_.current());
    if (!fix.empty())
        text += "FIX " + s->name + ": " + fix + "\n";
    machine_.add_report(arch::report_kind::slab, title, text);
    machine_.add_taint(arch::taint::bad_page);
}

bool slab_allocator::check_bytes(kmem_cache& s, slab& sl, unsigned index, const char* what, std::uint64_t from,
                                 std::uint64_t len, std::uint8_t value)
{
    std::uint8_t* p = bytes(from);
    std::uint64_t i = 0;
    while (i < len && p[i] == value)
        ++i;
    if (i == len)
        return true;
    std::uint64_t end = len;
    while (end > i && p[end - 1] == value)
        --end;
    const std::uint64_t base = memmap::pfn_to_virt(sl.pfn);
    const std::string reason = std::string(what) + " overwritten";
    std::string title = "BUG " + s.name + " (" + machine_.taint_string() + "): " + reason;
    std::string text = slab_bug_header(s, reason);
    text += fmt::format("0x{:016x}-0x{:016x} @offset={}. First byte 0x{:x} instead of 0x{:x}\n", from + i,
                        from + end - 1, from + i - base, p[i], value);
    text += trailer(s, sl, index);
    if (machine_.current_context())
        text += machine_.dump_stack(machine_.current());
    text += fmt::format("FIX {}: Restoring {} 0x{:016x}-0x{:016x}=0x{:x}\n", s.name, what, from + i, from + end - 1,
                        value);
    machine_.add_report(arch::report_kind::slab, title, text);
    machine_.add_taint(arch::taint::bad_page);
    std::memset(p + i, value, end - i);
    return false;
}

bool slab_allocator::check_object(kmem_cache& s, slab& sl, unsigned index, std::uint8_t red)
{
    const std::uint64_t obj = object_addr(sl, index);
    bool ok = true;
    if (s.flags & SLAB_RED_ZONE) {
        ok &= check_bytes(s, sl, index, "Left Redzone", obj - s.red_left_pad, s.red_left_pad, red);
        ok &= check_bytes(s, sl, index, "Right Redzone", obj + s.object_size, s.inuse - s.object_size, red);
        if (s.tracks_orig_size() && red == SLUB_RED_ACTIVE) {
            const std::uint32_t orig = orig_size_of(sl, index);
            if (s.object_size > orig)
                ok &= check_bytes(s, sl, index, "kmalloc Redzone", obj + orig, s.object_size - orig, red);
        }
    } else if ((s.flags & SLAB_POISON) && s.object_size < s.inuse) {
        ok &= check_bytes(s, sl, index, "Alignment padding", obj + s.object_size, s.inuse - s.object_size, POISON_INUSE);
    }
    if ((s.flags & SLAB_POISON) && red != SLUB_RED_ACTIVE && s.poison_objects) {
        if (s.object_size > 1)
            ok &= check_bytes(s, sl, index, "Poison", obj, s.object_size - 1, POISON_FREE);
        ok &= check_bytes(s, sl, index, "End Poison", obj + s.object_size - 1, 1, POISON_END);
    }
    return ok;
}

gfp_t slab_allocator::kmalloc_fix_flags(gfp_t gfp)
{
    const gfp_t invalid = gfp & GFP_SLAB_BUG_MASK;
    const gfp_t fixed = gfp & ~GFP_SLAB_BUG_MASK;
    std::string msg = fmt::format("Unexpected gfp: {:#x} ({}). Fixing up to gfp: {:#x} ({}). Fix your code!", invalid,
                                  format_gfp(invalid), fixed, format_gfp(fixed));
    machine_.add_report(arch::report_kind::warning, msg,
                        msg + "\n" + (machine_.current_context() ? machine_.dump_stack(machine_.current()) : ""),
                        arch::log_level::warning);
    return fixed;
}

slab* slab_allocator::new_slab(kmem_cache& s, gfp_t gfp)
{
    if (gfp & GFP_SLAB_BUG_MASK)
        gfp = kmalloc_fix_flags(gfp);
    // GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK of the caller, plus the cache's own.
    const gfp_t keep = gfp::RECLAIM | gfp::HIGH | gfp::IO | gfp::FS | gfp::NOWARN | gfp::RETRY_MAYFAIL | gfp::NOFAIL |
                       gfp::NORETRY | gfp::MEMALLOC | gfp::NOMEMALLOC | gfp::NOLOCKDEP | gfp::HARDWALL |
                       gfp::THISNODE;
    const gfp_t flags = (gfp & keep) | s.allocflags;
    // First the preferred order, opportunistically: no warning, no retry,
    // and no reclaim at all if a smaller order would do.
    unsigned order = s.order;
    gfp_t try_gfp = (flags | gfp::NOWARN | gfp::NORETRY) & ~gfp::NOFAIL;
    if ((try_gfp & gfp::DIRECT_RECLAIM) && s.order > s.min_order)
        try_gfp = (try_gfp | gfp::NOMEMALLOC) & ~gfp::RECLAIM;
    growing_ = true;
    page* pg = pa_.alloc_pages(try_gfp, order);
    if (!pg && s.order != s.min_order) {
        if (alloc_explain* ex = pa_.explaining()) [[unlikely]]
            ex->slab(machine_.current_context(), s.name,
                     fmt::format("order {} failed (tried without reclaim or retries); falls back to order {}", s.order,
                                 s.min_order),
                     true);
        order = s.min_order;
        pg = pa_.alloc_pages(flags, order);
    } else if (!pg) {
        pg = pa_.alloc_pages(flags, order);
    }
    growing_ = false;
    if (!pg)
        return nullptr;

    auto sl = std::make_unique<slab>();
    if (!free_ids_.empty()) {
        sl->id = free_ids_.back();
        free_ids_.pop_back();
    } else {
        sl->id = static_cast<int>(slabs_.size());
        slabs_.emplace_back();
    }
    sl->cache = &s;
    sl->pfn = pa_.pfn_of(pg);
    sl->order = order;
    sl->objects = order == s.order ? s.objects : s.min_objects_order;
    sl->allocated.assign(sl->objects, 0);
    sl->free.reserve(sl->objects);
    for (unsigned i = sl->objects; i-- > 0;)
        sl->free.push_back(static_cast<std::uint16_t>(i));
    if (s.tracks_orig_size())
        sl->orig_size.assign(sl->objects, s.object_size);
    if (s.flags & SLAB_STORE_USER) {
        sl->alloc_track.assign(sl->objects, {});
        sl->free_track.assign(sl->objects, {});
    }
    if (debug_.kasan || debug_.leaks)
        sl->debug.assign(sl->objects, {});
    for (unsigned k = 0; k < (1u << order); ++k) {
        page& p = pa_.nd().map()[sl->pfn + k];
        p.flags |= PG_slab;
        p.owner = static_cast<std::uint32_t>(sl->id);
    }
    if (s.debug() && (s.flags & (SLAB_POISON | SLAB_RED_ZONE))) {
        // setup_slab_debug(): fresh slab memory reads POISON_INUSE; then
        // every object is laid out as free.
        if (s.flags & SLAB_POISON)
            std::memset(pa_.nd().map().data(sl->pfn), POISON_INUSE, PAGE_SIZE << order);
        for (unsigned i = 0; i < sl->objects; ++i)
            init_object(s, *sl, i, SLUB_RED_INACTIVE);
    }
    vm_.add(s.flags & SLAB_RECLAIM_ACCOUNT ? NR_SLAB_RECLAIMABLE : NR_SLAB_UNRECLAIMABLE, 1LL << order);
    ++s.nr_slabs;
    s.total_objects += sl->objects;
    slab* raw = sl.get();
    slabs_[static_cast<std::size_t>(raw->id)] = std::move(sl);
    return raw;
}

void slab_allocator::discard_slab(kmem_cache& s, slab* sl)
{
    for (unsigned k = 0; k < (1u << sl->order); ++k) {
        page& p = pa_.nd().map()[sl->pfn + k];
        p.flags &= static_cast<std::uint8_t>(~PG_slab);
        p.owner = 0;
    }
    vm_.add(s.flags & SLAB_RECLAIM_ACCOUNT ? NR_SLAB_RECLAIMABLE : NR_SLAB_UNRECLAIMABLE, -(1LL << sl->order));
    --s.nr_slabs;
    s.total_objects -= sl->objects;
    pa_.free_pages_at(pa_.pfn_to_page(sl->pfn), sl->order);
    free_ids_.push_back(sl->id);
    slabs_[static_cast<std::size_t>(sl->id)].reset();
}

void slab_allocator::add_partial(kmem_cache& s, slab* sl)
{
    sl->on_partial = true;
    s.partial.push_front(sl);
}

void slab_allocator::remove_partial(kmem_cache& s, slab* sl)
{
    sl->on_partial = false;
    s.partial.erase(sl);
}

void slab_allocator::deactivate_cpu_slab(kmem_cache& s, int cpu)
{
    slab*& c = s.cpu_slab[static_cast<std::size_t>(cpu)];
    slab* sl = c;
    c = nullptr;
    if (!sl)
        return;
    sl->cpu = -1;
    if (sl->free.empty())
        return;  // full: on no list
    if (sl->inuse == 0 && s.partial.size() >= s.min_partial) {
        discard_slab(s, sl);
        return;
    }
    add_partial(s, sl);
}

void slab_allocator::slab_out_of_memory(kmem_cache& s, gfp_t gfp)
{
    if (gfp & gfp::NOWARN)
        return;
    // DEFAULT_RATELIMIT_INTERVAL 5 s, burst 10.
    const std::uint64_t j = machine_.jiffies();
    if (j > oom_begin_ + 5 * static_cast<std::uint64_t>(machine_.config().hz)) {
        oom_begin_ = j;
        oom_printed_ = 0;
    }
    if (oom_printed_++ >= 10)
        return;
    std::uint64_t free = 0;
    for (const slab* sl : s.partial)
        free += sl->free.size();
    // 6.12+: the CPU and its node, then the node asked for (NUMA_NO_NODE).
    std::string title = fmt::format("SLUB: Unable to allocate memory on CPU {} (of node 0) on node -1, gfp={}",
                                    machine_.smp_processor_id(), format_gfp_mode(gfp));
    std::string text = title + "\n";
    text += fmt::format("  cache: {}, object size: {}, buffer size: {}, default order: {}, min order: {}\n", s.name,
                        s.object_size, s.size, s.order, s.min_order);
    if (s.min_order > get_order(s.object_size))
        text += fmt::format("  {} debugging increased min order, use slab_debug=O to disable.\n", s.name);
    text += fmt::format("  node 0: slabs: {}, objs: {}, free: {}\n", s.nr_slabs, s.total_objects, free);
    machine_.add_report(arch::report_kind::alloc_failure, title, text, arch::log_level::warning);
}

slab* slab_allocator::refill_cpu_slab(kmem_cache& s, gfp_t gfp, int cpu)
{
    deactivate_cpu_slab(s, cpu);
    alloc_explain* ex = pa_.explaining();
    slab* sl;
    if (!s.partial.empty()) {
        sl = s.partial.front();
        remove_partial(s, sl);
        if (ex) [[unlikely]]
            ex->slab(machine_.current_context(), s.name,
                     fmt::format("CPU{}'s slab is full: took a partial slab ({} of {} free)", cpu, sl->free.size(),
                                 sl->objects),
                     false);
    } else {
        if (ex) [[unlikely]]
            ex->slab(machine_.current_context(), s.name,
                     fmt::format("CPU{}'s slab is full and there is no partial slab: a new slab, order {} "
                                 "(min order {}), from the page allocator",
                                 cpu, s.order, s.min_order),
                     false);
        sl = new_slab(s, gfp);
        if (!sl) {
            if (ex) [[unlikely]]
                ex->slab(machine_.current_context(), s.name, "no slab could be allocated: the object fails", true);
            slab_out_of_memory(s, gfp);
            return nullptr;
        }
    }
    // Growing the cache may have slept; take the CPU we are on now.
    const int now_cpu = machine_.smp_processor_id();
    deactivate_cpu_slab(s, now_cpu);
    sl->cpu = now_cpu;
    s.cpu_slab[static_cast<std::size_t>(now_cpu)] = sl;
    return sl;
}

void slab_allocator::isolate_slab(kmem_cache& s, slab& sl)
{
    // alloc_debug_processing() failed: mark every object used, so that the
    // allocation retries elsewhere.
    machine_.log().printk(machine_.now(), arch::log_level::err, "FIX " + s.name + ": Marking all objects used");
    s.inuse_objects += sl.free.size();
    for (std::uint16_t i : sl.free)
        sl.allocated[i] = 1;
    sl.inuse = sl.objects;
    sl.free.clear();
}

std::uint64_t slab_allocator::alloc(kmem_cache* s, gfp_t gfp, std::uint32_t orig_size)
{
    KMSIM_ASSERT(s && !s->released, "allocating from a released cache (its handle is checked first)");
    gfp &= gfp::BITS_MASK;
    if (!machine_.current_context())
        gfp &= ~(gfp::RECLAIM | gfp::IO | gfp::FS);  // boot: GFP_BOOT_MASK
    else
        pa_.might_alloc(gfp);  // slab_pre_alloc_hook()
    alloc_explain* ex = pa_.explaining();
    if (should_failslab && should_failslab(*s, gfp)) [[unlikely]] {
        machine_.trace().fault_injected("failslab");
        if (ex)
            ex->slab(machine_.current_context(), s->name, "failslab: a fault injected here fails it", true);
        return 0;
    }
    for (;;) {
        const int cpu = machine_.smp_processor_id();
        slab* sl = s->cpu_slab[static_cast<std::size_t>(cpu)];
        if (!sl || sl->free.empty()) [[unlikely]] {
            sl = refill_cpu_slab(*s, gfp, cpu);
            if (!sl)
                return 0;
        } else if (ex) [[unlikely]] {
            ex->slab(machine_.current_context(), s->name,
                     fmt::format("an object from CPU{}'s slab ({} of {} free)", cpu, sl->free.size(), sl->objects),
                     false);
        }
        const unsigned idx = sl->free.back();
        if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_object(*s, *sl, idx, SLUB_RED_INACTIVE)) [[unlikely]] {
            isolate_slab(*s, *sl);
            continue;
        }
        sl->free.pop_back();
        sl->allocated[idx] = 1;
        ++sl->inuse;
        ++s->inuse_objects;
        const std::uint64_t obj = object_addr(*sl, idx);
        const std::uint32_t req = orig_size ? orig_size : s->object_size;
        set_orig_size(*sl, idx, req);
        if (s->flags & SLAB_STORE_USER)
            sl->alloc_track[idx] = track_here();
        if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
            init_object(*s, *sl, idx, SLUB_RED_ACTIVE);
        if (gfp & gfp::ZERO)
            std::memset(bytes(obj), 0, s->tracks_orig_size() ? req : s->object_size);
        // slab_post_alloc_hook(): kmemleak_alloc_recursive().
        if (debug_.leaks)
            debug_.leaks->slab_alloc(*sl, idx, req);
        return obj;
    }
}

std::uint64_t slab_allocator::kmem_cache_alloc(kmem_cache* s, gfp_t gfp)
{
    const std::uint64_t obj = alloc(s, gfp);
    machine_.trace().kmem_cache_alloc(s->name.c_str(), obj, s->object_size, s->size, gfp);
    return obj;
}

void slab_allocator::kmem_cache_free(kmem_cache* s, std::uint64_t obj)
{
    if (obj == 0)
        return;
    slab* sl = slab_of(obj);
    if (!sl) {
        // virt_to_slab() found no slab: cache_from_obj()'s warning.
        machine_.warn(fmt::format("kmem_cache_free: {:#x} is not a slab object", obj), "mm/slub.c", 4632,
                      "cache_from_obj");
        return;
    }
    machine_.trace().kmem_cache_free(sl->cache->name.c_str(), obj);
    free(s, obj);
}

bool slab_allocator::free_checks(kmem_cache* s, slab& sl, std::uint64_t obj, std::uint64_t start, unsigned idx)
{
    kmem_cache* real = sl.cache;
    if (s && s != real) {
        // cache_from_obj(): warn, then free into the cache it came from.
        machine_.warn(fmt::format("kmem_cache_free: Wrong slab cache. {} but object is from {}", s->name, real->name),
                      "mm/slub.c", 4632, "cache_from_obj");
    }
    s = real;
    if (start != obj) {
        std::string reason = fmt::format("Invalid object pointer 0x{:016x}", obj);
        std::string title = "BUG " + s->name + " (" + machine_.taint_string() + "): " + reason;
        std::string text = slab_bug_header(*s, reason);
        text += fmt::format("Slab 0x{:016x} objects={} used={}\n", memmap::pfn_to_page_addr(sl.pfn), sl.objects,
                            sl.inuse);
        text += machine_.dump_stack(machine_.current());
        text += fmt::format("FIX {}: Object at 0x{:016x} not freed\n", s->name, obj);
        machine_.add_report(arch::report_kind::slab, title, text);
        machine_.add_taint(arch::taint::bad_page);
        return false;
    }
    if (!sl.allocated[idx]) {
        report_object(s, sl, idx, "Object already free", fmt::format("Object at 0x{:016x} not freed", obj));
        return false;
    }
    if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_object(*s, sl, idx, SLUB_RED_ACTIVE)) {
        machine_.log().printk(machine_.now(), arch::log_level::err,
                              fmt::format("FIX {}: Object at 0x{:016x} not freed", s->name, obj));
        return false;
    }
    return true;
}

void slab_allocator::free(kmem_cache* s, std::uint64_t obj)
{
    slab* sl = slab_of(obj);
    KMSIM_ASSERT(sl, "slab_allocator::free of a non-slab address (callers check)");
    free(s, *sl, obj);
}

void slab_allocator::free(kmem_cache* s, slab& slab_ref, std::uint64_t obj)
{
    slab* sl = &slab_ref;
    unsigned idx = 0;
    const std::uint64_t start = object_of(*sl, obj, &idx);
    // slab_free_hook(): KASAN's checks first (kmsim runs them before SLUB's).
    if (debug_.kasan && debug_.kasan->slab_pre_free(*sl, obj, start, idx))
        return;
    if ((s && s != sl->cache) || start != obj || !sl->allocated[idx] || (sl->cache->flags & SLAB_CONSISTENCY_CHECKS))
        [[unlikely]] {
        if (!free_checks(s, *sl, obj, start, idx))
            return;
    }
    s = sl->cache;
    if (s->flags & SLAB_STORE_USER)
        sl->free_track[idx] = track_here();
    if (debug_.kasan)
        debug_.kasan->slab_free(*sl, idx);
    if (debug_.leaks)
        debug_.leaks->slab_free(*sl, idx);
    if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
        init_object(*s, *sl, idx, SLUB_RED_INACTIVE);
    sl->allocated[idx] = 0;
    sl->free.push_back(static_cast<std::uint16_t>(idx));
    --sl->inuse;
    --s->inuse_objects;
    if (sl->cpu >= 0)
        return;
    const bool was_on_partial = sl->on_partial;
    if (sl->inuse == 0 && s->partial.size() >= s->min_partial) {
        if (was_on_partial)
            remove_partial(*s, sl);
        discard_slab(*s, sl);
        return;
    }
    if (!was_on_partial)
        add_partial(*s, sl);
}

void slab_allocator::destroy(kmem_cache* s)
{
    if (!s || s->destroyed)
        return;
    machine_.might_sleep("kernel/locking/mutex.c", 283);  // mutex_lock(&slab_mutex)
    // __kmem_cache_shutdown(): flush every CPU slab back, then free_partial()
    // frees the empty slabs, oldest first, and lists the objects of the others.
    for (int c = 0; c < machine_.nr_cpus(); ++c)
        deactivate_cpu_slab(*s, c);
    for (slab* sl = s->partial.back(); sl;) {
        slab* newer = sl->partial_prev;
        if (sl->inuse == 0) {
            remove_partial(*s, sl);
            discard_slab(*s, sl);
        }
        sl = newer;
    }
    const bool err = s->inuse_objects != 0;
    for (auto& owned : slabs_) {
        slab* sl = owned.get();
        if (!err || !sl || sl->cache != s || sl->inuse == 0)
            continue;
        // list_slab_objects(): slab_err() - the banner, the slab, the stack,
        // taint B - then each object still allocated.
        const std::string reason = fmt::format("Objects remaining in {} on __kmem_cache_shutdown()", s->name);
        std::string text = slab_bug_header(*s, reason);
        text += fmt::format("Slab 0x{:016x} objects={} used={} fp=0x{:016x} flags=0x{:x}({}zone={})\n",
                            memmap::pfn_to_page_addr(sl->pfn), sl->objects, sl->inuse,
                            sl->free.empty() ? 0 : object_addr(*sl, sl->free.back()), sl->order ? 0x240 : 0x200,
                            sl->order ? "slab|head|" : "slab|", static_cast<int>(pa_.nd().map()[sl->pfn].zone));
        if (machine_.current_context())
            text += machine_.dump_stack(machine_.current());
        const std::uint64_t base = memmap::pfn_to_virt(sl->pfn);
        for (unsigned i = 0; i < sl->objects; ++i) {
            if (!sl->allocated[i])
                continue;
            text += fmt::format("Object 0x{:016x} @offset={}\n", object_addr(*sl, i), object_addr(*sl, i) - base);
            if ((s->flags & SLAB_STORE_USER) && sl->alloc_track[i].valid)
                text += fmt::format("Allocated in {} age={} cpu={} pid={}\n", sl->alloc_track[i].where,
                                    machine_.jiffies() - sl->alloc_track[i].when, sl->alloc_track[i].cpu,
                                    sl->alloc_track[i].pid);
        }
        machine_.add_report(arch::report_kind::slab,
                            "BUG " + s->name + " (" + machine_.taint_string() + "): " + reason, text);
        machine_.add_taint(arch::taint::bad_page);
    }
    if (err)
        machine_.warn(fmt::format("kmem_cache_destroy {}: Slab cache still has objects when called from {}", s->name,
                                  machine_.current().location() ? machine_.current().location()->format()
                                                                : machine_.current().name()),
                      "mm/slab_common.c", 537, "kmem_cache_destroy");
    // list_del(&s->list) either way; the struct is freed only if it was empty.
    s->destroyed = true;
    s->released = !err;
    order_.erase(std::find(order_.begin(), order_.end(), s));
}

namespace {
const std::pair<const char*, std::uint32_t> slab_flag_table[] = {
    {"SLAB_CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS},
    {"SLAB_RED_ZONE", SLAB_RED_ZONE},
    {"SLAB_POISON", SLAB_POISON},
    {"SLAB_STORE_USER", SLAB_STORE_USER},
    {"SLAB_HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN},
    {"SLAB_CACHE_DMA", SLAB_CACHE_DMA},
    {"SLAB_CACHE_DMA32", SLAB_CACHE_DMA32},
    {"SLAB_RECLAIM_ACCOUNT", SLAB_RECLAIM_ACCOUNT},
    {"SLAB_ACCOUNT", SLAB_ACCOUNT},
    {"SLAB_PANIC", SLAB_PANIC},
};
}  // namespace

std::optional<std::uint32_t> slab_flag_by_name(std::string_view name)
{
    for (const auto& [n, v] : slab_flag_table)
        if (name == n)
            return v;
    return std::nullopt;
}

std::string format_slab_flags(std::uint32_t flags)
{
    std::string out;
    for (const auto& [n, v] : slab_flag_table)
        if (flags & v) {
            out += out.empty() ? "" : "|";
            out += n;
            flags &= ~v;
        }
    if (flags)
        out += fmt::format("{}{:#x}", out.empty() ? "" : "|", flags);
    return out.empty() ? "0" : out;
}

std::vector<std::string> slab_flag_names()
{
    std::vector<std::string> names;
    for (const auto& [n, v] : slab_flag_table)
        names.emplace_back(n);
    return names;
}

std::string slab_allocator::dump_unreclaimable_slab() const
{
    std::string o = "Unreclaimable slab info:\nName                      Used          Total\n";
    for (const kmem_cache* s : order_) {
        if ((s->flags & SLAB_RECLAIM_ACCOUNT) || s->total_objects == 0)
            continue;
        o += fmt::format("{:<17} {:>10}KB {:>10}KB\n", s->name, s->active_objs() * s->size / 1024,
                         s->total_objects * s->size / 1024);
    }
    return o;
}

std::string slab_allocator::slabinfo() const
{
    std::string o = "slabinfo - version: 2.1\n"
                    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
                    "<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
    for (const kmem_cache* s : order_)
        o += fmt::format("{:<17} {:6} {:6} {:6} {:4} {:4} : tunables {:4} {:4} {:4} : slabdata {:6} {:6} {:6}\n",
                         s->name, s->active_objs(), s->total_objects, s->size, s->objects, 1u << s->order, 0, 0, 0,
                         s->nr_slabs, s->nr_slabs, 0);
    return o;
}

std::string slab_allocator::check_invariants() const
{
    std::map<const kmem_cache*, std::array<std::uint64_t, 4>> sums;  // slabs, objects, inuse, on partial
    for (const auto& owned : slabs_) {
        const slab* sl = owned.get();
        if (!sl)
            continue;
        auto& sum = sums[sl->cache];
        ++sum[0];
        sum[1] += sl->objects;
        sum[2] += sl->inuse;
        sum[3] += sl->on_partial;
        if (sl->inuse + sl->free.size() != sl->objects)
            return fmt::format("{}: slab {} has inuse {} + free {} != objects {}", sl->cache->name, sl->id, sl->inuse,
                               sl->free.size(), sl->objects);
        const bool is_cpu = sl->cpu >= 0 && sl->cache->cpu_slab[static_cast<std::size_t>(sl->cpu)] == sl;
        if (sl->cpu >= 0 && !is_cpu)
            return fmt::format("{}: slab {} thinks it is CPU{}'s slab", sl->cache->name, sl->id, sl->cpu);
        if (is_cpu && sl->on_partial)
            return fmt::format("{}: slab {} is a cpu slab and on the partial list", sl->cache->name, sl->id);
        if (!is_cpu && !sl->on_partial && !sl->free.empty())
            return fmt::format("{}: slab {} has free objects but is on no list", sl->cache->name, sl->id);
        if (sl->on_partial && sl->free.empty())
            return fmt::format("{}: full slab {} on the partial list", sl->cache->name, sl->id);
        for (unsigned k = 0; k < (1u << sl->order); ++k) {
            const page& p = pa_.nd().map()[sl->pfn + k];
            if (!(p.flags & PG_slab) || p.owner != static_cast<std::uint32_t>(sl->id))
                return fmt::format("{}: page {:#x} of slab {} is not marked as its", sl->cache->name, sl->pfn + k, sl->id);
        }
    }
    for (const auto& c : caches_) {
        auto sum = sums[c.get()];
        if (sum[0] != c->nr_slabs || sum[1] != c->total_objects || sum[2] != c->inuse_objects)
            return fmt::format("{}: counts {}/{}/{} do not match its slabs {}/{}/{}", c->name, c->nr_slabs,
                               c->total_objects, c->inuse_objects, sum[0], sum[1], sum[2]);
        // The partial list: linked both ways, of this cache's slabs marked
        // on_partial, as many as are marked.
        std::size_t linked = 0;
        for (const slab* sl = c->partial.front(), *prev = nullptr; sl; prev = sl, sl = sl->partial_next) {
            if (sl->partial_prev != prev || sl->cache != c.get() || !sl->on_partial)
                return fmt::format("{}: partial list broken at slab {}", c->name, sl->id);
            if (!sl->partial_next && c->partial.back() != sl)
                return fmt::format("{}: partial list ends at slab {}, not at its tail", c->name, sl->id);
            ++linked;
        }
        if (linked != c->partial.size() || linked != sum[3])
            return fmt::format("{}: partial list links {} slabs, counts {}, and {} are marked", c->name, linked,
                               c->partial.size(), sum[3]);
    }
    return {};
}

}  // namespace kmsim::mm

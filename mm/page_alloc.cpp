// mm/page_alloc.cpp - the page allocator's fast path, slow path, failure report and frees.
#include "mm/page_alloc.h"

#include "mm/alloc_explain.h"

#include "arch/machine.h"
#include "sim/error.h"

#include <cstring>
#include <fmt/format.h>

namespace kmsim::mm {

unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order)
{
    // The watermark drops to min; __GFP_HIGH and __GFP_KSWAPD_RECLAIM have
    // the same bit values as ALLOC_MIN_RESERVE and ALLOC_KSWAPD on purpose.
    unsigned flags = WMARK_MIN | alloc::CPUSET;
    flags |= gfp & (gfp::HIGH | gfp::KSWAPD_RECLAIM);
    if (!(gfp & gfp::DIRECT_RECLAIM)) {
        // Not allowed to block: may dip further, unless told not to.
        if (!(gfp & gfp::NOMEMALLOC))
            flags |= alloc::NON_BLOCK;
        if (order > 0 && (flags & alloc::MIN_RESERVE))
            flags |= alloc::HIGHATOMIC;
        if (flags & alloc::MIN_RESERVE)
            flags &= ~alloc::CPUSET;
    }
    return flags;
}

page_allocator::page_allocator(arch::machine& m, node& n, vm_counters& vm)
    : machine_(m), node_(n), vm_(vm), nopage_rs_(10 * static_cast<std::uint64_t>(m.config().hz), 1)
{
}

void page_allocator::fs_reclaim_acquire(gfp_t gfp)
{
    if (need_fs_reclaim(gfp))
        machine_.lockdep_checks().acquire(fs_reclaim_, false);
}

void page_allocator::fs_reclaim_release(gfp_t gfp)
{
    if (need_fs_reclaim(gfp))
        machine_.lockdep_checks().release(fs_reclaim_);
}

void page_allocator::prep_new_page(pfn_t pfn, unsigned order, gfp_t gfp)
{
    page& p = node_.map()[pfn];
    p.flags = PG_allocated;
    p.order = static_cast<std::uint8_t>(order);
    if ((gfp & gfp::COMP) && order > 0)
        p.flags |= PG_head;
    if (gfp & gfp::ZERO)
        std::memset(node_.map().data(pfn), 0, PAGE_SIZE << order);
}

page* page_allocator::get_page_from_freelist(gfp_t gfp, unsigned order, unsigned alloc_flags, int highest_zoneidx)
{
    alloc_explain* ex = explaining();
    // The zonelist: from the highest usable zone downward, never upward.
    for (int t = highest_zoneidx; t >= 0; --t) {
        zone& z = node_.zone_at(t);
        if (!z.managed())
            continue;
        const std::uint64_t mark = z.watermark[alloc_flags & alloc::WMARK_MASK];
        const watermark_check w = zone_watermark_check(z, order, mark, highest_zoneidx, alloc_flags,
                                                       static_cast<std::int64_t>(z.nr_free_pages));
        if (!w.ok && !(alloc_flags & alloc::NO_WATERMARKS)) {
            if (ex) [[unlikely]]
                ex->zone_check(machine_.current_context(), z, order, alloc_flags, w, false);
            continue;
        }
        auto pfn = node_.buddy_of(t).allocate(order);
        if (ex) [[unlikely]]
            ex->zone_check(machine_.current_context(), z, order, alloc_flags, w, pfn.has_value());
        if (pfn) {
            prep_new_page(*pfn, order, gfp);
            vm_.add(static_cast<vm_item>(PGALLOC_DMA + t), 1LL << order);
            ++z.numa_hit;  // zone_statistics()
            return node_.map().page_of(*pfn);
        }
    }
    return nullptr;
}

std::uint64_t page_allocator::direct_reclaim(gfp_t gfp, unsigned order, int highest_zoneidx)
{
    // __perform_reclaim(): PF_MEMALLOC for the duration, so allocations made
    // by reclaim itself use the reserves and never recurse into reclaim.
    arch::context& c = machine_.current();
    vm_.add(static_cast<vm_item>(ALLOCSTALL_DMA + highest_zoneidx), 1);
    fs_reclaim_acquire(gfp);
    const std::uint32_t saved = c.task_flags() & PF_MEMALLOC;
    c.task_flags() |= PF_MEMALLOC;
    machine_.trace().mm_vmscan_direct_reclaim_begin(order, gfp);
    const sim::time_point start = machine_.now();
    const std::uint64_t scanned = vm_[PGSCAN_DIRECT], throttled = vm_[PGSCAN_DIRECT_THROTTLE];
    machine_.consume(reclaim_pass_cost);
    std::uint64_t progress = reclaim_->try_to_free_pages(gfp, order, highest_zoneidx);
    machine_.trace().mm_vmscan_direct_reclaim_end(progress);
    if (alloc_explain* ex = explaining()) [[unlikely]]
        ex->direct_reclaim(&c, gfp, vm_[PGSCAN_DIRECT] - scanned, progress, vm_[PGSCAN_DIRECT_THROTTLE] != throttled,
                           machine_.now() - start);
    c.task_flags() = (c.task_flags() & ~PF_MEMALLOC) | saved;
    fs_reclaim_release(gfp);
    machine_.cond_resched();
    return progress;
}

bool page_allocator::force_direct_reclaim(gfp_t gfp)
{
    const gfp_t effective = current_gfp_context(gfp & gfp::BITS_MASK, current_task_flags());
    if (!(effective & gfp::DIRECT_RECLAIM) || (current_task_flags() & PF_MEMALLOC) || !machine_.current_context())
        return false;
    machine_.trace().fault_injected("direct_reclaim");
    direct_reclaim(effective, 0, gfp_zone(effective));
    return true;
}

bool page_allocator::should_reclaim_retry(gfp_t gfp, unsigned order, unsigned alloc_flags, int highest_zoneidx,
                                          bool progress, int& no_progress_loops, std::string* why)
{
    // Progress resets the count for cheap orders only.
    if (progress && order <= PAGE_ALLOC_COSTLY_ORDER)
        no_progress_loops = 0;
    else
        ++no_progress_loops;
    if (no_progress_loops > MAX_RECLAIM_RETRIES) {
        if (why)
            *why = fmt::format("more than MAX_RECLAIM_RETRIES ({}) passes without progress", MAX_RECLAIM_RETRIES);
        return false;
    }
    // Retry only if some zone would pass min if everything reclaimable were
    // reclaimed.
    for (int t = highest_zoneidx; t >= 0; --t) {
        const zone& z = node_.zone_at(t);
        if (!z.managed())
            continue;
        const std::int64_t available =
            static_cast<std::int64_t>(reclaim_->reclaimable_pages(z, gfp) + z.nr_free_pages);
        if (zone_watermark_ok(z, order, z.min_wmark(), highest_zoneidx, alloc_flags, available)) {
            if (why)
                *why = fmt::format("{} would pass min {} with its {} free and {} reclaimable pages", z.name,
                                   z.min_wmark(), z.nr_free_pages, available - static_cast<std::int64_t>(z.nr_free_pages));
            machine_.cond_resched();
            return true;
        }
    }
    if (why)
        *why = "no zone would pass min even if everything reclaimable were reclaimed";
    return false;
}

bool page_allocator::wait_to_retry(gfp_t gfp, unsigned order, std::uint64_t progress)
{
    if (!progress) {
        if (alloc_explain* ex = explaining()) [[unlikely]]
            ex->wait_for_memory(machine_.current_context());
        reclaim_->wait_for_memory(fmt::format("free memory for an order-{} {} allocation (reclaim found nothing it "
                                              "may free)",
                                              order, format_gfp(gfp)));
    }
    return !machine_.eng().stopping();
}

page* page_allocator::slowpath(gfp_t gfp, unsigned order, int highest_zoneidx)
{
    const bool can_direct_reclaim = gfp & gfp::DIRECT_RECLAIM;
    const bool costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
    int no_progress_loops = 0;
    unsigned alloc_flags = gfp_to_alloc_flags(gfp, order);

    if (gfp & gfp::NOFAIL) {
        // 6.12+ checks a __GFP_NOFAIL request once, on entry, each check a
        // WARN_ON_ONCE of its own that __GFP_NOWARN does not silence.
        if (order > 1 && !warned_nofail_order_) {
            warned_nofail_order_ = true;  // more than order-1 pages that never fail
            machine_.warn("", "mm/page_alloc.c", 4384, "__alloc_pages_slowpath");
        }
        if (!can_direct_reclaim && !warned_nofail_no_reclaim_) {
            warned_nofail_no_reclaim_ = true;  // cannot reclaim, so cannot keep its promise
            machine_.warn("", "mm/page_alloc.c", 4389, "__alloc_pages_slowpath");
        }
        if ((current_task_flags() & PF_MEMALLOC) && !warned_nofail_memalloc_) {
            warned_nofail_memalloc_ = true;  // may not reclaim, can only wait for others
            machine_.warn("", "mm/page_alloc.c", 4395, "__alloc_pages_slowpath");
        }
    }

    alloc_explain* ex = explaining();
    const arch::context* self = machine_.current_context();
    for (bool first = true;; first = false) {
        // Rung 1: kswapd, woken for every allocation that missed low.
        if (alloc_flags & alloc::KSWAPD) {
            const kswapd_wake w = reclaim_->wakeup_kswapd(gfp, order, highest_zoneidx);
            if (ex && first) [[unlikely]]
                ex->kswapd(self, w);
        }

        // Rung 2: the freelists at min, less the caller's reserve discount.
        if (page* p = get_page_from_freelist(gfp, order, alloc_flags, highest_zoneidx))
            return p;

        // Rung 3: reserves of last resort. __GFP_NOMEMALLOC forbids them;
        // __GFP_MEMALLOC, or PF_MEMALLOC outside interrupts, ignore watermarks.
        unsigned reserve_flags = 0;
        if (!(gfp & gfp::NOMEMALLOC)) {
            if (gfp & gfp::MEMALLOC)
                reserve_flags = alloc::NO_WATERMARKS;
            else if (!machine_.in_interrupt() && (current_task_flags() & PF_MEMALLOC))
                reserve_flags = alloc::NO_WATERMARKS;
        }
        if (reserve_flags) {
            if (ex) [[unlikely]]
                ex->no_watermarks(self, (gfp & gfp::MEMALLOC) ? "__GFP_MEMALLOC"
                                                              : "PF_MEMALLOC: the task reclaims, and reclaim must not "
                                                                "fail for want of memory");
            if (page* p = get_page_from_freelist(gfp, order, reserve_flags | (alloc_flags & alloc::KSWAPD),
                                                 highest_zoneidx))
                return p;
        }

        // Rung 4: a caller that cannot sleep fails here (GFP_ATOMIC, GFP_NOWAIT),
        // __GFP_NOFAIL or not: without direct reclaim nothing can be done.
        if (!can_direct_reclaim) {
            if (ex) [[unlikely]]
                ex->cannot_reclaim(self, gfp);
            return nullptr;
        }

        std::uint64_t progress = 0;
        // Rung 5: no reclaim from inside reclaim (straight to nopage).
        if ((current_task_flags() & PF_MEMALLOC) && ex) [[unlikely]]
            ex->in_reclaim(self);
        if (!(current_task_flags() & PF_MEMALLOC)) {
            // Rung 6: direct reclaim, then try again.
            progress = direct_reclaim(gfp, order, highest_zoneidx);
            if (progress)
                if (page* p = get_page_from_freelist(gfp, order, alloc_flags, highest_zoneidx))
                    return p;

            // Rung 7: __GFP_NORETRY gives up after one pass; so do costly
            // orders unless __GFP_RETRY_MAYFAIL asks for more (to nopage).
            const bool give_up = (gfp & gfp::NORETRY) || (costly_order && !(gfp & gfp::RETRY_MAYFAIL));

            // Rung 8: retry while reclaim could still make a difference.
            std::string why;
            if (give_up) {
                if (ex) [[unlikely]]
                    ex->retry(self, false, no_progress_loops,
                              (gfp & gfp::NORETRY) ? "__GFP_NORETRY: one pass of reclaim only"
                                                   : fmt::format("order {} is costly (above {}) and has no "
                                                                 "__GFP_RETRY_MAYFAIL",
                                                                 order, PAGE_ALLOC_COSTLY_ORDER));
            } else {
                const bool again = should_reclaim_retry(gfp, order, alloc_flags, highest_zoneidx, progress != 0,
                                                        no_progress_loops, ex ? &why : nullptr);
                if (ex) [[unlikely]]
                    ex->retry(self, again, no_progress_loops, why);
                if (again)
                    continue;
            }

            // Rung 9: the OOM killer, for those allowed to use it.
            bool oom_progress = false;
            const bool may_oom = !give_up && !costly_order && !(gfp & (gfp::RETRY_MAYFAIL | gfp::THISNODE)) &&
                                 highest_zoneidx >= ZONE_NORMAL;
            if (may_oom) {
                // Last-second attempt at the high watermark catches parallel frees.
                if (ex) [[unlikely]]
                    ex->oom(self, "first, one last attempt at the high watermark");
                if (page* p = get_page_from_freelist((gfp | gfp::HARDWALL) & ~gfp::DIRECT_RECLAIM, order,
                                                     WMARK_HIGH | alloc::CPUSET, highest_zoneidx))
                    return p;
                if (ex) [[unlikely]]
                    ex->oom(self, "out_of_memory() is called");
                reclaim_->out_of_memory(gfp, order, &oom_progress);
                if (ex) [[unlikely]]
                    ex->oom(self, machine_.eng().stopping() ? "it panicked: nothing to kill"
                                  : oom_progress             ? "it killed a process, or found one still dying, or "
                                                               "does not kill for a request without __GFP_FS: "
                                                               "retry once memory is freed"
                                                             : "it could do nothing");
                if (machine_.eng().stopping())
                    return nullptr;  // the OOM path panicked
            } else if (ex) [[unlikely]] {
                ex->oom(self, give_up                             ? "not for a request that gives up"
                              : costly_order                      ? "not for a costly order"
                              : (gfp & gfp::RETRY_MAYFAIL)        ? "not with __GFP_RETRY_MAYFAIL"
                              : (gfp & gfp::THISNODE)             ? "not with __GFP_THISNODE"
                                                                  : "not for a request limited to DMA or DMA32");
            }
            if (oom_progress) {
                // Told to retry (no __GFP_FS, so no OOM kill). The kernel
                // loops here; kmsim waits until some memory is freed, so a
                // wait that nothing will ever end shows up as a deadlock.
                no_progress_loops = 0;
                if (!wait_to_retry(gfp, order, progress))
                    return nullptr;
                continue;
            }
        }

        // nopage: __GFP_NOFAIL never returns NULL to a caller that may block,
        // whatever made it give up (__GFP_NORETRY, a costly order, PF_MEMALLOC,
        // the OOM killer declining): it tries once more with ALLOC_MIN_RESERVE,
        // then retries. kmsim waits for memory to be freed between tries, so
        // a wait that nothing will end is a deadlock, not an endless loop.
        if (!(gfp & gfp::NOFAIL))
            return nullptr;
        if (ex) [[unlikely]]
            ex->nofail(self, "never returns NULL: tries once more with ALLOC_MIN_RESERVE, else waits and retries");
        if (page* p = get_page_from_freelist(gfp, order, alloc_flags | alloc::MIN_RESERVE, highest_zoneidx))
            return p;
        if (!wait_to_retry(gfp, order, progress))
            return nullptr;
        machine_.cond_resched();
    }
}

page* page_allocator::alloc_pages(gfp_t gfp, unsigned order)
{
    alloc_explain* ex = explaining();
    if (ex) [[unlikely]] {
        std::vector<const zone*> zonelist;
        for (int t = gfp_zone_checked(gfp & gfp::BITS_MASK).zone; t >= 0; --t)
            if (node_.zone_at(t).managed())
                zonelist.push_back(&node_.zone_at(t));
        ex->begin_pages(machine_.current_context(), gfp & gfp::BITS_MASK, order, zonelist);
    }
    page* p = alloc_pages_noprof(gfp, order);
    machine_.trace().mm_page_alloc(p ? pfn_of(p) : ~pfn_t{0}, order, gfp);
    if (ex) [[unlikely]]
        ex->end_pages(machine_.current_context(), p != nullptr, p ? pfn_of(p) : 0, last_stall_);
    return p;
}

page* page_allocator::alloc_pages_noprof(gfp_t gfp, unsigned order)
{
    if (order > MAX_PAGE_ORDER) {
        // WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)
        if (!(gfp & gfp::NOWARN) && !warned_max_order_) {
            warned_max_order_ = true;
            machine_.warn("", "mm/page_alloc.c", 4773, "__alloc_pages_noprof");
        }
        if (alloc_explain* ex = explaining()) [[unlikely]]
            ex->note(machine_.current_context(),
                     fmt::format("  order {} is above MAX_PAGE_ORDER ({}): refused", order, MAX_PAGE_ORDER), true);
        return nullptr;
    }
    gfp &= gfp::BITS_MASK;
    // gfp_allowed_mask: during boot (no context yet) nothing may block or do I/O.
    if (!machine_.current_context())
        gfp &= ~(gfp::RECLAIM | gfp::IO | gfp::FS);
    might_alloc(gfp);
    last_stall_ = sim::duration::zero();
    if (should_fail_alloc_page && should_fail_alloc_page(gfp, order)) {
        machine_.trace().fault_injected("fail_page_alloc");
        if (alloc_explain* ex = explaining()) [[unlikely]]
            ex->note(machine_.current_context(), "  fail_page_alloc: a fault injected here fails it", true);
        return nullptr;
    }

    // An invalid combination of zone modifiers (__GFP_DMA|__GFP_DMA32) is a
    // VM_BUG_ON in gfp_zone(), which a kernel without CONFIG_DEBUG_VM (as
    // Debian's) compiles out: it is served from GFP_ZONE_TABLE's 0, ZONE_DMA,
    // silently. `kmsim gfp` notes it.
    auto zi = gfp_zone_checked(gfp);

    // Fast path: the low watermark, no reserves.
    unsigned alloc_flags = WMARK_LOW | (gfp & gfp::KSWAPD_RECLAIM);
    if (page* p = get_page_from_freelist(gfp, order, alloc_flags, zi.zone))
        return p;

    // Slow path, with the task's scoped NOIO/NOFS constraints applied.
    const gfp_t alloc_gfp = current_gfp_context(gfp, current_task_flags());
    if (alloc_explain* ex = explaining()) [[unlikely]]
        ex->slowpath(machine_.current_context(), gfp, alloc_gfp, gfp_to_alloc_flags(alloc_gfp, order));
    const sim::time_point start = machine_.now();
    page* p = slowpath(alloc_gfp, order, zi.zone);
    last_stall_ = machine_.now() - start;
    if (!p && !machine_.eng().stopping())
        warn_alloc(alloc_gfp, order);
    return p;
}

std::uint64_t page_allocator::get_free_pages(gfp_t gfp, unsigned order)
{
    page* p = alloc_pages(gfp & ~gfp::HIGHMEM, order);
    return p ? memmap::pfn_to_virt(pfn_of(p)) : 0;
}

void page_allocator::bad_page(pfn_t pfn, const char* reason, const std::string& detail)
{
    // At most 60 reports a minute, as bad_page() does.
    const std::uint64_t j = machine_.jiffies();
    if (bad_page_shown_ == 60) {
        if (j < bad_page_resume_) {
            ++bad_page_unshown_;
            return;
        }
        if (bad_page_unshown_) {
            machine_.log().printk(machine_.now(), arch::log_level::alert,
                                  fmt::format("BUG: Bad page state: {} messages suppressed", bad_page_unshown_));
            bad_page_unshown_ = 0;
        }
        bad_page_shown_ = 0;
    }
    if (bad_page_shown_++ == 0)
        bad_page_resume_ = j + 60 * static_cast<std::uint64_t>(machine_.config().hz);

    const page& p = node_.map()[pfn];
    std::string title =
        fmt::format("BUG: Bad page state in process {}  pfn:{:05x}", machine_.current_comm(), pfn);
    std::string text = title + "\n";
    text += fmt::format("page: refcount:0 mapcount:{} mapping:0000000000000000 index:0x0 pfn:{:#x}\n",
                        (p.flags & PG_buddy) ? -129 : 0, pfn);
    text += fmt::format("flags: {:#x}({})\n", p.flags & PG_head ? 0x40 : 0, p.flags & PG_head ? "head" : "");
    text += fmt::format("page dumped because: {}\n", reason);
    if (!detail.empty())
        text += "kmsim: " + detail + "\n";
    text += "Modules linked in:\n";
    text += machine_.dump_stack(machine_.current());
    text += "Disabling lock debugging due to kernel taint\n";
    machine_.add_report(arch::report_kind::bug, title, text, arch::log_level::alert);
    machine_.add_taint(arch::taint::bad_page);
}

void page_allocator::free_pages_at(page* p, unsigned order)
{
    if (!p)
        return;
    const pfn_t pfn = pfn_of(p);
    zone* z = node_.zone_of(pfn);
    if (order > MAX_PAGE_ORDER) {
        bad_page(pfn, "nonzero _refcount", fmt::format("__free_pages() with order {} (at most {})", order, MAX_PAGE_ORDER));
        return;
    }
    if (!z || z->managed_pages == 0 || pfn < z->zone_start_pfn) {
        bad_page(pfn, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set",
                 fmt::format("pfn {:#x} is reserved or not RAM; the page allocator never gave it out", pfn));
        return;
    }
    if (p->flags & PG_buddy) {
        bad_page(pfn, "nonzero mapcount", fmt::format("pfn {:#x} is already free (double free)", pfn));
        return;
    }
    if (!(p->flags & PG_allocated)) {
        bad_page(pfn, "nonzero _refcount",
                 fmt::format("pfn {:#x} is not the first page of an allocated block (never allocated, or freed "
                             "already as part of a larger block)", pfn));
        return;
    }
    if (p->order != order) {
        bad_page(pfn, "nonzero _refcount",
                 fmt::format("pfn {:#x} was allocated with order {} and freed with order {}", pfn, p->order, order));
        return;
    }
    machine_.trace().mm_page_free(pfn, order);
    vm_.add(PGFREE, 1LL << order);
    node_.buddy_of(z->type).free(pfn, order);
    reclaim_->pages_freed();
}

void page_allocator::free_pages(std::uint64_t addr, unsigned order)
{
    if (addr == 0)
        return;
    pfn_t pfn;
    if (!node_.map().virt_to_pfn(addr, pfn) || (addr & (PAGE_SIZE - 1))) {
        // free_pages() of an address that is not a page of the direct map:
        // VM_BUG_ON(!virt_addr_valid(addr)) in the kernel.
        machine_.warn(fmt::format("free_pages: {:#x} is not a page address", addr), "mm/page_alloc.c", 5021,
                      "free_pages");
        return;
    }
    free_pages_at(node_.map().page_of(pfn), order);
}

void page_allocator::warn_alloc(gfp_t gfp, unsigned order)
{
    warn_alloc(gfp, fmt::format("page allocation failure: order:{}", order), gfp_zone(gfp));
}

void page_allocator::warn_alloc(gfp_t gfp, std::string_view what, int max_zone_idx)
{
    if (gfp & gfp::NOWARN)
        return;
    // No managed DMA zone: the kernel keeps quiet about __GFP_DMA failures.
    if ((gfp & gfp::DMA) && !node_.zone_at(ZONE_DMA).managed())
        return;
    unsigned suppressed = 0;
    const bool ok = nopage_rs_.allow(machine_.jiffies(), &suppressed);
    if (suppressed)
        machine_.log().printk(machine_.now(), arch::log_level::warning,
                              fmt::format("warn_alloc: {} callbacks suppressed", suppressed),
                              machine_.current_context() ? machine_.current().name() : "");
    if (!ok)
        return;
    std::string title = fmt::format("{}: {}, mode:{}, nodemask=(null)", machine_.current_comm(), what,
                                    format_gfp_mode(gfp));
    std::string text = title + "\n" +
                       (machine_.current_context() ? machine_.dump_stack(machine_.current()) : std::string()) +
                       show_mem(max_zone_idx);
    machine_.add_report(arch::report_kind::alloc_failure, title, text, arch::log_level::warning);
    machine_.add_taint(arch::taint::warn);
}

std::string page_allocator::show_mem(int max_zone_idx) const
{
    auto K = [](std::uint64_t pages) { return pages << (PAGE_SHIFT - 10); };
    const vm_counters& v = vm_;
    std::string o = "Mem-Info:\n";
    o += fmt::format("active_anon:{} inactive_anon:{} isolated_anon:{}\n active_file:{} inactive_file:{} "
                     "isolated_file:{}\n unevictable:{} dirty:{} writeback:{}\n slab_reclaimable:{} "
                     "slab_unreclaimable:{}\n mapped:{} shmem:{} pagetables:0\n sec_pagetables:0 bounce:0\n "
                     "kernel_misc_reclaimable:0\n free:{} free_pcp:0 free_cma:0\n",
                     v[NR_ACTIVE_ANON], v[NR_INACTIVE_ANON], v[NR_ISOLATED_ANON], v[NR_ACTIVE_FILE],
                     v[NR_INACTIVE_FILE], v[NR_ISOLATED_FILE], v[NR_UNEVICTABLE], v[NR_FILE_DIRTY], v[NR_WRITEBACK],
                     v[NR_SLAB_RECLAIMABLE], v[NR_SLAB_UNRECLAIMABLE], v[NR_FILE_MAPPED], v[NR_SHMEM],
                     node_.nr_free_pages());
    o += fmt::format("Node 0 active_anon:{}kB inactive_anon:{}kB active_file:{}kB inactive_file:{}kB "
                     "unevictable:{}kB isolated(anon):{}kB isolated(file):{}kB mapped:{}kB dirty:{}kB "
                     "writeback:{}kB shmem:{}kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB writeback_tmp:0kB "
                     "kernel_stack:0kB pagetables:0kB sec_pagetables:0kB all_unreclaimable? {} Balloon:0kB\n",
                     K(v[NR_ACTIVE_ANON]), K(v[NR_INACTIVE_ANON]), K(v[NR_ACTIVE_FILE]), K(v[NR_INACTIVE_FILE]),
                     K(v[NR_UNEVICTABLE]), K(v[NR_ISOLATED_ANON]), K(v[NR_ISOLATED_FILE]), K(v[NR_FILE_MAPPED]),
                     K(v[NR_FILE_DIRTY]), K(v[NR_WRITEBACK]), K(v[NR_SHMEM]),
                     reclaim_->all_unreclaimable() ? "yes" : "no");
    // A CONFIG_NUMA kernel's show_node() puts "Node 0 " before each zone's
    // lines. The LRU pages are the node's, shown against the zone that
    // holds them all (the highest populated one), as /proc/zoneinfo does.
    int lru = 0;
    for (int t = 0; t < MAX_NR_ZONES; ++t)
        if (node_.zone_at(t).populated())
            lru = t;
    for (int t = 0; t <= max_zone_idx && t < MAX_NR_ZONES; ++t) {
        const zone& z = node_.zone_at(t);
        if (!z.populated())
            continue;
        auto lru_kb = [&](vm_item i) { return t == lru ? K(v[i]) : 0; };
        o += fmt::format("Node 0 {} free:{}kB boost:0kB min:{}kB low:{}kB high:{}kB reserved_highatomic:0KB "
                         "active_anon:{}kB inactive_anon:{}kB active_file:{}kB inactive_file:{}kB unevictable:{}kB "
                         "writepending:{}kB present:{}kB managed:{}kB mlocked:0kB bounce:0kB free_pcp:0kB "
                         "local_pcp:0kB free_cma:0kB\n",
                         z.name, K(z.nr_free_pages), K(z.min_wmark()), K(z.low_wmark()), K(z.high_wmark()),
                         lru_kb(NR_ACTIVE_ANON), lru_kb(NR_INACTIVE_ANON), lru_kb(NR_ACTIVE_FILE),
                         lru_kb(NR_INACTIVE_FILE), lru_kb(NR_UNEVICTABLE),
                         t == lru ? K(v[NR_FILE_DIRTY] + v[NR_WRITEBACK]) : 0, K(z.present_pages),
                         K(z.managed_pages));
        o += "lowmem_reserve[]:";
        for (std::uint64_t r : z.lowmem_reserve)
            o += fmt::format(" {}", r);
        o += "\n";
    }
    for (int t = 0; t <= max_zone_idx && t < MAX_NR_ZONES; ++t) {
        const zone& z = node_.zone_at(t);
        if (!z.populated())
            continue;
        o += "Node 0 " + z.name + ": ";
        std::uint64_t total = 0;
        for (unsigned ord = 0; ord < NR_PAGE_ORDERS; ++ord) {
            const std::uint64_t n = z.free_area[ord].nr_free;
            total += n << ord;
            o += fmt::format("{}*{}kB ", n, K(1) << ord);
            if (n)
                o += "(U) ";
        }
        o += fmt::format("= {}kB\n", K(total));
    }
    // hugetlb_show_meminfo_node(): the 2 MiB hstate (no 1 GiB pages).
    o += "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB\n";
    o += fmt::format("{} total pagecache pages\n", v[NR_FILE_PAGES]);
    o += "0 pages in swap cache\nFree swap  = 0kB\nTotal swap = 0kB\n";
    std::uint64_t ram = 0, reserved = 0;
    for (int t = 0; t < MAX_NR_ZONES; ++t) {
        const zone& z = node_.zone_at(t);
        ram += z.present_pages;
        reserved += z.present_pages - z.managed_pages;
    }
    o += fmt::format("{} pages RAM\n0 pages HighMem/MovableOnly\n{} pages reserved\n0 pages hwpoisoned\n", ram,
                     reserved);
    return o;
}

}  // namespace kmsim::mm

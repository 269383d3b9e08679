// tests/scenarios/explain_test.cpp - --explain: the allocator's account of an allocation, with its numbers.
//
// The numbers are the kernel's for these machines (docs/kernel-model.md
// derives them): on 64M, DMA32's watermarks are min 599, low 748, high 897
// and DMA's min 195 with lowmem_reserve 48 for a GFP_KERNEL request; a
// GFP_ATOMIC request may go down to 3/8 of min (599 -> 225).
#include "scenarios/bundled.h"
#include "scenarios/parser.h"
#include "scenarios/runner.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace kmsim::scenarios;

namespace {

std::string run_explained(const std::string& text, explain_level level, verbosity v = verbosity::normal)
{
    run_options o;
    o.version = "test";
    o.explain = level;
    o.level = v;
    std::ostringstream out;
    run_scenario(parse_scenario(text, "t.kms"), o, out);
    return out.str();
}

// The explanation block that follows the first line containing HEAD.
std::string block_after(const std::string& out, const std::string& head)
{
    const std::size_t at = out.find(head);
    if (at == std::string::npos)
        return {};
    std::size_t end = out.find("explain:", at + head.size());
    return out.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

const char* atomic_until_null = R"(scenario "atomic until NULL"
machine cpus=1 memory=64M
thread t
  while 1
    p = __get_free_pages(GFP_ATOMIC, 0)
    if p == NULL
      break
    end
  end
end
)";

}  // namespace

TEST_CASE("explain: tells a GFP_ATOMIC failure: the reserves it may use, the zones, why it cannot reclaim",
          "[explain]")
{
    const std::string out = run_explained(atomic_until_null, explain_level::slow);
    const std::string b = block_after(out, "explain: __get_free_pages(GFP_ATOMIC, 0) = 0 at t.kms:5");
    INFO(b);
    REQUIRE_FALSE(b.empty());
    CHECK(b.find("page allocator: order 0 (1 page), GFP_ATOMIC, from DMA32, then DMA") != std::string::npos);
    CHECK(b.find("DMA32: 225 free > low 748 + lowmem_reserve 0? no") != std::string::npos);
    CHECK(b.find("slow path: alloc_flags ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_MIN_RESERVE|ALLOC_KSWAPD; reserves: "
                 "down to 3/8 of the mark") != std::string::npos);
    CHECK(b.find("DMA32: 225 free > min 599 lowered to 225 + lowmem_reserve 0? no") != std::string::npos);
    CHECK(b.find("DMA: 122 free > min 195 lowered to 74 + lowmem_reserve 48? no") != std::string::npos);
    CHECK(b.find("GFP_ATOMIC has no __GFP_DIRECT_RECLAIM: it may not sleep, so it cannot reclaim: fails now") !=
          std::string::npos);
    CHECK(b.find("result: NULL") != std::string::npos);
}

TEST_CASE("explain: tells kswapd's wake-up at low and direct reclaim at min", "[explain]")
{
    const std::string out = run_explained(find_bundled("watermarks-kswapd")->source, explain_level::slow);
    // The first allocation that finds Normal at its low watermark.
    std::string b = block_after(out, "explain: alloc_pages(GFP_KERNEL, 0)");
    INFO(b);
    CHECK(b.find("page allocator: order 0 (1 page), GFP_KERNEL, from Normal") != std::string::npos);
    CHECK(b.find("Normal: 2013 free > low 2013 + lowmem_reserve 0? no") != std::string::npos);
    CHECK(b.find("kswapd0 was asleep: woken to reclaim in the background") != std::string::npos);
    CHECK(b.find("Normal: 2013 free > min 1611 + lowmem_reserve 0? yes: served from it") != std::string::npos);
    // In the burst, at min: direct reclaim through both gates, and its stall.
    const std::size_t reclaim = out.find("direct reclaim, with __GFP_IO and __GFP_FS: scanned 32 pages, reclaimed 32");
    REQUIRE(reclaim != std::string::npos);
    const std::size_t head = out.rfind("explain:", reclaim);
    b = out.substr(head, out.find("explain:", reclaim) - head);
    CHECK(b.find("Normal: 1611 free > min 1611 + lowmem_reserve 0? no") != std::string::npos);
    CHECK(b.find(", after a stall of 42.000 us") != std::string::npos);
}

TEST_CASE("explain: follows a task's NOFS scope and an OOM that panics", "[explain]")
{
    std::string out = run_explained(find_bundled("nofs-done-right")->source, explain_level::slow);
    CHECK(out.find("the task's memalloc scope applies: GFP_KERNEL|__GFP_COMP becomes GFP_NOFS|__GFP_COMP") !=
          std::string::npos);

    out = run_explained(find_bundled("oom-panic")->source, explain_level::slow);
    const std::string b = block_after(out, "explain: the allocation hog/100 was making when the run ended");
    INFO(b);
    CHECK(b.find("no retry: no zone would pass min even if everything reclaimable were reclaimed") !=
          std::string::npos);
    CHECK(b.find("OOM killer: first, one last attempt at the high watermark") != std::string::npos);
    CHECK(b.find("DMA32: 599 free > high 897 + lowmem_reserve 0? no") != std::string::npos);
    CHECK(b.find("OOM killer: out_of_memory() is called") != std::string::npos);
}

TEST_CASE("explain: only what left the fast path, every allocation with =all, nothing with -q", "[explain]")
{
    const std::string text = find_bundled("irq-vs-process")->source;
    const std::string some = run_explained(text, explain_level::slow);
    const std::string all = run_explained(text, explain_level::all);
    const std::string quiet = run_explained(text, explain_level::all, verbosity::quiet);
    CHECK(some.find("explain:") == std::string::npos);  // 64M, nothing under pressure: every one was fast
    CHECK(all.find("explain: kmalloc(64, GFP_KERNEL) = 0xffff888001010000 at t.kms:39") != std::string::npos);
    CHECK(all.find("slab kmalloc-64: CPU0's slab is full and there is no partial slab: a new slab, order 0") !=
          std::string::npos);
    CHECK(all.find("slab kmalloc-2k: an object from CPU1's slab") != std::string::npos);
    CHECK(all.find("explain: kzalloc(4096, GFP_KERNEL)") != std::string::npos);
    CHECK(quiet.find("explain:") == std::string::npos);
    // Explaining changes nothing else: the rest of the output is the same.
    const std::string plain = run_explained(text, explain_level::none);
    std::string stripped;
    std::istringstream lines(all);
    bool in_block = false;
    for (std::string l; std::getline(lines, l);) {
        if (l.find("] explain: ") != std::string::npos) {
            in_block = true;
            continue;
        }
        if (in_block && l.find("]   ") != std::string::npos)
            continue;
        in_block = false;
        stripped += l + "\n";
    }
    CHECK(stripped == plain);
}

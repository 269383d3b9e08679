// tests/mm/harness.h - a machine with a memory node and a page allocator.
#pragma once

#include "arch/context.h"
#include "arch/machine.h"
#include "mm/kernel_memory.h"
#include "mm/node.h"
#include "mm/page_alloc.h"
#include "mm/vmstat.h"
#include "sim/engine.h"

#include <catch2/catch.hpp>

namespace kmsim::test {

inline constexpr std::uint64_t MiB = 1ULL << 20;
inline constexpr std::uint64_t GiB = 1ULL << 30;

struct mm_fixture {
    sim::engine eng;
    arch::machine m;
    mm::node node;
    mm::vm_counters vm;
    mm::page_allocator pa;

    explicit mm_fixture(mm::node_config cfg, int cpus = 1)
        : eng(sim::engine_config{}), m(eng, arch::machine_config{cpus}), node(std::move(cfg)), pa(m, node, vm)
    {
    }
    static mm::node_config with_memory(std::uint64_t bytes)
    {
        mm::node_config c;
        c.memory = bytes;
        return c;
    }
    // Runs BODY as a kernel thread to completion.
    sim::run_result in_thread(std::function<void()> body, int cpu = -1)
    {
        m.create_thread("worker", std::move(body), {cpu, eng.now()});
        return eng.run();
    }
    const arch::report* find_report(const std::string& text) const
    {
        for (const auto& r : m.log().reports())
            if (r.title.find(text) != std::string::npos)
                return &r;
        return nullptr;
    }
    std::size_t count_reports(arch::report_kind k) const
    {
        std::size_t n = 0;
        for (const auto& r : m.log().reports())
            n += r.kind == k;
        return n;
    }
};

// A whole memory subsystem (page allocator, slab, kmalloc) on a machine.
struct memory_fixture {
    std::string file_;  // of in_function()'s code
    sim::engine eng;
    arch::machine m;
    mm::kernel_memory mem;
    explicit memory_fixture(int cpus = 2, const std::string& boot = "", std::uint64_t memory = 256 * MiB,
                            bool kasan = true)
        : eng(sim::engine_config{}), m(eng, arch::machine_config{cpus}), mem(m, config(boot, memory, kasan))
    {
    }
    static mm::memory_config config(const std::string& boot, std::uint64_t memory, bool kasan)
    {
        mm::memory_config c;
        c.node.memory = memory;
        c.kasan = kasan;
        REQUIRE_FALSE(mm::parse_slab_boot_params(boot, c.slab));
        return c;
    }
    // Runs BODY as a kernel thread pinned to CPU 0, to completion.
    void in_thread(std::function<void()> body)
    {
        m.create_thread("worker", std::move(body), {0, eng.now()});
        eng.run();
    }
    // Runs BODY as the code of kernel function FUNCTION in FILE (line 10), in
    // a thread. A kernel call made through call() runs under a frame of its
    // own (line 12), as every front end makes them, so that reports and
    // stacks name FUNCTION as the code that made it.
    void in_function(const char* function, const char* file, std::function<void()> body)
    {
        in_thread([this, function, file, body = std::move(body)] {
            arch::frame_guard g(m.current(), arch::frame{function, file, 10});
            file_ = file;
            body();
        });
    }
    template <typename F>
    auto call(const char* name, F&& f)
    {
        arch::frame_guard g(m.current(), arch::frame{name, file_, 12});
        return f();
    }
    mm::kmalloc_allocator& k() { return mem.kmalloc(); }
    std::uint8_t* bytes(std::uint64_t addr) { return mem.slabs().bytes(addr); }
    std::string cache_of(std::uint64_t a)
    {
        mm::slab* sl = mem.slabs().slab_of(a);
        return sl ? sl->cache->name : "";
    }
    const arch::report* find_report(const std::string& text) const
    {
        for (const auto& r : m.log().reports())
            if (r.title.find(text) != std::string::npos)
                return &r;
        return nullptr;
    }
};

}  // namespace kmsim::test

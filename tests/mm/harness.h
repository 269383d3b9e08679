// tests/mm/harness.h - a machine with a memory node and a page allocator.
#pragma once

#include "arch/machine.h"
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

}  // namespace kmsim::test

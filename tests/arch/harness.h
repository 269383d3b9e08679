// tests/arch/harness.h - a machine on its own engine, for tests that run kernel code in contexts.
#pragma once

#include "arch/completion.h"
#include "arch/rwsem.h"
#include "arch/machine.h"
#include "arch/mutex.h"
#include "arch/spinlock.h"
#include "sim/engine.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kmsim::test {

struct machine_fixture {
    sim::engine eng;
    arch::machine m;
    explicit machine_fixture(int cpus = 1, std::uint64_t seed = 1, int hz = 1000)
        : eng(sim::engine_config{seed}), m(eng, arch::machine_config{cpus, hz})
    {
    }
    sim::run_result run(sim::duration limit = sim::secs(600)) { return eng.run(sim::run_limits{sim::time_point(limit)}); }
    std::int64_t now_us() const { return sim::to_ns(eng.now()) / 1000; }
    // The report whose title contains TEXT, or nullptr.
    const arch::report* find_report(const std::string& text) const
    {
        for (const auto& r : m.log().reports())
            if (r.title.find(text) != std::string::npos)
                return &r;
        return nullptr;
    }
};

// Task memory without an allocator (arch::kthreads needs some): handles
// from a counter, or none when FAIL is set.
struct fake_task_memory {
    std::uint64_t next = 0xffff888000100000ULL;
    bool fail = false;
    int made = 0;
    std::vector<std::uint64_t> freed;
    arch::task_memory ops()
    {
        return {[this]() -> std::uint64_t {
                    if (fail)
                        return 0;
                    ++made;
                    return next += 0x4000;
                },
                [this](std::uint64_t t) { freed.push_back(t); }, nullptr};
    }
};

// A scenario-like location for the context's reports.
inline arch::frame at(const char* function, int line) { return arch::frame{function, "test.kms", line}; }

}  // namespace kmsim::test

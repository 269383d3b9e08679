// sim/stack_pool.h - guard-paged fiber stacks, recycled.
//
// Owns: the memory fibers run on. A stack is an mmap'ed region whose lowest
// page is PROT_NONE, so an overflow faults at once instead of corrupting a
// neighbour. Creating one costs an mmap + mprotect (~20 us); taking one from
// the pool costs a vector pop (~50 ns) - IRQ handlers start a fiber per interrupt.
// Invariants: every stack handed out is either returned with release() or
// still in use; the pool unmaps everything it created when destroyed, so it
// must outlive every fiber that uses it.
#pragma once

#include "sim/sanitizer.h"

#include <cstddef>
#include <vector>

namespace kmsim::sim {

struct fiber_stack {
    void* base = nullptr;     // lowest address of the mapping (the guard page)
    std::size_t mapping = 0;  // bytes mapped, guard included
    void* top() const { return static_cast<char*>(base) + mapping; }
    std::size_t usable() const;
};

class stack_pool {
public:
    // Sized for the deepest body the scenario language accepts
    // (scenarios/limits.h: blocks and expressions at their limits, a kernel
    // call that reclaims and runs a shrinker body at its limits too): about
    // 31 KiB in a release build and 257 KiB under AddressSanitizer, whose
    // redzones make frames eight times larger; tests/scenarios/limits_test
    // runs that body. And for 256 frames of scenario functions, about
    // 1.2 KiB each in a release build (10 KiB under AddressSanitizer) when
    // their bodies are plain. Stacks are MAP_NORESERVE: untouched pages
    // cost nothing.
#ifdef KMSIM_ASAN
    static constexpr std::size_t default_stack_size = 4 * 1024 * 1024;
#else
    static constexpr std::size_t default_stack_size = 1024 * 1024;
#endif
    // Headroom code that recurses for user input keeps below it: enough for
    // the deepest kernel call path under the last checked frame.
    static constexpr std::size_t min_headroom = default_stack_size / 8;

    explicit stack_pool(std::size_t stack_size = default_stack_size);
    ~stack_pool();
    stack_pool(const stack_pool&) = delete;
    stack_pool& operator=(const stack_pool&) = delete;

    fiber_stack allocate();
    void release(fiber_stack s);

    std::size_t stack_size() const { return stack_size_; }
    std::size_t created() const { return created_; }
    std::size_t idle() const { return idle_.size(); }

private:
    std::size_t stack_size_;
    std::size_t created_ = 0;
    std::vector<fiber_stack> idle_;
};

}  // namespace kmsim::sim

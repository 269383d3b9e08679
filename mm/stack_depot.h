// mm/stack_depot.h - allocation and free stacks, each stored once.
//
// Owns: every distinct simulated stack seen at a kmalloc/kfree, as the
// kernel's lib/stackdepot.c does for KASAN and kmemleak: a record keeps a
// 32-bit handle, and the text is made only when a report prints it. Frames
// are saved as they are (small values viewing names that outlive the run).
// Invariant: a handle, once given, names the same frames for the life of the
// depot; equal stacks (frame by frame, see arch::frame) get equal handles. The depot holds at most
// max_stacks stacks, as the kernel's has a fixed capacity: once full, new
// stacks get the handle `full`, whose text says so.
#pragma once

#include "arch/context.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace kmsim::mm {

class stack_depot {
public:
    using handle = std::uint32_t;
    static constexpr std::size_t max_stacks = 1u << 16;
    static constexpr handle full = UINT32_MAX;

    // The handle of FRAMES (outermost first, as a context keeps them). The
    // stack saved last comes again most often (a loop allocating and
    // freeing, an allocation then its free): it is checked inline.
    handle save(const std::vector<arch::frame>& frames)
    {
        if (last_ != full && stacks_[last_] == frames)
            return last_;
        return save_new(frames);
    }
    // The stack of C, the context running now, or the empty stack at boot
    // (C nullptr).
    handle save_current(const arch::context* c) { return save(c ? c->frames() : no_frames_); }
    // " kmalloc(64, GFP_KERNEL) at f.kms:3\n worker at f.kms:3\n", innermost first.
    std::string text(handle h) const;

    // Where a call saved from a body was made: the body's name (its
    // context: "worker", "shrinker dcache"; a C function's own name), the
    // line and the call's name
    // ("kmalloc"), read from the two innermost frames.
    struct site {
        std::string context;
        int line = 0;
        std::string call;
    };
    site call_site(handle h) const;

private:
    handle save_new(const std::vector<arch::frame>& frames);
    static inline const std::vector<arch::frame> no_frames_{};

    std::vector<std::vector<arch::frame>> stacks_;
    std::unordered_multimap<std::uint64_t, handle> by_hash_;
    handle last_ = full;  // the handle save() gave last
};

}  // namespace kmsim::mm

// arch/ratelimit.h - struct ratelimit_state: at most `burst` messages per `interval` jiffies.
//
// Owns: the kernel's ___ratelimit() decision, including the "N callbacks
// suppressed" count it reports when a new interval begins.
#pragma once

#include <cstdint>

namespace kmsim::arch {

class ratelimit {
public:
    ratelimit(std::uint64_t interval_jiffies, unsigned burst) : interval_(interval_jiffies), burst_(burst) {}

    // Whether a message may be printed at JIFFIES. When a new interval starts
    // after suppressions, *suppressed gets their number (else 0).
    bool allow(std::uint64_t jiffies, unsigned* suppressed)
    {
        *suppressed = 0;
        if (!started_) {
            started_ = true;
            begin_ = jiffies;
        }
        if (jiffies > begin_ + interval_) {
            *suppressed = missed_;
            missed_ = 0;
            printed_ = 0;
            begin_ = jiffies;
        }
        if (printed_ < burst_) {
            ++printed_;
            return true;
        }
        ++missed_;
        return false;
    }

private:
    std::uint64_t interval_;
    unsigned burst_;
    bool started_ = false;
    std::uint64_t begin_ = 0;
    unsigned printed_ = 0;
    unsigned missed_ = 0;
};

}  // namespace kmsim::arch

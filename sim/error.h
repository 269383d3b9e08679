// sim/error.h - the two kinds of failure that are not the simulated kernel's.
//
// config_error: bad input at an API boundary (a CPU count of 0, an IRQ on a CPU
//   that does not exist). The caller did something wrong; the message says what.
// internal_error: a bug in kmsim itself (a broken invariant). Always on; tests
//   see it as an exception, the CLI turns it into exit status 3.
// The simulated kernel's own failures are never exceptions: they are NULL
// returns and reports in the kernel log.
#pragma once

#include <stdexcept>
#include <string>

namespace kmsim::sim {

struct config_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct internal_error : std::logic_error {
    using std::logic_error::logic_error;
};

// The single policy for broken invariants: throw internal_error with where it
// happened. (KMSIM_ASSERT stays on in release builds: a simulator that goes on
// after its own bug produces confident nonsense.)
[[noreturn]] void on_internal_error(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace kmsim::sim

#define KMSIM_ASSERT(expr, msg)                                                     \
    do {                                                                            \
        if (!(expr)) [[unlikely]]                                                   \
            ::kmsim::sim::on_internal_error(#expr, __FILE__, __LINE__, (msg));      \
    } while (0)

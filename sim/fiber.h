// sim/fiber.h - a stackful coroutine: the body of one simulated context.
//
// Owns: switching between the engine's stack and a fiber's stack. This is the
// only file in kmsim that touches Boost.Context, and the only one that talks to
// AddressSanitizer about stack switches.
// Rules:
//   - resume() is called from the engine's own stack (never from inside another
//     fiber): switches are always engine -> fiber -> engine;
//   - suspend() is called from inside the fiber and returns when it is resumed;
//   - an exception escaping the body is caught on the fiber's stack and rethrown
//     by resume() on the engine's stack, never carried across a raw switch;
//   - destroying a fiber that has not finished unwinds its stack (destructors
//     run; the body must not swallow the unwinding with catch (...)), then
//     returns the stack to the pool.
#pragma once

#include "sim/stack_pool.h"

#include <exception>
#include <functional>
#include <memory>

namespace kmsim::sim {

class fiber {
public:
    fiber(stack_pool& pool, std::function<void()> body);
    ~fiber();
    fiber(const fiber&) = delete;
    fiber& operator=(const fiber&) = delete;

    // Engine side: run the fiber until it suspends or finishes. Rethrows an
    // exception that escaped the body.
    void resume();
    // Fiber side: give control back to whoever called resume().
    void suspend();

    // Fiber side: bytes between the caller's frame and the guard page.
    std::size_t stack_headroom() const;

    bool started() const { return started_; }
    bool finished() const { return finished_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    bool started_ = false;
    bool finished_ = false;
};

}  // namespace kmsim::sim

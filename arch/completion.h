// arch/completion.h - struct completion: complete(), complete_all(), wait_for_completion().
//
// Owns: a done count and the contexts waiting for it. complete() lets one
// waiter (present or future) through; complete_all() lets everyone through
// for good. Unlike a lock, a completion has no owner: anyone may complete it,
// so a wait for it is never a certain deadlock while something else can run.
// Code that knows who is expected to complete it (the scenario interpreter
// does) names them with expect_completer(), and a deadlock report then shows
// the cycle through them.
// Invariant: done_ is UINT_MAX after complete_all() and stays there.
#pragma once

#include "sim/actor.h"

#include <climits>
#include <deque>
#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;

class completion : public sim::blocker {
public:
    completion(machine& m, std::string name) : machine_(m), name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    unsigned done() const { return done_; }
    std::size_t waiters() const { return waiters_.size(); }

    // Fiber side.
    void complete();
    void complete_all();
    void wait_for_completion();
    bool try_wait_for_completion();

    void expect_completer(const sim::actor& a) { completers_.push_back(&a); }

    std::string describe_wait() const override { return "wait_for_completion(" + name_ + ")"; }
    std::vector<const sim::actor*> holders() const override;

private:
    machine& machine_;
    std::string name_;
    unsigned done_ = 0;
    std::deque<context*> waiters_;
    std::vector<const sim::actor*> completers_;
};

}  // namespace kmsim::arch

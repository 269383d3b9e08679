// scenarios/schedule.h - a run's schedule as its deviations from kmsim's own, and the chooser that plays it.
//
// Owns: the description of one run of a scenario among all the runs a
// kernel could make of it. A run meets choice points - the scheduling
// decisions of sim/chooser.h, and the fault-injection points of the
// allocators (failslab, fail_page_alloc) - each counted per kind in the
// order the run reaches them. A schedule is the list of points where the
// run does not take kmsim's own choice: (kind, ordinal, value). Everything
// else is kmsim's default, so an empty schedule is `kmsim run` itself.
// The token is the schedule in printable text without spaces, as
// `kmsim run --schedule` reads it and `kmsim explore` prints it.
//
// schedule_chooser plays a schedule and, when given a strategy, makes new
// deviations as the run goes (recording them), so a run that explore made
// replays byte for byte from its recorded schedule.
// Invariant: a deviation's value is a legal alternative (the chooser
// clamps a replayed one to the alternatives the point has).
#pragma once

#include "sim/chooser.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmsim::scenarios {

// The kinds of choice point: the scheduling decisions, then the faults.
enum class choice_kind : std::uint8_t {
    event_order,
    wake_cpu,
    next_task,
    lock_waiter,
    completion_waiter,
    preempt,
    irq_arrival,  // value: the delay inside the interrupt's window, ns
    fail,         // an allocation that fails as if memory were short
    reclaim,      // an allocation that enters direct reclaim as if below the min watermark
};
inline constexpr std::size_t nr_choice_kinds = static_cast<std::size_t>(choice_kind::reclaim) + 1;
// As the JSON names them: preempt, pick (next_task, wake_cpu), handoff
// (lock_waiter, completion_waiter), order, irq, fail, reclaim.
const char* to_string(choice_kind k);

struct deviation {
    choice_kind kind = choice_kind::preempt;
    std::uint64_t ordinal = 0;  // the how-manieth point of its kind in the run, from 0
    std::int64_t value = 1;     // the alternative taken (a delay for irq_arrival; 1 for fail)
    // How the run met it (filled as it is applied; not part of the token).
    std::int64_t time_ns = 0;
    std::int64_t arrival_ns = 0;  // irq_arrival: when the interrupt arrives
    int cpu = -1;                 // irq_arrival: the CPU it targets
    std::string chosen;           // the actor taken (or the interrupt delivered)
    std::string context;
    std::string text;  // "preempt t1 after mutex_lock(a) at abba.kms:9"
    bool operator==(const deviation& o) const
    {
        return kind == o.kind && ordinal == o.ordinal && value == o.value;
    }
};

struct schedule {
    std::uint64_t seed = 1;  // the run's seed (interrupt jitter, rand())
    std::vector<deviation> deviations;
};

// "1.s1.p14.i2-1500.f7.r3": version, seed, then each deviation as its kind's
// letter, ordinal and (when not 1) value.
std::string encode(const schedule& s);
// The schedule of TOKEN, or nullopt with *ERROR saying what is wrong.
std::optional<schedule> decode(std::string_view token, std::string* error);

// One choice point, as a strategy sees it.
struct choice_point {
    choice_kind kind;
    std::uint64_t ordinal;      // among the points of its kind
    std::int64_t alternatives;  // how many (for irq_arrival: the window's length, ns)
    std::int64_t seeded;        // irq_arrival: the default delay
    std::int64_t from_ns = 0;   // irq_arrival: when the window opens
    int cpu = -1;               // irq_arrival: the CPU the interrupt targets
    std::string_view what;      // irq_arrival: the interrupt's name
    // Where the alternatives are actors: which (for preempt, the running
    // one first), and the actor running now.
    const sim::actor* const* actors = nullptr;
    const sim::actor* current = nullptr;
};
// What a strategy may do at one point: deviate (return the value), or not.
using strategy_fn = std::function<std::optional<std::int64_t>(const choice_point& p)>;

class schedule_chooser final : public sim::chooser {
public:
    // Plays S; STRATEGY (optional) may add deviations where S has none.
    explicit schedule_chooser(schedule s, strategy_fn strategy = {});

    std::size_t choose(sim::decision d, std::size_t n) override;
    std::size_t choose_among(sim::decision d, const sim::actor* const* alternatives, std::size_t n,
                             const sim::actor* current) override;
    std::int64_t choose_delay(sim::decision d, std::int64_t from_ns, std::int64_t max, int target,
                              std::string_view what, std::int64_t seeded) override;
    // Fault-injection points: true to fail this allocation, or to send it
    // into direct reclaim first.
    bool should_fail();
    bool should_reclaim();

    // Called as a deviation is applied, to say in words where it happened.
    std::function<void(deviation&)> describe;

    // The deviations the run took, in the order it took them.
    const std::vector<deviation>& taken() const { return taken_; }
    // Points of each kind the run met.
    std::uint64_t points(choice_kind k) const { return counts_[static_cast<std::size_t>(k)]; }
    std::uint64_t total_points() const;

private:
    std::optional<std::int64_t> next(choice_point p);

    schedule schedule_;
    strategy_fn strategy_;
    std::uint64_t counts_[nr_choice_kinds] = {};
    std::vector<deviation> taken_;
};

}  // namespace kmsim::scenarios

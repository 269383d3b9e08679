// arch/irq.cpp - raising interrupt lines, once or periodically with seeded jitter.
#include "arch/irq.h"

#include <algorithm>

#include "arch/machine.h"
#include "sim/error.h"

namespace kmsim::arch {

irq_line::irq_line(machine& m, int line, std::string name, int cpu, std::function<void()> handler)
    : machine_(m), line_(line), name_(std::move(name)), cpu_(cpu), handler_(std::move(handler))
{
}

void irq_line::raise()
{
    ++raised_;
    machine_.cpu_at(cpu_).raise(*this);
    update_hold();
}

void irq_line::update_hold()
{
    // An endless source never holds the run.
    hold_.set(machine_.eng(),
              to_come_ != UINT64_MAX && (to_come_ > 0 || (hold_.held() && (pending_ || in_progress_))));
}

void irq_line::raise_at(sim::time_point when)
{
    if (to_come_ != UINT64_MAX)
        ++to_come_;
    update_hold();
    machine_.eng().schedule_at(when, [this] {
        if (to_come_ != UINT64_MAX)
            --to_come_;
        raise();
    });
}

void irq_line::raise_every(sim::time_point start, sim::duration period, std::uint64_t count, sim::duration jitter)
{
    if (period <= sim::duration::zero())
        throw sim::config_error("irq " + name_ + ": the period must be positive");
    if (jitter < sim::duration::zero())
        throw sim::config_error("irq " + name_ + ": the jitter cannot be negative");
    start_ = start;
    period_ = period;
    count_ = count;
    jitter_ = jitter;
    to_come_ = count == 0 ? UINT64_MAX : to_come_ + count;
    schedule_periodic(0);
}

void irq_line::schedule_periodic(std::uint64_t index)
{
    if (count_ != 0 && index >= count_)
        return;
    sim::time_point when = sim::saturating_add(start_, sim::saturating_mul(period_, index));
    if (jitter_ > sim::duration::zero()) {
        // The seeded draw, which the chooser may replace.
        auto& rng = machine_.eng().random().stream("irq:" + name_);
        const std::int64_t max = sim::to_ns(jitter_);
        std::int64_t delay = static_cast<std::int64_t>(rng.uniform(0, static_cast<std::uint64_t>(max)));
        if (machine_.eng().exploring())
            delay = std::clamp<std::int64_t>(
                machine_.eng().choices().choose_delay(sim::decision::irq_arrival, sim::to_ns(when), max, cpu_, name_, delay),
                0, max);
        when = sim::saturating_add(when, sim::nsecs(delay));
    }
    if (when == sim::never()) {
        // Past what simulated time holds: no later interrupt ever comes.
        if (to_come_ != UINT64_MAX)
            to_come_ -= count_ - index;
        update_hold();
        return;
    }
    if (when < machine_.now())
        when = machine_.now();
    update_hold();
    machine_.eng().schedule_at(when, [this, index] {
        if (to_come_ != UINT64_MAX)
            --to_come_;
        raise();
        schedule_periodic(index + 1);
    });
}

}  // namespace kmsim::arch

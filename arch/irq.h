// arch/irq.h - interrupt lines: request_irq() and raising an interrupt.
//
// Owns: the binding of a line number to a handler and a CPU, and the sources
// that raise it (once, or periodically with seeded jitter).
// A raise that finds the line already pending on its CPU is coalesced into it,
// as a latched edge-triggered interrupt is (counted in coalesced()). A raise
// while the line's handler runs is delivered when it returns, as
// handle_edge_irq() replays IRQS_PENDING: a handler never interrupts itself.
// A source with an end (raise_at(), raise_every() with a count) keeps the run
// going (sim::engine::hold()) until its last interrupt has been handled; an
// endless one does not, nor does raise() (a device's completion).
#pragma once

#include "sim/engine.h"
#include "sim/event_queue.h"
#include "sim/time.h"

#include <cstdint>
#include <functional>
#include <string>

namespace kmsim::arch {

class machine;

class irq_line {
public:
    irq_line(machine& m, int line, std::string name, int cpu, std::function<void()> handler);

    int line() const { return line_; }
    const std::string& name() const { return name_; }
    // request_irq()'s name for a line bound after it was made.
    void set_name(std::string name) { name_ = std::move(name); }
    int cpu() const { return cpu_; }
    const std::function<void()>& handler() const { return handler_; }
    bool pending() const { return pending_; }
    // Its handler is running (IRQD_IRQ_INPROGRESS): a raise now stays
    // pending until it returns, so one line's handler never nests in itself.
    bool in_progress() const { return in_progress_; }

    // Raise now (engine or fiber side).
    void raise();
    // Raises still scheduled by raise_at() and raise_every().
    std::uint64_t to_come() const { return to_come_; }
    // Raise at WHEN.
    void raise_at(sim::time_point when);
    // Raise at START and then every PERIOD, COUNT times in all (0: forever),
    // each time late by a uniform [0, JITTER] drawn from the stream "irq:NAME".
    void raise_every(sim::time_point start, sim::duration period, std::uint64_t count, sim::duration jitter);

    std::uint64_t raised() const { return raised_; }
    std::uint64_t handled() const { return handled_; }
    std::uint64_t coalesced() const { return coalesced_; }

private:
    friend class cpu;
    void schedule_periodic(std::uint64_t index);
    // Takes or releases the run's hold as interrupts remain to come or be
    // handled (engine or fiber side, after any change).
    void update_hold();

    machine& machine_;
    int line_;
    std::string name_;
    int cpu_;
    std::function<void()> handler_;
    bool pending_ = false;
    bool in_progress_ = false;
    std::uint64_t raised_ = 0;
    std::uint64_t handled_ = 0;
    std::uint64_t coalesced_ = 0;
    std::uint64_t to_come_ = 0;  // UINT64_MAX: an endless source
    sim::run_hold hold_;
    // periodic source
    sim::time_point start_{};
    sim::duration period_{};
    std::uint64_t count_ = 0;
    sim::duration jitter_{};
};

}  // namespace kmsim::arch

// arch/cpu.h - one simulated CPU: what runs on it, preempt_count, IRQ state, runqueue.
//
// Owns: the CPU's execution stack (a task, with hard-IRQ handlers above it),
// its preempt_count and IRQs-disabled flag, its runqueue and pending IRQs, and
// the dispatch loop that decides what runs next.
//
// Dispatch (run(), engine side), repeated until the CPU must wait for an event:
//   1. an IRQ is pending, IRQs are on, and the top context is between steps
//      (busy, spinning or resumable): interrupt it - its remaining busy time is
//      saved - and start the handler in hard-IRQ context (HARDIRQ_OFFSET added,
//      IRQs off);
//   2. an interrupt is being left (irq_exit(): a handler returned, the tick
//      raised a softirq, local_bh_enable()) with softirqs pending: unless the
//      context below is in interrupt (serving softirq or BH disabled: they stay
//      pending), start a softirq run on top of it (SOFTIRQ_OFFSET, IRQs on);
//   3. nothing on the CPU: take the next task from the runqueue (round robin),
//      or go idle;
//   4. the top context is resumable: if it still owes CPU time, arm an event
//      for the end of it and wait; else switch to its fiber, and afterwards
//      look at what it asked for (done, sleep, spin, busy, yield).
// Invariants: the top context (innermost IRQ handler, else the task) is the
// only one that can run; contexts below it are resumable, busy-interrupted or
// spinning; preempt_count has HARDIRQ_OFFSET once per active handler; a task
// on the runqueue is runnable and on no CPU stack.
#pragma once

#include "arch/context.h"
#include "arch/tracepoint.h"
#include "sim/event_queue.h"
#include "sim/time.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace kmsim::arch {

class irq_line;
class machine;

// Coalesced raises of one line after which, if they are most of its raises,
// kmsim notes an interrupt storm.
inline constexpr std::uint64_t irq_storm_threshold = 1000;

class cpu {
public:
    cpu(machine& m, int id);
    cpu(const cpu&) = delete;
    cpu& operator=(const cpu&) = delete;

    int id() const { return id_; }
    std::uint32_t preempt_count() const { return preempt_count_; }
    bool irqs_disabled() const { return irqs_disabled_; }
    // The task on this CPU (possibly interrupted), or nullptr when idle.
    context* curr() const { return curr_; }
    // The context that would run now: the innermost IRQ handler, else curr().
    context* top() const { return irq_stack_.empty() ? curr_ : irq_stack_.back(); }
    const std::vector<context*>& irq_stack() const { return irq_stack_; }
    const std::deque<context*>& runqueue() const { return rq_; }
    bool is_idle() const { return top() == nullptr; }
    // Name of the idle task, which is `current` in an IRQ that hit an idle CPU.
    std::string idle_name() const { return "swapper/" + std::to_string(id_); }

    // Kernel-side state changes made by the running context.
    void add_preempt_count(std::uint32_t v);
    void sub_preempt_count(std::uint32_t v);
    void set_irqs_disabled(bool off);

    // Engine or fiber side.
    void enqueue(context& c);        // a task became runnable here
    void resume_on_cpu(context& c);  // a context on this CPU's stack may continue
    void raise(irq_line& line);      // an interrupt arrives
    void kick();                     // make run() happen at the current time

    // local_softirq_pending(): the softirq vectors raised on this CPU.
    std::uint32_t softirq_pending() const { return softirq_pending_; }
    void raise_softirq(unsigned nr) { softirq_pending_ |= 1u << nr; }
    std::uint32_t take_softirq_pending()
    {
        const std::uint32_t p = softirq_pending_;
        softirq_pending_ = 0;
        return p;
    }
    // irq_exit() with softirqs pending (engine or fiber side): they run at
    // the next dispatch, if the context below allows (step 2 above).
    void softirq_at_irq_exit()
    {
        softirq_at_exit_ = true;
        kick();
    }

    // Engine side.
    void run();

    // Wait-for graph nodes: a context under an IRQ handler waits for the
    // handler to return; a runnable task waits for whoever holds the CPU.
    const sim::blocker& irq_blocker() const { return irq_blocker_; }
    const sim::blocker& rq_blocker() const { return rq_blocker_; }

    std::uint64_t irqs_handled() const { return irqs_handled_; }
    std::uint64_t irqs_coalesced() const { return irqs_coalesced_; }
    std::uint64_t context_switches() const { return context_switches_; }

private:
    struct cpu_blocker : sim::blocker {
        const cpu* owner = nullptr;
        bool under_irq = false;
        std::string describe_wait() const override;
        std::vector<const sim::actor*> holders() const override;
        bool exclusive() const override { return under_irq; }
        const sim::actor* sole_holder() const override;
        bool is_cpu() const override { return true; }
    };

    void interrupt_top();
    // An interrupt context H enters on top of the stack: OFFSET added to
    // preempt_count, IRQs off or on, ENTRY where preemption was disabled.
    void push_interrupt(context& h, std::uint32_t offset, const char* entry, bool irqs_off);
    void start_irq(irq_line& line);
    void start_softirq();
    void finish_top(context* t);
    void switch_in(context& next);
    void switch_out(context& prev);
    void arm_busy(context& t);
    void on_busy_end();
    void arm_tick();
    void on_tick();
    bool preemptible() const { return preempt_count_ == 0 && !irqs_disabled_; }

    machine& machine_;
    int id_;
    std::uint32_t preempt_count_ = 0;
    bool irqs_disabled_ = false;
    context* curr_ = nullptr;
    const context* traced_curr_ = nullptr;  // what the last sched_switch said runs here
    std::vector<context*> irq_stack_;
    std::vector<bool> irq_saved_flags_;  // IRQs-disabled state under each handler
    std::deque<context*> rq_;
    std::deque<irq_line*> pending_;
    std::uint32_t softirq_pending_ = 0;
    bool softirq_at_exit_ = false;
    sim::event_queue::handle busy_event_;
    sim::time_point busy_end_{};
    sim::event_queue::handle tick_event_;
    sim::event_queue::handle kick_event_;
    sim::time_point slice_start_{};
    bool in_run_ = false;
    cpu_blocker irq_blocker_;
    cpu_blocker rq_blocker_;
    std::uint64_t irqs_handled_ = 0;
    // sched_switch, if anyone listens (a test of an empty vector when not).
    void trace_switch(const context* next)
    {
        if (sched_switch_->enabled() && next != traced_curr_)
            emit_switch(next);
    }
    void emit_switch(const context* next);
    const tracepoint<int, const context*, const context*>* sched_switch_;
    std::uint64_t irqs_coalesced_ = 0;
    std::uint64_t context_switches_ = 0;

    friend class machine;
    friend class softirqs;
};

}  // namespace kmsim::arch

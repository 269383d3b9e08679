// sim/event_queue.h - pending events ordered by (time, sequence), with cancellation.
//
// Owns: the future of one engine - what happens when.
// Invariants:
//   - pop() yields events in nondecreasing time; events at the same time come
//     out in the order they were pushed (the sequence number breaks ties), so a
//     run is a pure function of its inputs and seed;
//   - a cancelled event never runs; cancelling twice, or after it ran, is a no-op
//     that returns false;
//   - size() counts live (not cancelled, not yet popped) events.
// Implementation: a binary heap of 24-byte keys (time, seq, slot, generation)
// over a slot table holding the callbacks. Cancel frees the slot and bumps its
// generation; the stale heap key is dropped when it surfaces, or swept with
// the others once stale keys outnumber live ones (the heap stays O(live)).
#pragma once

#include "sim/time.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace kmsim::sim {

class event_queue {
public:
    using callback = std::function<void()>;

    struct handle {
        std::uint32_t slot = UINT32_MAX;
        std::uint32_t generation = 0;
        bool valid() const { return slot != UINT32_MAX; }
    };

    template <typename F>
    handle push(time_point when, F&& fn)
    {
        std::uint32_t slot = take_slot(when);
        slots_[slot].fn = std::forward<F>(fn);
        return handle{slot, slots_[slot].generation};
    }
    bool cancel(handle h);
    bool is_pending(handle h) const;

    bool empty() const { return live_ == 0; }
    std::size_t size() const { return live_; }

    // Time of the earliest live event; only valid when !empty().
    time_point next_time();

    // Removes the earliest live event; returns false when there is none.
    bool pop(time_point& when, callback& fn);
    // The same, right after next_time() (nothing changed since): the top of
    // the heap is then known to be live.
    void pop_next(time_point& when, callback& fn);
    // Removes one of the live events due at the earliest time: PICK(n) says
    // which of the n (in the order they were pushed); the others keep their
    // order. With one event due, PICK is not asked.
    template <typename Pick>
    bool pop_chosen(time_point& when, callback& fn, Pick&& pick)
    {
        std::vector<key> due = take_due();
        if (due.empty())
            return false;
        const std::size_t k = due.size() > 1 ? pick(due.size()) : 0;
        for (std::size_t i = 0; i < due.size(); ++i)
            if (i != k) {
                heap_.push_back(due[i]);
                std::push_heap(heap_.begin(), heap_.end(), later);
            }
        take(due[k], when, fn);
        return true;
    }

private:
    struct key {
        std::int64_t when;
        std::uint64_t seq;
        std::uint32_t slot;
        std::uint32_t generation;
    };
    struct slot_state {
        callback fn;
        std::uint32_t generation = 0;
        bool live = false;
    };
    static bool later(const key& a, const key& b)
    {
        return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
    std::uint32_t take_slot(time_point when);
    void drop_stale_top();
    std::vector<key> take_due();  // the live keys at the earliest time, in push order
    void take(const key& k, time_point& when, callback& fn)
    {
        when = at_ns(k.when);
        fn = std::move(slots_[k.slot].fn);
        slots_[k.slot].fn = nullptr;
        release(k.slot);
    }
    void release(std::uint32_t slot);

    std::vector<key> heap_;
    std::vector<slot_state> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::uint64_t next_seq_ = 0;
    std::size_t live_ = 0;
};

}  // namespace kmsim::sim

// sim/event_queue.cpp - binary heap with lazy deletion; see the header for the invariants.
#include "sim/event_queue.h"

#include "sim/error.h"

#include <algorithm>

namespace kmsim::sim {

std::uint32_t event_queue::take_slot(time_point when)
{
    std::uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    slot_state& s = slots_[slot];
    s.live = true;
    heap_.push_back(key{to_ns(when), next_seq_++, slot, s.generation});
    std::push_heap(heap_.begin(), heap_.end(), later);
    ++live_;
    return slot;
}

void event_queue::release(std::uint32_t slot)
{
    slot_state& s = slots_[slot];
    --live_;
    s.live = false;
    ++s.generation;
    free_slots_.push_back(slot);
}

bool event_queue::is_pending(handle h) const
{
    return h.valid() && h.slot < slots_.size() && slots_[h.slot].live &&
           slots_[h.slot].generation == h.generation;
}

bool event_queue::cancel(handle h)
{
    if (!is_pending(h))
        return false;
    slots_[h.slot].fn = nullptr;
    release(h.slot);
    // A stale key is dropped when it surfaces, but one due far ahead (a
    // watchdog re-armed at every wait) would sit in the heap for long: when
    // stale keys outnumber live ones, sweep them all. Amortised O(1) per
    // cancel; the order of what remains is the keys', so nothing changes.
    if (heap_.size() > 2 * live_ + 64) {
        heap_.erase(std::remove_if(heap_.begin(), heap_.end(),
                                   [this](const key& k) {
                                       const slot_state& s = slots_[k.slot];
                                       return !s.live || s.generation != k.generation;
                                   }),
                    heap_.end());
        std::make_heap(heap_.begin(), heap_.end(), later);
    }
    return true;
}

void event_queue::drop_stale_top()
{
    while (!heap_.empty()) {
        const key& top = heap_.front();
        const slot_state& s = slots_[top.slot];
        if (s.live && s.generation == top.generation)
            return;
        std::pop_heap(heap_.begin(), heap_.end(), later);
        heap_.pop_back();
    }
}

time_point event_queue::next_time()
{
    drop_stale_top();
    KMSIM_ASSERT(!heap_.empty(), "next_time() on an empty event queue");
    return at_ns(heap_.front().when);
}

void event_queue::pop_next(time_point& when, callback& fn)
{
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const key k = heap_.back();
    heap_.pop_back();
    take(k, when, fn);
}

bool event_queue::pop(time_point& when, callback& fn)
{
    drop_stale_top();
    if (heap_.empty())
        return false;
    pop_next(when, fn);
    return true;
}

std::vector<event_queue::key> event_queue::take_due()
{
    std::vector<key> due;
    drop_stale_top();
    while (!heap_.empty() && (due.empty() || heap_.front().when == due.front().when)) {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        due.push_back(heap_.back());
        heap_.pop_back();
        drop_stale_top();
    }
    return due;
}

}  // namespace kmsim::sim

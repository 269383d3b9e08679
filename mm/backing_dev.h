// mm/backing_dev.h - where reclaim and writeback send pages: the block layer's interface.
//
// Owns: the upcall mm makes into a block device (drivers/ implements it).
// A submission never blocks; the bio's end_io runs when the write completes
// (in the device's completion interrupt, or in an event when it has none).
#pragma once

#include "sim/actor.h"

#include <cstdint>
#include <functional>
#include <string>

namespace kmsim::mm {

struct bio_request {
    std::uint64_t nr_pages = 1;
    std::function<void()> end_io;  // may be empty
};

class backing_dev {
public:
    virtual ~backing_dev() = default;
    virtual const std::string& name() const = 0;
    virtual void submit_bio(bio_request bio) = 0;
    // The context that must run before queued requests can be issued (the
    // device's worker), and whether any are queued: for the wait-for graph.
    virtual const sim::actor* worker() const = 0;
    virtual bool has_queued() const = 0;
};

}  // namespace kmsim::mm

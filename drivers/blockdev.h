// drivers/blockdev.h - a block device: a request queue, a worker thread, latency, a completion IRQ.
//
// Owns: one simulated disk. Submitted bios wait in a FIFO queue; the device's
// worker thread (a kernel thread, "kworker/NAME") takes each one, runs the
// driver's request handler for it (the scenario's `request` block - driver
// code that may allocate), then issues it: at most `depth` are in flight, and
// each completes `latency` later by raising the device's IRQ (or, without an
// IRQ line, in an event), whose handler runs the bios' end_io.
// Kernel code that submits (the scenario's submit_bio) waits for a free
// request when nr_requests are queued or in flight, as blk_mq_get_tag()
// sleeps in io_schedule(); reclaim's writeback, which kmsim keeps
// non-blocking, does not.
// Invariants: in_flight <= depth; a bio is queued, in flight or done, once.
#pragma once

#include "arch/machine.h"
#include "mm/backing_dev.h"
#include "sim/wait_queue.h"

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace kmsim::drivers {

// The comm of the worker kernel thread of block device DEV: "kworker/DEV".
inline std::string blockdev_worker_comm(std::string_view dev) { return "kworker/" + std::string(dev); }

struct blockdev_config {
    std::string name;
    sim::duration latency = sim::msecs(1);
    int irq_line = -1;  // -1: complete without an interrupt
    int cpu = 0;        // where the IRQ is delivered and the worker runs
    unsigned depth = 32;
    int worker_pid = 0;  // 0: the next free pid
};

// BLKDEV_DEFAULT_RQ: requests a queue holds before submitters wait.
inline constexpr std::size_t nr_requests = 128;

class blockdev final : public mm::backing_dev {
public:
    blockdev(arch::machine& m, blockdev_config cfg);

    // The driver's per-request code, run in the worker's context with the
    // request's id and size.
    std::function<void(std::uint64_t rq, std::uint64_t pages)> request_handler;

    // Creates the worker thread (boot).
    void start();

    // mm::backing_dev
    const std::string& name() const override { return cfg_.name; }
    void submit_bio(mm::bio_request bio) override;
    const sim::actor* worker() const override { return worker_; }
    bool has_queued() const override { return !queue_.empty() || busy_; }

    // Fiber side: submit a write of PAGES pages, first waiting for a free
    // request if nr_requests are outstanding.
    void submit_bio_pages(std::uint64_t pages);
    // Fiber side: the same, then sleep until it completes.
    void submit_bio_wait(std::uint64_t pages);

    std::uint64_t completed() const { return completed_; }

private:
    struct queued {
        std::uint64_t id;
        mm::bio_request bio;
    };
    void worker_main();
    void complete_done();
    std::size_t outstanding() const { return queue_.size() + (busy_ ? 1 : 0) + in_flight_; }
    void get_tag();

    // The wait of a task for its own bio: only the worker can issue a queued
    // one; an issued one completes by itself.
    struct io_wait : sim::blocker {
        const blockdev* dev = nullptr;
        std::uint64_t id = 0;
        bool issued() const;
        std::string describe_wait() const override;
        std::vector<const sim::actor*> holders() const override;
        bool exclusive() const override { return !issued(); }
        const sim::actor* sole_holder() const override { return issued() ? nullptr : dev->worker_; }
    };
    struct idle_wait : sim::blocker {
        std::string describe_wait() const override { return "an empty request queue"; }
        std::vector<const sim::actor*> holders() const override { return {}; }
        bool idle() const override { return true; }
    };
    struct tag_wait : sim::blocker {
        const blockdev* dev = nullptr;
        std::string describe_wait() const override
        {
            return "a free request on " + dev->name() + " (blk_mq_get_tag: " + std::to_string(nr_requests) +
                   " outstanding)";
        }
        std::vector<const sim::actor*> holders() const override { return {dev->worker_}; }
    };
    struct depth_wait : sim::blocker {
        std::string describe_wait() const override { return "a free slot in the device queue (in-flight requests)"; }
        std::vector<const sim::actor*> holders() const override { return {}; }
    };

    arch::machine& machine_;
    blockdev_config cfg_;
    arch::context* worker_ = nullptr;
    std::deque<queued> queue_;
    std::deque<mm::bio_request> done_;
    unsigned in_flight_ = 0;
    bool busy_ = false;  // the worker is running a request handler
    std::uint64_t current_id_ = 0;
    bool worker_idle_ = false;
    bool worker_waits_depth_ = false;
    std::uint64_t next_id_ = 0;
    std::uint64_t completed_ = 0;
    idle_wait idle_;
    depth_wait depth_;
    tag_wait tag_;
    sim::wait_queue tag_waiters_;
};

}  // namespace kmsim::drivers

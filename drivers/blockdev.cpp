// drivers/blockdev.cpp - request queue, worker thread and completion of a simulated disk.
#include "drivers/blockdev.h"

#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::drivers {

bool blockdev::io_wait::issued() const
{
    for (const auto& q : dev->queue_)
        if (q.id == id)
            return false;
    return !(dev->busy_ && dev->current_id_ == id);
}

std::string blockdev::io_wait::describe_wait() const
{
    return issued() ? fmt::format("I/O completion on {}", dev->name())
                    : fmt::format("I/O on {} (queued for its worker)", dev->name());
}

std::vector<const sim::actor*> blockdev::io_wait::holders() const
{
    if (!issued() && dev->worker_)
        return {dev->worker_};
    return {};
}

blockdev::blockdev(arch::machine& m, blockdev_config cfg) : machine_(m), cfg_(std::move(cfg))
{
    tag_.dev = this;
    if (cfg_.depth == 0)
        throw sim::config_error(fmt::format("blockdev {}: depth must be at least 1", cfg_.name));
    if (cfg_.irq_line >= 0)
        machine_.request_irq(cfg_.irq_line, cfg_.name, cfg_.cpu, [this] { complete_done(); });
}

void blockdev::start()
{
    worker_ = &machine_.create_thread(blockdev_worker_comm(cfg_.name), [this] { worker_main(); },
                                      arch::thread_options{cfg_.cpu, machine_.now(), sim::actor_role::background, cfg_.worker_pid});
}

void blockdev::submit_bio(mm::bio_request bio)
{
    queue_.push_back({next_id_++, std::move(bio)});
    if (worker_idle_)
        worker_->wake();
}

void blockdev::worker_main()
{
    for (;;) {
        while (queue_.empty()) {
            worker_idle_ = true;
            worker_->wait(idle_);
            worker_idle_ = false;
        }
        queued q = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        current_id_ = q.id;
        if (request_handler)
            request_handler(q.id, q.bio.nr_pages);
        busy_ = false;
        while (in_flight_ >= cfg_.depth) {
            worker_waits_depth_ = true;
            worker_->wait(depth_);
            worker_waits_depth_ = false;
        }
        ++in_flight_;
        auto bio = std::make_shared<mm::bio_request>(std::move(q.bio));
        machine_.eng().schedule_at(sim::saturating_add(machine_.now(), cfg_.latency), [this, bio] {
            done_.push_back(std::move(*bio));
            if (cfg_.irq_line >= 0)
                machine_.irq(cfg_.irq_line).raise();
            else
                complete_done();
        });
    }
}

void blockdev::complete_done()
{
    while (!done_.empty()) {
        mm::bio_request bio = std::move(done_.front());
        done_.pop_front();
        --in_flight_;
        ++completed_;
        if (bio.end_io)
            bio.end_io();
    }
    if (worker_waits_depth_)
        worker_->wake();
    if (!tag_waiters_.empty() && outstanding() < nr_requests)
        tag_waiters_.wake_all();  // each checks again, in the order they came
}

void blockdev::get_tag()
{
    arch::context& self = machine_.current();
    while (outstanding() >= nr_requests)
        tag_waiters_.wait(self, tag_);
}

void blockdev::submit_bio_pages(std::uint64_t pages)
{
    get_tag();
    mm::bio_request bio;
    bio.nr_pages = pages;
    submit_bio(std::move(bio));
}

void blockdev::submit_bio_wait(std::uint64_t pages)
{
    arch::context& self = machine_.current();
    machine_.might_sleep("block/bio.c", 1384);
    get_tag();
    bool done = false;
    io_wait wait;
    wait.dev = this;
    wait.id = next_id_;
    mm::bio_request bio;
    bio.nr_pages = pages;
    bio.end_io = [&done, &self] {
        done = true;
        self.wake();
    };
    submit_bio(std::move(bio));
    while (!done)
        self.wait(wait);
}

}  // namespace kmsim::drivers

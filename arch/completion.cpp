// arch/completion.cpp - completions as in kernel/sched/completion.c.
#include "arch/completion.h"

#include "arch/machine.h"

namespace kmsim::arch {

void completion::complete()
{
    if (done_ != UINT_MAX)
        ++done_;
    if (!waiters_.empty()) {
        context* w = take_chosen(machine_.eng(), sim::decision::completion_waiter, waiters_);
        w->wake();
    }
}

void completion::complete_all()
{
    done_ = UINT_MAX;
    while (!waiters_.empty()) {
        context* w = waiters_.front();
        waiters_.pop_front();
        w->wake();
    }
}

void completion::wait_for_completion()
{
    machine_.might_sleep("kernel/sched/completion.c", 115);
    context& c = machine_.current();
    while (done_ == 0) {
        waiters_.push_back(&c);
        c.wait(*this);
    }
    if (done_ != UINT_MAX)
        --done_;
}

bool completion::try_wait_for_completion()
{
    if (done_ == 0)
        return false;
    if (done_ != UINT_MAX)
        --done_;
    return true;
}

std::vector<const sim::actor*> completion::holders() const { return sim::not_done(completers_); }

}  // namespace kmsim::arch

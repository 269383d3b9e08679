// arch/kthread.cpp - kthread_create(), wake_up_process(), kthread_stop() as kernel/kthread.c.
#include "arch/kthread.h"

#include "arch/machine.h"
#include "arch/traps.h"
#include "arch/wait.h"
#include "sim/error.h"

namespace kmsim::arch {

std::string kthreads::kthread::describe_wait() const { return "kthread_stop(" + task->name() + ")"; }

std::vector<const sim::actor*> kthreads::kthread::holders() const
{
    if (task->is_done())
        return {};
    return {task};
}

std::uint64_t kthreads::create(std::function<std::uint64_t()> fn, std::string name, const thread_options& options)
{
    machine_.might_sleep("kernel/kthread.c", 490);
    // copy_process(): "if (data_race(nr_threads >= max_threads)) goto bad_fork_cleanup_count".
    if (machine_.threads().size() >= max_kernel_threads)
        return ERR_PTR(-EAGAIN);
    KMSIM_ASSERT(memory_.alloc, "kthreads without task memory: mm sets it when it boots");
    std::uint64_t handle;
    {
        // copy_process()'s allocation of the task (here by the caller, not kthreadd).
        frame_guard fg(machine_.current(), frame{"dup_task_struct", "", 0});
        handle = memory_.alloc();
    }
    if (!handle)
        return ERR_PTR(-ENOMEM);
    auto k = std::make_unique<kthread>();
    kthread& rec = *k;
    rec.fn = std::move(fn);
    rec.handle = handle;
    thread_options o = options;
    o.start = machine_.now();
    o.stopped = true;
    rec.task = &machine_.create_thread(std::move(name), [this, &rec] {
        // kthread(): -EINTR, without calling the function, when stopped first.
        rec.result = ERR_PTR(-EINTR);
        if (!rec.should_stop)
            rec.result = rec.fn();
        exit(rec);
    }, o);
    by_task_[rec.task] = &rec;
    by_handle_[handle] = std::move(k);
    return handle;
}

std::uint64_t kthreads::create(std::function<std::uint64_t()> fn, std::string name)
{
    return create(std::move(fn), std::move(name), thread_options{});
}

void kthreads::exit(kthread& k)
{
    k.exited = true;
    // complete(&kthread->exited) in do_exit()'s mm_release().
    k.stoppers.wake_all();
    if (k.refs == 0) {
        frame_guard g(machine_.current(), frame{"do_exit", "", 0});
        release_memory(k);
    }
}

void kthreads::release_memory(kthread& k)
{
    if (k.freed)
        return;
    k.freed = true;
    memory_.free(k.handle);
}

kthreads::kthread& kthreads::record_of(std::uint64_t handle) const
{
    auto it = by_handle_.find(handle);
    if (it != by_handle_.end())
        return *it->second;
    // Not a task_struct: the kernel would dereference it all the same.
    page_fault_oops(machine_, handle, false, handle < 4096 ? fault_kind::null_pointer : fault_kind::unmapped);
}

context* kthreads::task_of(std::uint64_t handle) const
{
    auto it = by_handle_.find(handle);
    return it == by_handle_.end() ? nullptr : it->second->task;
}

int kthreads::wake_up_process(std::uint64_t task)
{
    kthread& k = record_of(task);
    if (k.started)
        return 0;
    k.started = true;
    machine_.make_runnable(*k.task);
    return 1;
}

bool kthreads::should_stop() const
{
    const context* t = machine_.current_task();
    auto it = by_task_.find(t);
    return it != by_task_.end() && it->second->should_stop;
}

std::uint64_t kthreads::stop(std::uint64_t task)
{
    machine_.might_sleep("kernel/kthread.c", 712);
    if (memory_.touch)
        memory_.touch(task);  // get_task_struct(k)
    kthread& k = record_of(task);
    context& self = machine_.current();
    k.should_stop = true;
    if (!k.started) {
        wake_up_process(task);
    } else if (!k.exited) {
        // wake_up_process(k): a thread asleep in wait_event() tests its
        // condition again (kthread_should_stop() in it, usually).
        if (const auto* wq = dynamic_cast<const wait_queue_head*>(k.task->waiting_for()))
            const_cast<wait_queue_head*>(wq)->wake_task(*k.task);
    }
    // wait_for_completion(&kthread->exited), holding the task (get_task_struct()).
    ++k.refs;
    while (!k.exited)
        k.stoppers.wait(self, k);
    if (--k.refs == 0)
        release_memory(k);  // put_task_struct(k)
    return k.result;
}

}  // namespace kmsim::arch

// arch/kthread.h - kernel threads made at run time: kthread_create(), wake_up_process(), kthread_stop().
//
// Owns: the struct kthread of every thread made at run time - the function
// it runs, its result, KTHREAD_SHOULD_STOP, who waits in kthread_stop() -
// and the handles front ends hold for them: the address of the task's
// task_struct, as in the kernel. The memory of a task (task_struct and
// stack) comes from task_memory, which mm provides (mm/fork.h): arch knows
// no allocator.
// As kernel/kthread.c: kthread_create() makes a thread that runs nothing
// until wake_up_process(); kthread_stop() sets KTHREAD_SHOULD_STOP, wakes
// the thread (a wait_event() tests its condition again) and waits for it to
// return; a thread stopped before it ever ran returns -EINTR without
// calling its function. A task's memory is freed when it exits, unless a
// kthread_stop() holds it (get_task_struct()), and then when that returns:
// so kthread_stop() of a thread that already returned by itself touches
// freed memory, which KASAN reports, as in the kernel.
// Simplification: the caller allocates the task's memory itself, where
// the kernel has kthreadd do it while the caller waits.
// Invariant: a record's task is one of the machine's threads; memory_ is
// freed at most once.
#pragma once

#include "sim/actor.h"
#include "sim/wait_queue.h"

#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kmsim::arch {

class context;
class machine;
struct thread_options;

// include/linux/err.h: an error code as a pointer.
inline constexpr std::uint64_t MAX_ERRNO = 4095;
inline std::uint64_t ERR_PTR(int error) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(error)); }
inline bool IS_ERR_VALUE(std::uint64_t v) { return v >= static_cast<std::uint64_t>(-static_cast<std::int64_t>(MAX_ERRNO)); }
// (The error numbers are the host's <cerrno>, which are Linux's.)

// How a new task gets its memory (kernel/fork.c's dup_task_struct()).
struct task_memory {
    // Fiber side: the new task's task_struct and stack; the task_struct's
    // address, or 0 when either allocation failed (nothing is kept then).
    std::function<std::uint64_t()> alloc;
    // Frees what alloc() returned.
    std::function<void(std::uint64_t task)> free;
    // A write to the task_struct (get_task_struct()'s refcount_inc()), for
    // KASAN to check.
    std::function<void(std::uint64_t task)> touch;
};

class kthreads {
public:
    explicit kthreads(machine& m) : machine_(m) {}
    kthreads(const kthreads&) = delete;
    kthreads& operator=(const kthreads&) = delete;

    void set_task_memory(task_memory tm) { memory_ = std::move(tm); }

    // Fiber side, process context. kthread_create(): a thread NAME that will
    // run FN, not yet woken; its handle, or ERR_PTR(-ENOMEM) when its memory
    // could not be had, ERR_PTR(-EAGAIN) past the machine's thread limit.
    // OPTIONS place it (a pinned CPU, a background role); it starts stopped.
    std::uint64_t create(std::function<std::uint64_t()> fn, std::string name, const thread_options& options);
    std::uint64_t create(std::function<std::uint64_t()> fn, std::string name);
    // wake_up_process(): starts a thread kthread_create() made; 1 if it
    // did, 0 for a thread that runs already (or has exited).
    int wake_up_process(std::uint64_t task);
    // kthread_should_stop() for the running task (false for a task no
    // kthread_stop() can name).
    bool should_stop() const;
    // kthread_stop(): the thread's result, or -EINTR if it never ran.
    std::uint64_t stop(std::uint64_t task);

    // The context of a handle, or nullptr.
    context* task_of(std::uint64_t handle) const;

private:
    struct kthread : sim::blocker {
        std::function<std::uint64_t()> fn;
        context* task = nullptr;
        std::uint64_t handle = 0;
        bool started = false, should_stop = false, exited = false, freed = false;
        std::uint64_t result = 0;
        sim::wait_queue stoppers;  // waiting in kthread_stop()
        int refs = 0;              // get_task_struct() of the kthread_stop()s in progress
        std::string describe_wait() const override;
        std::vector<const sim::actor*> holders() const override;
    };
    kthread& record_of(std::uint64_t handle) const;  // Oopses for a handle that is none
    void exit(kthread& k);
    void release_memory(kthread& k);

    machine& machine_;
    task_memory memory_;
    std::map<std::uint64_t, std::unique_ptr<kthread>> by_handle_;
    std::map<const context*, kthread*> by_task_;
};

}  // namespace kmsim::arch

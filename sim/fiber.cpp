// sim/fiber.cpp - Boost.Context fibers on pooled, guard-paged stacks, annotated for ASan.
//
// Switch protocol (ASan's fiber API wants both halves of every switch):
//   engine -> fiber:  start_switch(&engine_fake, fiber stack)  ...  finish_switch(engine_fake)
//   fiber -> engine:  start_switch(&fiber_fake, engine stack)  ...  finish_switch(fiber_fake)
//   fiber exits:      start_switch(nullptr, engine stack)  (ASan frees the fiber's fake stack)
// The engine's stack bounds are learned by the fiber's first finish_switch.
//
// A fiber destroyed before it finished is unwound cooperatively: it is resumed
// with `cancelled` set, suspend() throws fiber_cancelled, and the trampoline
// leaves through its normal, annotated exit. (Boost's own forced_unwind would
// switch stacks behind ASan's back.)
#include "sim/fiber.h"

#include "sim/error.h"

#include <boost/context/fiber.hpp>
#include <boost/context/preallocated.hpp>
#include <boost/context/stack_context.hpp>

#include "sim/sanitizer.h"

#ifdef KMSIM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace kmsim::sim {

namespace ctx = boost::context;

namespace {

// Boost copies the allocator into the fiber's control block, so it is a handle.
struct fiber_cancelled {};

struct pool_allocator {
    stack_pool* pool;
    fiber_stack stack;
    ctx::stack_context allocate()
    {
        ctx::stack_context sc;
        sc.size = stack.usable();
        sc.sp = stack.top();
        return sc;
    }
    void deallocate(ctx::stack_context&) noexcept { pool->release(stack); }
};

}  // namespace

struct fiber::impl {
    std::function<void()> body;
    ctx::fiber self;    // the fiber, while it is suspended
    ctx::fiber caller;  // the engine, while the fiber runs
    std::exception_ptr error;
    fiber_stack stack;
    bool cancelled = false;
    // ASan bookkeeping.
    void* engine_fake = nullptr;
    void* fiber_fake = nullptr;
    const void* engine_bottom = nullptr;
    std::size_t engine_size = 0;

    void before_enter()
    {
#ifdef KMSIM_ASAN
        __sanitizer_start_switch_fiber(&engine_fake, stack.base, stack.mapping);
#endif
    }
    void after_return()
    {
#ifdef KMSIM_ASAN
        __sanitizer_finish_switch_fiber(engine_fake, nullptr, nullptr);
#endif
    }
    void entered()
    {
#ifdef KMSIM_ASAN
        __sanitizer_finish_switch_fiber(fiber_fake, &engine_bottom, &engine_size);
#endif
    }
    void before_leave(bool last)
    {
#ifdef KMSIM_ASAN
        __sanitizer_start_switch_fiber(last ? nullptr : &fiber_fake, engine_bottom, engine_size);
#else
        (void)last;
#endif
    }
};

fiber::fiber(stack_pool& pool, std::function<void()> body) : impl_(std::make_unique<impl>())
{
    impl_->body = std::move(body);
    impl_->stack = pool.allocate();
    impl* self = impl_.get();
    bool* finished = &finished_;
    pool_allocator alloc{&pool, impl_->stack};
    // The control block lives at the top of the stack (preallocated), so a
    // fiber costs no heap allocation beyond impl.
    ctx::stack_context sc = alloc.allocate();
    const std::size_t record = 256;
    ctx::preallocated pre(static_cast<char*>(sc.sp) - record, sc.size - record, sc);
    impl_->self = ctx::fiber(std::allocator_arg, pre, alloc, [self, finished](ctx::fiber&& caller) {
        self->caller = std::move(caller);
        self->entered();
        if (!self->cancelled) {
            try {
                self->body();
            } catch (const fiber_cancelled&) {
                // destroyed while suspended: the stack is unwound, nothing to report
            } catch (...) {
                self->error = std::current_exception();
            }
        }
        *finished = true;
        self->before_leave(true);
        return std::move(self->caller);
    });
}

fiber::~fiber()
{
    if (!finished_) {
        impl_->cancelled = true;
        impl_->before_enter();
        impl_->self = std::move(impl_->self).resume();
        impl_->after_return();
    }
}

void fiber::resume()
{
    KMSIM_ASSERT(!finished_, "resuming a finished fiber");
    started_ = true;
    impl_->before_enter();
    impl_->self = std::move(impl_->self).resume();
    impl_->after_return();
    if (impl_->error) {
        std::exception_ptr e = impl_->error;
        impl_->error = nullptr;
        std::rethrow_exception(e);
    }
}

std::size_t fiber::stack_headroom() const
{
    // The stack grows down from top() to the guard page at base.
    const char* here = static_cast<const char*>(__builtin_frame_address(0));
    const char* low = static_cast<const char*>(impl_->stack.top()) - impl_->stack.usable();
    return here > low ? static_cast<std::size_t>(here - low) : 0;
}

void fiber::suspend()
{
    impl_->before_leave(false);
    impl_->caller = std::move(impl_->caller).resume();
    impl_->entered();
    if (impl_->cancelled)
        throw fiber_cancelled{};
}

}  // namespace kmsim::sim

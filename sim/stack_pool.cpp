// sim/stack_pool.cpp - mmap'ed stacks with a guard page at the low end.
#include "sim/stack_pool.h"

#include "sim/error.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/sanitizer.h"

#ifdef KMSIM_ASAN
#include <sanitizer/asan_interface.h>
// A finished fiber leaves ASan's stack poisoning (use-after-scope markers)
// in the shadow of its stack. Clear it when the stack is recycled or
// unmapped, or memory mapped later at the same addresses inherits it.
#define KMSIM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define KMSIM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace kmsim::sim {

namespace {
std::size_t page_size()
{
    static const std::size_t ps = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return ps;
}
}  // namespace

std::size_t fiber_stack::usable() const { return mapping - page_size(); }

stack_pool::stack_pool(std::size_t stack_size)
{
    const std::size_t ps = page_size();
    stack_size_ = (stack_size + ps - 1) / ps * ps;
    if (stack_size_ < 4 * ps)
        throw config_error("fiber stacks must be at least 4 pages");
}

stack_pool::~stack_pool()
{
    for (auto& s : idle_) {
        KMSIM_UNPOISON(static_cast<char*>(s.base) + page_size(), s.usable());
        ::munmap(s.base, s.mapping);
    }
}

fiber_stack stack_pool::allocate()
{
    if (!idle_.empty()) {
        fiber_stack s = idle_.back();
        idle_.pop_back();
        return s;
    }
    const std::size_t mapping = stack_size_ + page_size();
    void* p = ::mmap(nullptr, mapping, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        throw internal_error(std::string("cannot map a fiber stack: ") + std::strerror(errno) +
                             " (raise vm.max_map_count or lower the number of live contexts)");
    }
    if (::mprotect(p, page_size(), PROT_NONE) != 0) {
        ::munmap(p, mapping);
        throw internal_error(std::string("cannot protect a fiber stack guard page: ") + std::strerror(errno) +
                             " (vm.max_map_count may be too low)");
    }
    ++created_;
    return fiber_stack{p, mapping};
}

void stack_pool::release(fiber_stack s)
{
    KMSIM_UNPOISON(static_cast<char*>(s.base) + page_size(), s.usable());
    idle_.push_back(s);
}

}  // namespace kmsim::sim

// mm/stack_depot.cpp - stacks stored once, looked up by hash.
#include "mm/stack_depot.h"

#include <functional>

namespace kmsim::mm {

stack_depot::handle stack_depot::save_new(const std::vector<arch::frame>& frames)
{
    std::uint64_t hash = frames.size();
    for (const arch::frame& f : frames)
        hash = (hash * 1099511628211ULL) ^ f.hash();
    auto [first, last] = by_hash_.equal_range(hash);
    for (auto it = first; it != last; ++it)
        if (stacks_[it->second] == frames)
            return last_ = it->second;
    if (stacks_.size() == max_stacks)
        return full;  // stack_depot_save() when the depot has reached its capacity
    const handle h = static_cast<handle>(stacks_.size());
    stacks_.push_back(frames);
    by_hash_.emplace(hash, h);
    return last_ = h;
}

stack_depot::site stack_depot::call_site(handle h) const
{
    if (h == full || stacks_[h].size() < 2)
        return {"?", 0, "?"};
    const auto& frames = stacks_[h];
    const arch::frame& call = frames.back();
    const arch::frame& body = frames[frames.size() - 2];
    // Compiled code's frame reads "l_init+0x34/0xa7 [leak]": its function.
    const std::string_view fn = body.native ? body.function.substr(0, body.function.find('+')) : body.function;
    return {std::string(fn), call.line, std::string(call.function)};
}

std::string stack_depot::text(handle h) const
{
    if (h == full)
        return " (not saved: the stack depot is full)\n";
    return arch::format_frames(stacks_[h]);
}

}  // namespace kmsim::mm

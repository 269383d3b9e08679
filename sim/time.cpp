// sim/time.cpp - formatting of simulated time.
#include "sim/time.h"

#include <fmt/format.h>

namespace kmsim::sim {

std::string dmesg_timestamp(time_point t)
{
    std::int64_t ns = to_ns(t);
    return fmt::format("[{:5d}.{:06d}] ", ns / 1000000000, (ns % 1000000000) / 1000);
}

}  // namespace kmsim::sim

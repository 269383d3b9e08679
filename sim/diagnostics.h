// sim/diagnostics.h - kmsim's own diagnostics: what the simulator does, not what the simulated kernel logs.
//
// Owns: the one channel for messages about kmsim's work - building a world,
// the event loop, later the choices of schedule exploration - for people
// debugging kmsim or a scenario. The simulated kernel's log is
// arch::kernel_log; nothing here ever reaches it or a run's output.
//
// The logger (spdlog) and its sink are set up by tools/ (standard error,
// KMSIM_LOG or --log-level). A world built without one is silent, and a
// message below the level costs one test: its arguments are not formatted.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <utility>

namespace kmsim::sim {

class diagnostics {
public:
    diagnostics() = default;
    explicit diagnostics(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

    bool enabled(spdlog::level::level_enum level) const { return logger_ && logger_->should_log(level); }

    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) const
    {
        if (enabled(spdlog::level::info))
            logger_->info(f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) const
    {
        if (enabled(spdlog::level::debug))
            logger_->debug(f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void trace(fmt::format_string<Args...> f, Args&&... args) const
    {
        if (enabled(spdlog::level::trace))
            logger_->trace(f, std::forward<Args>(args)...);
    }

    const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }

private:
    std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace kmsim::sim

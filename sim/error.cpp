// sim/error.cpp - the one place where kmsim's own bugs are turned into exceptions.
#include "sim/error.h"

#include <fmt/format.h>

namespace kmsim::sim {

void on_internal_error(const char* expr, const char* file, int line, const std::string& msg)
{
    throw internal_error(fmt::format(
        "kmsim internal error: {} ({}:{}: assertion '{}' failed). "
        "This is a bug in kmsim, not in your scenario; please report it with the scenario and seed.",
        msg, file, line, expr));
}

}  // namespace kmsim::sim

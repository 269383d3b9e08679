// scenarios/bundled.h - the scenarios compiled into the binary (scenarios/bundled/*.kms).
#pragma once

#include <string>
#include <vector>

namespace kmsim::scenarios {

struct bundled_scenario {
    const char* name;    // file name without .kms
    const char* source;
};

const std::vector<bundled_scenario>& bundled_scenarios();
// The bundled C modules (scenarios/bundled/*.c): name without .c, source.
const std::vector<bundled_scenario>& bundled_modules();
const bundled_scenario* find_bundled_module(const std::string& name);
// A bundled module's MODULE_DESCRIPTION(), for `kmsim list`.
std::string bundled_module_title(const bundled_scenario& b);
const bundled_scenario* find_bundled(const std::string& name);
// The title of a bundled scenario (its `scenario "..."` line), for `kmsim list`.
std::string bundled_title(const bundled_scenario& b);

}  // namespace kmsim::scenarios

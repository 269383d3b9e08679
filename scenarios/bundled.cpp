// scenarios/bundled.cpp - lookups over the embedded scenarios.
#include "scenarios/bundled.h"

#include "scenarios/parser.h"

namespace kmsim::scenarios {

const bundled_scenario* find_bundled(const std::string& name)
{
    for (const auto& b : bundled_scenarios())
        if (name == b.name)
            return &b;
    return nullptr;
}

std::string bundled_title(const bundled_scenario& b)
{
    return parse_scenario(b.source, std::string(b.name) + ".kms").title;
}

}  // namespace kmsim::scenarios

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

const bundled_scenario* find_bundled_module(const std::string& name)
{
    for (const auto& b : bundled_modules())
        if (name == b.name)
            return &b;
    return nullptr;
}

std::string bundled_module_title(const bundled_scenario& b)
{
    const std::string src = b.source, tag = "MODULE_DESCRIPTION(\"";
    const std::size_t at = src.find(tag);
    if (at == std::string::npos)
        return "(a C module)";
    const std::size_t end = src.find('"', at + tag.size());
    return "(C module) " + src.substr(at + tag.size(), end - at - tag.size());
}

std::string bundled_title(const bundled_scenario& b)
{
    return parse_scenario(b.source, std::string(b.name) + ".kms").title;
}

}  // namespace kmsim::scenarios

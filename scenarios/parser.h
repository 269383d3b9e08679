// scenarios/parser.h - .kms text to a checked scenario, or a precise error.
//
// Owns: the lexical rules and grammar of docs/scenario-language.md, name
// resolution and the checks that need no simulation (declared before use,
// GFP names, units, machine values). Every error names FILE:LINE:COL.
// Never crashes or hangs on any input: the lexer consumes at least one
// character per token, the parser at least one token per step.
#pragma once

#include "scenarios/ast.h"

#include <stdexcept>
#include <string>

namespace kmsim::scenarios {

struct diagnostic {
    std::string file;
    int line = 0;
    int col = 0;
    std::string message;
    std::string source_line;
    // "FILE:LINE:COL: error: MESSAGE" then the line and a caret under the column.
    std::string format() const;
};

class scenario_error : public std::runtime_error {
public:
    explicit scenario_error(diagnostic d) : std::runtime_error(d.format()), diag(std::move(d)) {}
    diagnostic diag;
};

// Throws scenario_error.
scenario parse_scenario(const std::string& text, const std::string& file);

}  // namespace kmsim::scenarios

// sim/suggest.h - "did you mean ...?": the closest known word to a typo.
//
// Owns: the edit distance used by every error message that suggests a name
// (GFP flags, declarations, kernel calls, sysctls). Comparison ignores case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kmsim::sim {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to WORD, or "" when none is close enough to be a
// typo (more than a third of the word, and more than 2 edits, away).
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace kmsim::sim

// scenarios/summary_json.h - the JSON summary's layout: nlohmann-json values, printed as kmsim prints them.
//
// Owns: how a run's JSON summary (docs/scenario-language.md) is laid out on
// the page - the first two lines group the run's identity and outcome, lists
// of records (expectations, reports, zones, slabinfo) put one record on a
// line, everything else is one line - so that the file reads well and a
// change shows up as a small diff. The values are nlohmann-json's, and so
// are the escapes of every string (invalid UTF-8 becomes U+FFFD: the file is
// always valid JSON).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace kmsim::scenarios {

using json = nlohmann::ordered_json;

// V on one line: {"key": value, ...}, [a, b].
void append_inline(std::string& out, const json& v);

// The summary object DOC without its closing brace: the caller streams
// further members (the leaks, which can run to millions) and closes it.
std::string summary_opening(const json& doc);

}  // namespace kmsim::scenarios

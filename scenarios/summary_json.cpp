// scenarios/summary_json.cpp - the JSON summary's layout.
#include "scenarios/summary_json.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace kmsim::scenarios {

namespace {

void append_string(std::string& out, const std::string& s)
{
    out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

// Members that share a line, and members whose records go one to a line.
constexpr std::array<std::array<std::string_view, 5>, 2> shared_lines = {{
    {"kmsim", "scenario", "file", "seed", ""},
    {"outcome", "sim_time_ns", "events", "steps", "stopped_by"},
}};
constexpr std::string_view record_lists[] = {"expectations", "reports", "zones", "slabinfo"};

int shared_line_of(std::string_view key)
{
    for (std::size_t i = 0; i < shared_lines.size(); ++i)
        if (std::find(shared_lines[i].begin(), shared_lines[i].end(), key) != shared_lines[i].end())
            return static_cast<int>(i);
    return -1;
}

}  // namespace

void append_inline(std::string& out, const json& v)
{
    switch (v.type()) {
    case json::value_t::object: {
        out += '{';
        bool first = true;
        for (const auto& [k, x] : v.items()) {
            if (!first)
                out += ", ";
            first = false;
            append_string(out, k);
            out += ": ";
            append_inline(out, x);
        }
        out += '}';
        break;
    }
    case json::value_t::array: {
        out += '[';
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i)
                out += ", ";
            append_inline(out, v[i]);
        }
        out += ']';
        break;
    }
    case json::value_t::string: append_string(out, v.get_ref<const std::string&>()); break;
    default: out += v.dump(); break;
    }
}

std::string summary_opening(const json& doc)
{
    std::string out = "{";
    int line = -2;  // the shared line being written, if any
    bool first = true;
    for (const auto& [k, v] : doc.items()) {
        const int shared = shared_line_of(k);
        if (!first)
            out += shared >= 0 && shared == line ? ", " : ",\n  ";
        else
            out += "\n  ";
        first = false;
        line = shared;
        append_string(out, k);
        out += ": ";
        const bool records = std::find(std::begin(record_lists), std::end(record_lists), k) != std::end(record_lists);
        if (records && v.is_array() && !v.empty()) {
            out += '[';
            for (std::size_t i = 0; i < v.size(); ++i) {
                out += i ? ",\n    " : "\n    ";
                append_inline(out, v[i]);
            }
            out += "\n  ]";
        } else {
            append_inline(out, v);
        }
    }
    return out;
}

}  // namespace kmsim::scenarios

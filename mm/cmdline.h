// mm/cmdline.h - the kernel command line as parameters: next_arg() of lib/cmdline.c.
//
// Owns: splitting `boot "..."` into its whitespace-separated words, each a
// KEY or KEY=VALUE, as the kernel's parse_args() sees them (no quoting: a
// scenario's command line has none). The subsystems that take boot
// parameters (slab's slub_debug=, THP's transparent_hugepage=) read them
// from here and ignore the keys that are not theirs, as the kernel does.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace kmsim::mm {

struct cmdline_param {
    std::string word;   // "slub_debug=FZ,kmalloc-64", as written
    std::string key;    // "slub_debug"
    std::string value;  // "FZ,kmalloc-64" ("" without '=')
    bool has_value = false;
};

inline std::vector<cmdline_param> parse_cmdline(const std::string& cmdline)
{
    std::vector<cmdline_param> params;
    std::size_t i = 0;
    while (i < cmdline.size()) {
        while (i < cmdline.size() && std::isspace(static_cast<unsigned char>(cmdline[i])))
            ++i;
        std::size_t j = i;
        while (j < cmdline.size() && !std::isspace(static_cast<unsigned char>(cmdline[j])))
            ++j;
        if (j > i) {
            cmdline_param p;
            p.word = cmdline.substr(i, j - i);
            p.key = p.word;
            if (const auto eq = p.word.find('='); eq != std::string::npos) {
                p.key = p.word.substr(0, eq);
                p.value = p.word.substr(eq + 1);
                p.has_value = true;
            }
            params.push_back(std::move(p));
        }
        i = j;
    }
    return params;
}

}  // namespace kmsim::mm

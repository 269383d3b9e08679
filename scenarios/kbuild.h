// scenarios/kbuild.h - building a C module: the compiler run, its flags, and the cache of built modules.
//
// Owns: turning FILE.c into a loadable module as the kernel's kbuild does
// for an out-of-tree module (make -C ... M=): the system C compiler (gcc)
// against kmsim's own kernel headers (embedded in kmsim, written out once
// per set of headers), with the kernel's flags that matter here -
// -fno-delete-null-pointer-checks, -fno-strict-aliasing, frame pointers,
// -fsanitize=kernel-address with outline callbacks - then linked with one
// stub per kmsim export (ksymtab) into a shared object that needs nothing
// from the host. A built module is kept under the user's cache directory
// ($XDG_CACHE_HOME/kmsim, else ~/.cache/kmsim), named by a hash of all that
// goes into it (the source, the headers, the flags, the exports, kmsim's
// version): a second run of the same source does not compile again.
// Invariant: a cache entry is complete or absent (written, then renamed).
#pragma once

#include <string>
#include <vector>

namespace kmsim::scenarios {

// KBUILD_MODNAME of a source: its file name without .c, '-' as '_'.
std::string module_name(const std::string& source_path);

struct kbuild_options {
    int hz = 1000;  // CONFIG_HZ: the simulated machine's
};

struct built_module {
    std::string name;     // KBUILD_MODNAME
    std::string ko_path;  // the shared object in the cache
    bool compiled = false;  // false: taken from the cache
    std::string warnings;   // the compiler's, when it compiled
};

// Builds (or finds in the cache) the module whose source, SOURCE_TEXT, is
// at SOURCE_PATH. A compile error throws module_error with the compiler's
// messages ("FILE:LINE:COL: error: ..."); warnings go to standard error.
built_module kbuild(const std::string& source_path, const std::string& source_text, const kbuild_options& opts);

// The headers modules are compiled against (include/linux/...), as shipped.
struct kernel_header {
    const char* path;  // "linux/slab.h"
    const char* text;
};
const std::vector<kernel_header>& kernel_headers();

}  // namespace kmsim::scenarios

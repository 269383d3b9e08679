// scenarios/kallsyms.cpp - a module's symbols and lines, through elfutils' libdwfl.
#include "scenarios/kallsyms.h"

#include "sim/error.h"

#include <elfutils/libdwfl.h>
#include <fmt/format.h>

#include <cstring>
#include <filesystem>

namespace kmsim::scenarios {

namespace {

const Dwfl_Callbacks offline_callbacks = {
    dwfl_build_id_find_elf,
    dwfl_standard_find_debuginfo,
    dwfl_offline_section_address,
    nullptr,
};

}  // namespace

kallsyms::~kallsyms()
{
    if (dwfl_)
        dwfl_end(dwfl_);
}

void kallsyms::load(const std::string& path, std::uintptr_t bias, std::string modname)
{
    modname_ = std::move(modname);
    dwfl_ = dwfl_begin(&offline_callbacks);
    KMSIM_ASSERT(dwfl_, "dwfl_begin failed");
    dwfl_report_begin(dwfl_);
    Dwfl_Module* m = dwfl_report_elf(dwfl_, modname_.c_str(), path.c_str(), -1, bias, false);
    if (!m)
        throw sim::internal_error(fmt::format("{}: cannot read its symbols: {}", path, dwfl_errmsg(-1)));
    dwfl_report_end(dwfl_, nullptr, nullptr);
}

std::string kallsyms::symbol(std::uintptr_t pc)
{
    Dwfl_Module* m = dwfl_ ? dwfl_addrmodule(dwfl_, pc) : nullptr;
    if (!m)
        return "";
    GElf_Off offset = 0;
    GElf_Sym sym{};
    const char* name = dwfl_module_addrinfo(m, pc, &offset, &sym, nullptr, nullptr, nullptr);
    if (!name)
        return "";
    // init_module and cleanup_module are aliases module_init() and
    // module_exit() make: the kernel prints the function's own name.
    if (std::strcmp(name, "init_module") == 0 || std::strcmp(name, "cleanup_module") == 0) {
        const int n = dwfl_module_getsymtab(m);
        for (int i = 1; i < n; ++i) {
            GElf_Sym other;
            GElf_Addr addr = 0;
            const char* alias = dwfl_module_getsym_info(m, i, &other, &addr, nullptr, nullptr, nullptr);
            if (alias && addr == pc - offset && GELF_ST_TYPE(other.st_info) == STT_FUNC && std::strcmp(alias, name) != 0) {
                name = alias;
                break;
            }
        }
    }
    return fmt::format("{}+{:#x}/{:#x} [{}]", name, offset, sym.st_size, modname_);
}

const arch::frame& kallsyms::frame_at(std::uintptr_t pc, bool return_address)
{
    const std::uintptr_t key = pc | (return_address ? 0 : (1ULL << 63));
    if (auto it = frames_.find(key); it != frames_.end())
        return it->second;
    arch::frame f;
    f.native = true;
    const std::string& fn = strings_.emplace_back(symbol(pc));
    f.function = fn.empty() ? std::string_view(strings_.emplace_back(fmt::format("{:#x}", pc))) : std::string_view(fn);
    Dwfl_Module* m = dwfl_ ? dwfl_addrmodule(dwfl_, pc) : nullptr;
    if (Dwfl_Line* line = m ? dwfl_module_getsrc(m, return_address ? pc - 1 : pc) : nullptr) {
        int lineno = 0;
        if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
            f.file = strings_.emplace_back(std::filesystem::path(file).filename().string());
            f.line = lineno;
        }
    }
    return frames_.emplace(key, f).first->second;
}

}  // namespace kmsim::scenarios

// scenarios/kallsyms.cpp - a module's symbols and lines, through elfutils' libdwfl.
#include "scenarios/kallsyms.h"

#include "sim/error.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fmt/format.h>

#include <cstdlib>
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

const std::string& kallsyms::function_name(std::uintptr_t fn)
{
    if (auto it = names_.find(fn); it != names_.end())
        return *it->second;
    std::string s = symbol(fn);
    s = s.empty() ? fmt::format("{:#x}", fn) : s.substr(0, s.find('+'));
    return *names_.emplace(fn, &strings_.emplace_back(std::move(s))).first->second;
}

kallsyms::return_type kallsyms::returns(std::uintptr_t fn)
{
    return_type r;
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dwfl_ ? dwfl_addrdie(dwfl_, fn, &bias) : nullptr;
    if (!cu)
        return r;
    Dwarf_Die* scopes = nullptr;
    const int n = dwarf_getscopes(cu, fn - bias, &scopes);
    for (int i = 0; i < n; ++i) {
        if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
            continue;
        Dwarf_Attribute at;
        Dwarf_Die type;
        if (!dwarf_attr_integrate(&scopes[i], DW_AT_type, &at)) {
            r.size = 0;  // void
            break;
        }
        if (!dwarf_formref_die(&at, &type))
            break;
        // Through typedefs and qualifiers to the type itself.
        while (dwarf_tag(&type) == DW_TAG_typedef || dwarf_tag(&type) == DW_TAG_const_type ||
               dwarf_tag(&type) == DW_TAG_volatile_type) {
            Dwarf_Attribute next;
            if (!dwarf_attr_integrate(&type, DW_AT_type, &next) || !dwarf_formref_die(&next, &type))
                break;
        }
        if (dwarf_tag(&type) == DW_TAG_base_type || dwarf_tag(&type) == DW_TAG_enumeration_type) {
            Dwarf_Word size = 8, enc = 0;
            Dwarf_Attribute a;
            if (dwarf_attr(&type, DW_AT_byte_size, &a))
                dwarf_formudata(&a, &size);
            if (dwarf_attr_integrate(&type, DW_AT_encoding, &a))
                dwarf_formudata(&a, &enc);
            r.size = static_cast<int>(size);
            r.is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char ||
                          dwarf_tag(&type) == DW_TAG_enumeration_type;
        }
        break;
    }
    free(scopes);
    return r;
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

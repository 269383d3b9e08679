// scenarios/module.cpp - loading a module into a world, running its init and exit, and finding it by address.
#include "scenarios/module.h"

#include "arch/machine.h"
#include "arch/traps.h"
#include "scenarios/ksymtab.h"
#include "scenarios/world.h"
#include "sim/error.h"

#include <csignal>
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

namespace kmsim::scenarios {

namespace {

// The modules loaded in this process, by the start of their text: the
// kernel's mod_tree, which __module_address() searches. Process-wide as the
// host's address space is; each entry belongs to one world.
struct module_tree {
    std::mutex lock;
    std::map<std::uintptr_t, module*> by_start;
};
module_tree& tree()
{
    static module_tree t;
    return t;
}

std::string read_binary(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// The undefined symbols of the ELF file at PATH, from its symbol table of
// TYPE (SHT_DYNSYM of the module, SHT_SYMTAB of its object file), and the
// names of its exports (its __ksymtab_NAME entries) (libelf).
std::vector<std::string> elf_symbols(const std::string& path, unsigned type, std::vector<std::string>& exported)
{
    std::vector<std::string> out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw module_error(fmt::format("kmsim: cannot read {}: {}", path, std::strerror(errno)));
    elf_version(EV_CURRENT);
    Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
    for (Elf_Scn* scn = e ? elf_nextscn(e, nullptr) : nullptr; scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
            continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        const std::size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
        for (std::size_t i = 1; data && i < n; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym))
                continue;
            const std::string name = elf_strptr(e, sh.sh_link, sym.st_name);
            if (sym.st_shndx != SHN_UNDEF) {
                if (name.rfind("__ksymtab_", 0) == 0)
                    exported.push_back(name.substr(10));
                continue;
            }
            if (GELF_ST_BIND(sym.st_info) != STB_WEAK && !name.empty())
                out.push_back(name);
        }
    }
    if (e)
        elf_end(e);
    ::close(fd);
    return out;
}

// ---- a fault in module code that no KASAN callback saw first (an access
// the compiler did not instrument, to an address the host has not mapped):
// the signal handler makes the faulting instruction "call" module_fault(),
// which raises the page-fault Oops in the faulting task; the Oops unwinds
// through the module's frames as any Oops does. A fault anywhere else is
// not a module's: the handler that was there before gets it.

struct sigaction previous_segv, previous_bus;

[[noreturn]] void module_fault(std::uintptr_t addr, std::uintptr_t write, std::uintptr_t fp)
{
    const auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
    module* m = module::at(pc);
    KMSIM_ASSERT(m, "a module fault without its module");
    // The faulting code's frames, for the Oops's call trace (the task dies
    // with them: nothing pops them).
    m->push_frames(m->owner().m.current(), pc, fp, true);
    const std::uint64_t kaddr = m->owner().mem.nd().map().virt_of_host(addr);
    arch::page_fault_oops(m->owner().m, kaddr ? kaddr : addr, write != 0,
                          addr < 0x10000 ? arch::fault_kind::null_pointer : arch::fault_kind::unmapped);
}

void on_fault(int sig, siginfo_t* info, void* uc_void)
{
    auto* uc = static_cast<ucontext_t*>(uc_void);
    greg_t* r = uc->uc_mcontext.gregs;
    const auto pc = static_cast<std::uintptr_t>(r[REG_RIP]);
    if (module::at(pc)) {
        // As if the faulting instruction called module_fault(addr, write).
        r[REG_RSP] -= 8;
        *reinterpret_cast<std::uintptr_t*>(r[REG_RSP]) = pc;
        r[REG_RDI] = static_cast<greg_t>(reinterpret_cast<std::uintptr_t>(info->si_addr));
        r[REG_RSI] = (r[REG_ERR] & 2) ? 1 : 0;  // X86_PF_WRITE
        r[REG_RDX] = r[REG_RBP];
        r[REG_RIP] = static_cast<greg_t>(reinterpret_cast<std::uintptr_t>(&module_fault));
        return;
    }
    const struct sigaction& prev = sig == SIGSEGV ? previous_segv : previous_bus;
    if (prev.sa_flags & SA_SIGINFO) {
        prev.sa_sigaction(sig, info, uc_void);
    } else if (prev.sa_handler != SIG_IGN && prev.sa_handler != SIG_DFL) {
        prev.sa_handler(sig);
    } else {
        ::signal(sig, SIG_DFL);  // returning re-runs the access, which now kills as it would have
    }
}

void catch_module_faults()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGSEGV, &sa, &previous_segv);
        ::sigaction(SIGBUS, &sa, &previous_bus);
    });
}

struct phdr_search {
    std::uintptr_t base;
    std::uintptr_t text_start = 0, text_end = 0;
    std::vector<std::pair<std::uintptr_t, std::uintptr_t>> data;
};

int find_segments(dl_phdr_info* info, std::size_t, void* arg)
{
    auto* s = static_cast<phdr_search*>(arg);
    if (info->dlpi_addr != s->base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& p = info->dlpi_phdr[i];
        if (p.p_type != PT_LOAD)
            continue;
        const std::uintptr_t start = info->dlpi_addr + p.p_vaddr, end = start + p.p_memsz;
        if (p.p_flags & PF_X) {
            s->text_start = s->text_start ? std::min(s->text_start, start) : start;
            s->text_end = std::max(s->text_end, end);
        } else if (p.p_flags & PF_W) {
            s->data.emplace_back(start, end);
        }
    }
    return 1;
}

}  // namespace

void fill_task_struct(module_task_struct& t, const arch::context& c)
{
    t.flags = c.task_flags();
    t.pid = c.pid();
    t.tgid = c.pid();
    std::memset(t.comm, 0, sizeof t.comm);
    std::strncpy(t.comm, c.name().c_str(), sizeof t.comm - 1);
}

module::module(world& w, std::string name, const std::string& ko_path, std::string source)
    : w_(w), name_(std::move(name)), source_(std::move(source))
{
    // simplify_symbols(): every undefined symbol must be an export of
    // kmsim's; the first one that is not ends the load.
    // The stubs define every export, so what the module still lacks is
    // unknown; what it calls is what its object file left undefined.
    std::vector<std::string> exported, ignored;
    for (const std::string& sym : elf_symbols(ko_path, SHT_DYNSYM, exported))
        throw module_error(fmt::format("{}: Unknown symbol {} (err -2)", name_, sym));
    const std::string object = ko_path.substr(0, ko_path.size() - 3) + ".o";
    imports_ = elf_symbols(object, SHT_SYMTAB, ignored);
    // Each world maps its own copy, so that two worlds' modules share no
    // data: the dynamic loader maps a file it has mapped already only once.
    const std::string image = read_binary(ko_path);
    memfd_ = ::memfd_create(name_.c_str(), MFD_CLOEXEC);
    if (memfd_ < 0 || ::write(memfd_, image.data(), image.size()) != static_cast<ssize_t>(image.size()))
        throw module_error(fmt::format("kmsim: cannot map {}: {}", ko_path, std::strerror(errno)));
    const std::string path = fmt::format("/proc/self/fd/{}", memfd_);
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_)
        throw module_error(fmt::format("kmsim: cannot load {}: {}", ko_path, ::dlerror()));
    link_map* lm = nullptr;
    ::dlinfo(handle_, RTLD_DI_LINKMAP, &lm);
    base_ = lm->l_addr;
    phdr_search s{base_};
    ::dl_iterate_phdr(find_segments, &s);
    text_start_ = s.text_start;
    text_end_ = s.text_end;
    data_ = std::move(s.data);
    abi_ = static_cast<module_abi*>(::dlsym(handle_, "__kmsim_abi"));
    KMSIM_ASSERT(abi_ && text_start_ < text_end_, "a module without kmsim's stubs");
    const auto& t = ksymtab();
    for (std::size_t i = 0; i < t.size(); ++i)
        abi_->imports[i] = t[i].address;
    // struct kernel_symbol { value, name } of each EXPORT_SYMBOL().
    for (const std::string& e : exported)
        if (const auto* ks = static_cast<const void* const*>(::dlsym(handle_, ("__ksymtab_" + e).c_str())))
            exports_[e] = reinterpret_cast<std::uintptr_t>(ks[0]);
    init_ = reinterpret_cast<int (*)()>(::dlsym(handle_, "init_module"));
    exit_ = reinterpret_cast<void (*)()>(::dlsym(handle_, "cleanup_module"));
    syms_.load(ko_path, base_, name_);
    {
        std::lock_guard<std::mutex> g(tree().lock);
        tree().by_start[text_start_] = this;
    }
    catch_module_faults();
}

module::~module()
{
    {
        std::lock_guard<std::mutex> g(tree().lock);
        tree().by_start.erase(text_start_);
    }
    if (handle_)
        ::dlclose(handle_);
    if (memfd_ >= 0)
        ::close(memfd_);
}

module* module::at(std::uintptr_t pc)
{
    std::lock_guard<std::mutex> g(tree().lock);
    auto& m = tree().by_start;
    auto it = m.upper_bound(pc);
    if (it == m.begin())
        return nullptr;
    --it;
    return it->second->contains_text(pc) ? it->second : nullptr;
}

std::size_t module::push_frames(arch::context& c, std::uintptr_t pc, std::uintptr_t fp, bool fault)
{
    constexpr std::size_t max_depth = 64;
    const arch::frame* chain[max_depth + 1];  // innermost first
    std::size_t n = 0;
    chain[n++] = &syms_.frame_at(pc, !fault);
    // Each frame of module code starts with push %rbp; mov %rsp,%rbp: the
    // caller's frame pointer at [fp], its return address at [fp + 8].
    while (fp && n <= max_depth) {
        const auto* f = reinterpret_cast<const std::uintptr_t*>(fp);
        const std::uintptr_t ret = f[1];
        if (!contains_text(ret))
            break;
        chain[n++] = &syms_.frame_at(ret);
        fp = f[0];
    }
    for (std::size_t i = n; i-- > 0;)  // outermost first, as a stack grows
        c.frames().push_back(*chain[i]);
    return n;
}

std::uint64_t module::run_thread(std::uint64_t fn, std::uint64_t arg)
{
    std::uint8_t* host = w_.mem.nd().map().host_of_virt(arg);
    void* data = host ? static_cast<void*>(host) : reinterpret_cast<void*>(arg);
    try {
        const int r = reinterpret_cast<int (*)(void*)>(fn)(data);
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(r));
    } catch (const arch::task_killed&) {
        return 0;
    }
}

bool module::imports_any(std::initializer_list<std::string_view> names) const
{
    for (const std::string& i : imports_)
        for (std::string_view n : names)
            if (i == n)
                return true;
    return false;
}

std::uint64_t module::call_export(std::uintptr_t fn, std::span<const std::uint64_t> args)
{
    // Integer and pointer arguments in registers: a function of fewer
    // parameters ignores the rest (the x86-64 calling convention).
    using fn6 = std::uint64_t (*)(std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                                  std::uint64_t);
    std::uint64_t a[6]{};
    const mm::memmap& map = w_.mem.nd().map();
    for (std::size_t i = 0; i < args.size() && i < 6; ++i) {
        std::uint8_t* host = map.host_of_virt(args[i]);
        a[i] = host ? reinterpret_cast<std::uintptr_t>(host) : args[i];
    }
    std::uint64_t r = reinterpret_cast<fn6>(fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
    // Only the bytes of the C return type are its value.
    const kallsyms::return_type t = syms_.returns(fn);
    if (t.size == 0)
        return 0;
    if (t.size < 8) {
        const unsigned bits = 8u * static_cast<unsigned>(t.size);
        r &= (1ULL << bits) - 1;
        if (t.is_signed && (r >> (bits - 1)) & 1)
            r |= ~0ULL << bits;
        return r;
    }
    const std::uint64_t k = map.virt_of_host(r);
    return k ? k : r;
}

int module::init() { return init_ ? init_() : 0; }

void module::exit()
{
    if (exit_)
        exit_();
}

}  // namespace kmsim::scenarios

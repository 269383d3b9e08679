// scenarios/module.h - loadable kernel modules in C: struct module, insmod's load and the calls into the kernel.
//
// Owns: one loaded module (kernel/module/main.c) - its native code, mapped
// for this world alone, its init and exit functions, the symbols it exports
// (EXPORT_SYMBOL), its text and data ranges - and the boundary between its
// code and the kernel: every function kmsim exports to modules
// (scenarios/ksymtab.h) enters through a module_call, which finds the module
// from the return address (__module_address()), pushes the module's frames
// onto the running context, and converts addresses.
//
// Addresses: module code runs natively, so the pointers it holds are host
// addresses. The direct map is one host mapping (mm::memmap), so a kernel
// address and its host address differ by a constant, and every value that
// crosses the boundary is converted: kmalloc() returns the host address of
// the object, kfree() takes it back, and %px prints the kernel address a
// scenario would see. Other values cross unchanged.
//
// The module's undefined symbols are resolved against kmsim's export table
// only, through stubs linked into the module (kbuild), never against the
// host's libraries: a name kmsim does not export is "Unknown symbol".
//
// Invariant: a module's code and data stay mapped until the world that
// loaded it is destroyed (its fibers may hold module frames until then);
// the registry of loaded modules holds each text range once.
#pragma once

#include "arch/context.h"
#include "scenarios/kallsyms.h"

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kmsim::scenarios {

struct world;

// A module that cannot be loaded at all: a compile error (the compiler's
// messages), an unknown symbol. Malformed input: the CLI exits 2.
struct module_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What the stubs kbuild links into every module share with kmsim (the
// symbol __kmsim_abi): the frame pointer at the last call out, and the
// address of each exported function, in ksymtab order.
struct module_abi {
    std::uintptr_t fp;
    void* imports[1];  // ksymtab().size() of them
};

// What module code reads of a task: struct task_struct of kmsim's
// linux/sched.h, the same layout.
struct module_task_struct {
    std::uint32_t flags;
    std::int32_t pid;
    std::int32_t tgid;
    char comm[16];
};
void fill_task_struct(module_task_struct& t, const arch::context& c);

class module;

// A handler a module bound to a line with request_irq().
struct module_irq {
    using handler_fn = int (*)(int irq, void* dev_id);
    handler_fn handler = nullptr;
    void* dev = nullptr;
    std::string name;
    module* owner = nullptr;
};

class module {
public:
    // Maps the module built at KO_PATH for world W, as load_module() does:
    // checks its undefined symbols against kmsim's exports first (throws
    // module_error with the kernel's "NAME: Unknown symbol SYM (err -2)").
    module(world& w, std::string name, const std::string& ko_path, std::string source);
    ~module();
    module(const module&) = delete;
    module& operator=(const module&) = delete;

    const std::string& name() const { return name_; }      // KBUILD_MODNAME: "kasan_oob"
    const std::string& source() const { return source_; }  // the .c file, as the scenario names it
    world& owner() const { return w_; }

    // Fiber side. do_one_initcall(): init_module's return value (0 without one).
    int init();
    // cleanup_module(), if the module has one.
    bool has_exit() const { return exit_ != nullptr; }
    void exit();

    // Calls exported function FN with integer and pointer ARGS (kernel
    // addresses, converted both ways), from a scenario body.
    std::uint64_t call_export(std::uintptr_t fn, std::span<const std::uint64_t> args);

    // A kthread's function FN of this module, run with ARG (a kernel
    // address, converted): its result; 0 for a thread that died in an Oops.
    std::uint64_t run_thread(std::uint64_t fn, std::uint64_t arg);

    // The kernel functions it calls (its undefined symbols, all exports).
    const std::vector<std::string>& imports() const { return imports_; }
    bool imports_any(std::initializer_list<std::string_view> names) const;

    // EXPORT_SYMBOL()s, by name: the function's address.
    const std::map<std::string, std::uintptr_t>& exports() const { return exports_; }

    bool contains_text(std::uintptr_t pc) const { return pc >= text_start_ && pc < text_end_; }
    // The module's writable data (.data, .bss): kmemleak's roots, as the
    // kernel scans a module's sections.
    const std::vector<std::pair<std::uintptr_t, std::uintptr_t>>& data_ranges() const { return data_; }
    module_abi& abi() { return *abi_; }
    kallsyms& symbols() { return syms_; }

    // Pushes onto C's stack the frames of the module code at PC with frame
    // pointer FP - a return address, or with FAULT the faulting instruction
    // itself - walking the saved frame pointers while they stay in the
    // module; how many it pushed.
    std::size_t push_frames(arch::context& c, std::uintptr_t pc, std::uintptr_t fp, bool fault = false);

    // __module_address(): the module whose code holds PC, in any world; nullptr if none.
    static module* at(std::uintptr_t pc);

private:
    world& w_;
    std::string name_;
    std::string source_;
    void* handle_ = nullptr;
    int memfd_ = -1;
    std::uintptr_t base_ = 0, text_start_ = 0, text_end_ = 0;
    std::vector<std::pair<std::uintptr_t, std::uintptr_t>> data_;
    module_abi* abi_ = nullptr;
    int (*init_)() = nullptr;
    void (*exit_)() = nullptr;
    std::map<std::string, std::uintptr_t> exports_;
    std::vector<std::string> imports_;
    kallsyms syms_;
};

}  // namespace kmsim::scenarios

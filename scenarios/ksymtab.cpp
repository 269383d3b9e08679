// scenarios/ksymtab.cpp - the exports to C modules: an adapter per kernel call, and the KASAN callbacks.
#include "scenarios/ksymtab.h"

#include "arch/cpu.h"
#include "arch/kthread.h"
#include "arch/printk.h"
#include "arch/traps.h"
#include "mm/gfp.h"
#include "mm/memmap.h"
#include "scenarios/kernel_api.h"
#include "scenarios/module.h"
#include "scenarios/world.h"
#include "sim/error.h"

#include <fmt/format.h>

#include <cstdarg>
#include <cstring>
#include <deque>

namespace kmsim::scenarios {

namespace {

using ulong = unsigned long;

// One call from module code into the kernel, made at return address RET:
// finds the module and its world, puts the module's frames on the running
// context's stack for as long as the call lasts, and converts addresses.
class module_call {
public:
    explicit module_call(void* ret) : mod_(module_of(ret)), w_(mod_.owner()), ctx_(w_.m.current())
    {
        pushed_ = mod_.push_frames(ctx_, reinterpret_cast<std::uintptr_t>(ret), mod_.abi().fp);
    }
    ~module_call() { ctx_.frames().resize(ctx_.frames().size() - pushed_); }
    module_call(const module_call&) = delete;
    module_call& operator=(const module_call&) = delete;

    world& w() { return w_; }
    module& mod() { return mod_; }

    // A host address as the kernel sees it: in the direct map, its kernel
    // address; anything else unchanged (NULL, ERR_PTR, handles).
    std::uint64_t k(const void* p) const
    {
        const auto host = reinterpret_cast<std::uintptr_t>(p);
        const std::uint64_t v = w_.mem.nd().map().virt_of_host(host);
        return v ? v : host;
    }
    // A kernel address as module code dereferences it.
    void* h(std::uint64_t addr) const
    {
        if (std::uint8_t* p = w_.mem.nd().map().host_of_virt(addr))
            return p;
        return reinterpret_cast<void*>(addr);
    }

    // Makes kernel call NAME with arguments V (TEXT: the string arguments).
    std::uint64_t call(const kernel_call& c, std::initializer_list<std::uint64_t> v,
                       std::initializer_list<const std::string*> text = {},
                       const std::function<bool()>* condition = nullptr)
    {
        std::uint64_t args[8]{};
        const std::string* texts[8]{};
        std::size_t n = 0;
        for (std::uint64_t x : v)
            args[n++] = x;
        std::size_t i = 0;
        for (const std::string* t : text)
            texts[i++] = t;
        // An object argument is named in the call's frame, as the
        // language's are: by the object's name.
        static const std::string unknown_condition;  // C's condition has no text here: "..."
        for (i = 0; i < n && i < c.args.size(); ++i)
            if (!texts[i])
                texts[i] = c.args[i] == arg_kind::condition ? &unknown_condition : object_name(c.args[i], args[i]);
        call_args a{std::span<const std::uint64_t>(args, n), std::span<const std::string* const>(texts, n)};
        a.condition = condition;
        return invoke(c, a);
    }
    std::uint64_t invoke(const kernel_call& c, call_args& a)
    {
        std::int64_t cost_ns = 0;
        const std::uint64_t r = w_.api.invoke(c, a, cost_ns);
        w_.eng.charge_steps(1 + a.bytes / bytes_per_step);
        w_.m.consume(sim::nsecs(cost_ns));
        return r;
    }

private:
    // The name of the object of kind K at INDEX, for the frame; nullptr
    // for an argument that is no object.
    const std::string* object_name(arg_kind k, std::uint64_t i) const
    {
        const kernel_objects& o = w_.objects;
        switch (k) {
        case arg_kind::spinlock: return &o.spinlocks[i]->name();
        case arg_kind::mutex: return &o.mutexes[i]->name();
        case arg_kind::rwsem: return &o.rwsems[i]->name();
        case arg_kind::completion: return &o.completions[i]->name();
        case arg_kind::waitqueue: return &o.waitqueues[i]->name();
        case arg_kind::mempool: return &o.mempools[i]->name();
        case arg_kind::workqueue: return &o.workqueues[i]->name();
        case arg_kind::work: return &o.works[i]->name();
        case arg_kind::timer: return &o.timers[i]->name();
        case arg_kind::tasklet: return &o.tasklets[i]->name();
        case arg_kind::device: return &o.blockdevs[i]->name();
        default: return nullptr;
        }
    }

    static module& module_of(void* ret)
    {
        module* m = module::at(reinterpret_cast<std::uintptr_t>(ret));
        KMSIM_ASSERT(m, "a kernel export called from outside any module");
        return *m;
    }

    module& mod_;
    world& w_;
    arch::context& ctx_;
    std::size_t pushed_ = 0;
};

const kernel_call& kcall(std::string_view name)
{
    const kernel_call* c = find_kernel_call(name);
    KMSIM_ASSERT(c, fmt::format("no kernel call {}", name));
    return *c;
}

#define ENTER module_call mc(__builtin_return_address(0))
// The kernel call NAME, looked up once.
#define KCALL(name)                                          \
    ([]() -> const kernel_call& {                            \
        static const kernel_call& c_ = kcall(name);          \
        return c_;                                           \
    }())

std::uint64_t u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// ---- kmsim's object behind a C lock, wait queue or completion
// (struct __kmsim_object in linux/lockdep_types.h).
struct c_object {
    unsigned long id;
    const char* name;
    void* key;
};

enum class object_kind { spinlock, mutex, rwsem, completion, waitqueue, tasklet, timer, work };

// The name of a C object being made: its initialiser's, unless the id
// shows the memory was never initialised (then the name is no string).
std::string new_object_name(const c_object& o)
{
    return o.id == 0 && o.name ? std::string(o.name, strnlen(o.name, 64)) : "(uninitialised)";
}

// The id a C object holds is kmsim's only if this world gave it to that
// address for that kind: memory that was never initialised, or that held
// something else, may hold any bits there.
bool valid_id(module_call& mc, const c_object* o, object_kind kind)
{
    if (!o->id)
        return false;
    const auto& ids = mc.w().module_object_ids;
    auto it = ids.find(reinterpret_cast<std::uintptr_t>(o));
    return it != ids.end() && it->second.first == static_cast<int>(kind) && it->second.second == o->id;
}
void set_id(module_call& mc, c_object* o, object_kind kind, std::uint64_t index)
{
    o->id = index + 1;
    mc.w().module_object_ids[reinterpret_cast<std::uintptr_t>(o)] = {static_cast<int>(kind), o->id};
}

std::uint64_t object_index(module_call& mc, void* p, object_kind kind)
{
    if (!p)
        arch::page_fault_oops(mc.w().m, 0, true, arch::fault_kind::null_pointer);
    auto* o = static_cast<c_object*>(p);
    if (valid_id(mc, o, kind))
        return o->id - 1;
    world& w = mc.w();
    const std::string name = new_object_name(*o);
    kernel_objects& obj = w.objects;
    std::uint64_t index = 0;
    if (kind == object_kind::completion) {
        index = obj.completions.size();
        obj.completions.push_back(std::make_unique<arch::completion>(w.m, name));
    } else if (kind == object_kind::waitqueue) {
        index = obj.waitqueues.size();
        obj.waitqueues.push_back(std::make_unique<arch::wait_queue_head>(w.m, name));
    } else {
        // Locks share one index across the three kinds (kernel_objects).
        arch::lock_class_key* key = nullptr;
        if (o->key) {
            auto& k = w.module_lock_keys[reinterpret_cast<std::uintptr_t>(o->key)];
            if (!k)
                k = std::make_unique<arch::lock_class_key>(name, kind == object_kind::spinlock ? 2 : 3);
            key = k.get();
        }
        index = obj.spinlocks.size();
        obj.spinlocks.push_back(kind == object_kind::spinlock ? std::make_unique<arch::spinlock>(w.m, name, key)
                                                               : nullptr);
        obj.mutexes.push_back(kind == object_kind::mutex ? std::make_unique<arch::mutex>(w.m, name, key) : nullptr);
        obj.rwsems.push_back(kind == object_kind::rwsem ? std::make_unique<arch::rw_semaphore>(w.m, name, key)
                                                        : nullptr);
    }
    set_id(mc, o, kind, index);
    return index;
}

// ---- printk's arguments from a va_list, as the format asks for them.
struct printk_values {
    std::string format;  // %pS and %ps become %s, with the symbol as text
    std::vector<std::uint64_t> v;
    std::vector<const std::string*> text;
    std::deque<std::string> strings;
};

// A C string the module passed (its own, or in kernel memory), at most 1024 bytes.
std::string c_string(const char* s)
{
    if (!s)
        return "(null)";
    return std::string(s, strnlen(s, 1024));
}

void gather(module_call& mc, const char* fmt, va_list ap, printk_values& out)
{
    out.v.push_back(0);  // the format's own slot
    out.text.push_back(nullptr);
    const std::string f = c_string(fmt);
    for (std::size_t i = 0; i < f.size(); ++i) {
        out.format += f[i];
        if (f[i] != '%')
            continue;
        ++i;
        if (i < f.size() && f[i] == '%') {
            out.format += '%';
            continue;
        }
        while (i < f.size() && std::strchr("-+ #0", f[i]))
            out.format += f[i++];
        auto star = [&] {
            if (i < f.size() && f[i] == '*') {
                out.v.push_back(u(va_arg(ap, int)));
                out.text.push_back(nullptr);
                out.format += f[i++];
            }
            while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])))
                out.format += f[i++];
        };
        star();
        if (i < f.size() && f[i] == '.') {
            out.format += f[i++];
            star();
        }
        // A long, size_t or ptrdiff_t is 64 bits; the rest come as int
        // (vsprintf narrows %h and %hh itself).
        int longs = 0;
        while (i < f.size() && std::strchr("hlzjt", f[i])) {
            longs += f[i] == 'l' || f[i] == 'z' || f[i] == 'j' || f[i] == 't';
            out.format += f[i++];
        }
        if (i >= f.size())
            break;
        const char conv = f[i];
        if (conv == 's') {
            out.strings.push_back(c_string(va_arg(ap, const char*)));
            out.v.push_back(0);
            out.text.push_back(&out.strings.back());
            out.format += conv;
        } else if (conv == 'p') {
            const void* p = va_arg(ap, const void*);
            const char ext = i + 1 < f.size() ? f[i + 1] : '\0';
            if (ext == 'S' || ext == 's' || ext == 'B') {
                // %pS: the symbol, from the module's symbols; else the address.
                const auto addr = reinterpret_cast<std::uintptr_t>(p);
                std::string sym;
                if (module* m = module::at(addr)) {
                    sym = m->symbols().symbol(addr);
                    if (ext == 's' && sym.find('+') != std::string::npos)
                        sym = sym.substr(0, sym.find('+')) + sym.substr(sym.find(' '));
                }
                out.strings.push_back(sym.empty() ? fmt::format("{:#x}", mc.k(p)) : sym);
                out.v.push_back(0);
                out.text.push_back(&out.strings.back());
                out.format.back() = '%';
                out.format += 's';
                ++i;
                continue;
            }
            if (ext == 'G' && i + 2 < f.size() && f[i + 2] == 'g') {
                // %pGg takes a pointer to the gfp_t, as lib/vsprintf.c does.
                out.v.push_back(p ? *static_cast<const unsigned*>(p) : 0);
                out.text.push_back(nullptr);
                out.format += conv;
                continue;
            }
            out.v.push_back(mc.k(p));
            out.text.push_back(nullptr);
            out.format += conv;
            if (ext == 'K')
                ++i;  // %pK prints as %p does here (kptr_restrict 0, no_hash_pointers)
        } else if (std::strchr("diouxXc", conv)) {
            std::uint64_t x;
            if (longs)
                x = std::strchr("di", conv) ? u(va_arg(ap, long)) : va_arg(ap, unsigned long);
            else
                x = std::strchr("di", conv) ? u(va_arg(ap, int)) : va_arg(ap, unsigned int);
            out.v.push_back(x);
            out.text.push_back(nullptr);
            out.format += conv;
        } else {
            out.format += conv;  // vsprintf prints what it does not know as is
        }
    }
}

std::string gfp_text(std::string_view, std::uint64_t v) { return mm::format_gfp(static_cast<mm::gfp_t>(v)); }

// A string formatted as printk formats it (kthread names, WARN() texts).
std::string vformat(module_call& mc, const char* fmt, va_list ap)
{
    printk_values pv;
    gather(mc, fmt, ap, pv);
    arch::log_level level;
    return arch::vsprintf_record(pv.format, arch::printk_args{pv.v, pv.text}, gfp_text, level);
}

// ---- the kmalloc family

void* x_kmalloc(ulong size, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kmalloc"), {size, gfp})); }
void* x_kzalloc(ulong size, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kzalloc"), {size, gfp})); }
void* x_kcalloc(ulong n, ulong size, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kcalloc"), {n, size, gfp})); }
void* x_kmalloc_array(ulong n, ulong size, unsigned gfp)
{
    ENTER;
    return mc.h(mc.call(KCALL("kmalloc_array"), {n, size, gfp}));
}
void* x_krealloc(const void* p, ulong size, unsigned gfp)
{
    ENTER;
    return mc.h(mc.call(KCALL("krealloc"), {mc.k(p), size, gfp}));
}
void* x_krealloc_array(void* p, ulong n, ulong size, unsigned gfp)
{
    ENTER;
    if (size && n > SIZE_MAX / size)
        return nullptr;  // check_mul_overflow()
    return mc.h(mc.call(KCALL("krealloc"), {mc.k(p), n * size, gfp}));
}
void x_kfree(const void* p) { ENTER; mc.call(KCALL("kfree"), {mc.k(p)}); }
ulong x_ksize(const void* p) { ENTER; return mc.call(KCALL("ksize"), {mc.k(p)}); }

void* x_kmem_cache_create(const char* name, unsigned size, unsigned align, unsigned flags, void (*ctor)(void*))
{
    ENTER;
    const std::string& n = *mc.w().module_strings.insert(c_string(name)).first;
    return mc.h(mc.call(KCALL("kmem_cache_create"), {0, size, align, flags, reinterpret_cast<std::uintptr_t>(ctor)},
                        {&n}));
}
void* x_kmem_cache_alloc(void* s, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kmem_cache_alloc"), {mc.k(s), gfp})); }
void* x_kmem_cache_zalloc(void* s, unsigned gfp)
{
    ENTER;
    return mc.h(mc.call(KCALL("kmem_cache_zalloc"), {mc.k(s), gfp}));
}
void x_kmem_cache_free(void* s, void* p) { ENTER; mc.call(KCALL("kmem_cache_free"), {mc.k(s), mc.k(p)}); }
void x_kmem_cache_destroy(void* s) { ENTER; mc.call(KCALL("kmem_cache_destroy"), {mc.k(s)}); }

void* x_kvmalloc(ulong size, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kvmalloc"), {size, gfp})); }
void* x_kvzalloc(ulong size, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kvzalloc"), {size, gfp})); }
void* x_kvcalloc(ulong n, ulong size, unsigned gfp) { ENTER; return mc.h(mc.call(KCALL("kvcalloc"), {n, size, gfp})); }
void* x_kvmalloc_array(ulong n, ulong size, unsigned gfp)
{
    ENTER;
    return mc.h(mc.call(KCALL("kvmalloc_array"), {n, size, gfp}));
}
void* x_kvrealloc(const void* p, ulong size, unsigned gfp)
{
    ENTER;
    return mc.h(mc.call(KCALL("kvrealloc"), {mc.k(p), size, gfp}));
}
void x_kvfree(const void* p) { ENTER; mc.call(KCALL("kvfree"), {mc.k(p)}); }
void* x_vmalloc(ulong size) { ENTER; return mc.h(mc.call(KCALL("vmalloc"), {size})); }
void* x_vzalloc(ulong size) { ENTER; return mc.h(mc.call(KCALL("vzalloc"), {size})); }
void x_vfree(const void* p) { ENTER; mc.call(KCALL("vfree"), {mc.k(p)}); }
bool x_is_vmalloc_addr(const void* p) { ENTER; return mm::is_vmalloc_addr(mc.k(p)); }

// ---- pages

void* x_alloc_pages(unsigned gfp, unsigned order)
{
    ENTER;
    return reinterpret_cast<void*>(mc.call(KCALL("alloc_pages"), {gfp, order}));
}
void x___free_pages(void* page, unsigned order)
{
    ENTER;
    mc.call(KCALL("__free_pages"), {reinterpret_cast<std::uintptr_t>(page), order});
}
ulong x___get_free_pages(unsigned gfp, unsigned order)
{
    ENTER;
    return reinterpret_cast<ulong>(mc.h(mc.call(KCALL("__get_free_pages"), {gfp, order})));
}
ulong x_get_zeroed_page(unsigned gfp)
{
    ENTER;
    return reinterpret_cast<ulong>(mc.h(mc.call(KCALL("__get_free_pages"), {gfp | mm::gfp::ZERO, 0})));
}
void x_free_pages(ulong addr, unsigned order)
{
    ENTER;
    mc.call(KCALL("free_pages"), {mc.k(reinterpret_cast<void*>(addr)), order});
}
void* x_page_address(const void* page)
{
    ENTER;
    mm::pfn_t pfn;
    if (!mc.w().mem.nd().map().page_addr_to_pfn(reinterpret_cast<std::uintptr_t>(page), pfn))
        arch::page_fault_oops(mc.w().m, reinterpret_cast<std::uintptr_t>(page), false,
                              page ? arch::fault_kind::unmapped : arch::fault_kind::null_pointer);
    return mc.h(mm::memmap::pfn_to_virt(pfn));
}
void* x_virt_to_page(const void* p)
{
    ENTER;
    mm::pfn_t pfn;
    mc.w().mem.nd().map().virt_to_pfn(mc.k(p), pfn);
    return reinterpret_cast<void*>(mm::memmap::pfn_to_page_addr(pfn));
}
ulong x_nr_free_pages() { ENTER; return mc.call(KCALL("nr_free_pages"), {}); }

// ---- memory: the kernel's memset and memcpy when both sides are kernel
// memory; with the module's own memory (its data, its stack) on one side,
// the kernel side is checked by KASAN and the bytes copied here.

// KASAN's check of LEN bytes at kernel address ADDR; false if reported.
bool checked(module_call& mc, std::uint64_t addr, std::uint64_t len, bool write)
{
    const mm::kasan::access_result r = mc.w().mem.kasan().check_access(addr, len, write);
    if (r.fault)
        arch::page_fault_oops(mc.w().m, addr, write, *r.fault);
    return !r.reported;
}

void* x_memset(void* s, int c, ulong n)
{
    ENTER;
    const std::uint64_t ks = mc.k(s);
    if (ks != reinterpret_cast<std::uintptr_t>(s) || !n) {
        mc.call(KCALL("memset"), {ks, u(c), n});
        return s;
    }
    std::memset(s, c, n);
    mc.w().m.consume(sim::nsecs(10 + static_cast<std::int64_t>(n / 16)));
    return s;
}

void* copy(module_call& mc, void* d, const void* s, ulong n, bool overlap)
{
    const std::uint64_t kd = mc.k(d), ks = mc.k(s);
    const bool kernel_d = kd != reinterpret_cast<std::uintptr_t>(d), kernel_s = ks != reinterpret_cast<std::uintptr_t>(s);
    if (kernel_d && kernel_s && !overlap) {
        mc.call(KCALL("memcpy"), {kd, ks, n});
        return d;
    }
    if (n && (!kernel_s || checked(mc, ks, n, false)) && (!kernel_d || checked(mc, kd, n, true)))
        std::memmove(d, s, n);
    mc.w().m.consume(sim::nsecs(10 + static_cast<std::int64_t>(n / 16)));
    mc.w().eng.charge_steps(1 + n / bytes_per_step);
    return d;
}
void* x_memcpy(void* d, const void* s, ulong n) { ENTER; return copy(mc, d, s, n, false); }
void* x_memmove(void* d, const void* s, ulong n) { ENTER; return copy(mc, d, s, n, true); }

// ---- printk, WARN, BUG

int x_printk(const char* fmt, ...)
{
    ENTER;
    printk_values pv;
    va_list ap;
    va_start(ap, fmt);
    gather(mc, fmt, ap, pv);
    va_end(ap);
    call_args a{pv.v, pv.text};
    a.text = pv.text;
    pv.strings.push_back(pv.format);
    pv.text[0] = &pv.strings.back();
    mc.invoke(KCALL("printk"), a);
    return 0;
}

[[noreturn]] void x_bug(const char* file, int line)
{
    ENTER;
    arch::die(mc.w().m, fmt::format("kernel BUG at {}:{}!", c_string(file), line),
              "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n");
}

void x_warn(const char* file, int line, int once, const char* fmt, ...)
{
    ENTER;
    (void)once;  // WARN_ON_ONCE keeps its flag in the module, at its site
    std::string text;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        text = vformat(mc, fmt, ap);
        va_end(ap);
    }
    const std::string f = c_string(file);
    const arch::frame& at = mc.w().m.current().frames().back();
    mc.w().m.warn(text, f.c_str(), line, std::string(at.function).c_str());
}

void x_dump_stack()
{
    ENTER;
    arch::context& c = mc.w().m.current();
    mc.w().m.log().printk(mc.w().m.now(), arch::log_level::warning, mc.w().m.dump_stack(c),
                          c.frames().back().function, c.on_cpu() ? c.on_cpu()->id() : -1);
}

// ---- locks

void x_lock_init(void* obj, const char* name, void* key)
{
    auto* o = static_cast<c_object*>(obj);
    o->id = 0;
    o->name = name;
    o->key = key;
}
void x_object_init(void* obj, const char* name)
{
    auto* o = static_cast<c_object*>(obj);
    o->id = 0;
    o->name = name;
    o->key = nullptr;
}

#define LOCK_CALL(fn, what, kind)                                                     \
    void fn(void* l)                                                                  \
    {                                                                                 \
        ENTER;                                                                        \
        mc.call(KCALL(what), {object_index(mc, l, object_kind::kind)});               \
    }
#define LOCK_CALL_R(fn, what, kind)                                                   \
    int fn(void* l)                                                                   \
    {                                                                                 \
        ENTER;                                                                        \
        return static_cast<int>(mc.call(KCALL(what), {object_index(mc, l, object_kind::kind)})); \
    }
LOCK_CALL(x_spin_lock, "spin_lock", spinlock)
LOCK_CALL(x_spin_unlock, "spin_unlock", spinlock)
LOCK_CALL_R(x_spin_trylock, "spin_trylock", spinlock)
LOCK_CALL(x_spin_lock_irq, "spin_lock_irq", spinlock)
LOCK_CALL(x_spin_unlock_irq, "spin_unlock_irq", spinlock)
LOCK_CALL(x_spin_lock_bh, "spin_lock_bh", spinlock)
LOCK_CALL(x_spin_unlock_bh, "spin_unlock_bh", spinlock)
LOCK_CALL(x_mutex_lock, "mutex_lock", mutex)
LOCK_CALL(x_mutex_unlock, "mutex_unlock", mutex)
LOCK_CALL_R(x_mutex_trylock, "mutex_trylock", mutex)
LOCK_CALL(x_down_read, "down_read", rwsem)
LOCK_CALL_R(x_down_read_trylock, "down_read_trylock", rwsem)
LOCK_CALL(x_up_read, "up_read", rwsem)
LOCK_CALL(x_down_write, "down_write", rwsem)
LOCK_CALL_R(x_down_write_trylock, "down_write_trylock", rwsem)
LOCK_CALL(x_up_write, "up_write", rwsem)
LOCK_CALL(x_downgrade_write, "downgrade_write", rwsem)
LOCK_CALL(x_complete, "complete", completion)
LOCK_CALL(x_complete_all, "complete_all", completion)
LOCK_CALL(x_wait_for_completion, "wait_for_completion", completion)
LOCK_CALL(x_wake_up, "wake_up", waitqueue)
LOCK_CALL(x_wake_up_all, "wake_up_all", waitqueue)
#undef LOCK_CALL
#undef LOCK_CALL_R

int x_mutex_lock_interruptible(void* l)
{
    ENTER;
    mc.call(KCALL("mutex_lock"), {object_index(mc, l, object_kind::mutex)});
    return 0;  // no signals reach a simulated task
}
ulong x_spin_lock_irqsave(void* l)
{
    ENTER;
    return mc.call(KCALL("spin_lock_irqsave"), {object_index(mc, l, object_kind::spinlock)});
}
void x_spin_unlock_irqrestore(void* l, ulong flags)
{
    ENTER;
    mc.call(KCALL("spin_unlock_irqrestore"), {object_index(mc, l, object_kind::spinlock), flags});
}
void x_spin_lock_nested(void* l, int sub)
{
    ENTER;
    mc.call(KCALL("spin_lock_nested"), {object_index(mc, l, object_kind::spinlock), u(sub)});
}
void x_mutex_lock_nested(void* l, unsigned sub)
{
    ENTER;
    mc.call(KCALL("mutex_lock_nested"), {object_index(mc, l, object_kind::mutex), sub});
}
void x_down_write_nested(void* l, int sub)
{
    ENTER;
    mc.call(KCALL("down_write_nested"), {object_index(mc, l, object_kind::rwsem), u(sub)});
}

// wait_event()'s sleep: until the next wake-up (or the timeout); the C
// macro tests the condition around it.
long x_wait_event(void* wq, long timeout)
{
    ENTER;
    // Tested by the table's wait_event() before and after each sleep: true
    // once anything woke the task (wake_up(), kthread_stop()).
    const arch::context& self = mc.w().m.current();
    const std::function<bool()> once = [&self, start = self.wakeups()] { return self.wakeups() != start; };
    const std::uint64_t q = object_index(mc, wq, object_kind::waitqueue);
    if (timeout < 0) {
        mc.call(KCALL("wait_event"), {q, 0}, {}, &once);
        return 1;
    }
    return static_cast<long>(mc.call(KCALL("wait_event_timeout"), {q, 0, u(timeout)}, {}, &once));
}

// ---- threads, the task, time

void* x_kthread_create_on_node(int (*fn)(void*), void* data, int, const char* namefmt, ...)
{
    ENTER;
    va_list ap;
    va_start(ap, namefmt);
    std::string name = vformat(mc, namefmt, ap);
    va_end(ap);
    if (name.size() > 15)
        name.resize(15);  // TASK_COMM_LEN - 1
    const auto f = reinterpret_cast<std::uintptr_t>(fn);
    module* owner = module::at(f);
    const std::string* fn_name = owner ? &owner->symbols().function_name(f) : nullptr;
    if (!fn_name)  // not the code of any module: the kernel would jump there and fault
        arch::page_fault_oops(mc.w().m, f, false, f < mm::PAGE_SIZE ? arch::fault_kind::null_pointer
                                                                     : arch::fault_kind::unmapped);
    const std::string& comm = *mc.w().module_strings.insert(name).first;
    const std::uint64_t task = mc.call(KCALL("kthread_create"), {f, mc.k(data), 0}, {fn_name, nullptr, &comm});
    if (arch::IS_ERR_VALUE(task))
        return reinterpret_cast<void*>(task);
    // What module code may read of the task (linux/sched.h), in its task_struct.
    auto* t = static_cast<module_task_struct*>(mc.h(task));
    if (const arch::context* c = mc.w().m.kthreads().task_of(task)) {
        fill_task_struct(*t, *c);
        mc.w().module_threads.insert(c);
    }
    return t;
}
int x_wake_up_process(void* t) { ENTER; return static_cast<int>(mc.call(KCALL("wake_up_process"), {mc.k(t)})); }
bool x_kthread_should_stop() { ENTER; return mc.call(KCALL("kthread_should_stop"), {}) != 0; }
int x_kthread_stop(void* t) { ENTER; return static_cast<int>(mc.call(KCALL("kthread_stop"), {mc.k(t)})); }

void* x_get_current()
{
    ENTER;
    world& w = mc.w();
    arch::context& c = w.m.current();
    auto& t = w.module_tasks[&c];
    if (!t)
        t = std::make_unique<module_task_struct>();
    fill_task_struct(*t, c);
    return t.get();
}

void x_schedule() { ENTER; mc.call(KCALL("schedule"), {}); }
int x_cond_resched() { ENTER; return static_cast<int>(mc.call(KCALL("cond_resched"), {})); }
void x_udelay(ulong v) { ENTER; mc.call(KCALL("udelay"), {v}); }
void x_ndelay(ulong v) { ENTER; mc.call(KCALL("ndelay"), {v}); }
void x_mdelay(ulong v) { ENTER; mc.call(KCALL("mdelay"), {v}); }
void x_msleep(unsigned v) { ENTER; mc.call(KCALL("msleep"), {v}); }
void x_usleep_range(ulong lo, ulong hi) { ENTER; mc.call(KCALL("usleep_range"), {lo, hi}); }
std::uint64_t x_get_jiffies_64() { ENTER; return mc.w().m.jiffies(); }
ulong x_msecs_to_jiffies(unsigned v) { ENTER; return mc.call(KCALL("msecs_to_jiffies"), {v}); }
ulong x_usecs_to_jiffies(unsigned v) { ENTER; return mc.call(KCALL("usecs_to_jiffies"), {v}); }
unsigned x_get_random_u32_below(unsigned ceil)
{
    ENTER;
    return ceil ? static_cast<unsigned>(mc.call(KCALL("rand"), {0, ceil - 1u})) : 0;
}

// ---- contexts and scopes

#define VOID_CALL(fn, what)  \
    void fn()                \
    {                        \
        ENTER;               \
        mc.call(KCALL(what), {}); \
    }
#define VALUE_CALL(fn, type, what)                            \
    type fn()                                                 \
    {                                                         \
        ENTER;                                                \
        return static_cast<type>(mc.call(KCALL(what), {}));   \
    }
#define RESTORE_CALL(fn, type, what) \
    void fn(type v)                  \
    {                                \
        ENTER;                       \
        mc.call(KCALL(what), {v});   \
    }
VOID_CALL(x_local_irq_disable, "local_irq_disable")
VOID_CALL(x_local_irq_enable, "local_irq_enable")
VALUE_CALL(x_local_irq_save, ulong, "local_irq_save")
RESTORE_CALL(x_local_irq_restore, ulong, "local_irq_restore")
VOID_CALL(x_local_bh_disable, "local_bh_disable")
VOID_CALL(x_local_bh_enable, "local_bh_enable")
VOID_CALL(x_preempt_disable, "preempt_disable")
VOID_CALL(x_preempt_enable, "preempt_enable")
VOID_CALL(x_rcu_read_lock, "rcu_read_lock")
VOID_CALL(x_rcu_read_unlock, "rcu_read_unlock")
VOID_CALL(x_might_sleep, "might_sleep")
VALUE_CALL(x_memalloc_nofs_save, unsigned, "memalloc_nofs_save")
RESTORE_CALL(x_memalloc_nofs_restore, unsigned, "memalloc_nofs_restore")
VALUE_CALL(x_memalloc_noio_save, unsigned, "memalloc_noio_save")
RESTORE_CALL(x_memalloc_noio_restore, unsigned, "memalloc_noio_restore")
VALUE_CALL(x_memalloc_noreclaim_save, unsigned, "memalloc_noreclaim_save")
RESTORE_CALL(x_memalloc_noreclaim_restore, unsigned, "memalloc_noreclaim_restore")
RESTORE_CALL(x_might_alloc, unsigned, "might_alloc")
RESTORE_CALL(x_fs_reclaim_acquire, unsigned, "fs_reclaim_acquire")
RESTORE_CALL(x_fs_reclaim_release, unsigned, "fs_reclaim_release")
VALUE_CALL(x_in_interrupt, bool, "in_interrupt")
VALUE_CALL(x_in_atomic, bool, "in_atomic")
VALUE_CALL(x_in_softirq, bool, "in_softirq")
VALUE_CALL(x_in_serving_softirq, bool, "in_serving_softirq")
VALUE_CALL(x_irqs_disabled, bool, "irqs_disabled")
VALUE_CALL(x_preempt_count, int, "preempt_count")
VALUE_CALL(x_smp_processor_id, int, "smp_processor_id")
#undef VOID_CALL
#undef VALUE_CALL
#undef RESTORE_CALL
bool x_in_task() { ENTER; return !mc.w().m.current().is_irq(); }

// ---- interrupts, softirqs, work

// request_irq(): binds HANDLER to LINE for the interrupts the scenario
// raises there (`interrupt line=N ...`). A line no source raises is bound
// all the same, and never fires.
int x_request_irq(unsigned irq, void* handler, ulong flags, const char* name, void* dev)
{
    ENTER;
    (void)flags;
    if (!handler)
        return -EINVAL;
    world& w = mc.w();
    if (w.module_irqs.count(static_cast<int>(irq)))
        return -EBUSY;  // no IRQF_SHARED lines in kmsim
    w.module_irqs[static_cast<int>(irq)] =
        module_irq{reinterpret_cast<module_irq::handler_fn>(handler), dev, c_string(name), &mc.mod()};
    // A line the scenario raises takes the handler's name, as
    // /proc/interrupts shows it: its interrupt contexts are named so.
    for (const irq_decl& q : w.sc.irqs)
        if (q.bodiless && q.line == static_cast<int>(irq))
            w.m.irq(q.line).set_name(c_string(name));
    return 0;
}

const void* x_free_irq(unsigned irq, void* dev)
{
    ENTER;
    world& w = mc.w();
    auto it = w.module_irqs.find(static_cast<int>(irq));
    if (it == w.module_irqs.end() || it->second.dev != dev) {
        w.m.warn(fmt::format("Trying to free already-free IRQ {}", irq), "kernel/irq/manage.c", 1945, "free_irq");
        return nullptr;
    }
    const std::string& name = w.module_irq_names.emplace_back(it->second.name);
    w.module_irqs.erase(it);
    return name.c_str();
}

// The C tasklet_struct, timer_list and work_struct (linux/interrupt.h,
// timer.h, workqueue.h): kmsim's object first, then the callback.
struct c_tasklet {
    c_object obj;
    bool use_callback;
    void* fn;
    unsigned long data;
};
struct c_timer {
    c_object obj;
    void (*function)(c_timer*);
    unsigned long expires;
    std::uint32_t flags;
};
struct c_work {
    c_object obj;
    void (*func)(c_work*);
};

// Runs callback FN of module code from a softirq or a kworker, through
// CALL: a task that dies there ends the callback only. An address that is
// no module's code faults, as jumping there would.
template <typename F>
void run_native(world& w, const void* fn, F&& call)
{
    try {
        const auto pc = reinterpret_cast<std::uintptr_t>(fn);
        if (!module::at(pc))
            arch::page_fault_oops(w.m, pc, false, pc < 0x10000 ? arch::fault_kind::null_pointer
                                                                : arch::fault_kind::unmapped);
        call();
    } catch (const arch::task_killed&) {
    }
}

std::uint64_t tasklet_index(module_call& mc, c_tasklet* t)
{
    if (!t)
        arch::page_fault_oops(mc.w().m, 0, false, arch::fault_kind::null_pointer);
    if (valid_id(mc, &t->obj, object_kind::tasklet))
        return t->obj.id - 1;
    auto& v = mc.w().objects.tasklets;
    v.push_back(std::make_unique<arch::tasklet_struct>(new_object_name(t->obj), [&w = mc.w(), t] {
        run_native(w, t->fn, [t] {
            if (t->use_callback)
                reinterpret_cast<void (*)(c_tasklet*)>(t->fn)(t);
            else
                reinterpret_cast<void (*)(unsigned long)>(t->fn)(t->data);
        });
    }));
    set_id(mc, &t->obj, object_kind::tasklet, v.size() - 1);
    return v.size() - 1;
}
void x_tasklet_schedule(c_tasklet* t) { ENTER; mc.call(KCALL("tasklet_schedule"), {tasklet_index(mc, t)}); }

std::uint64_t timer_index(module_call& mc, c_timer* t)
{
    if (!t)
        arch::page_fault_oops(mc.w().m, 0, false, arch::fault_kind::null_pointer);
    if (valid_id(mc, &t->obj, object_kind::timer))
        return t->obj.id - 1;
    auto& v = mc.w().objects.timers;
    v.push_back(std::make_unique<arch::timer_list>(new_object_name(t->obj), [&w = mc.w(), t] {
        run_native(w, reinterpret_cast<const void*>(t->function), [t] { t->function(t); });
    }));
    set_id(mc, &t->obj, object_kind::timer, v.size() - 1);
    return v.size() - 1;
}
int x_mod_timer(c_timer* t, ulong expires)
{
    ENTER;
    const std::uint64_t i = timer_index(mc, t);
    t->expires = expires;
    return static_cast<int>(mc.call(KCALL("mod_timer"), {i, expires}));
}
int x_del_timer(c_timer* t) { ENTER; return static_cast<int>(mc.call(KCALL("del_timer"), {timer_index(mc, t)})); }
int x_del_timer_sync(c_timer* t)
{
    ENTER;
    return static_cast<int>(mc.call(KCALL("del_timer_sync"), {timer_index(mc, t)}));
}

std::uint64_t work_index(module_call& mc, c_work* w)
{
    if (!w)
        arch::page_fault_oops(mc.w().m, 0, false, arch::fault_kind::null_pointer);
    if (valid_id(mc, &w->obj, object_kind::work))
        return w->obj.id - 1;
    auto& v = mc.w().objects.works;
    v.push_back(std::make_unique<arch::work_struct>(new_object_name(w->obj), [&wld = mc.w(), w] {
        run_native(wld, reinterpret_cast<const void*>(w->func), [w] { w->func(w); });
    }));
    set_id(mc, &w->obj, object_kind::work, v.size() - 1);
    return v.size() - 1;
}

// A struct workqueue_struct * for module code: a handle, as a struct
// kmem_cache * is (kernel_objects): an address that maps nothing.
constexpr std::uint64_t wq_handle_base = 0xffffffffc2000000ULL, handle_stride = 0x100;
void* wq_handle(std::size_t index) { return reinterpret_cast<void*>(wq_handle_base + index * handle_stride); }
std::uint64_t wq_index(module_call& mc, void* wq)
{
    const auto h = reinterpret_cast<std::uintptr_t>(wq);
    const std::uint64_t i = (h - wq_handle_base) / handle_stride;
    if (h < wq_handle_base || (h - wq_handle_base) % handle_stride || i >= mc.w().objects.workqueues.size())
        arch::page_fault_oops(mc.w().m, h, false, h < mm::PAGE_SIZE ? arch::fault_kind::null_pointer
                                                                    : arch::fault_kind::unmapped);
    return i;
}

void* x_system_wq(int which) { ENTER; return wq_handle(static_cast<std::size_t>(which)); }
void* x_alloc_workqueue(const char* fmt, unsigned flags, int max_active, ...)
{
    ENTER;
    va_list ap;
    va_start(ap, max_active);
    const std::string name = vformat(mc, fmt, ap);
    va_end(ap);
    world& w = mc.w();
    w.objects.workqueues.push_back(&w.m.workqueues().alloc_workqueue(name, flags, max_active));
    return wq_handle(w.objects.workqueues.size() - 1);
}
void x_destroy_workqueue(void* wq) { ENTER; mc.call(KCALL("destroy_workqueue"), {wq_index(mc, wq)}); }
void x_flush_workqueue(void* wq) { ENTER; mc.call(KCALL("flush_workqueue"), {wq_index(mc, wq)}); }
bool x_queue_work(void* wq, c_work* w)
{
    ENTER;
    return mc.call(KCALL("queue_work"), {wq_index(mc, wq), work_index(mc, w)}) != 0;
}
bool x_queue_delayed_work(void* wq, c_work* w, ulong delay)
{
    ENTER;
    return mc.call(KCALL("queue_delayed_work"), {wq_index(mc, wq), work_index(mc, w), delay}) != 0;
}
bool x_schedule_work(c_work* w) { ENTER; return mc.call(KCALL("schedule_work"), {work_index(mc, w)}) != 0; }
bool x_schedule_delayed_work(c_work* w, ulong delay)
{
    ENTER;
    return mc.call(KCALL("schedule_delayed_work"), {work_index(mc, w), delay}) != 0;
}
bool x_flush_work(c_work* w) { ENTER; return mc.call(KCALL("flush_work"), {work_index(mc, w)}) != 0; }
bool x_cancel_work_sync(c_work* w) { ENTER; return mc.call(KCALL("cancel_work_sync"), {work_index(mc, w)}) != 0; }

// ---- mempools: handles as workqueues' are.
constexpr std::uint64_t pool_handle_base = 0xffffffffc3000000ULL;
std::uint64_t pool_index(module_call& mc, void* pool)
{
    const auto h = reinterpret_cast<std::uintptr_t>(pool);
    const std::uint64_t i = (h - pool_handle_base) / handle_stride;
    if (h < pool_handle_base || (h - pool_handle_base) % handle_stride || i >= mc.w().objects.mempools.size() ||
        mc.w().objects.mempools[i]->destroyed())
        arch::page_fault_oops(mc.w().m, h, false, h < mm::PAGE_SIZE ? arch::fault_kind::null_pointer
                                                                    : arch::fault_kind::unmapped);
    return i;
}
void* create_pool(module_call& mc, int min_nr, ulong size, mm::kmem_cache* cache)
{
    world& w = mc.w();
    auto pool = std::make_unique<mm::mempool>(w.m, w.mem.pages(), w.mem.kmalloc(), w.mem.slabs(), w.mem.kmemleak(),
                                              fmt::format("{}", std::string(mc.mod().name())),
                                              static_cast<std::uint64_t>(std::max(min_nr, 0)), size, cache);
    if (!pool->fill())  // mempool_init(): the reserve, with GFP_KERNEL
        return nullptr;
    w.objects.mempools.push_back(std::move(pool));
    return reinterpret_cast<void*>(pool_handle_base + (w.objects.mempools.size() - 1) * handle_stride);
}
void* x_mempool_create_kmalloc_pool(int min_nr, ulong size) { ENTER; return create_pool(mc, min_nr, size, nullptr); }
void* x_mempool_create_slab_pool(int min_nr, void* cache)
{
    ENTER;
    mm::kmem_cache* s = mc.w().objects.cache_at(mc.k(cache));
    if (!s)
        arch::page_fault_oops(mc.w().m, mc.k(cache), false,
                              cache ? arch::fault_kind::unmapped : arch::fault_kind::null_pointer);
    return create_pool(mc, min_nr, s->object_size, s);
}
void* x_mempool_alloc(void* pool, unsigned gfp)
{
    ENTER;
    return mc.h(mc.call(KCALL("mempool_alloc"), {pool_index(mc, pool), gfp}));
}
void x_mempool_destroy(void* pool)
{
    ENTER;
    if (!pool)
        return;  // mempool_destroy(NULL) is a no-op
    mc.w().objects.mempools[pool_index(mc, pool)]->destroy();
}
void x_mempool_free(void* element, void* pool)
{
    ENTER;
    mc.call(KCALL("mempool_free"), {mc.k(element), pool_index(mc, pool)});
}

// ---- KASAN: the outline callbacks of -fsanitize=kernel-address
// (mm/kasan/generic.c's __asan_load##size). An address in kernel memory
// is checked by mm's KASAN; the first 64 KiB and the kernel half of the
// address space fault as the kernel's page fault would; the module's own
// memory (its data, its stack) is left alone.

// Where module code may not go: NULL and its neighbourhood (mmap_min_addr)
// and addresses user space cannot map.
constexpr std::uintptr_t null_guard = 0x10000;
constexpr std::uintptr_t user_end = 0x0000800000000000ULL;

void asan_access(void* ret, std::uintptr_t addr, ulong len, bool write)
{
    module* m = module::at(reinterpret_cast<std::uintptr_t>(ret));
    KMSIM_ASSERT(m, "a KASAN callback from outside any module");
    world& w = m->owner();
    const std::uint64_t kaddr = w.mem.nd().map().virt_of_host(addr);
    if (!kaddr && addr >= null_guard && addr < user_end)
        return;
    module_call mc(ret);
    if (!kaddr)  // a wild pointer, or a kernel address module code cannot reach
        arch::page_fault_oops(w.m, addr, write, addr < null_guard ? arch::fault_kind::null_pointer
                                                                  : arch::fault_kind::unmapped);
    checked(mc, kaddr, len, write);
}

#define ASAN_CALLBACKS(size)                                                                                  \
    void x_asan_load##size(std::uintptr_t a) { asan_access(__builtin_return_address(0), a, size, false); }  \
    void x_asan_store##size(std::uintptr_t a) { asan_access(__builtin_return_address(0), a, size, true); }
ASAN_CALLBACKS(1)
ASAN_CALLBACKS(2)
ASAN_CALLBACKS(4)
ASAN_CALLBACKS(8)
ASAN_CALLBACKS(16)
#undef ASAN_CALLBACKS
void x_asan_loadN(std::uintptr_t a, ulong n) { asan_access(__builtin_return_address(0), a, n, false); }
void x_asan_storeN(std::uintptr_t a, ulong n) { asan_access(__builtin_return_address(0), a, n, true); }
void x_asan_handle_no_return() {}

#define K(name, fn) ksym{name, reinterpret_cast<void*>(&fn)}

std::vector<ksym> make_ksymtab()
{
    return {
        K("kmalloc", x_kmalloc),
        K("kzalloc", x_kzalloc),
        K("kcalloc", x_kcalloc),
        K("kmalloc_array", x_kmalloc_array),
        K("krealloc", x_krealloc),
        K("krealloc_array", x_krealloc_array),
        K("kfree", x_kfree),
        K("ksize", x_ksize),
        K("kmem_cache_create", x_kmem_cache_create),
        K("kmem_cache_alloc", x_kmem_cache_alloc),
        K("kmem_cache_zalloc", x_kmem_cache_zalloc),
        K("kmem_cache_free", x_kmem_cache_free),
        K("kmem_cache_destroy", x_kmem_cache_destroy),
        K("kvmalloc", x_kvmalloc),
        K("kvzalloc", x_kvzalloc),
        K("kvcalloc", x_kvcalloc),
        K("kvmalloc_array", x_kvmalloc_array),
        K("kvrealloc", x_kvrealloc),
        K("kvfree", x_kvfree),
        K("vmalloc", x_vmalloc),
        K("vzalloc", x_vzalloc),
        K("vfree", x_vfree),
        K("is_vmalloc_addr", x_is_vmalloc_addr),
        K("alloc_pages", x_alloc_pages),
        K("__free_pages", x___free_pages),
        K("__get_free_pages", x___get_free_pages),
        K("get_zeroed_page", x_get_zeroed_page),
        K("free_pages", x_free_pages),
        K("page_address", x_page_address),
        K("virt_to_page", x_virt_to_page),
        K("nr_free_pages", x_nr_free_pages),
        K("memset", x_memset),
        K("memcpy", x_memcpy),
        K("memmove", x_memmove),
        K("_printk", x_printk),
        K("__kmsim_bug", x_bug),
        K("__kmsim_warn", x_warn),
        K("dump_stack", x_dump_stack),
        K("__kmsim_lock_init", x_lock_init),
        K("__kmsim_object_init", x_object_init),
        K("spin_lock", x_spin_lock),
        K("spin_unlock", x_spin_unlock),
        K("spin_trylock", x_spin_trylock),
        K("spin_lock_irq", x_spin_lock_irq),
        K("spin_unlock_irq", x_spin_unlock_irq),
        K("_spin_lock_irqsave", x_spin_lock_irqsave),
        K("spin_unlock_irqrestore", x_spin_unlock_irqrestore),
        K("spin_lock_bh", x_spin_lock_bh),
        K("spin_unlock_bh", x_spin_unlock_bh),
        K("spin_lock_nested", x_spin_lock_nested),
        K("mutex_lock", x_mutex_lock),
        K("mutex_unlock", x_mutex_unlock),
        K("mutex_trylock", x_mutex_trylock),
        K("mutex_lock_nested", x_mutex_lock_nested),
        K("mutex_lock_interruptible", x_mutex_lock_interruptible),
        K("down_read", x_down_read),
        K("down_read_trylock", x_down_read_trylock),
        K("up_read", x_up_read),
        K("down_write", x_down_write),
        K("down_write_trylock", x_down_write_trylock),
        K("up_write", x_up_write),
        K("downgrade_write", x_downgrade_write),
        K("down_write_nested", x_down_write_nested),
        K("complete", x_complete),
        K("complete_all", x_complete_all),
        K("wait_for_completion", x_wait_for_completion),
        K("wake_up", x_wake_up),
        K("wake_up_all", x_wake_up_all),
        K("__kmsim_wait_event", x_wait_event),
        K("kthread_create_on_node", x_kthread_create_on_node),
        K("wake_up_process", x_wake_up_process),
        K("kthread_should_stop", x_kthread_should_stop),
        K("kthread_stop", x_kthread_stop),
        K("get_current", x_get_current),
        K("schedule", x_schedule),
        K("cond_resched", x_cond_resched),
        K("udelay", x_udelay),
        K("ndelay", x_ndelay),
        K("mdelay", x_mdelay),
        K("msleep", x_msleep),
        K("usleep_range", x_usleep_range),
        K("get_jiffies_64", x_get_jiffies_64),
        K("msecs_to_jiffies", x_msecs_to_jiffies),
        K("usecs_to_jiffies", x_usecs_to_jiffies),
        K("get_random_u32_below", x_get_random_u32_below),
        K("local_irq_disable", x_local_irq_disable),
        K("local_irq_enable", x_local_irq_enable),
        K("_local_irq_save", x_local_irq_save),
        K("local_irq_restore", x_local_irq_restore),
        K("local_bh_disable", x_local_bh_disable),
        K("local_bh_enable", x_local_bh_enable),
        K("preempt_disable", x_preempt_disable),
        K("preempt_enable", x_preempt_enable),
        K("rcu_read_lock", x_rcu_read_lock),
        K("rcu_read_unlock", x_rcu_read_unlock),
        K("might_sleep", x_might_sleep),
        K("memalloc_nofs_save", x_memalloc_nofs_save),
        K("memalloc_nofs_restore", x_memalloc_nofs_restore),
        K("memalloc_noio_save", x_memalloc_noio_save),
        K("memalloc_noio_restore", x_memalloc_noio_restore),
        K("memalloc_noreclaim_save", x_memalloc_noreclaim_save),
        K("memalloc_noreclaim_restore", x_memalloc_noreclaim_restore),
        K("might_alloc", x_might_alloc),
        K("fs_reclaim_acquire", x_fs_reclaim_acquire),
        K("fs_reclaim_release", x_fs_reclaim_release),
        K("in_interrupt", x_in_interrupt),
        K("in_atomic", x_in_atomic),
        K("in_softirq", x_in_softirq),
        K("in_serving_softirq", x_in_serving_softirq),
        K("in_task", x_in_task),
        K("irqs_disabled", x_irqs_disabled),
        K("preempt_count", x_preempt_count),
        K("smp_processor_id", x_smp_processor_id),
        K("request_irq", x_request_irq),
        K("free_irq", x_free_irq),
        K("tasklet_schedule", x_tasklet_schedule),
        K("mod_timer", x_mod_timer),
        K("del_timer", x_del_timer),
        K("del_timer_sync", x_del_timer_sync),
        K("__kmsim_system_wq", x_system_wq),
        K("alloc_workqueue", x_alloc_workqueue),
        K("destroy_workqueue", x_destroy_workqueue),
        K("flush_workqueue", x_flush_workqueue),
        K("queue_work", x_queue_work),
        K("queue_delayed_work", x_queue_delayed_work),
        K("schedule_work", x_schedule_work),
        K("schedule_delayed_work", x_schedule_delayed_work),
        K("flush_work", x_flush_work),
        K("cancel_work_sync", x_cancel_work_sync),
        K("cancel_delayed_work_sync", x_cancel_work_sync),
        K("mempool_create_kmalloc_pool", x_mempool_create_kmalloc_pool),
        K("mempool_create_slab_pool", x_mempool_create_slab_pool),
        K("mempool_alloc", x_mempool_alloc),
        K("mempool_free", x_mempool_free),
        K("mempool_destroy", x_mempool_destroy),
        K("__asan_load1_noabort", x_asan_load1),
        K("__asan_load2_noabort", x_asan_load2),
        K("__asan_load4_noabort", x_asan_load4),
        K("__asan_load8_noabort", x_asan_load8),
        K("__asan_load16_noabort", x_asan_load16),
        K("__asan_loadN_noabort", x_asan_loadN),
        K("__asan_store1_noabort", x_asan_store1),
        K("__asan_store2_noabort", x_asan_store2),
        K("__asan_store4_noabort", x_asan_store4),
        K("__asan_store8_noabort", x_asan_store8),
        K("__asan_store16_noabort", x_asan_store16),
        K("__asan_storeN_noabort", x_asan_storeN),
        K("__asan_handle_no_return", x_asan_handle_no_return),
    };
}
#undef K

}  // namespace

const std::vector<ksym>& ksymtab()
{
    static const std::vector<ksym> table = make_ksymtab();
    return table;
}

int find_ksym(std::string_view name)
{
    const auto& t = ksymtab();
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i].name == name)
            return static_cast<int>(i);
    return -1;
}

}  // namespace kmsim::scenarios

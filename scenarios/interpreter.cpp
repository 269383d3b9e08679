// scenarios/interpreter.cpp - runs a body in its kernel context: statements, expressions, kernel calls.
//
// Cost model (docs/scenario-language.md): every statement costs 2 ns of CPU
// time, every kernel call its own figure (kmalloc 100 ns, kfree 50 ns, ...).
// Statement costs accumulate and are charged before the next kernel call (or
// once they reach 1 us), so a call sees the time at which it really happens;
// a call's own cost is charged when it returns.
#include "scenarios/builtins.h"
#include "scenarios/world.h"

#include "arch/traps.h"
#include "mm/memmap.h"
#include "mm/proc.h"
#include "sim/error.h"

#include <cstring>
#include <fmt/format.h>

namespace kmsim::scenarios {

namespace {

struct run_halted {};  // an assertion stopped the run

enum class flow { normal, brk, cont, ret };

constexpr std::int64_t STMT_NS = 2;
constexpr std::uint64_t bytes_per_step = 64;

std::int64_t call_cost_ns(builtin fn, std::uint64_t bytes)
{
    switch (fn) {
    case builtin::kmalloc: case builtin::kzalloc: case builtin::kcalloc: case builtin::kmalloc_array:
    case builtin::krealloc: case builtin::kmem_cache_alloc: case builtin::kmem_cache_zalloc:
        return 100;
    case builtin::kfree: case builtin::kmem_cache_free: return 50;
    case builtin::alloc_pages: case builtin::get_free_pages: return 250;
    case builtin::free_pages_page: case builtin::free_pages: return 150;
    case builtin::memset: case builtin::memcpy: return 10 + static_cast<std::int64_t>(bytes / 16);
    case builtin::printk: return 2000;
    case builtin::complete: case builtin::complete_all: return 50;
    case builtin::spin_lock: case builtin::spin_unlock: case builtin::spin_lock_irq: case builtin::spin_unlock_irq:
    case builtin::spin_lock_irqsave: case builtin::spin_unlock_irqrestore: case builtin::spin_trylock:
    case builtin::mutex_lock: case builtin::mutex_unlock: case builtin::mutex_trylock:
        return 20;
    case builtin::udelay: case builtin::ndelay: case builtin::mdelay: case builtin::msleep: case builtin::usleep_range:
        return 0;  // the delay itself is the cost
    default: return 5;
    }
}

class interp {
public:
    interp(world& w, const body& b, const std::string& owner, int decl_line)
        : w_(w), b_(b), ctx_(w.m.current()), owner_(owner), vars_(static_cast<std::size_t>(b.slots), 0)
    {
        ctx_.frames().push_back(arch::frame{owner, w.sc.file, decl_line});
        frame_index_ = ctx_.frames().size() - 1;
    }
    ~interp() { ctx_.frames().pop_back(); }

    void set_slot(std::size_t slot, std::uint64_t v) { vars_.at(slot) = v; }

    std::uint64_t run()
    {
        exec_block(b_.stmts);
        flush();
        return ret_;
    }

private:
    // ---- time
    void charge(std::int64_t ns)
    {
        pending_ns_ += ns;
        if (pending_ns_ >= 1000)
            flush();
    }
    void flush()
    {
        if (pending_ns_ > 0) {
            const std::int64_t ns = pending_ns_;
            pending_ns_ = 0;
            w_.m.consume(sim::nsecs(ns));
        }
    }

    // ---- statements
    flow exec_block(const block& blk)
    {
        for (const auto& s : blk) {
            flow f = exec(*s);
            if (f != flow::normal)
                return f;
        }
        return flow::normal;
    }

    // One pass of a loop body: false when the loop must end (break, or a
    // return, which F then carries out of the loop).
    bool loop_iteration(const block& body, flow& f)
    {
        const flow r = exec_block(body);
        charge(STMT_NS);
        if (r == flow::ret)
            f = flow::ret;
        return r != flow::brk && r != flow::ret;
    }

    // The parser bounds nesting (scenarios/limits.h) and the fiber stacks are
    // sized for it; running short all the same is kmsim's bug.
    void check_stack() const
    {
        KMSIM_ASSERT(ctx_.stack_headroom() >= sim::stack_pool::min_headroom,
                     fmt::format("the fiber stack of {} is nearly exhausted at {}:{}", ctx_.name(), w_.sc.file, line_));
    }

    flow exec(const stmt& s)
    {
        ctx_.frames()[frame_index_].line = s.pos.line;
        line_ = s.pos.line;
        check_stack();
        w_.eng.charge_steps(1);
        charge(STMT_NS);
        switch (s.k) {
        case stmt::kind::assign:
            vars_[static_cast<std::size_t>(s.slot)] = eval(*s.exprs[0]);
            return flow::normal;
        case stmt::kind::store: {
            const std::uint64_t base = eval(*s.exprs[0]);
            const std::uint64_t addr = base + eval(*s.exprs[1]);  // wraps as C pointer arithmetic would
            const std::uint64_t value = eval(*s.exprs[2]);
            if (std::uint8_t* p = access(addr, 1, true, base))
                *p = static_cast<std::uint8_t>(value);
            return flow::normal;
        }
        case stmt::kind::eval:
            eval(*s.exprs[0]);
            return flow::normal;
        case stmt::kind::if_:
            for (std::size_t i = 0; i < s.exprs.size(); ++i)
                if (eval(*s.exprs[i]))
                    return exec_block(s.bodies[i]);
            if (s.bodies.size() > s.exprs.size())
                return exec_block(s.bodies.back());
            return flow::normal;
        case stmt::kind::repeat: {
            const std::uint64_t n = eval(*s.exprs[0]);
            flow f = flow::normal;
            for (std::uint64_t i = 0; i < n && loop_iteration(s.bodies[0], f);)
                ++i;
            return f;
        }
        case stmt::kind::for_: {
            const std::uint64_t a = eval(*s.exprs[0]), b = eval(*s.exprs[1]);
            flow f = flow::normal;
            for (std::uint64_t i = a; i < b; ++i) {
                vars_[static_cast<std::size_t>(s.slot)] = i;
                if (!loop_iteration(s.bodies[0], f))
                    break;
            }
            return f;
        }
        case stmt::kind::while_: {
            flow f = flow::normal;
            while (eval(*s.exprs[0]) && loop_iteration(s.bodies[0], f)) {
            }
            return f;
        }
        case stmt::kind::break_: return flow::brk;
        case stmt::kind::continue_: return flow::cont;
        case stmt::kind::return_:
            ret_ = s.exprs.empty() ? 0 : eval(*s.exprs[0]);
            return flow::ret;
        case stmt::kind::assert_:
            if (!eval(*s.exprs[0])) {
                flush();
                w_.assert_message = fmt::format("{}:{}: assertion failed in {}: {}{}", w_.sc.file, s.pos.line, owner_,
                                                s.source, s.message.empty() ? "" : " (" + s.message + ")");
                w_.m.log().printk(w_.m.now(), arch::log_level::err, "kmsim: " + w_.assert_message, owner_,
                                  ctx_.on_cpu() ? ctx_.on_cpu()->id() : -1);
                w_.eng.stop(sim::outcome::assertion, w_.assert_message);
                throw run_halted{};
            }
            return flow::normal;
        }
        return flow::normal;
    }

    // ---- expressions
    std::uint64_t eval(const expr& e)
    {
        check_stack();
        switch (e.k) {
        case expr::kind::number: return e.value;
        case expr::kind::string: return 0;
        case expr::kind::var: return vars_[e.value];
        case expr::kind::jiffies: return w_.m.jiffies();
        case expr::kind::object: return e.value;
        case expr::kind::shrink_field: {
            if (w_.shrink_stack.empty())
                return 0;
            const mm::shrink_control& sc = w_.shrink_stack.back();
            return e.value == 0 ? sc.gfp_mask : sc.nr_to_scan;
        }
        case expr::kind::unary: {
            const std::uint64_t v = eval(*e.args[0]);
            return e.text == "-" ? (~v + 1) : e.text == "!" ? (v == 0) : ~v;
        }
        case expr::kind::logical_and: return eval(*e.args[0]) && eval(*e.args[1]);
        case expr::kind::logical_or: return eval(*e.args[0]) || eval(*e.args[1]);
        case expr::kind::binary: {
            const std::uint64_t a = eval(*e.args[0]), b = eval(*e.args[1]);
            const std::string& op = e.text;
            switch (op[0]) {
            case '+': return a + b;
            case '-': return a - b;
            case '*': return a * b;
            case '/':
            case '%':
                if (b == 0)
                    oops_divide();
                return op[0] == '/' ? a / b : a % b;
            case '^': return a ^ b;
            case '&': return a & b;
            case '|': return a | b;
            case '=': return a == b;
            case '!': return a != b;
            case '<':
                if (op == "<<") return b >= 64 ? 0 : a << b;
                return op == "<=" ? a <= b : a < b;
            case '>':
                if (op == ">>") return b >= 64 ? 0 : a >> b;
                return op == ">=" ? a >= b : a > b;
            }
            return 0;
        }
        case expr::kind::index: {
            const std::uint64_t base = eval(*e.args[0]);
            const std::uint8_t* p = access(base + eval(*e.args[1]), 1, false, base);
            return p ? *p : 0;
        }
        case expr::kind::call: return call(e);
        }
        return 0;
    }

    // ---- memory accesses and faults
    std::string frame_here() const { return fmt::format("{} at {}:{}", owner_, w_.sc.file, line_); }

    [[noreturn]] void oops(const std::string& first, const std::string& detail)
    {
        flush();
        arch::die(w_.m, first, detail);
    }

    [[noreturn]] void oops_divide()
    {
        oops("divide error: 0000 [#1] PREEMPT SMP NOPTI", fmt::format("RIP: 0010:{}\n", frame_here()));
    }

    // A load or store of the scenario's own code (p[i]): KASAN checks it
    // (BASE is the pointer it was computed from); the bytes, or nullptr
    // when there are none. A fault is the page-fault Oops.
    std::uint8_t* access(std::uint64_t addr, std::uint64_t len, bool write, std::uint64_t base)
    {
        const mm::kasan::access_result r = w_.mem.kasan().check_access(addr, len, write, base);
        if (r.fault) {
            flush();
            arch::page_fault_oops(w_.m, addr, write, *r.fault);
        }
        return r.bytes;
    }

    // ---- kernel calls
    std::uint32_t task_flags() const
    {
        const arch::context* t = w_.m.current_task();
        return t ? t->task_flags() : 0;
    }

    void record_alloc(mm::gfp_t gfp, bool ok, sim::time_point start)
    {
        static const std::string no_flags = "0x0", other = "(other masks)";
        const std::string& name = gfp_name(mm::current_gfp_context(gfp, task_flags()));
        const std::string& key = name.empty() ? no_flags : name;
        auto row = w_.by_gfp.find(key);
        if (row == w_.by_gfp.end())
            row = w_.by_gfp.try_emplace(w_.by_gfp.size() < max_gfp_rows ? key : other).first;
        gfp_stats& st = row->second;
        ++st.calls;
        ++w_.alloc_calls;
        st.stall_ns_max = std::max(st.stall_ns_max, sim::to_ns(w_.m.now() - start));
        if (!ok) {
            ++st.failed;
            ++w_.alloc_failed;
            ++w_.failures_by_context[owner_];
        }
    }

    std::string render_printk(const expr& e, arch::log_level& level)
    {
        std::string fmt_str = e.args[0]->text;
        level = arch::log_level::warning;  // MESSAGE_LOGLEVEL_DEFAULT
        // vprintk_store() formats into at most PRINTKRB_RECORD_MAX (1024)
        // bytes, terminating NUL and level prefix included.
        std::size_t record_max = 1023;
        if (fmt_str.size() >= 2 && fmt_str[0] == '\001') {
            if (fmt_str[1] >= '0' && fmt_str[1] <= '7')
                level = static_cast<arch::log_level>(fmt_str[1] - '0');
            fmt_str = fmt_str.substr(2);
            record_max -= 2;
        }
        std::string out;
        std::size_t argi = 1;
        auto next_arg = [&]() -> std::uint64_t { return argi < e.args.size() ? eval(*e.args[argi++]) : 0; };
        for (std::size_t i = 0; i < fmt_str.size(); ++i) {
            char c = fmt_str[i];
            if (c != '%') {
                out += c;
                continue;
            }
            if (i + 1 < fmt_str.size() && fmt_str[i + 1] == '%') {
                out += '%';
                ++i;
                continue;
            }
            std::string flags;
            std::size_t j = i + 1;
            while (j < fmt_str.size() && std::strchr("-0#+ ", fmt_str[j]))
                flags += fmt_str[j++];
            std::string width;
            while (j < fmt_str.size() && std::isdigit(static_cast<unsigned char>(fmt_str[j])))
                width += fmt_str[j++];
            if (width.size() > 4 || (width.size() == 4 && width > "1024"))
                width = "1024";  // the record holds no more; the parser refused widths vsnprintf cannot hold
            while (j < fmt_str.size() && std::strchr("lhzt", fmt_str[j]))
                ++j;
            if (j >= fmt_str.size()) {
                out += fmt_str.substr(i);
                break;
            }
            const char conv = fmt_str[j];
            std::string spec = "{:" + std::string(flags.find('-') != std::string::npos ? "<" : "") +
                               (flags.find('0') != std::string::npos && flags.find('-') == std::string::npos ? "0" : "") +
                               (flags.find('#') != std::string::npos ? "#" : "") + width;
            switch (conv) {
            case 'd': case 'i':
                out += fmt::format(fmt::runtime(spec + "}"), static_cast<std::int64_t>(next_arg()));
                break;
            case 'u':
                out += fmt::format(fmt::runtime(spec + "}"), next_arg());
                break;
            case 'x':
                out += fmt::format(fmt::runtime(spec + "x}"), next_arg());
                break;
            case 'X':
                out += fmt::format(fmt::runtime(spec + "X}"), next_arg());
                break;
            case 'c':
                out += static_cast<char>(next_arg());
                break;
            case 's':
                if (argi < e.args.size() && e.args[argi]->k == expr::kind::string)
                    out += e.args[argi++]->text;
                else
                    out += "(efault)";
                break;
            case 'p':
                if (j + 2 < fmt_str.size() + 1 && fmt_str.compare(j, 3, "pGg") == 0) {
                    out += mm::format_gfp(static_cast<mm::gfp_t>(next_arg()));
                    j += 2;
                } else {
                    if (j + 1 < fmt_str.size() && fmt_str[j + 1] == 'x')
                        ++j;
                    out += fmt::format("{:016x}", next_arg());
                }
                break;
            default:
                out += fmt_str.substr(i, j - i + 1);
            }
            i = j;
            if (out.size() > record_max)
                break;
        }
        if (out.size() > record_max)
            out.resize(record_max);
        if (!out.empty() && out.back() == '\n')
            out.pop_back();
        return out;
    }

    // "kmalloc(4096, GFP_KERNEL)": the call as a frame of the simulated stack
    // and as a -v line.
    std::string render_call(const expr& e, const std::vector<std::uint64_t>& args) const
    {
        // Made at every call (it is the frame reports show), so it avoids
        // fmt's format-string parsing and names each GFP mask once.
        const int gfp_arg = gfp_arg_index(e.fn);
        std::string a = e.text;
        a += '(';
        for (std::size_t i = 0; i < args.size(); ++i) {
            if (i)
                a += ", ";
            const expr& x = *e.args[i];
            if (x.k == expr::kind::object || x.k == expr::kind::string) {
                a += x.text.empty() ? "\"...\"" : x.text;
            } else if (static_cast<int>(i) == gfp_arg) {
                a += gfp_name(static_cast<mm::gfp_t>(args[i]));
            } else if (args[i] > 0xffff) {
                char hex[16];
                int n = 0;
                for (std::uint64_t v = args[i]; v; v >>= 4)
                    hex[n++] = "0123456789abcdef"[v & 15];
                a += "0x";
                while (n)
                    a += hex[--n];
            } else {
                const fmt::format_int n(args[i]);
                a.append(n.data(), n.size());
            }
        }
        a += ')';
        return a;
    }

    // format_gfp(), made once per mask for the run (for the first
    // max_gfp_names masks: a scenario that makes up masks does not grow it).
    const std::string& gfp_name(mm::gfp_t gfp) const
    {
        if (auto it = w_.gfp_names.find(gfp); it != w_.gfp_names.end())
            return it->second;
        if (w_.gfp_names.size() < max_gfp_names)
            return w_.gfp_names.emplace(gfp, mm::format_gfp(gfp)).first->second;
        gfp_scratch_ = mm::format_gfp(gfp);
        return gfp_scratch_;
    }

    // Which argument of an allocation call is its GFP mask, or -1.
    static int gfp_arg_index(builtin fn)
    {
        switch (fn) {
        case builtin::alloc_pages: case builtin::get_free_pages: return 0;
        case builtin::kmalloc: case builtin::kzalloc: case builtin::kmem_cache_alloc: case builtin::kmem_cache_zalloc:
            return 1;
        case builtin::kcalloc: case builtin::krealloc: case builtin::kmalloc_array: return 2;
        default: return -1;
        }
    }

    void trace(const expr& e, const std::vector<std::uint64_t>& args, std::uint64_t result, bool has_result)
    {
        if (!w_.verbose || !w_.on_call)
            return;
        std::string text = render_call(e, args);
        if (has_result)
            text += result > 0xffff ? fmt::format(" = {:#x}", result) : fmt::format(" = {}", result);
        w_.on_call({w_.m.now(), ctx_.on_cpu() ? ctx_.on_cpu()->id() : -1, owner_, text});
    }

    std::uint64_t call(const expr& e)
    {
        flush();
        std::vector<std::uint64_t> a;
        a.reserve(e.args.size());
        if (e.fn != builtin::printk)
            for (const auto& x : e.args)
                a.push_back(eval(*x));
        arch::frame_guard fg(ctx_, arch::frame{e.fn == builtin::printk ? "printk" : render_call(e, a), w_.sc.file, line_});
        auto& km = w_.mem.kmalloc();
        auto& m = w_.m;
        const sim::time_point start = m.now();
        std::uint64_t r = 0;
        bool has_result = true;
        std::uint64_t bytes = 0;
        switch (e.fn) {
        case builtin::kmalloc:
            r = km.kmalloc(a[0], static_cast<mm::gfp_t>(a[1]));
            record_alloc(static_cast<mm::gfp_t>(a[1]), r != 0, start);
            break;
        case builtin::kzalloc:
            r = km.kzalloc(a[0], static_cast<mm::gfp_t>(a[1]));
            record_alloc(static_cast<mm::gfp_t>(a[1]) | mm::gfp::ZERO, r != 0, start);
            bytes = a[0];
            break;
        case builtin::kcalloc:
        case builtin::kmalloc_array: {
            const bool zero = e.fn == builtin::kcalloc;
            r = zero ? km.kcalloc(a[0], a[1], static_cast<mm::gfp_t>(a[2]))
                     : km.kmalloc_array(a[0], a[1], static_cast<mm::gfp_t>(a[2]));
            record_alloc(static_cast<mm::gfp_t>(a[2]) | (zero ? mm::gfp::ZERO : 0), r != 0, start);
            break;
        }
        case builtin::krealloc: {
            bool refused = false;  // by KASAN: not an allocation at all
            r = km.krealloc(a[0], a[1], static_cast<mm::gfp_t>(a[2]), &refused);
            if (a[1] != 0 && !refused)
                record_alloc(static_cast<mm::gfp_t>(a[2]), r != 0, start);
            break;
        }
        case builtin::kfree:
            has_result = false;
            km.kfree(a[0]);
            break;
        case builtin::ksize: r = km.ksize(a[0]); break;
        case builtin::kmem_cache_alloc:
        case builtin::kmem_cache_zalloc: {
            mm::gfp_t g = static_cast<mm::gfp_t>(a[1]) | (e.fn == builtin::kmem_cache_zalloc ? mm::gfp::ZERO : 0);
            r = w_.mem.slabs().kmem_cache_alloc(w_.caches[a[0]], g);
            record_alloc(g, r != 0, start);
            break;
        }
        case builtin::kmem_cache_free:
            has_result = false;
            w_.mem.slabs().kmem_cache_free(w_.caches[a[0]], a[1]);
            break;
        case builtin::alloc_pages:
            r = w_.mem.alloc_pages(static_cast<mm::gfp_t>(a[0]), static_cast<unsigned>(a[1]));
            record_alloc(static_cast<mm::gfp_t>(a[0]), r != 0, start);
            break;
        case builtin::get_free_pages:
            r = w_.mem.get_free_pages(static_cast<mm::gfp_t>(a[0]), static_cast<unsigned>(a[1]));
            record_alloc(static_cast<mm::gfp_t>(a[0]), r != 0, start);
            break;
        case builtin::free_pages_page:
            has_result = false;
            w_.mem.free_struct_pages(a[0], static_cast<unsigned>(a[1]));
            break;
        case builtin::free_pages:
            has_result = false;
            w_.mem.free_pages(a[0], static_cast<unsigned>(a[1]));
            break;
        case builtin::memset:
            has_result = false;
            if (w_.mem.kasan().memset(a[0], static_cast<int>(a[1]), a[2]))
                bytes = a[2];
            break;
        case builtin::memcpy:
            has_result = false;
            if (w_.mem.kasan().memcpy(a[0], a[1], a[2]))
                bytes = a[2];
            break;
        case builtin::spin_lock: w_.spinlocks[a[0]]->lock(); has_result = false; break;
        case builtin::spin_unlock: w_.spinlocks[a[0]]->unlock(); has_result = false; break;
        case builtin::spin_lock_irq: w_.spinlocks[a[0]]->lock_irq(); has_result = false; break;
        case builtin::spin_unlock_irq: w_.spinlocks[a[0]]->unlock_irq(); has_result = false; break;
        case builtin::spin_lock_irqsave: r = w_.spinlocks[a[0]]->lock_irqsave(); break;
        case builtin::spin_unlock_irqrestore: w_.spinlocks[a[0]]->unlock_irqrestore(a[1]); has_result = false; break;
        case builtin::spin_trylock: r = w_.spinlocks[a[0]]->trylock(); break;
        case builtin::mutex_lock: w_.mutexes[a[0]]->lock(); has_result = false; break;
        case builtin::mutex_unlock: w_.mutexes[a[0]]->unlock(); has_result = false; break;
        case builtin::mutex_trylock: r = w_.mutexes[a[0]]->trylock(); break;
        case builtin::local_irq_disable: m.local_irq_disable(); has_result = false; break;
        case builtin::local_irq_enable: m.local_irq_enable(); has_result = false; break;
        case builtin::local_irq_save: r = m.local_irq_save(); break;
        case builtin::local_irq_restore: m.local_irq_restore(a[0]); has_result = false; break;
        case builtin::preempt_disable: m.preempt_disable(); has_result = false; break;
        case builtin::preempt_enable: m.preempt_enable(); has_result = false; break;
        case builtin::rcu_read_lock: m.rcu_read_lock(); has_result = false; break;
        case builtin::rcu_read_unlock: m.rcu_read_unlock(); has_result = false; break;
        case builtin::memalloc_nofs_save:
        case builtin::memalloc_noio_save: {
            const std::uint32_t bit = e.fn == builtin::memalloc_nofs_save ? mm::PF_MEMALLOC_NOFS : mm::PF_MEMALLOC_NOIO;
            arch::context* t = m.current_task();
            if (t) {
                r = ~t->task_flags() & bit;
                t->task_flags() |= bit;
            }
            break;
        }
        case builtin::memalloc_nofs_restore:
        case builtin::memalloc_noio_restore: {
            const std::uint32_t bit = e.fn == builtin::memalloc_nofs_restore ? mm::PF_MEMALLOC_NOFS : mm::PF_MEMALLOC_NOIO;
            if (arch::context* t = m.current_task())
                t->task_flags() &= ~(static_cast<std::uint32_t>(a[0]) & bit);
            has_result = false;
            break;
        }
        case builtin::udelay: m.udelay(a[0]); has_result = false; break;
        case builtin::ndelay: m.ndelay(a[0]); has_result = false; break;
        case builtin::mdelay: m.mdelay(a[0]); has_result = false; break;
        case builtin::msleep: m.msleep(a[0]); has_result = false; break;
        case builtin::usleep_range: m.usleep_range(a[0], a[1]); has_result = false; break;
        case builtin::schedule: m.schedule(); has_result = false; break;
        case builtin::cond_resched: m.cond_resched(); has_result = false; break;
        case builtin::complete: w_.completions[a[0]]->complete(); has_result = false; break;
        case builtin::complete_all: w_.completions[a[0]]->complete_all(); has_result = false; break;
        case builtin::wait_for_completion: w_.completions[a[0]]->wait_for_completion(); has_result = false; break;
        case builtin::submit_bio:
            w_.blockdevs[a[0]]->submit_bio_pages(a[1]);
            has_result = false;
            break;
        case builtin::submit_bio_wait:
            w_.blockdevs[a[0]]->submit_bio_wait(a[1]);
            has_result = false;
            break;
        case builtin::printk: {
            arch::log_level level;
            std::string text = render_printk(e, level);
            m.log().printk(m.now(), level, text, owner_, ctx_.on_cpu() ? ctx_.on_cpu()->id() : -1);
            has_result = false;
            break;
        }
        case builtin::bug_on:
            has_result = false;
            if (a[0])
                oops(fmt::format("kernel BUG at {}:{}!", w_.sc.file, line_),
                     "Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n");
            break;
        case builtin::warn_on:
            r = a[0] != 0;
            if (r)
                m.warn("", nullptr, 0, owner_.c_str());
            break;
        case builtin::might_sleep: m.might_sleep(); has_result = false; break;
        // The fs_reclaim annotations of include/linux/sched/mm.h, as
        // lib/locking-selftest.c uses them.
        case builtin::might_alloc: w_.mem.pages().might_alloc(static_cast<mm::gfp_t>(a[0])); has_result = false; break;
        case builtin::fs_reclaim_acquire: w_.mem.pages().fs_reclaim_acquire(static_cast<mm::gfp_t>(a[0])); has_result = false; break;
        case builtin::fs_reclaim_release: w_.mem.pages().fs_reclaim_release(static_cast<mm::gfp_t>(a[0])); has_result = false; break;
        case builtin::show_buddyinfo:
        case builtin::show_slabinfo:
        case builtin::show_meminfo: {
            has_result = false;
            const char* name = e.fn == builtin::show_buddyinfo ? "buddyinfo" : e.fn == builtin::show_slabinfo ? "slabinfo" : "meminfo";
            const std::string view = w_.mem.proc_show(name);
            std::string text = fmt::format("kmsim: /proc/{} at {}:{}:\n", name, w_.sc.file, line_);
            if (e.fn == builtin::show_slabinfo) {
                // Only the caches that hold anything, to keep the log readable.
                std::size_t pos = 0;
                int n = 0;
                while (pos < view.size()) {
                    std::size_t nl = view.find('\n', pos);
                    std::string line = view.substr(pos, nl - pos);
                    if (n++ < 2 || line.find("      0      0 ") == std::string::npos)
                        text += line + "\n";
                    pos = nl + 1;
                }
            } else {
                text += view;
            }
            m.log().printk(m.now(), arch::log_level::info, text, owner_, ctx_.on_cpu() ? ctx_.on_cpu()->id() : -1);
            break;
        }
        case builtin::in_interrupt: r = m.in_interrupt(); break;
        case builtin::in_atomic: r = m.in_atomic(); break;
        case builtin::irqs_disabled: r = m.irqs_disabled(); break;
        case builtin::preempt_count: r = m.preempt_count(); break;
        case builtin::smp_processor_id: r = static_cast<std::uint64_t>(m.smp_processor_id()); break;
        case builtin::zero_or_null_ptr: r = mm::ZERO_OR_NULL_PTR(a[0]); break;
        case builtin::rand: {
            const std::uint64_t lo = std::min(a[0], a[1]), hi = std::max(a[0], a[1]);
            r = w_.eng.random().stream("rand").uniform(lo, hi);
            break;
        }
        case builtin::sizeof_: break;
        }
        trace(e, a, r, has_result);
        charge(call_cost_ns(e.fn, bytes));
        // Copying memory is work in proportion to its size: a 4 MiB memset is
        // 65,536 steps of the budget, which so bounds the host memory a run
        // can write as well as its time.
        if (bytes)
            w_.eng.charge_steps(bytes / bytes_per_step);
        return r;
    }

    world& w_;
    const body& b_;
    arch::context& ctx_;
    std::string owner_;
    std::vector<std::uint64_t> vars_;
    std::size_t frame_index_ = 0;
    int line_ = 0;
    std::int64_t pending_ns_ = 0;
    std::uint64_t ret_ = 0;
    mutable std::string gfp_scratch_;
};

}  // namespace

std::uint64_t run_body(world& w, const body& b, const std::string& owner, int decl_line,
                       std::optional<std::uint64_t> first_slot)
{
    try {
        interp in(w, b, owner, decl_line);
        if (first_slot)
            in.set_slot(0, *first_slot);
        return in.run();
    } catch (const arch::task_killed&) {
        return 0;
    } catch (const run_halted&) {
        return 0;
    }
}

}  // namespace kmsim::scenarios

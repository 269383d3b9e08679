// scenarios/interpreter.cpp - runs a body in its kernel context: statements, expressions, kernel calls.
//
// Cost model (docs/scenario-language.md): every statement costs 2 ns of CPU
// time, every kernel call its own figure (kmalloc 100 ns, kfree 50 ns, ...).
// Statement costs accumulate and are charged before the next kernel call (or
// once they reach 1 us), so a call sees the time at which it really happens;
// a call's own cost is charged when it returns. Calling a scenario function
// costs one statement; its statements cost as any others.
//
// A function call runs the function's body in a new interp (its own
// variables and frame) on the same context and fiber stack; limits.h bounds
// how deep such calls go.
#include "scenarios/kernel_api.h"
#include "scenarios/limits.h"
#include "scenarios/world.h"

#include "arch/traps.h"
#include "mm/memmap.h"
#include "mm/proc.h"
#include "sim/error.h"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

namespace kmsim::scenarios {

namespace {

struct run_halted {};  // an assertion stopped the run

enum class flow { normal, brk, cont, ret };

constexpr std::int64_t STMT_NS = 2;

class interp {
public:
    interp(world& w, const body& b, const std::string& owner, int decl_line, int depth = 0)
        : w_(w), b_(b), ctx_(w.m.current()), owner_(owner), vars_(static_cast<std::size_t>(b.slots), 0),
          depth_(depth)
    {
        ctx_.frames().push_back(arch::frame{owner, w.sc.file, decl_line});
        frame_index_ = ctx_.frames().size() - 1;
        w_.live_vars.push_back(&vars_);
    }
    ~interp()
    {
        ctx_.frames().pop_back();
        // Bodies end in any order (each context has its own stack).
        auto& live = w_.live_vars;
        live.erase(std::find(live.rbegin(), live.rend(), &vars_).base() - 1);
    }

    void set_slot(std::size_t slot, std::uint64_t v) { vars_.at(slot) = v; }
    int line() const { return line_; }

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
            if (!eval(*s.exprs[0]))
                halt(fmt::format("{}:{}: assertion failed in {}: {}{}", w_.sc.file, s.pos.line, owner_, s.source,
                                 s.message.empty() ? "" : " (" + s.message + ")"));
            return flow::normal;
        case stmt::kind::assign_global:
            w_.globals[static_cast<std::size_t>(s.slot)] = eval(*s.exprs[0]);
            return flow::normal;
        case stmt::kind::store_global: {
            std::uint64_t& cell = global_elem(static_cast<std::size_t>(s.slot), eval(*s.exprs[0]), s.pos);
            cell = eval(*s.exprs[1]);
            return flow::normal;
        }
        }
        return flow::normal;
    }

    // Stops the run as a failed assertion does: MESSAGE, "FILE:LINE: ...",
    // goes to the log and the summary, and kmsim exits 1.
    [[noreturn]] void halt(const std::string& message)
    {
        flush();
        w_.assert_message = message;
        w_.m.log().printk(w_.m.now(), arch::log_level::err, "kmsim: " + message, owner_,
                          ctx_.on_cpu() ? ctx_.on_cpu()->id() : -1);
        w_.eng.stop(sim::outcome::assertion, message);
        throw run_halted{};
    }

    // Element I of global array G (its index in the scenario): an index out
    // of range stops the run.
    std::uint64_t& global_elem(std::size_t g, std::uint64_t i, source_pos at)
    {
        const global_decl& d = w_.sc.globals[g];
        if (i >= d.size) [[unlikely]]
            out_of_range(d, i, at);
        return w_.globals[d.offset + i];
    }
    [[noreturn, gnu::noinline, gnu::cold]] void out_of_range(const global_decl& d, std::uint64_t i, source_pos at)
    {
        // An index computed below 0 is shown as the negative number it was.
        const auto si = static_cast<std::int64_t>(i);
        halt(fmt::format("{}:{}: index {} is out of range for {}[{}] in {}", w_.sc.file, at.line,
                         si < 0 ? fmt::format("{}", si) : fmt::format("{}", i), d.name, d.size, owner_));
    }

    // ---- expressions
    std::uint64_t eval(const expr& e)
    {
        check_stack();
        switch (e.k) {
        case expr::kind::number: return e.value;
        case expr::kind::string: return 0;
        case expr::kind::var: return vars_[e.value];
        case expr::kind::global: return w_.globals[e.value];
        case expr::kind::global_elem: return global_elem(e.value, eval(*e.args[0]), e.pos);
        case expr::kind::func_call: return call_function(e);
        case expr::kind::module_call: return call_module(e);
        case expr::kind::jiffies: return w_.m.jiffies();
        case expr::kind::object: return e.value;
        case expr::kind::shrink_field: {
            if (w_.shrink_stack.empty())
                return 0;
            const mm::shrink_control& sc = w_.shrink_stack.back();
            return e.value == 0 ? sc.gfp_mask : sc.nr_to_scan;
        }
        case expr::kind::unary: return apply_unary(e.text, eval(*e.args[0]));
        case expr::kind::logical_and: return eval(*e.args[0]) && eval(*e.args[1]);
        case expr::kind::logical_or: return eval(*e.args[0]) || eval(*e.args[1]);
        case expr::kind::binary: {
            const std::uint64_t a = eval(*e.args[0]), b = eval(*e.args[1]);
            if ((e.text[0] == '/' || e.text[0] == '%') && b == 0)
                oops_divide();
            return apply_binary(e.text, a, b);
        }
        case expr::kind::index: {
            const std::uint64_t base = eval(*e.args[0]);
            const std::uint8_t* p = access(base + eval(*e.args[1]), 1, false, base);
            return p ? *p : 0;
        }
        case expr::kind::call: return call(e);
        case expr::kind::call_with_condition: return call_with_condition(e);
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

    // ---- functions modules export
    [[gnu::noinline]] std::uint64_t call_module(const expr& e)
    {
        std::uint64_t args[max_module_call_args]{};
        for (std::size_t i = 0; i < e.args.size(); ++i)
            args[i] = eval(*e.args[i]);
        flush();
        const std::uintptr_t fn = w_.module_call_targets[e.value];
        module* m = module::at(fn);
        KMSIM_ASSERT(m, "a module call without its module");
        return m->call_export(fn, std::span<const std::uint64_t>(args, e.args.size()));
    }

    // ---- scenario functions
    // Not inlined: the callee's interp lives in this frame, which eval()'s
    // recursion should not carry.
    [[gnu::noinline]] std::uint64_t call_function(const expr& e)
    {
        const func_decl& f = w_.sc.funcs[e.value];
        std::uint64_t args[max_call_args];
        for (std::size_t i = 0; i < e.args.size(); ++i)
            args[i] = eval(*e.args[i]);
        if (depth_ + 1 >= max_func_depth) [[unlikely]]
            halt(fmt::format("{}:{}: calls nest too deeply: {}() would be frame {} on the stack of {}, and kmsim allows {}",
                             w_.sc.file, line_, f.name, depth_ + 2, ctx_.name(), max_func_depth));
        // Frames whose bodies nest deeply take more of the fiber stack
        // than it holds for 256 of them: that too stops the run, never kmsim.
        if (ctx_.stack_headroom() < 2 * sim::stack_pool::min_headroom) [[unlikely]]
            halt(fmt::format("{}:{}: calls nest too deeply: {}() would be frame {} on the stack of {}, and the stack kmsim gives "
                             "a context is used up",
                             w_.sc.file, line_, f.name, depth_ + 2, ctx_.name()));
        interp callee(w_, f.code, f.name, f.pos.line, depth_ + 1);
        for (std::size_t i = 0; i < e.args.size(); ++i)
            callee.vars_[i] = args[i];
        // The time owed so far is charged by whoever makes the next kernel call.
        callee.pending_ns_ = pending_ns_;
        pending_ns_ = 0;
        callee.exec_block(f.code.stmts);
        pending_ns_ = callee.pending_ns_;
        return callee.ret_;
    }

    // A condition argument, evaluated by its call (wait_event()). In C that
    // call is a macro and the condition the caller's own code: its kernel
    // calls are made from the caller's frame, not from the call's.
    bool test_condition(const expr& cond)
    {
        struct hidden_frame {
            std::vector<arch::frame>& frames;
            arch::frame saved;
            explicit hidden_frame(std::vector<arch::frame>& f) : frames(f), saved(f.back()) { frames.pop_back(); }
            ~hidden_frame() { frames.push_back(saved); }
        } hide(ctx_.frames());
        return eval(cond) != 0;
    }

    // ---- kernel calls: through the table (scenarios/kernel_api.h)
    // CONDITION: the evaluator of the call's condition argument, if it has
    // one (wait_event()); the -v log shows the condition's source, which the
    // parser keeps in the call's text. Always inlined: eval()'s calls pass
    // no condition, and the compiler then drops its test (callgrind, 100,000
    // kmalloc/kfree pairs: 361.5M instructions inlined, 366.3M out of line).
    [[gnu::always_inline]] std::uint64_t call(const expr& e, const std::function<bool()>* condition = nullptr)
    {
        flush();
        const std::size_t n = e.args.size();
        const int cond_at = condition ? e.call->condition_arg : -1;
        std::uint64_t values[max_call_args];
        const std::string* text[max_call_args];
        KMSIM_ASSERT(n <= max_call_args, "the parser bounds a call's arguments");
        for (std::size_t i = 0; i < n; ++i) {
            const expr& x = *e.args[i];
            if (static_cast<int>(i) == cond_at) [[unlikely]] {
                text[i] = &e.text;
                values[i] = 0;  // the call evaluates it, as often as it needs
                continue;
            }
            const bool named = x.k == expr::kind::object || x.k == expr::kind::string;
            text[i] = named ? &x.text : nullptr;
            values[i] = x.k == expr::kind::string ? 0 : eval(x);
        }
        call_args a{std::span<const std::uint64_t>(values, n), std::span<const std::string* const>(text, n)};
        a.condition = condition;
        return invoke(e, a);
    }

    [[gnu::noinline]] std::uint64_t call_with_condition(const expr& e)
    {
        const expr& cond = *e.args[static_cast<std::size_t>(e.call->condition_arg)];
        const std::function<bool()> test = [this, &cond] { return test_condition(cond); };
        return call(e, &test);
    }

    std::uint64_t invoke(const expr& e, call_args& a)
    {
        std::int64_t cost_ns = 0;
        const std::uint64_t r = w_.api.invoke(*e.call, a, cost_ns);
        charge(cost_ns);
        if (a.bytes)
            w_.eng.charge_steps(a.bytes / bytes_per_step);
        return r;
    }

    world& w_;
    const body& b_;
    arch::context& ctx_;
    const std::string& owner_;  // outlives the run's stacks: the scenario's, or the caller's (see run_body)
    std::vector<std::uint64_t> vars_;
    std::size_t frame_index_ = 0;
    int line_ = 0;
    std::int64_t pending_ns_ = 0;
    std::uint64_t ret_ = 0;
    int depth_ = 0;  // function frames below this one
};

}  // namespace

std::uint64_t run_function(world& w, const func_decl& f, std::uint64_t arg)
{
    try {
        interp in(w, f.code, f.name, f.pos.line);
        if (f.params > 0)
            in.set_slot(0, arg);
        return in.run();
    } catch (const arch::task_killed&) {
        return 0;
    } catch (const run_halted&) {
        return 0;
    }
}

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

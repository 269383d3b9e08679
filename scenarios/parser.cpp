// scenarios/parser.cpp - lexer, recursive-descent parser and name resolution for .kms files.
#include "scenarios/parser.h"

#include "arch/machine.h"
#include "drivers/blockdev.h"
#include "mm/gfp.h"
#include "mm/node.h"
#include "mm/slab.h"
#include "mm/vmscan.h"
#include "scenarios/kernel_api.h"
#include "scenarios/limits.h"
#include "scenarios/sysctl.h"
#include "sim/suggest.h"
#include "sim/time.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <set>

namespace kmsim::scenarios {

std::string diagnostic::format() const
{
    std::string caret;
    for (int i = 1; i < col && i - 1 < static_cast<int>(source_line.size()); ++i)
        caret += source_line[static_cast<std::size_t>(i - 1)] == '\t' ? '\t' : ' ';
    std::string gutter = fmt::format("{:5}", line);
    return fmt::format("{}:{}:{}: error: {}\n{} | {}\n{} | {}^\n", file, line, col, message, gutter, source_line,
                       std::string(gutter.size(), ' '), caret);
}

namespace {

// The words that open a top-level declaration.
const std::vector<std::string> declaration_words = {"scenario", "description", "seed",     "machine", "zone",
                                                    "boot",     "sysctl",      "lock",     "completion", "cache",
                                                    "pagecache", "anon",       "blockdev", "thread",  "irq",
                                                    "shrinker", "expect",      "global",   "func",    "waitqueue",
                                                    "mempool",  "process", "workqueue", "work", "timer", "tasklet",
                                                    "module", "interrupt"};

// ---------------------------------------------------------------- lexer

enum class tok { eof, newline, ident, integer, duration, string, punct };

struct token {
    tok kind = tok::eof;
    std::string text;       // identifier, punctuation, string contents
    std::uint64_t value = 0;  // integer
    std::int64_t ns = 0;    // duration
    source_pos pos;
};

using sim::nearest;

class lexer {
public:
    lexer(const std::string& text, const std::string& file, const std::vector<std::string>& lines)
        : t_(text), file_(file), lines_(lines)
    {
    }

    std::vector<token> run()
    {
        std::vector<token> out;
        for (;;) {
            token tk = next();
            // Collapse blank lines.
            if (tk.kind == tok::newline && (out.empty() || out.back().kind == tok::newline))
                continue;
            out.push_back(tk);
            if (tk.kind == tok::eof)
                return out;
        }
    }

    [[noreturn]] void error(source_pos p, const std::string& msg) const
    {
        diagnostic d{file_, p.line, p.col, msg,
                     p.line >= 1 && p.line <= static_cast<int>(lines_.size()) ? lines_[static_cast<std::size_t>(p.line - 1)] : ""};
        throw scenario_error(d);
    }

private:
    char peek(std::size_t k = 0) const { return i_ + k < t_.size() ? t_[i_ + k] : '\0'; }
    void advance()
    {
        if (t_[i_] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        ++i_;
    }

    token next()
    {
        for (;;) {
            while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\r'))
                advance();
            if (peek() == '#' || (peek() == '/' && peek(1) == '/')) {
                while (i_ < t_.size() && t_[i_] != '\n')
                    advance();
                continue;
            }
            if (peek() == '/' && peek(1) == '*') {
                source_pos start{line_, col_};
                advance();
                advance();
                while (i_ < t_.size() && !(peek() == '*' && peek(1) == '/'))
                    advance();
                if (i_ >= t_.size())
                    error(start, "unterminated comment: '/*' without '*/'");
                advance();
                advance();
                continue;
            }
            break;
        }
        token tk;
        tk.pos = {line_, col_};
        if (i_ >= t_.size()) {
            tk.kind = tok::eof;
            return tk;
        }
        const char c = t_[i_];
        if (c == '\n' || c == ';') {
            advance();
            tk.kind = tok::newline;
            return tk;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t s = i_;
            while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '_'))
                advance();
            tk.kind = tok::ident;
            tk.text = t_.substr(s, i_ - s);
            return tk;
        }
        if (std::isdigit(static_cast<unsigned char>(c)))
            return number(tk);
        if (c == '"')
            return string(tk);
        static const char* two[] = {"==", "!=", "<=", ">=", "<<", ">>", "&&", "||", ".."};
        for (const char* p : two)
            if (c == p[0] && peek(1) == p[1]) {
                advance();
                advance();
                tk.kind = tok::punct;
                tk.text = p;
                return tk;
            }
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            error(tk.pos, fmt::format("unexpected byte 0x{:02x}: a .kms file is plain ASCII text",
                                      static_cast<unsigned char>(c)));
        if (std::strchr("+-*/%&|^~!<>=()[],.:", c)) {
            advance();
            tk.kind = tok::punct;
            tk.text = std::string(1, c);
            return tk;
        }
        error(tk.pos, fmt::format("unexpected character '{}'", c));
    }

    token number(token& tk)
    {
        std::size_t s = i_;
        std::uint64_t v = 0;
        bool overflow = false;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
            advance();
            advance();
            if (!std::isxdigit(static_cast<unsigned char>(peek())))
                error(tk.pos, "'0x' needs hex digits");
            while (std::isxdigit(static_cast<unsigned char>(peek()))) {
                int d = std::isdigit(static_cast<unsigned char>(peek())) ? peek() - '0'
                                                                         : std::tolower(static_cast<unsigned char>(peek())) - 'a' + 10;
                overflow |= v > (UINT64_MAX >> 4);
                v = v * 16 + static_cast<unsigned>(d);
                advance();
            }
        } else {
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                const unsigned d = static_cast<unsigned>(peek() - '0');
                overflow |= v > (UINT64_MAX - d) / 10;
                v = v * 10 + d;
                advance();
            }
        }
        if (overflow)
            error(tk.pos, fmt::format("'{}' does not fit in 64 bits", t_.substr(s, i_ - s)));
        std::size_t suf = i_;
        while (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_')
            advance();
        std::string suffix = t_.substr(suf, i_ - suf);
        tk.value = v;
        tk.text = t_.substr(s, i_ - s);  // as written, for names such as kworker/0:1
        if (suffix.empty()) {
            tk.kind = tok::integer;
        } else if (suffix == "K" || suffix == "M" || suffix == "G") {
            unsigned shift = suffix == "K" ? 10 : suffix == "M" ? 20 : 30;
            if (v > (UINT64_MAX >> shift))
                error(tk.pos, "size does not fit in 64 bits");
            tk.kind = tok::integer;
            tk.value = v << shift;
        } else if (const std::int64_t mult = sim::duration_unit_ns(suffix)) {
            const sim::duration d = sim::units(v, mult);
            if (d == sim::forever())
                error(tk.pos, fmt::format("'{}' is longer than simulated time can hold (about 292 years)",
                                          t_.substr(s, i_ - s)));
            tk.kind = tok::duration;
            tk.ns = sim::to_ns(d);
        } else {
            error(tk.pos, fmt::format("'{}' is not a number: sizes take K, M or G, durations ns, us, ms or s",
                                      t_.substr(s, i_ - s)));
        }
        return tk;
    }

    token string(token& tk)
    {
        advance();  // opening quote
        std::string out;
        for (;;) {
            if (i_ >= t_.size() || peek() == '\n')
                error(tk.pos, "unterminated string: missing '\"' before the end of the line");
            char c = peek();
            if (c == '"') {
                advance();
                break;
            }
            if (c == '\\') {
                advance();
                char e = peek();
                switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case '\\': out += '\\'; break;
                case '"': out += '"'; break;
                case '0': out += '\0'; break;
                default: error({line_, col_}, fmt::format("unknown escape '\\{}' (use \\n \\t \\\\ \\\")", e));
                }
                advance();
                continue;
            }
            out += c;
            advance();
        }
        tk.kind = tok::string;
        tk.text = out;
        return tk;
    }

    const std::string& t_;
    const std::string& file_;
    const std::vector<std::string>& lines_;
    std::size_t i_ = 0;
    int line_ = 1;
    int col_ = 1;
};

// ---------------------------------------------------------------- parser

struct body_scope {
    std::map<std::string, int> vars;
    body* b = nullptr;
    int loop_depth = 0;
};

class parser {
public:
    parser(const std::string& text, const std::string& file) : file_(file)
    {
        sc_.file = file;
        std::size_t s = 0;
        for (;;) {
            std::size_t nl = text.find('\n', s);
            sc_.lines.push_back(text.substr(s, nl == std::string::npos ? std::string::npos : nl - s));
            if (nl == std::string::npos)
                break;
            s = nl + 1;
        }
        lexer lx(text, file, sc_.lines);
        toks_ = lx.run();
    }

    scenario run()
    {
        // The system workqueues every kernel has (kernel/workqueue.c).
        for (const auto& [n, flags] : {std::pair<const char*, unsigned>{"system_wq", 0u},
                                       {"system_highpri_wq", arch::WQ_HIGHPRI},
                                       {"system_long_wq", 0u},
                                       {"system_unbound_wq", arch::WQ_UNBOUND}}) {
            workqueue_decl d;
            d.name = n;
            d.flags = flags;
            d.builtin = true;
            names_.emplace(n, "workqueue");
            sc_.workqueues.push_back(d);
        }
        find_functions();
        // A scenario that loads modules may call the functions they export:
        // a call of no kernel function is taken for one, and checked when
        // the modules are loaded.
        for (std::size_t i = 0; i + 1 < toks_.size(); ++i)
            if (toks_[i].kind == tok::ident && toks_[i].text == "module" && toks_[i + 1].kind == tok::string &&
                (i == 0 || toks_[i - 1].kind == tok::newline))
                loads_modules_ = true;
        while (!at(tok::eof)) {
            if (accept_newline())
                continue;
            declaration();
        }
        finish();
        return std::move(sc_);
    }

private:
    // -- token helpers
    const token& cur() const { return toks_[pos_]; }
    const token& peek_tok(std::size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
    bool at(tok k) const { return cur().kind == k; }
    bool at_punct(const char* p) const { return cur().kind == tok::punct && cur().text == p; }
    bool at_word(const char* w) const { return cur().kind == tok::ident && cur().text == w; }
    token take() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
    bool accept_newline()
    {
        if (!at(tok::newline))
            return false;
        take();
        return true;
    }

    [[noreturn]] void error(source_pos p, const std::string& msg) const
    {
        diagnostic d{file_, p.line, p.col, msg,
                     p.line >= 1 && p.line <= static_cast<int>(sc_.lines.size()) ? sc_.lines[static_cast<std::size_t>(p.line - 1)] : ""};
        throw scenario_error(d);
    }
    [[noreturn]] void error_here(const std::string& msg) const { error(cur().pos, msg); }
    std::string describe(const token& t) const
    {
        switch (t.kind) {
        case tok::eof: return "the end of the file";
        case tok::newline: return "the end of the line";
        case tok::string: return "a string";
        case tok::integer: return "a number";
        case tok::duration: return "a duration";
        default: return "'" + t.text + "'";
        }
    }
    void expect_punct(const char* p)
    {
        if (!at_punct(p))
            error_here(fmt::format("expected '{}', found {}", p, describe(cur())));
        take();
    }
    void end_of_line(const char* what)
    {
        if (at(tok::eof))
            return;
        if (!accept_newline())
            error_here(fmt::format("unexpected {} after {}", describe(cur()), what));
    }
    static bool has_control_char(const std::string& s)
    {
        return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    }
    std::string name(const char* what)
    {
        if (at(tok::ident) || at(tok::string)) {
            const token t = take();
            if (t.text.empty())
                error(t.pos, fmt::format("expected {}, found an empty string", what));
            if (has_control_char(t.text))
                error(t.pos, "a name is printed in one-line reports: it cannot contain '\\n' or other control characters");
            return t.text;
        }
        error_here(fmt::format("expected {} (a name or a quoted string), found {}", what, describe(cur())));
    }
    // The name after `in`: a name or quoted string, where a kernel thread's
    // comm may be written with '/' and ':' and no spaces (kworker/sdb,
    // kworker/0:1, ksoftirqd/0).
    std::string context_name()
    {
        const token first = cur();
        std::string n = name("a thread, irq or kernel thread name");
        if (first.kind != tok::ident)
            return n;
        int end = first.pos.col + static_cast<int>(first.text.size());
        while ((at_punct("/") || at_punct(":")) && cur().pos.line == first.pos.line && cur().pos.col == end) {
            const std::string sep = take().text;
            const token part = cur();
            if ((part.kind != tok::ident && part.kind != tok::integer) || part.pos.line != first.pos.line ||
                part.pos.col != end + 1)
                error_here(fmt::format("expected the rest of a kernel thread's name after '{}' (kworker/sdb, "
                                       "kworker/0:1)",
                                       sep));
            take();
            n += sep + part.text;
            end = part.pos.col + static_cast<int>(part.text.size());
        }
        return n;
    }
    std::uint64_t integer(const char* what)
    {
        if (at(tok::duration))
            error_here(fmt::format("{} is a number, not a duration", what));
        if (!at(tok::integer))
            error_here(fmt::format("expected a number for {}, found {}", what, describe(cur())));
        return take().value;
    }
    std::int64_t duration(const char* what)
    {
        if (at(tok::integer))
            error_here(fmt::format("{} needs a unit: write {}us, {}ms... (ns, us, ms or s)", what, cur().value,
                                   cur().value));
        if (!at(tok::duration))
            error_here(fmt::format("expected a duration for {}, found {}", what, describe(cur())));
        return take().ns;
    }
    std::string string_lit(const char* what)
    {
        if (!at(tok::string))
            error_here(fmt::format("expected a quoted string for {}, found {}", what, describe(cur())));
        std::string s = take().text;
        while (at(tok::string))
            s += take().text;
        return s;
    }
    // key=value options: calls F for each key.
    template <typename F>
    void options(const char* decl, F&& on_key)
    {
        while (at(tok::ident)) {
            token key = take();
            if (!at_punct("="))
                error(key.pos, fmt::format("expected '=' after '{}' in {}", key.text, decl));
            take();
            if (!on_key(key))
                error(key.pos, fmt::format("'{}' is not an option of {}", key.text, decl));
        }
    }

    // -- declarations
    void declaration()
    {
        if (!at(tok::ident))
            error_here(fmt::format("expected a declaration, found {}", describe(cur())));
        const token word = cur();
        const std::string& w = word.text;
        take();
        if (w == "scenario") {
            const source_pos p = cur().pos;
            sc_.title = string_lit("the title");
            if (has_control_char(sc_.title))
                error(p, "the title is one line: it cannot contain '\\n' or other control characters");
            end_of_line("the title");
        } else if (w == "description") {
            sc_.description = string_lit("the description");
            end_of_line("the description");
        } else if (w == "seed") {
            sc_.seed = integer("the seed");
            end_of_line("the seed");
        } else if (w == "machine") {
            machine(word);
        } else if (w == "zone") {
            zone(word);
        } else if (w == "boot") {
            if (!sc_.boot.empty())
                sc_.boot += ' ';
            source_pos p = cur().pos;
            sc_.boot += string_lit("the kernel command line");
            sc_.boot_params = {};
            if (auto e = mm::parse_slab_boot_params(sc_.boot, sc_.boot_params))
                error(p, *e);
            if (auto e = mm::parse_thp_boot_param(sc_.boot, sc_.transparent_hugepage))
                error(p, *e);
            end_of_line("the kernel command line");
        } else if (w == "sysctl") {
            sysctl();
        } else if (w == "lock") {
            lock_decl l;
            l.pos = cur().pos;
            l.name = name("a lock name");
            declare(l.name, l.pos, "lock");
            if (at_word("spinlock") || at_word("mutex") || at_word("rwsem")) {
                const std::string k = take().text;
                l.kind = k == "mutex" ? lock_kind::mutex : k == "rwsem" ? lock_kind::rwsem : lock_kind::spinlock;
            } else {
                error_here(fmt::format("expected 'spinlock', 'mutex' or 'rwsem' after the lock name, found {}",
                                       describe(cur())));
            }
            options("lock", [&](const token& k) {
                if (k.text != "class")
                    return false;
                l.lock_class = name("a lock class name");
                return true;
            });
            for (const auto& other : sc_.locks)
                if (!l.lock_class.empty() && other.lock_class == l.lock_class && other.kind != l.kind)
                    error(l.pos, fmt::format("lock class '{}' holds a {} already ({}): one class is one kind of lock",
                                             l.lock_class, to_string(other.kind), other.name));
            sc_.locks.push_back(l);
            end_of_line("the lock");
        } else if (w == "waitqueue") {
            named_object(sc_.waitqueues, "wait queue");
        } else if (w == "global") {
            global();
        } else if (w == "func") {
            func(word);
        } else if (w == "completion") {
            named_object(sc_.completions, "completion");
        } else if (w == "cache") {
            cache(word);
        } else if (w == "mempool") {
            mempool(word);
        } else if (w == "process") {
            process(word);
        } else if (w == "workqueue") {
            workqueue();
        } else if (w == "work") {
            softirq_body(word, sc_.works, "work item");
            sc_.uses_workqueues = true;
        } else if (w == "timer") {
            softirq_body(word, sc_.timers, "timer");
            sc_.uses_softirqs = true;
        } else if (w == "tasklet") {
            softirq_body(word, sc_.tasklets, "tasklet");
            sc_.uses_softirqs = true;
        } else if (w == "pagecache") {
            pagecache(word);
        } else if (w == "shrinker") {
            shrinker(word);
        } else if (w == "anon") {
            anon(word);
        } else if (w == "blockdev") {
            blockdev(word);
        } else if (w == "thread") {
            thread(word);
        } else if (w == "irq") {
            irq(word);
        } else if (w == "interrupt") {
            irq(word, true);
        } else if (w == "expect") {
            expectation(word);
        } else if (w == "module") {
            module_decl d;
            d.pos = cur().pos;
            d.path = string_lit("the module's source file");
            if (d.path.size() < 3 || d.path.compare(d.path.size() - 2, 2, ".c") != 0)
                error(d.pos, "a module is a C source file: its name ends in .c");
            for (const module_decl& other : sc_.modules)
                if (other.path == d.path)
                    error(d.pos, fmt::format("module \"{}\" is loaded already (line {})", d.path, other.pos.line));
            sc_.modules.push_back(d);
            end_of_line("the module");
        } else {
            std::string near = nearest(w, declaration_words);
            error(word.pos, fmt::format("unknown declaration '{}'{}", w, near.empty() ? "" : "; did you mean '" + near + "'?"));
        }
    }

    // Functions may be called above their declaration: their names and
    // parameter counts are found before anything is parsed. (A malformed
    // declaration is reported when it is parsed.)
    void find_functions()
    {
        for (std::size_t i = 0; i + 1 < toks_.size(); ++i) {
            const token& t = toks_[i];
            if (t.kind != tok::ident || t.text != "func" || (i > 0 && toks_[i - 1].kind != tok::newline) ||
                toks_[i + 1].kind != tok::ident || func_index_.count(toks_[i + 1].text))
                continue;
            func_decl f;
            f.name = toks_[i + 1].text;
            f.pos = toks_[i + 1].pos;
            if (i + 2 < toks_.size() && toks_[i + 2].kind == tok::punct && toks_[i + 2].text == "(")
                for (std::size_t k = i + 3; k + 1 < toks_.size() && toks_[k].kind == tok::ident; k += 2) {
                    ++f.params;
                    if (toks_[k + 1].kind != tok::punct || toks_[k + 1].text != ",")
                        break;
                }
            func_index_.emplace(f.name, sc_.funcs.size());
            sc_.funcs.push_back(std::move(f));
        }
    }

    // A name the scenario gives to a global, a function or a parameter: not
    // one the language already gives a meaning.
    void check_new_name(const token& t, const char* what) const
    {
        const std::string& n = t.text;
        if (find_kernel_call(n) || n == "sizeof")
            error(t.pos, fmt::format("'{}' is a kernel call: a {} needs a name of its own", n, what));
        if (is_constant(n) || mm::gfp_by_name(n) || mm::slab_flag_by_name(n) || n == "sc")
            error(t.pos, fmt::format("'{}' is a constant: a {} needs a name of its own", n, what));
        if (is_declaration_word(n) || is_statement_word(n))
            error(t.pos, fmt::format("'{}' is a word of the language: a {} needs a name of its own", n, what));
    }
    static bool is_statement_word(const std::string& w)
    {
        static const std::set<std::string> words = {"if",     "else",   "end",    "repeat", "while", "for", "in",
                                                    "break", "continue", "return", "assert"};
        return words.count(w) != 0;
    }

    // global NAME = EXPR, or global NAME[N].
    void global()
    {
        global_decl g;
        g.pos = cur().pos;
        if (!at(tok::ident))
            error_here(fmt::format("expected the global's name after 'global', found {}", describe(cur())));
        const token n = take();
        check_new_name(n, "global");
        g.name = n.text;
        if (at_punct("[")) {
            take();
            const source_pos sp = cur().pos;
            g.size = integer("the array's length");
            if (g.size == 0 || g.size > max_global_array)
                error(sp, fmt::format("a global array holds 1 to {} integers, not {}", max_global_array, g.size));
            expect_punct("]");
            g.is_array = true;
        } else if (at_punct("=")) {
            take();
            body scratch;
            body_scope scope;
            scope.b = &scratch;
            scope_ = &scope;
            expr_ptr e = expression();
            scope_ = nullptr;
            g.init = constant_value(*e);
        } else {
            error_here(fmt::format("expected '= VALUE' or '[LENGTH]' after global {}, found {}", g.name,
                                   describe(cur())));
        }
        declare(g.name, g.pos, g.is_array ? "global array" : "global");
        if (g.size > max_global_words - sc_.global_words)
            error(g.pos, fmt::format("the globals of a scenario hold at most {} integers in all", max_global_words));
        g.offset = sc_.global_words;
        sc_.global_words += g.size;
        global_index_.emplace(g.name, sc_.globals.size());
        sc_.globals.push_back(g);
        end_of_line("the global");
    }

    // A global's initial value, computed before anything runs: numbers,
    // constants, flags, operators and the globals declared above.
    std::uint64_t constant_value(const expr& e) const
    {
        switch (e.k) {
        case expr::kind::number: return e.value;
        case expr::kind::global:
            for (const auto& g : sc_.globals)
                if (g.offset == e.value)
                    return g.init;
            break;
        case expr::kind::unary: return apply_unary(e.text, constant_value(*e.args[0]));
        case expr::kind::logical_and: return constant_value(*e.args[0]) && constant_value(*e.args[1]);
        case expr::kind::logical_or: return constant_value(*e.args[0]) || constant_value(*e.args[1]);
        case expr::kind::binary: {
            const std::uint64_t a = constant_value(*e.args[0]), b = constant_value(*e.args[1]);
            if ((e.text == "/" || e.text == "%") && b == 0)
                error(e.pos, "division by zero in a global's initial value");
            return apply_binary(e.text, a, b);
        }
        default: break;
        }
        error(e.pos, "a global's initial value is computed before anything runs: it takes numbers, constants and "
                     "globals declared above, not kernel calls, strings or variables");
    }

    // func NAME(P1, P2, ...) ... end
    void func(const token& word)
    {
        if (!at(tok::ident))
            error_here(fmt::format("expected the function's name after 'func', found {}", describe(cur())));
        const token n = take();
        check_new_name(n, "function");
        declare(n.text, n.pos, "function");
        func_decl& f = sc_.funcs[func_index_.at(n.text)];
        body b;
        body_scope scope;
        scope.b = &b;
        scope_ = &scope;
        expect_punct("(");
        if (!at_punct(")"))
            for (;;) {
                if (!at(tok::ident))
                    error_here(fmt::format("expected a parameter name, found {}", describe(cur())));
                const token prm = take();
                check_new_name(prm, "parameter");
                if (global_index_.count(prm.text))
                    error(prm.pos, fmt::format("parameter '{}' would hide the global of that name", prm.text));
                if (scope.vars.count(prm.text))
                    error(prm.pos, fmt::format("parameter '{}' appears twice", prm.text));
                slot_for(prm.text, true);
                if (!at_punct(","))
                    break;
                take();
            }
        if (!at_punct(")"))
            error_here(fmt::format("expected ',' or ')' in the parameters of {}, found {}", n.text, describe(cur())));
        take();
        end_of_line("the parameters");
        KMSIM_ASSERT(static_cast<std::size_t>(b.slots) == f.params, "find_functions() counted the parameters");
        b.stmts = parse_block(word, n.text, {"end"});
        expect_end(word);
        scope_ = nullptr;
        f.code = std::move(b);
    }

    // `KIND NAME`, a declaration that is a name alone.
    void named_object(std::vector<named_decl>& into, const char* kind)
    {
        named_decl d;
        d.pos = cur().pos;
        d.name = name(fmt::format("a {} name", kind).c_str());
        declare(d.name, d.pos, kind);
        into.push_back(d);
        end_of_line(fmt::format("the {}", kind).c_str());
    }

    // A task's name (comm): TASK_COMM_LEN 16 bytes, the NUL included.
    void check_comm(const std::string& n, source_pos p) const
    {
        if (n.size() > 15)
            error(p, fmt::format("a task's name (comm) is at most 15 characters (TASK_COMM_LEN 16), and \"{}\" has {}",
                                 n, n.size()));
    }

    void declare(const std::string& n, source_pos p, const char* kind)
    {
        auto [it, fresh] = names_.emplace(n, kind);
        if (!fresh)
            error(p, fmt::format("'{}' is already declared as a {}", n, it->second));
    }

    void machine(const token& word)
    {
        if (sc_.machine)
            error(word.pos, "the machine is declared twice");
        machine_decl m;
        m.pos = word.pos;
        bool have_cpus = false;
        options("machine", [&](const token& k) {
            if (k.text == "cpus") {
                source_pos p = cur().pos;
                std::uint64_t v = integer("cpus");
                if (auto err = arch::check_cpus(static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX))))
                    error(p, *err);
                m.cpus = static_cast<int>(v);
                have_cpus = true;
            } else if (k.text == "memory") {
                source_pos p = cur().pos;
                m.memory = integer("memory");
                if (auto err = mm::check_memory(m.memory))
                    error(p, *err);
            } else if (k.text == "hz") {
                source_pos p = cur().pos;
                std::uint64_t v = integer("hz");
                if (auto err = arch::check_hz(static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX))))
                    error(p, *err);
                m.hz = static_cast<int>(v);
            } else {
                return false;
            }
            return true;
        });
        if (!have_cpus)
            error(word.pos, "machine needs cpus=N");
        sc_.machine = m;
        end_of_line("the machine");
    }

    void zone(const token& word)
    {
        zone_decl z;
        z.pos = cur().pos;
        std::string n = name("a zone name");
        if (n == "DMA")
            z.type = mm::ZONE_DMA;
        else if (n == "DMA32")
            z.type = mm::ZONE_DMA32;
        else if (n == "Normal")
            z.type = mm::ZONE_NORMAL;
        else
            error(z.pos, fmt::format("unknown zone '{}': zones are DMA, DMA32 and Normal", n));
        z.size = integer("the zone size");
        options("zone", [&](const token& k) {
            if (k.text != "reserved")
                return false;
            z.reserved = integer("reserved");
            return true;
        });
        (void)word;
        sc_.zones.push_back(z);
        end_of_line("the zone");
    }

    void sysctl()
    {
        sysctl_decl s;
        s.pos = cur().pos;
        if (!at(tok::ident))
            error_here("expected a sysctl name such as vm.min_free_kbytes");
        s.key = take().text;
        while (at_punct(".")) {
            take();
            if (!at(tok::ident))
                error_here("expected a name after '.'");
            s.key += "." + take().text;
        }
        s.entry = find_sysctl(s.key);
        if (!s.entry) {
            std::vector<std::string> keys;
            for (const auto& e : sysctls())
                keys.emplace_back(e.name);
            std::string near = nearest(s.key, keys);
            error(s.pos, fmt::format("unknown sysctl '{}'{}", s.key, near.empty() ? "" : "; did you mean " + near + "?"));
        }
        expect_punct("=");
        const source_pos vp = cur().pos;
        if (at(tok::string))
            s.value = take().text;
        else
            s.value = std::to_string(integer(s.key.c_str()));
        s.numbers = sysctl_numbers(*s.entry, s.value, vp);
        sc_.sysctls.push_back(s);
        end_of_line("the sysctl");
    }

    // The kernel's range for each sysctl (its proc handler's extra1/extra2):
    // a value outside is -EINVAL there, an error here.
    std::vector<std::uint64_t> sysctl_numbers(const sysctl_entry& e, const std::string& value, source_pos p) const
    {
        const sysctl_entry* r = &e;
        const std::string key(e.name);
        std::vector<std::uint64_t> out;
        std::size_t i = 0;
        auto bad = [&](const std::string& why) {
            error(p, fmt::format("{}=\"{}\": {}; {} takes {} from {} to {}", key, value, why, key,
                                 r->count == 1 ? "a number" : fmt::format("{} numbers", r->count), r->min, r->max));
        };
        for (;;) {
            while (i < value.size() && (value[i] == ' ' || value[i] == '\t'))
                ++i;
            if (i == value.size())
                break;
            if (value[i] == '-')
                bad("negative values are out of range");
            const std::size_t word = i;
            auto not_a_number = [&] {
                bad(fmt::format("'{}' is not a number", value.substr(word, value.find_first_of(" \t", word) - word)));
            };
            if (!std::isdigit(static_cast<unsigned char>(value[i])))
                not_a_number();
            std::uint64_t v = 0;
            while (i < value.size() && std::isdigit(static_cast<unsigned char>(value[i]))) {
                const unsigned d = static_cast<unsigned>(value[i] - '0');
                if (v > (r->max - d) / 10)
                    bad("out of range");
                v = v * 10 + d;
                ++i;
            }
            if (i < value.size() && value[i] != ' ' && value[i] != '\t')
                not_a_number();
            if (v < r->min)
                bad("out of range");
            out.push_back(v);
        }
        if (out.size() != r->count)
            bad(out.empty() ? "no value" : fmt::format("{} value{}", out.size(), out.size() == 1 ? "" : "s"));
        return out;
    }

    void cache(const token& word)
    {
        cache_decl c;
        c.pos = cur().pos;
        c.name = name("a cache name");
        declare(c.name, c.pos, "cache");
        bool have_size = false;
        options("cache", [&](const token& k) {
            if (k.text == "size") {
                source_pos p = cur().pos;
                c.size = integer("size");
                if (c.size < 8 || c.size > (4ULL << 20))
                    error(p, fmt::format("a cache's objects are 8 bytes to 4M, not {}", c.size));
                have_size = true;
            } else if (k.text == "align") {
                source_pos p = cur().pos;
                c.align = integer("align");
                if (c.align & (c.align - 1))
                    error(p, "align must be a power of two");
            } else if (k.text == "flags") {
                for (;;) {
                    source_pos p = cur().pos;
                    std::string f = name("a SLAB_ flag");
                    const auto flag = mm::slab_flag_by_name(f);
                    if (!flag) {
                        std::string near = nearest(f, mm::slab_flag_names());
                        error(p, fmt::format("unknown cache flag '{}'{}", f, near.empty() ? "" : "; did you mean " + near + "?"));
                    }
                    c.flags |= *flag;
                    if (!at_punct("|"))
                        break;
                    take();
                }
            } else {
                return false;
            }
            return true;
        });
        if (!have_size)
            error(word.pos, "cache needs size=N");
        sc_.caches.push_back(c);
        end_of_line("the cache");
    }

    void mempool(const token& word)
    {
        mempool_decl p;
        p.pos = cur().pos;
        p.name = name("a mempool name");
        declare(p.name, p.pos, "mempool");
        bool have_min = false;
        options("mempool", [&](const token& k) {
            if (k.text == "min") {
                const source_pos v = cur().pos;
                p.min_nr = integer("min");
                if (p.min_nr == 0 || p.min_nr > 65536)
                    error(v, fmt::format("a mempool reserves 1 to 65536 elements, not {}", p.min_nr));
                have_min = true;
            } else if (k.text == "size") {
                const source_pos v = cur().pos;
                p.size = integer("size");
                if (p.size == 0 || p.size > (4ULL << 20))
                    error(v, fmt::format("a kmalloc pool's elements are 1 byte to 4M, not {}", p.size));
            } else if (k.text == "cache") {
                const source_pos v = cur().pos;
                const std::string c = name("a cache name");
                for (std::size_t i = 0; i < sc_.caches.size(); ++i)
                    if (sc_.caches[i].name == c)
                        p.cache = static_cast<int>(i);
                if (p.cache < 0)
                    error(v, fmt::format("cache '{}' is not declared (declare it with 'cache' before the mempool)", c));
            } else {
                return false;
            }
            return true;
        });
        if (!have_min || (p.size == 0) == (p.cache < 0))
            error(word.pos, "mempool needs min=N and either size=BYTES (a kmalloc pool) or cache=CACHE (a slab pool)");
        sc_.mempools.push_back(p);
        end_of_line("the mempool");
    }

    int device_index(const char* what)
    {
        source_pos p = cur().pos;
        std::string n = name(what);
        for (std::size_t i = 0; i < sc_.blockdevs.size(); ++i)
            if (sc_.blockdevs[i].name == n)
                return static_cast<int>(i);
        error(p, fmt::format("block device '{}' is not declared (declare it with 'blockdev' first)", n));
    }

    // SUM + V, for sizes that add up over several lines: no wrap.
    std::uint64_t add_size(std::uint64_t sum, std::uint64_t v, source_pos p, const char* what) const
    {
        if (v > UINT64_MAX - sum)
            error(p, fmt::format("{} adds up to more than 64 bits can hold", what));
        return sum + v;
    }

    void pagecache(const token& word)
    {
        std::uint64_t dirty = 0;
        int device = -1;
        options("pagecache", [&](const token& k) {
            if (k.text == "clean") {
                const source_pos p = cur().pos;
                sc_.pagecache_clean = add_size(sc_.pagecache_clean, integer("clean"), p, "the clean page cache");
                sc_.pagecache_clean_pos = word.pos;
            } else if (k.text == "dirty") {
                dirty = integer("dirty");
            } else if (k.text == "device") {
                device = device_index("a block device");
            } else {
                return false;
            }
            return true;
        });
        if (dirty && device < 0)
            error(word.pos, "dirty page cache needs device=NAME: the flusher writes it back through that device");
        if (dirty)
            sc_.pagecache_dirty.push_back({dirty, device, word.pos});
        end_of_line("the page cache");
    }

    void process(const token& word)
    {
        process_decl p;
        p.pos = cur().pos;
        p.name = name("a process name");
        check_comm(p.name, p.pos);
        declare(p.name, p.pos, "process");
        bool have_rss = false;
        options("process", [&](const token& k) {
            if (k.text == "rss") {
                const source_pos v = cur().pos;
                p.rss = integer("rss");
                if (p.rss == 0 || p.rss % mm::PAGE_SIZE)
                    error(v, "rss is a size in whole pages, as 64M");
                have_rss = true;
            } else if (k.text == "swap") {
                const source_pos v = cur().pos;
                p.swap = integer("swap");
                if (p.swap % mm::PAGE_SIZE)
                    error(v, "swap is a size in whole pages, as 16M");
            } else if (k.text == "oom_score_adj") {
                const source_pos v = cur().pos;
                const bool negative = at_punct("-");
                if (negative)
                    take();
                const std::uint64_t n = integer("oom_score_adj");
                if (n > 1000)
                    error(v, fmt::format("oom_score_adj is -1000 to 1000, not {}{}", negative ? "-" : "", n));
                p.oom_score_adj = negative ? -static_cast<int>(n) : static_cast<int>(n);
            } else {
                return false;
            }
            return true;
        });
        if (!have_rss)
            error(word.pos, "process needs rss=SIZE: the anonymous memory it holds");
        sc_.processes.push_back(p);
        end_of_line("the process");
    }

    void anon(const token& word)
    {
        const source_pos p = cur().pos;
        sc_.anon = add_size(sc_.anon, integer("the size of anonymous memory"), p, "anonymous memory");
        sc_.anon_pos = word.pos;
        options("anon", [&](const token& k) {
            if (k.text != "swap")
                return false;
            sc_.anon_swap = device_index("a swap device");
            return true;
        });
        end_of_line("anon");
    }

    void blockdev(const token& word)
    {
        blockdev_decl d;
        d.pos = cur().pos;
        d.name = name("a block device name");
        declare(d.name, d.pos, "block device");
        bool have_latency = false;
        options("blockdev", [&](const token& k) {
            if (k.text == "latency") {
                d.latency_ns = duration("latency");
                have_latency = true;
            } else if (k.text == "irq") {
                source_pos p = cur().pos;
                std::uint64_t v = integer("irq");
                if (v > 1023)
                    error(p, "IRQ lines are 0..1023");
                for (const auto& other : sc_.irqs)
                    if (other.line == static_cast<int>(v))
                        error(p, fmt::format("irq line {} is already used by {}", v, other.name));
                d.irq = static_cast<int>(v);
            } else if (k.text == "cpu") {
                d.cpu = cpu_value();
            } else if (k.text == "depth") {
                source_pos p = cur().pos;
                d.depth = integer("depth");
                if (d.depth == 0)
                    error(p, "depth must be at least 1");
            } else {
                return false;
            }
            return true;
        });
        if (!have_latency)
            error(word.pos, "blockdev needs latency=TIME");
        end_of_line("the block device's options");
        for (;;) {
            if (accept_newline())
                continue;
            if (at_word("end")) {
                take();
                end_of_line("'end'");
                break;
            }
            if (at_word("request")) {
                token r = take();
                end_of_line("'request'");
                body b;
                body_scope scope;
                scope.b = &b;
                scope_ = &scope;
                slot_for("rq", true);
                b.stmts = parse_block(r, d.name, {"end"});
                expect_end(r);
                scope_ = nullptr;
                d.request = std::move(b);
                continue;
            }
            if (at(tok::eof))
                error(word.pos, "'blockdev' has no matching 'end'");
            error_here(fmt::format("expected 'request' or 'end' in blockdev {}, found {}", d.name, describe(cur())));
        }
        sc_.blockdevs.push_back(std::move(d));
        check_thread_count(word.pos);
    }

    // Every thread and every block device's worker is a kernel thread with a
    // fiber stack of its own.
    void check_thread_count(source_pos p) const
    {
        if (sc_.threads.size() + sc_.blockdevs.size() > max_threads)
            error(p, fmt::format("too many kernel threads: a scenario has at most {} (threads and block devices "
                                 "together)",
                                 max_threads));
    }

    void shrinker(const token& word)
    {
        shrinker_decl d;
        d.pos = cur().pos;
        d.name = name("a shrinker name");
        declare(d.name, d.pos, "shrinker");
        bool have_objects = false, have_size = false;
        options("shrinker", [&](const token& k) {
            if (k.text == "objects") {
                d.objects = integer("objects");
                have_objects = true;
            } else if (k.text == "size") {
                source_pos p = cur().pos;
                d.size = integer("size");
                if (d.size < 8 || d.size > 8192)
                    error(p, fmt::format("a shrinker's objects are 8 to 8192 bytes, not {}", d.size));
                have_size = true;
            } else {
                return false;
            }
            return true;
        });
        if (!have_objects || !have_size)
            error(word.pos, "shrinker needs objects=N and size=BYTES");
        end_of_line("the shrinker's options");
        in_shrinker_ = true;
        d.code = parse_body(word, d.name);
        in_shrinker_ = false;
        sc_.shrinkers.push_back(std::move(d));
    }

    void workqueue()
    {
        workqueue_decl d;
        d.pos = cur().pos;
        d.name = name("a workqueue name");
        declare(d.name, d.pos, "workqueue");
        options("workqueue", [&](const token& k) {
            if (k.text == "flags") {
                static const std::vector<std::pair<std::string, unsigned>> known = {
                    {"WQ_UNBOUND", arch::WQ_UNBOUND},           {"WQ_FREEZABLE", arch::WQ_FREEZABLE},
                    {"WQ_MEM_RECLAIM", arch::WQ_MEM_RECLAIM},   {"WQ_HIGHPRI", arch::WQ_HIGHPRI},
                    {"WQ_CPU_INTENSIVE", arch::WQ_CPU_INTENSIVE}};
                for (;;) {
                    const source_pos p = cur().pos;
                    const std::string f = name("a WQ_ flag");
                    auto it = std::find_if(known.begin(), known.end(), [&](const auto& kv) { return kv.first == f; });
                    if (it == known.end()) {
                        std::vector<std::string> names;
                        for (const auto& kv : known)
                            names.push_back(kv.first);
                        const std::string near = nearest(f, names);
                        error(p, fmt::format("unknown workqueue flag '{}'{}", f,
                                             near.empty() ? " (WQ_UNBOUND, WQ_FREEZABLE, WQ_MEM_RECLAIM, WQ_HIGHPRI or "
                                                            "WQ_CPU_INTENSIVE)"
                                                          : "; did you mean " + near + "?"));
                    }
                    d.flags |= it->second;
                    if (!at_punct("|"))
                        break;
                    take();
                }
            } else if (k.text == "max_active") {
                const source_pos p = cur().pos;
                const std::uint64_t v = integer("max_active");
                if (v < 1 || v > static_cast<std::uint64_t>(arch::WQ_MAX_ACTIVE))
                    error(p, fmt::format("max_active is 1 to {} (WQ_MAX_ACTIVE), not {}", arch::WQ_MAX_ACTIVE, v));
                d.max_active = static_cast<int>(v);
            } else {
                return false;
            }
            return true;
        });
        // The rescuer's name is "kworker/R-" and the queue's; a workqueue
        // name is at most WQ_NAME_LEN - 1 characters.
        if (d.name.size() > 31)
            error(d.pos, fmt::format("a workqueue's name is at most 31 characters (WQ_NAME_LEN 32), and \"{}\" has {}",
                                     d.name, d.name.size()));
        sc_.workqueues.push_back(d);
        sc_.uses_workqueues = true;
        end_of_line("the workqueue");
    }

    // `work NAME`, `timer NAME`, `tasklet NAME`: a body the kernel runs.
    void softirq_body(const token& word, std::vector<body_decl>& into, const char* what)
    {
        body_decl d;
        d.pos = cur().pos;
        d.name = name(fmt::format("a {} name", what).c_str());
        declare(d.name, d.pos, what);
        end_of_line(fmt::format("the {}'s name", what).c_str());
        // Declared before its body, which may queue or arm it again.
        const std::size_t i = into.size();
        into.push_back(std::move(d));
        body code = parse_body(word, into[i].name);
        into[i].code = std::move(code);
    }

    void thread(const token& word)
    {
        thread_decl t;
        t.pos = cur().pos;
        t.name = name("a thread name");
        declare(t.name, t.pos, "thread");
        options("thread", [&](const token& k) {
            if (k.text == "cpu")
                t.cpu = cpu_value();
            else if (k.text == "at")
                t.at_ns = duration("at");
            else
                return false;
            return true;
        });
        end_of_line("the thread's options");
        t.code = parse_body(word, t.name);
        sc_.threads.push_back(std::move(t));
        check_thread_count(word.pos);
    }

    int cpu_value()
    {
        source_pos p = cur().pos;
        std::uint64_t v = integer("cpu");
        int cpus = sc_.machine ? sc_.machine->cpus : 1;
        if (v >= static_cast<std::uint64_t>(cpus))
            error(p, fmt::format("CPU {} does not exist: the machine has CPUs 0..{}", v, cpus - 1));
        return static_cast<int>(v);
    }

    // `irq NAME ...` with its handler's body, or `interrupt ...` (BODILESS):
    // a source only, whose handler a module binds with request_irq().
    void irq(const token& word, bool bodiless = false)
    {
        irq_decl q;
        q.pos = cur().pos;
        q.bodiless = bodiless;
        if (!bodiless) {
            q.name = name("an IRQ handler name");
            declare(q.name, q.pos, "irq");
        }
        bool have_line = false;
        options("irq", [&](const token& k) {
            if (k.text == "line") {
                source_pos p = cur().pos;
                std::uint64_t v = integer("line");
                if (v > 1023)
                    error(p, "IRQ lines are 0..1023");
                for (const auto& other : sc_.irqs)
                    if (other.line == static_cast<int>(v))
                        error(p, fmt::format("irq line {} is already used by {}", v,
                                             other.bodiless ? fmt::format("the interrupt at line {}", other.pos.line)
                                                            : other.name));
                q.line = static_cast<int>(v);
                if (bodiless)
                    q.name = fmt::format("irq{}", v);
                have_line = true;
            } else if (k.text == "cpu") {
                q.cpu = cpu_value();
            } else if (k.text == "at") {
                q.at_ns = duration("at");
            } else if (k.text == "every") {
                source_pos p = cur().pos;
                q.every_ns = duration("every");
                if (*q.every_ns <= 0)
                    error(p, "every= must be longer than 0");
            } else if (k.text == "count") {
                q.count = integer("count");
            } else if (k.text == "jitter") {
                q.jitter_ns = duration("jitter");
            } else {
                return false;
            }
            return true;
        });
        if (!have_line)
            error(q.pos, fmt::format("{} needs line=N", word.text));
        if (q.at_ns.has_value() == q.every_ns.has_value())
            error(q.pos, fmt::format("{} needs either at=TIME or every=TIME", word.text));
        end_of_line("the irq's options");
        if (bodiless && !loads_modules_)
            error(q.pos, "an interrupt without a body needs a module to handle it: module \"PATH.c\" with request_irq()");
        if (!bodiless)
            q.code = parse_body(word, q.name);
        sc_.irqs.push_back(std::move(q));
    }

    void expectation(const token& word)
    {
        expect_decl e;
        e.pos = word.pos;
        const std::string& line = sc_.lines[static_cast<std::size_t>(word.pos.line - 1)];
        e.source = line.substr(static_cast<std::size_t>(word.pos.col - 1));
        if (auto c = e.source.find_first_of("#"); c != std::string::npos)
            e.source = e.source.substr(0, c);
        if (auto c = e.source.find("//"); c != std::string::npos)
            e.source = e.source.substr(0, c);
        while (!e.source.empty() && std::isspace(static_cast<unsigned char>(e.source.back())))
            e.source.pop_back();
        bool negated = false;
        if (at_word("no")) {
            take();
            negated = true;
        }
        if (!at(tok::ident))
            error_here(fmt::format("expected what to expect (completed, deadlock, report, failure, leaks, stat), found {}",
                                   describe(cur())));
        token what = take();
        auto in_name = [&] {
            if (at_word("in")) {
                take();
                source_pos p = cur().pos;
                e.context = context_name();
                in_checks_.push_back({e.context, p});
            }
        };
        if (!negated && what.text == "completed") {
            e.k = expect_decl::kind::completed;
        } else if (!negated && what.text == "deadlock") {
            e.k = expect_decl::kind::deadlock;
        } else if (what.text == "report") {
            e.k = negated ? expect_decl::kind::no_report : expect_decl::kind::report;
            if (at(tok::string))
                e.text = string_lit("the report text");
            else if (!negated)
                error_here("expect report needs the text of the report's first line, in quotes");
            in_name();
        } else if (what.text == "failure") {
            e.k = negated ? expect_decl::kind::no_failure : expect_decl::kind::failure;
            in_name();
        } else if (negated && what.text == "leaks") {
            e.k = expect_decl::kind::no_leaks;
        } else if (!negated && what.text == "stat") {
            e.k = expect_decl::kind::stat;
            source_pos start = cur().pos;
            while (!at(tok::eof) && !at(tok::newline) &&
                   !(cur().kind == tok::punct && (cur().text == "<" || cur().text == "<=" || cur().text == "==" ||
                                                  cur().text == "!=" || cur().text == ">=" || cur().text == ">")))
                take();
            if (!at(tok::punct))
                error(start, "expect stat needs PATH OP NUMBER, e.g. expect stat vmstat.allocstall_normal == 0");
            source_pos op = cur().pos;
            e.path = line.substr(static_cast<std::size_t>(start.col - 1), static_cast<std::size_t>(op.col - start.col));
            e.path.erase(std::remove_if(e.path.begin(), e.path.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); }),
                         e.path.end());
            if (e.path.empty())
                error(start, "expect stat needs a path before the operator");
            e.op = take().text;
            if (at(tok::duration))
                e.number = static_cast<std::uint64_t>(take().ns);
            else
                e.number = integer("the expected value");
            stat_checks_.push_back({e.path, start});
        } else {
            error(what.pos, fmt::format("unknown expectation 'expect {}{}'", negated ? "no " : "", what.text));
        }
        sc_.expects.push_back(e);
        end_of_line("the expectation");
    }

    // -- bodies
    body parse_body(const token& decl, const std::string& owner)
    {
        body b;
        body_scope scope;
        scope.b = &b;
        scope_ = &scope;
        b.stmts = parse_block(decl, owner, {"end"});
        expect_end(decl);
        scope_ = nullptr;
        return b;
    }

    void expect_end(const token& opener)
    {
        if (!at_word("end"))
            error(opener.pos, fmt::format("'{}' has no matching 'end'", opener.text));
        take();
        end_of_line("'end'");
    }

    block parse_block(const token& opener, const std::string& owner, std::initializer_list<const char*> closers)
    {
        block out;
        for (;;) {
            if (accept_newline())
                continue;
            if (at(tok::eof))
                error(opener.pos, fmt::format("'{}' has no matching 'end' (the file ends first)", opener.text));
            for (const char* c : closers)
                if (at_word(c))
                    return out;
            if (at(tok::ident) && cur().pos.col == 1 && is_declaration_word(cur().text) && cur().text != "lock")
                error(opener.pos, fmt::format("'{}' has no matching 'end' before the next declaration at line {}",
                                              opener.text, cur().pos.line));
            out.push_back(statement(owner));
        }
    }

    static bool is_declaration_word(const std::string& w)
    {
        return std::find(declaration_words.begin(), declaration_words.end(), w) != declaration_words.end();
    }

    std::string stmt_source(source_pos p) const
    {
        std::string s = sc_.lines[static_cast<std::size_t>(p.line - 1)].substr(static_cast<std::size_t>(p.col - 1));
        for (const char* c : {"//", "#"})
            if (auto i = s.find(c); i != std::string::npos)
                s = s.substr(0, i);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
            s.pop_back();
        return s;
    }

    int slot_for(const std::string& n, bool create)
    {
        auto it = scope_->vars.find(n);
        if (it != scope_->vars.end())
            return it->second;
        if (!create)
            return -1;
        int s = scope_->b->slots++;
        scope_->vars.emplace(n, s);
        scope_->b->slot_names.push_back(n);
        return s;
    }

    std::unique_ptr<stmt> statement(const std::string& owner)
    {
        auto s = std::make_unique<stmt>();
        s->pos = cur().pos;
        s->source = stmt_source(s->pos);
        const token first = cur();
        if (first.kind != tok::ident)
            error_here(fmt::format("expected a statement, found {}", describe(first)));
        const std::string& w = first.text;
        const bool opens_block = w == "if" || w == "repeat" || w == "while" || w == "for";
        struct block_level {
            int& depth;
            int by;
            ~block_level() { depth -= by; }
        } level{block_depth_, opens_block ? 1 : 0};
        block_depth_ += level.by;
        if (block_depth_ > max_block_depth)
            error(first.pos, fmt::format("blocks nest too deeply: this '{}' would be level {}, and kmsim allows {}", w,
                                         block_depth_, max_block_depth));
        if (w == "if") {
            s->k = stmt::kind::if_;
            take();
            s->exprs.push_back(expression());
            end_of_line("the condition");
            s->bodies.push_back(parse_block(first, owner, {"else", "end"}));
            while (at_word("else")) {
                token el = take();
                if (at_word("if")) {
                    take();
                    s->exprs.push_back(expression());
                    end_of_line("the condition");
                    s->bodies.push_back(parse_block(el, owner, {"else", "end"}));
                } else {
                    end_of_line("'else'");
                    s->bodies.push_back(parse_block(el, owner, {"end"}));
                    break;
                }
            }
            expect_end(first);
        } else if (w == "repeat") {
            s->k = stmt::kind::repeat;
            take();
            s->exprs.push_back(expression());
            end_of_line("the count");
            ++scope_->loop_depth;
            s->bodies.push_back(parse_block(first, owner, {"end"}));
            --scope_->loop_depth;
            expect_end(first);
        } else if (w == "while") {
            s->k = stmt::kind::while_;
            take();
            s->exprs.push_back(expression());
            end_of_line("the condition");
            ++scope_->loop_depth;
            s->bodies.push_back(parse_block(first, owner, {"end"}));
            --scope_->loop_depth;
            expect_end(first);
        } else if (w == "for") {
            s->k = stmt::kind::for_;
            take();
            if (!at(tok::ident))
                error_here("expected a variable name after 'for'");
            const token vt = cur();
            std::string var = take().text;
            if (global_index_.count(var))
                error(vt.pos, fmt::format("the loop variable must be local, and '{}' is a global", var));
            if (!at_word("in"))
                error_here("expected 'in' after the loop variable, as in: for i in 0..10");
            take();
            s->exprs.push_back(expression());
            expect_punct("..");
            s->exprs.push_back(expression());
            s->slot = slot_for(var, true);
            end_of_line("the range");
            ++scope_->loop_depth;
            s->bodies.push_back(parse_block(first, owner, {"end"}));
            --scope_->loop_depth;
            expect_end(first);
        } else if (w == "break" || w == "continue") {
            take();
            if (scope_->loop_depth == 0)
                error(first.pos, fmt::format("'{}' outside a loop", w));
            s->k = w == "break" ? stmt::kind::break_ : stmt::kind::continue_;
            end_of_line(w.c_str());
        } else if (w == "return") {
            take();
            s->k = stmt::kind::return_;
            if (!at(tok::newline) && !at(tok::eof))
                s->exprs.push_back(expression());
            end_of_line("return");
        } else if (w == "assert") {
            take();
            s->k = stmt::kind::assert_;
            s->exprs.push_back(expression());
            if (at(tok::string)) {
                // The message is told apart in reports: the source is the condition.
                const source_pos m = cur().pos;
                if (m.line == s->pos.line) {
                    s->source = s->source.substr(0, static_cast<std::size_t>(m.col - s->pos.col));
                    while (!s->source.empty() && std::isspace(static_cast<unsigned char>(s->source.back())))
                        s->source.pop_back();
                }
                s->message = string_lit("the assertion message");
            }
            end_of_line("the assertion");
        } else if (w == "else" || w == "end") {
            error(first.pos, fmt::format("'{}' without a matching block", w));
        } else if (peek_tok().kind == tok::punct && peek_tok().text == "=") {
            take();
            take();
            if (auto g = global_index_.find(w); g != global_index_.end()) {
                const global_decl& d = sc_.globals[g->second];
                if (d.is_array)
                    error(first.pos, fmt::format("'{}' is an array: assign its elements, as {}[i] = ...", w, w));
                s->k = stmt::kind::assign_global;
                s->slot = static_cast<int>(d.offset);
                s->exprs.push_back(expression());
                end_of_line("the assignment");
                return s;
            }
            s->k = stmt::kind::assign;
            if (find_kernel_call(w) || w == "sizeof" || is_constant(w) || mm::gfp_by_name(w) || names_.count(w))
                error(first.pos, fmt::format("cannot assign to '{}': it is not a variable", w));
            s->exprs.push_back(expression());
            s->slot = slot_for(w, true);  // after the value: `p = p + 1` reads the old p
            end_of_line("the assignment");
        } else {
            expr_ptr e = expression();
            if (at_punct("=") && e->k == expr::kind::global_elem) {
                take();
                s->k = stmt::kind::store_global;
                s->slot = static_cast<int>(e->value);
                s->exprs.push_back(std::move(e->args[0]));
                s->exprs.push_back(expression());
            } else if (at_punct("=")) {
                if (e->k != expr::kind::index)
                    error_here("only a variable, a global or p[i] can be assigned");
                take();
                s->k = stmt::kind::store;
                s->exprs.push_back(std::move(e->args[0]));
                s->exprs.push_back(std::move(e->args[1]));
                s->exprs.push_back(expression());
            } else {
                if (e->k != expr::kind::call && e->k != expr::kind::call_with_condition && e->k != expr::kind::func_call &&
                    e->k != expr::kind::module_call)
                    error(first.pos, "a statement must be an assignment or a call: this value is not used");
                s->k = stmt::kind::eval;
                s->exprs.push_back(std::move(e));
            }
            end_of_line("the statement");
        }
        return s;
    }

    // -- expressions (C precedence)
    static bool is_constant(const std::string& n)
    {
        static const std::set<std::string> c = {"NULL", "PAGE_SIZE", "SIZE_MAX", "ZERO_SIZE_PTR", "SHRINK_STOP",
                                                "true", "false", "jiffies", "KERN_EMERG", "KERN_ALERT", "KERN_CRIT",
                                                "KERN_ERR", "KERN_WARNING", "KERN_NOTICE", "KERN_INFO", "KERN_DEBUG",
                                                "KERN_CONT", "KERN_DEFAULT"};
        return c.count(n) != 0;
    }

    // Makes CHILD an operand of PARENT; no expression is deeper than
    // max_expr_depth (the interpreter evaluates it recursively).
    void adopt(expr& parent, expr_ptr child)
    {
        parent.depth = std::max(parent.depth, child->depth + 1);
        if (parent.depth > max_expr_depth)
            error(parent.pos, fmt::format("this expression nests too deeply: more than {} levels", max_expr_depth));
        parent.args.push_back(std::move(child));
    }

    // Counts recursion of the parser itself, which parentheses and unary
    // operators drive without building deeper trees: ((((1)))) is 1 level.
    struct nesting {
        parser& p;
        nesting(parser& pp, source_pos at) : p(pp)
        {
            if (++p.expr_nesting_ > max_expr_depth)
                p.error(at, fmt::format("this expression nests too deeply: more than {} levels", max_expr_depth));
        }
        ~nesting() { --p.expr_nesting_; }
        nesting(const nesting&) = delete;
        nesting& operator=(const nesting&) = delete;
    };

    expr_ptr make(expr::kind k, source_pos p)
    {
        auto e = std::make_unique<expr>();
        e->k = k;
        e->pos = p;
        return e;
    }

    expr_ptr expression()
    {
        nesting n(*this, cur().pos);
        return binary(0);
    }

    static int precedence(const std::string& op)
    {
        if (op == "||") return 1;
        if (op == "&&") return 2;
        if (op == "|") return 3;
        if (op == "^") return 4;
        if (op == "&") return 5;
        if (op == "==" || op == "!=") return 6;
        if (op == "<" || op == "<=" || op == ">" || op == ">=") return 7;
        if (op == "<<" || op == ">>") return 8;
        if (op == "+" || op == "-") return 9;
        if (op == "*" || op == "/" || op == "%") return 10;
        return -1;
    }

    expr_ptr binary(int min_prec)
    {
        expr_ptr lhs = unary();
        for (;;) {
            if (!at(tok::punct))
                return lhs;
            const std::string op = cur().text;
            const int prec = precedence(op);
            if (prec < 0 || prec <= min_prec - 1 || prec < min_prec)
                return lhs;
            source_pos p = take().pos;
            expr_ptr rhs = binary(prec + 1);
            auto e = make(op == "&&" ? expr::kind::logical_and : op == "||" ? expr::kind::logical_or : expr::kind::binary, p);
            e->text = op;
            adopt(*e, std::move(lhs));
            adopt(*e, std::move(rhs));
            lhs = std::move(e);
        }
    }

    expr_ptr unary()
    {
        if (at_punct("-") || at_punct("!") || at_punct("~")) {
            token op = take();
            nesting n(*this, op.pos);
            auto e = make(expr::kind::unary, op.pos);
            e->text = op.text;
            adopt(*e, unary());
            return e;
        }
        return postfix();
    }

    expr_ptr postfix()
    {
        expr_ptr e = primary();
        while (at_punct("[")) {
            source_pos p = take().pos;
            auto ix = make(expr::kind::index, p);
            adopt(*ix, std::move(e));
            adopt(*ix, expression());
            expect_punct("]");
            e = std::move(ix);
        }
        return e;
    }

    expr_ptr primary()
    {
        const token t = cur();
        if (t.kind == tok::integer) {
            take();
            auto e = make(expr::kind::number, t.pos);
            e->value = t.value;
            return e;
        }
        if (t.kind == tok::duration)
            error(t.pos, "a duration is not a value here: kernel calls take plain numbers, as udelay(10)");
        if (t.kind == tok::string) {
            auto e = make(expr::kind::string, t.pos);
            e->text = string_lit("a string");
            return e;
        }
        if (at_punct("(")) {
            take();
            expr_ptr e = expression();
            expect_punct(")");
            return e;
        }
        if (t.kind != tok::ident)
            error(t.pos, fmt::format("expected a value, found {}", describe(t)));
        take();
        const std::string& n = t.text;
        if (at_punct("("))
            return call(t);
        if (n.rfind("KERN_", 0) == 0 && is_constant(n)) {
            static const std::map<std::string, std::string> levels = {
                {"KERN_EMERG", "\0010"}, {"KERN_ALERT", "\0011"}, {"KERN_CRIT", "\0012"}, {"KERN_ERR", "\0013"},
                {"KERN_WARNING", "\0014"}, {"KERN_NOTICE", "\0015"}, {"KERN_INFO", "\0016"}, {"KERN_DEBUG", "\0017"},
                {"KERN_CONT", "\001c"}, {"KERN_DEFAULT", ""}};
            auto e = make(expr::kind::string, t.pos);
            e->text = levels.at(n);
            while (at(tok::string))
                e->text += take().text;
            return e;
        }
        if (n == "jiffies")
            return make(expr::kind::jiffies, t.pos);
        if (n == "sc" && at_punct(".")) {
            take();
            if (!in_shrinker_)
                error(t.pos, "sc is bound only inside a shrinker's body");
            if (!at_word("gfp_mask") && !at_word("nr_to_scan"))
                error_here("a shrink_control has gfp_mask and nr_to_scan");
            auto e = make(expr::kind::shrink_field, t.pos);
            e->value = take().text == "gfp_mask" ? 0 : 1;
            return e;
        }
        if (is_constant(n)) {
            auto e = make(expr::kind::number, t.pos);
            e->value = n == "PAGE_SIZE" ? 4096 : n == "SIZE_MAX" || n == "SHRINK_STOP" ? UINT64_MAX
                       : n == "ZERO_SIZE_PTR" ? 16 : n == "true" ? 1 : 0;
            return e;
        }
        if (auto m = mm::gfp_by_name(n)) {
            auto e = make(expr::kind::number, t.pos);
            e->value = *m;
            return e;
        }
        if (auto f = mm::slab_flag_by_name(n)) {
            auto e = make(expr::kind::number, t.pos);
            e->value = *f;
            return e;
        }
        int slot = slot_for(n, false);
        if (slot >= 0) {
            auto e = make(expr::kind::var, t.pos);
            e->value = static_cast<std::uint64_t>(slot);
            e->text = n;
            return e;
        }
        if (auto g = global_index_.find(n); g != global_index_.end()) {
            const global_decl& d = sc_.globals[g->second];
            if (!d.is_array) {
                auto e = make(expr::kind::global, t.pos);
                e->value = d.offset;
                e->text = n;
                return e;
            }
            if (!at_punct("["))
                error(t.pos, fmt::format("'{}' is an array of {} integers: use its elements, as {}[i]", n, d.size, n));
            take();
            auto e = make(expr::kind::global_elem, t.pos);
            e->value = g->second;
            e->text = n;
            adopt(*e, expression());
            expect_punct("]");
            return e;
        }
        if (auto it = names_.find(n); it != names_.end())
            error(t.pos, fmt::format("'{}' is a {}, not a value", n, it->second));
        if (func_index_.count(n))
            error(t.pos, fmt::format("'{}' is a function, not a value: call it, as {}(...)", n, n));
        if (n.rfind("GFP_", 0) == 0 || n.rfind("__GFP_", 0) == 0) {
            std::string near = mm::nearest_gfp_name(n);
            error(t.pos, fmt::format("unknown GFP flag '{}'{}", n, near.empty() ? "" : "; did you mean " + near + "?"));
        }
        std::vector<std::string> known(scope_->b->slot_names.begin(), scope_->b->slot_names.end());
        std::string near = nearest(n, known);
        error(t.pos, fmt::format("'{}' is not defined here{}", n,
                                 near.empty() ? " (variables must be assigned before they are used)"
                                              : "; did you mean '" + near + "'?"));
    }

    int object_index(const token& t, arg_kind kind, const kernel_call& bi)
    {
        const std::string& n = t.text;
        auto wrong = [&](const char* want) -> int {
            auto it = names_.find(n);
            if (it == names_.end())
                error(t.pos, fmt::format("{} '{}' is not declared (declare it with '{}' before the thread that uses it)",
                                         want, n, std::string(want).substr(0, std::string(want).find(' '))));
            error(t.pos, fmt::format("{}() needs a {}, but '{}' is a {}", bi.name, want, n, it->second));
        };
        switch (kind) {
        case arg_kind::spinlock:
        case arg_kind::mutex:
        case arg_kind::rwsem: {
            const lock_kind want = kind == arg_kind::mutex   ? lock_kind::mutex
                                   : kind == arg_kind::rwsem ? lock_kind::rwsem
                                                             : lock_kind::spinlock;
            for (std::size_t i = 0; i < sc_.locks.size(); ++i)
                if (sc_.locks[i].name == n) {
                    if (sc_.locks[i].kind != want)
                        error(t.pos, fmt::format("{}() needs a {}, but '{}' is a {}", bi.name, to_string(want), n,
                                                 to_string(sc_.locks[i].kind)));
                    return static_cast<int>(i);
                }
            return wrong(want == lock_kind::mutex ? "lock (mutex)" : want == lock_kind::rwsem ? "lock (rwsem)"
                                                                                               : "lock (spinlock)");
        }
        case arg_kind::completion:
            for (std::size_t i = 0; i < sc_.completions.size(); ++i)
                if (sc_.completions[i].name == n)
                    return static_cast<int>(i);
            return wrong("completion");
        case arg_kind::cache:
            for (std::size_t i = 0; i < sc_.caches.size(); ++i)
                if (sc_.caches[i].name == n)
                    return static_cast<int>(i);
            return wrong("cache");
        case arg_kind::device:
            for (std::size_t i = 0; i < sc_.blockdevs.size(); ++i)
                if (sc_.blockdevs[i].name == n)
                    return static_cast<int>(i);
            return wrong("block device");
        case arg_kind::mempool:
            for (std::size_t i = 0; i < sc_.mempools.size(); ++i)
                if (sc_.mempools[i].name == n)
                    return static_cast<int>(i);
            return wrong("mempool");
        case arg_kind::workqueue:
            for (std::size_t i = 0; i < sc_.workqueues.size(); ++i)
                if (sc_.workqueues[i].name == n) {
                    sc_.uses_workqueues = true;
                    return static_cast<int>(i);
                }
            return wrong("workqueue");
        case arg_kind::work:
            for (std::size_t i = 0; i < sc_.works.size(); ++i)
                if (sc_.works[i].name == n)
                    return static_cast<int>(i);
            return wrong("work item");
        case arg_kind::timer:
            for (std::size_t i = 0; i < sc_.timers.size(); ++i)
                if (sc_.timers[i].name == n)
                    return static_cast<int>(i);
            return wrong("timer");
        case arg_kind::tasklet:
            for (std::size_t i = 0; i < sc_.tasklets.size(); ++i)
                if (sc_.tasklets[i].name == n)
                    return static_cast<int>(i);
            return wrong("tasklet");
        case arg_kind::waitqueue:
            for (std::size_t i = 0; i < sc_.waitqueues.size(); ++i)
                if (sc_.waitqueues[i].name == n)
                    return static_cast<int>(i);
            return wrong("waitqueue");
        case arg_kind::func:
            if (auto f = func_index_.find(n); f != func_index_.end()) {
                const func_decl& d = sc_.funcs[f->second];
                if (d.params != 1)
                    error(t.pos, fmt::format("{}() runs FUNC(ARG), so FUNC takes one parameter; '{}' takes {}", bi.name,
                                             n, d.params));
                return static_cast<int>(f->second);
            }
            if (!names_.count(n))
                error(t.pos, fmt::format("function '{}' is not declared (declare it with func {}(ARG) ... end)", n, n));
            return wrong("function");
        default:
            return -1;
        }
    }

    // sizeof(TYPE): a constant, as in C.
    expr_ptr size_of(const token& t)
    {
        expect_punct("(");
        std::string type = name("a type");
        while (at(tok::ident))
            type += " " + take().text;
        if (at_punct("*")) {
            take();
            type += "*";
        }
        static const std::map<std::string, std::uint64_t> sizes = {
            {"char", 1}, {"short", 2}, {"int", 4}, {"long", 8}, {"u8", 1}, {"u16", 2}, {"u32", 4}, {"u64", 8},
            {"size_t", 8}, {"void*", 8}, {"unsigned", 4}, {"unsigned int", 4}, {"unsigned long", 8},
            {"long long", 8}, {"s8", 1}, {"s16", 2}, {"s32", 4}, {"s64", 8}};
        auto it = sizes.find(type);
        if (it == sizes.end())
            error(t.pos, fmt::format("sizeof({}): kmsim knows char short int long u8 u16 u32 u64 size_t void*", type));
        expect_punct(")");
        auto n = make(expr::kind::number, t.pos);
        n->value = it->second;
        return n;
    }

    // (ARGS) of a call of E->text, every one an expression: into E->args.
    void value_arguments(expr& e, const token& t)
    {
        expect_punct("(");
        if (!at_punct(")"))
            for (;;) {
                adopt(e, expression());
                if (e.args.size() > max_call_args)
                    error(t.pos, fmt::format("{}() is given more than {} arguments", e.text, max_call_args));
                if (!at_punct(","))
                    break;
                take();
            }
        if (!at_punct(")"))
            error_here(fmt::format("expected ',' or ')' in the call to {}(), found {}", e.text, describe(cur())));
        take();
    }

    // A call of a scenario function: NAME(ARGS), as many as it has parameters.
    expr_ptr func_call(const token& t, std::size_t index)
    {
        const func_decl& f = sc_.funcs[index];
        auto e = make(expr::kind::func_call, t.pos);
        e->value = index;
        e->text = f.name;
        value_arguments(*e, t);
        if (e->args.size() != f.params)
            error(t.pos, fmt::format("{}() takes {} argument{}, not {}", f.name, f.params, f.params == 1 ? "" : "s",
                                     e->args.size()));
        return e;
    }

    // A duration where a call takes jiffies: msecs_to_jiffies(ms), or
    // usecs_to_jiffies(us) rounded up, as a kernel developer would write it.
    expr_ptr duration_in_jiffies(const token& d)
    {
        const bool whole_ms = d.ns % 1000000 == 0;
        const std::uint64_t n = static_cast<std::uint64_t>(whole_ms ? d.ns / 1000000 : (d.ns + 999) / 1000);
        if (n > UINT32_MAX)
            error(d.pos, "this timeout is longer than msecs_to_jiffies() takes (an unsigned int of milliseconds)");
        auto e = make(expr::kind::call, d.pos);
        e->call = find_kernel_call(whole_ms ? "msecs_to_jiffies" : "usecs_to_jiffies");
        e->text = std::string(e->call->name);
        auto v = make(expr::kind::number, d.pos);
        v->value = n;
        adopt(*e, std::move(v));
        return e;
    }

    // NAME(args) of a function a module exports (EXPORT_SYMBOL): integer
    // and pointer arguments, as many as a C function takes in registers.
    expr_ptr module_call(const token& t)
    {
        auto e = make(expr::kind::module_call, t.pos);
        e->text = t.text;
        e->value = sc_.module_calls.size();
        value_arguments(*e, t);
        if (e->args.size() > max_module_call_args)
            error(t.pos, fmt::format("{}() is called with {} arguments; a module's function takes at most {} here",
                                     t.text, e->args.size(), max_module_call_args));
        sc_.module_calls.push_back({t.text, t.pos, e->args.size()});
        return e;
    }

    // A kernel call, checked against the table (scenarios/kernel_api.h).
    expr_ptr call(const token& t)
    {
        if (t.text == "sizeof")
            return size_of(t);
        if (auto f = func_index_.find(t.text); f != func_index_.end())
            return func_call(t, f->second);
        const kernel_call* bi = find_kernel_call(t.text);
        if (!bi && loads_modules_)
            return module_call(t);
        if (!bi) {
            std::vector<std::string> names;
            for (const auto& b : kernel_calls())
                names.emplace_back(b.name);
            for (const auto& f : sc_.funcs)
                names.push_back(f.name);
            std::string near = nearest(t.text, names);
            error(t.pos, fmt::format("unknown kernel call '{}'{}", t.text,
                                     near.empty() ? " (nor a function: declare one with func NAME(...) ... end)"
                                                  : "; did you mean " + near + "?"));
        }
        auto e = make(expr::kind::call, t.pos);
        e->call = bi;
        e->text = std::string(bi->name);
        expect_punct("(");
        std::size_t i = 0;
        if (!at_punct(")")) {
            for (;;) {
                const arg_kind kind = i < bi->args.size() ? bi->args[i] : arg_kind::value;
                // A cache is a declared one's name or any value (a handle
                // kmem_cache_create() returned).
                // (A name that is no variable and no constant is taken for a
                // cache that should have been declared.)
                const bool cache_value = kind == arg_kind::cache &&
                                         !(at(tok::ident) && !is_constant(cur().text) && slot_for(cur().text, false) < 0);
                if (kind == arg_kind::timeout && at(tok::duration) && peek_tok().kind == tok::punct &&
                    (peek_tok().text == "," || peek_tok().text == ")")) {
                    adopt(*e, duration_in_jiffies(take()));
                } else if (kind == arg_kind::condition) {
                    // The condition's source, for the call as the log shows it.
                    const source_pos from = cur().pos;
                    adopt(*e, expression());
                    const std::string& line = sc_.lines[static_cast<std::size_t>(from.line - 1)];
                    const std::size_t to = cur().pos.line == from.line ? static_cast<std::size_t>(cur().pos.col - 1)
                                                                       : line.size();
                    e->text = line.substr(static_cast<std::size_t>(from.col - 1), to - static_cast<std::size_t>(from.col - 1));
                    while (!e->text.empty() && std::isspace(static_cast<unsigned char>(e->text.back())))
                        e->text.pop_back();
                } else if (kind == arg_kind::value || kind == arg_kind::gfp || kind == arg_kind::format ||
                           kind == arg_kind::name || kind == arg_kind::comm || kind == arg_kind::ctor ||
                           kind == arg_kind::slab_flags || kind == arg_kind::timeout || cache_value) {
                    adopt(*e, expression());
                } else {
                    if (!at(tok::ident) && !at(tok::string))
                        error_here(fmt::format("{}() takes the name of a declared object here", bi->name));
                    token obj = take();
                    auto o = make(expr::kind::object, obj.pos);
                    const int index = object_index(obj, kind, *bi);
                    o->value = kind == arg_kind::cache ? kernel_objects::cache_handle(static_cast<std::size_t>(index))
                                                       : static_cast<std::uint64_t>(index);
                    o->text = obj.text;
                    adopt(*e, std::move(o));
                }
                ++i;
                if (i > max_call_args)
                    error(t.pos, fmt::format("{}() is given more than {} arguments", bi->name, max_call_args));
                if (at_punct(",")) {
                    take();
                    continue;
                }
                break;
            }
        }
        if (!at_punct(")"))
            error_here(fmt::format("expected ',' or ')' in the call to {}(), found {}", bi->name, describe(cur())));
        take();
        const std::size_t required = bi->args.size() - bi->optional_args;
        if (bi->variadic ? i < bi->args.size() : i < required || i > bi->args.size())
            error(t.pos, fmt::format("{}() takes {}{}{} argument{}, not {}", bi->name, bi->variadic ? "at least " : "",
                                     bi->optional_args ? fmt::format("{} or ", required) : "", bi->args.size(),
                                     bi->args.size() == 1 ? "" : "s", i));
        for (std::size_t k = 0; k < i && k < bi->args.size(); ++k) {
            const expr& x = *e->args[k];
            if (bi->args[k] == arg_kind::name && x.k != expr::kind::string)
                error(x.pos, fmt::format("{}() takes a string literal here, as {}(\"my_cache\", ...)", bi->name,
                                         bi->name));
            if (bi->args[k] == arg_kind::comm) {
                if (x.k != expr::kind::string || x.text.empty() || has_control_char(x.text))
                    error(x.pos, fmt::format("{}() takes the new task's name here, a string literal on one line, as "
                                             "\"worker\"",
                                             bi->name));
                check_comm(x.text, x.pos);
                runtime_threads_.insert(x.text);
            }
            if (bi->args[k] == arg_kind::ctor && !(x.k == expr::kind::number && x.value == 0))
                error(x.pos, fmt::format("{}() takes NULL here: kmsim runs no constructor", bi->name));
        }
        for (std::size_t k = 0; k < bi->args.size(); ++k)
            if (bi->args[k] == arg_kind::format) {
                if (e->args[k]->k != expr::kind::string)
                    error(e->args[k]->pos,
                          fmt::format("{}() needs a format string first, as {}(KERN_INFO \"x=%d\\n\", x)", bi->name,
                                      bi->name));
                check_printk_format(*e->args[k]);
            }
        if (bi->condition_arg >= 0)
            e->k = expr::kind::call_with_condition;  // the interpreter's other path
        return e;
    }

    // Field widths the kernel's vsnprintf() cannot hold are a mistake in
    // the scenario, not something to format.
    void check_printk_format(const expr& f) const
    {
        const std::string& t = f.text;
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (t[i] != '%')
                continue;
            std::size_t j = i + 1;
            while (j < t.size() && std::strchr("-0#+ ", t[j]))
                ++j;
            std::uint64_t width = 0;
            bool huge = false;
            while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) {
                width = width * 10 + static_cast<unsigned>(t[j] - '0');
                huge |= width > max_printk_width;
                if (huge)
                    width = max_printk_width + 1;
                ++j;
            }
            if (huge)
                error(f.pos, fmt::format("printk field width {} is too large: the kernel's vsnprintf() takes at most {} "
                                         "(FIELD_WIDTH_MAX)",
                                         t.substr(i + 1, j - i - 1), max_printk_width));
            i = j > i ? j - 1 : i;
        }
    }

    // A kernel thread the machine of this scenario runs: kswapd, the
    // flusher, a block device's worker.
    bool is_kernel_thread(const std::string& n) const
    {
        if (n == mm::kswapd_comm || n == mm::flusher_comm)
            return true;
        if (n == "oom_reaper" && !sc_.processes.empty())
            return true;
        for (const auto& d : sc_.blockdevs)
            if (n == drivers::blockdev_worker_comm(d.name))
                return true;
        // The kworkers of a scenario with workqueues: their names depend on
        // how many the run makes, so any kworker name is taken.
        if (sc_.uses_workqueues && n.rfind("kworker/", 0) == 0 && n.size() > 8)
            return true;
        const int cpus = sc_.machine ? sc_.machine->cpus : 1;
        for (int c = 0; sc_.uses_softirqs && c < cpus; ++c)
            if (n == fmt::format("ksoftirqd/{}", c))
                return true;
        return false;
    }

    void finish()
    {
        for (const auto& [n, p] : in_checks_) {
            auto it = names_.find(n);
            const bool scenario_context =
                it != names_.end() && (it->second == std::string("thread") || it->second == std::string("irq"));
            if (!scenario_context && !is_kernel_thread(n) && !runtime_threads_.count(n))
                error(p, fmt::format("'{}' is not a thread or irq of this scenario, nor one of its kernel threads ({}, "
                                     "{}, kworker/DEVICE for each blockdev, kworkers with workqueues, ksoftirqd/N with timers or tasklets)",
                                     n, mm::kswapd_comm, mm::flusher_comm));
        }
        for (const auto& [path, p] : stat_checks_)
            if (!(path == "time" || path == "min_free_kbytes" || path == "leaks" || path.rfind("vmstat.", 0) == 0 ||
                  path.rfind("zone.", 0) == 0 || path.rfind("slab.", 0) == 0 || path.rfind("meminfo.", 0) == 0))
                error(p, fmt::format("unknown stat '{}': paths start with vmstat., zone., slab., meminfo., or are "
                                     "time, min_free_kbytes or leaks", path));
        if (sc_.title.empty()) {
            std::string base = file_.substr(file_.find_last_of('/') + 1);
            sc_.title = base;
        }
    }

    std::string file_;
    scenario sc_;
    std::vector<token> toks_;
    std::size_t pos_ = 0;
    std::map<std::string, const char*> names_;
    std::map<std::string, std::size_t> global_index_;  // into sc_.globals
    std::map<std::string, std::size_t> func_index_;    // into sc_.funcs
    bool loads_modules_ = false;                       // a `module` line: calls may be of module exports
    std::set<std::string> runtime_threads_;            // the names kthread_run() and kthread_create() give
    body_scope* scope_ = nullptr;
    bool in_shrinker_ = false;
    int block_depth_ = 0;   // blocks open around the statement being parsed
    int expr_nesting_ = 0;  // parser recursion inside one expression
    std::vector<std::pair<std::string, source_pos>> in_checks_;
    std::vector<std::pair<std::string, source_pos>> stat_checks_;
};

}  // namespace

scenario parse_scenario(const std::string& text, const std::string& file)
{
    parser p(text, file);
    return p.run();
}

}  // namespace kmsim::scenarios

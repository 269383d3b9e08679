// scenarios/schedule.cpp - schedule tokens, and playing a schedule at each choice point.
#include "scenarios/schedule.h"

#include "sim/actor.h"
#include "sim/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace kmsim::scenarios {

namespace {

// Each kind's letter in a token.
constexpr char letters[nr_choice_kinds] = {'o', 'w', 'n', 'l', 'c', 'p', 'i', 'f', 'r'};

choice_kind kind_of(sim::decision d)
{
    switch (d) {
    case sim::decision::event_order: return choice_kind::event_order;
    case sim::decision::wake_cpu: return choice_kind::wake_cpu;
    case sim::decision::next_task: return choice_kind::next_task;
    case sim::decision::lock_waiter: return choice_kind::lock_waiter;
    case sim::decision::completion_waiter: return choice_kind::completion_waiter;
    case sim::decision::preempt: return choice_kind::preempt;
    case sim::decision::irq_arrival: return choice_kind::irq_arrival;
    }
    return choice_kind::event_order;
}

template <typename T>
bool parse_number(std::string_view s, T& out)
{
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

const char* to_string(choice_kind k)
{
    switch (k) {
    case choice_kind::event_order: return "order";
    case choice_kind::wake_cpu: return "pick";           // where a woken task runs
    case choice_kind::next_task: return "pick";
    case choice_kind::lock_waiter: return "handoff";
    case choice_kind::completion_waiter: return "handoff";  // which waiter a complete() hands on to
    case choice_kind::preempt: return "preempt";
    case choice_kind::irq_arrival: return "irq";
    case choice_kind::fail: return "fail";
    case choice_kind::reclaim: return "reclaim";
    }
    return "?";
}

std::string encode(const schedule& s)
{
    std::string t = fmt::format("1.s{}", s.seed);
    for (const deviation& d : s.deviations) {
        t += fmt::format(".{}{}", letters[static_cast<std::size_t>(d.kind)], d.ordinal);
        if (d.value != 1)
            t += fmt::format("-{}", d.value);
    }
    return t;
}

std::optional<schedule> decode(std::string_view token, std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<schedule> {
        if (error)
            *error = std::move(why);
        return std::nullopt;
    };
    std::vector<std::string_view> parts;
    for (std::size_t pos = 0;;) {
        const std::size_t dot = token.find('.', pos);
        parts.push_back(token.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
        if (dot == std::string_view::npos)
            break;
        pos = dot + 1;
    }
    if (parts.size() < 2 || parts[0] != "1")
        return fail("a schedule token starts with '1.s' and the seed, as kmsim explore prints it");
    schedule s;
    if (parts[1].size() < 2 || parts[1][0] != 's' || !parse_number(parts[1].substr(1), s.seed))
        return fail(fmt::format("'{}' is not a seed ('s' and a number)", parts[1]));
    for (std::size_t i = 2; i < parts.size(); ++i) {
        const std::string_view p = parts[i];
        const char* at = p.empty() ? nullptr : std::find(std::begin(letters), std::end(letters), p[0]);
        if (!at || at == std::end(letters))
            return fail(fmt::format("'{}' is not a deviation (a letter of {} and a number)", p,
                                    std::string_view(letters, nr_choice_kinds)));
        deviation d;
        d.kind = static_cast<choice_kind>(at - std::begin(letters));
        const std::size_t dash = p.find('-', 1);
        if (!parse_number(p.substr(1, dash == std::string_view::npos ? std::string_view::npos : dash - 1), d.ordinal))
            return fail(fmt::format("'{}' has no ordinal after its letter", p));
        if (dash != std::string_view::npos && !parse_number(p.substr(dash + 1), d.value))
            return fail(fmt::format("'{}' has no value after its '-'", p));
        if (d.value < 0 || (d.kind != choice_kind::irq_arrival && d.value == 0))
            return fail(fmt::format("'{}' takes kmsim's own choice: it is no deviation", p));
        s.deviations.push_back(d);
    }
    return s;
}

schedule_chooser::schedule_chooser(schedule s, strategy_fn strategy)
    : schedule_(std::move(s)), strategy_(std::move(strategy))
{
}

std::uint64_t schedule_chooser::total_points() const
{
    std::uint64_t n = 0;
    for (std::uint64_t c : counts_)
        n += c;
    return n;
}

std::optional<std::int64_t> schedule_chooser::next(choice_point p)
{
    const choice_kind k = p.kind;
    p.ordinal = counts_[static_cast<std::size_t>(k)]++;
    std::optional<std::int64_t> value;
    for (const deviation& d : schedule_.deviations)
        if (d.kind == k && d.ordinal == p.ordinal) {
            value = d.value;
            break;
        }
    if (!value && strategy_)
        value = strategy_(p);
    if (!value)
        return std::nullopt;
    // A replayed value the run cannot take (the scenario changed) is the
    // nearest it can.
    if (k == choice_kind::irq_arrival)
        *value = std::clamp<std::int64_t>(*value, 0, p.alternatives);
    else if (*value >= p.alternatives)
        *value = p.alternatives - 1;
    if (k != choice_kind::irq_arrival && *value == 0)
        return std::nullopt;
    deviation d;
    d.kind = k;
    d.ordinal = p.ordinal;
    d.value = *value;
    d.arrival_ns = p.from_ns + *value;
    d.cpu = p.cpu;
    if (p.actors)
        d.chosen = p.actors[*value]->name();
    else if (!p.what.empty())
        d.chosen = p.what;
    if (describe)
        describe(d);
    taken_.push_back(std::move(d));
    return value;
}

std::size_t schedule_chooser::choose(sim::decision d, std::size_t n)
{
    const auto v = next(choice_point{kind_of(d), 0, static_cast<std::int64_t>(n), 0});
    return v ? static_cast<std::size_t>(*v) : 0;
}

std::size_t schedule_chooser::choose_among(sim::decision d, const sim::actor* const* alternatives, std::size_t n,
                                          const sim::actor* current)
{
    choice_point p{kind_of(d), 0, static_cast<std::int64_t>(n), 0};
    p.actors = alternatives;
    p.current = current;
    const auto v = next(p);
    return v ? static_cast<std::size_t>(*v) : 0;
}

std::int64_t schedule_chooser::choose_delay(sim::decision d, std::int64_t from_ns, std::int64_t max, int target,
                                            std::string_view what, std::int64_t seeded)
{
    choice_point p{kind_of(d), 0, max, seeded, from_ns, target};
    p.what = what;
    const auto v = next(p);
    return v ? *v : seeded;
}

bool schedule_chooser::should_fail()
{
    return next(choice_point{choice_kind::fail, 0, 2, 0}).has_value();
}

bool schedule_chooser::should_reclaim()
{
    return next(choice_point{choice_kind::reclaim, 0, 2, 0}).has_value();
}

}  // namespace kmsim::scenarios

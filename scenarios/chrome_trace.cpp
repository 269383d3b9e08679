// scenarios/chrome_trace.cpp - a timeline as Chrome trace-event JSON, one event per line.
#include "scenarios/chrome_trace.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kmsim::scenarios {

namespace {

using json = nlohmann::ordered_json;

constexpr int cpus_pid = 0;
constexpr int contexts_pid = 1;

// Trace-event time is in microseconds; kmsim's is in nanoseconds, kept.
double us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

class event_writer {
public:
    explicit event_writer(std::ostream& out) : out_(out) {}
    void operator()(const json& e)
    {
        out_ << (first_ ? "\n" : ",\n") << e.dump();
        first_ = false;
    }

private:
    std::ostream& out_;
    bool first_ = true;
};

json meta(const char* what, int pid, int tid, const std::string& name)
{
    json e = {{"ph", "M"}, {"name", what}, {"pid", pid}};
    if (tid >= 0)
        e["tid"] = tid;
    e["args"] = {{"name", name}};
    return e;
}

}  // namespace

void write_chrome_trace(std::ostream& out, const timeline& t, const std::string& title)
{
    out << "{\"displayTimeUnit\": \"ns\",\n\"otherData\": "
        << json{{"scenario", title}, {"marks_not_kept", t.marks_not_kept}}.dump()
        << ",\n\"traceEvents\": [";
    event_writer emit(out);

    emit(meta("process_name", cpus_pid, -1, "CPUs"));
    emit(json{{"ph", "M"}, {"name", "process_sort_index"}, {"pid", cpus_pid}, {"args", {{"sort_index", 0}}}});
    for (int c = 0; c < t.nr_cpus; ++c)
        emit(meta("thread_name", cpus_pid, c, fmt::format("CPU{}", c)));
    emit(meta("process_name", contexts_pid, -1, "contexts"));
    emit(json{{"ph", "M"}, {"name", "process_sort_index"}, {"pid", contexts_pid}, {"args", {{"sort_index", 1}}}});
    for (std::size_t i = 0; i < t.contexts.size(); ++i) {
        const timeline_context& c = t.contexts[i];
        emit(meta("thread_name", contexts_pid, static_cast<int>(i) + 1,
                  c.irq ? fmt::format("irq {}", c.name) : fmt::format("{}/{}", c.name, c.pid)));
    }

    for (const cpu_slice& s : t.slices) {
        if (s.kind == slice_kind::idle)
            continue;  // the gaps
        json args = {{"context", to_string(s.kind)}, {"pid", s.pid}};
        if (s.irq >= 0)
            args["irq"] = s.irq;
        emit(json{{"ph", "X"}, {"name", s.name}, {"cat", to_string(s.kind)}, {"pid", cpus_pid}, {"tid", s.cpu},
                  {"ts", us(s.start_ns)}, {"dur", us(s.end_ns - s.start_ns)}, {"args", args}});
    }

    for (const call_span& c : t.calls)
        emit(json{{"ph", "X"}, {"name", c.text}, {"cat", "call"}, {"pid", contexts_pid}, {"tid", c.ctx + 1},
                  {"ts", us(c.start_ns)}, {"dur", us(c.end_ns - c.start_ns)},
                  {"args", {{"at", c.where}, {"cpu", c.cpu}}}});
    int flow = 0;
    for (const wait_span& w : t.waits) {
        emit(json{{"ph", "X"}, {"name", fmt::format("{}: {}", w.spinning ? "spin" : "wait", w.what)},
                  {"cat", w.spinning ? "spin" : "wait"}, {"pid", contexts_pid}, {"tid", w.ctx + 1},
                  {"ts", us(w.start_ns)}, {"dur", us(w.end_ns - w.start_ns)}});
        if (w.woken_by < 0)
            continue;
        ++flow;
        emit(json{{"ph", "s"}, {"name", "wake-up"}, {"cat", "wakeup"}, {"id", flow}, {"pid", contexts_pid},
                  {"tid", w.woken_by + 1}, {"ts", us(w.end_ns)}});
        emit(json{{"ph", "f"}, {"bp", "e"}, {"name", "wake-up"}, {"cat", "wakeup"}, {"id", flow},
                  {"pid", contexts_pid}, {"tid", w.ctx + 1}, {"ts", us(w.end_ns)}});
    }

    // A zone's counter carries its watermarks beside its free pages: Perfetto
    // draws each value as a track of its own ("free pages DMA32 min").
    std::size_t zone = 0;
    for (const counter_series& s : t.counters) {
        const std::vector<watermark_step>* steps = s.zone.empty() ? nullptr : &t.watermarks[zone++];
        std::size_t step = 0;
        for (const auto& [ns, v] : counter_points(s, t.end_ns)) {
            json args;
            if (steps && !steps->empty()) {
                while (step + 1 < steps->size() && (*steps)[step + 1].t_ns <= ns)
                    ++step;
                const watermark_step& m = (*steps)[step];
                args = {{"free", v}, {"min", m.min}, {"low", m.low}, {"high", m.high}};
            } else {
                args = {{"pages", v}};
            }
            emit(json{{"ph", "C"}, {"name", s.name}, {"pid", cpus_pid}, {"ts", us(ns)}, {"args", args}});
        }
    }

    for (const timeline_mark& m : t.marks) {
        json e = {{"ph", "i"}, {"name", m.title}, {"cat", to_string(m.kind)}, {"pid", cpus_pid}};
        if (m.cpu >= 0) {
            e["tid"] = m.cpu;
            e["s"] = "t";
        } else {
            e["tid"] = 0;
            e["s"] = "g";
        }
        e["ts"] = us(m.t_ns);
        json args = {{"context", m.context}};
        if (!m.text.empty())
            args["text"] = m.text;
        e["args"] = args;
        emit(e);
    }
    out << "\n]}\n";
}

}  // namespace kmsim::scenarios

// scenarios/html.cpp - the --html page: a timeline's data as JSON, inside the page's inline script and style.
#include "scenarios/html.h"

#include <algorithm>
#include <tuple>
#include <nlohmann/json.hpp>

namespace kmsim::scenarios {

extern const char* const html_timeline_css;  // scenarios/html/timeline.css, embedded
extern const char* const html_timeline_js;   // scenarios/html/timeline.js, embedded

namespace {

using json = nlohmann::json;

std::string escape_html(const std::string& s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// The data the script draws from. Arrays of arrays keep the page small:
// a run of the bundled scenarios has up to some tens of thousands of slices.
json page_data(const timeline& t, const html_page& page)
{
    json contexts = json::array();
    for (const timeline_context& c : t.contexts)
        contexts.push_back(json::array({c.name, c.pid, c.irq}));
    std::vector<const cpu_slice*> order;
    order.reserve(t.slices.size());
    for (const cpu_slice& s : t.slices)
        order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const cpu_slice* a, const cpu_slice* b) {
        return std::tie(a->cpu, a->depth, a->start_ns) < std::tie(b->cpu, b->depth, b->start_ns);
    });
    json slices = json::array();
    for (const cpu_slice* s : order)
        slices.push_back(json::array({s->cpu, s->depth, to_string(s->kind), s->name, s->pid, s->start_ns, s->end_ns,
                                      s->ctx, s->irq}));
    json calls = json::array();
    for (const call_span& c : t.calls)
        calls.push_back(json::array({c.ctx, c.start_ns, c.end_ns, c.text, c.where}));
    json waits = json::array();
    for (const wait_span& w : t.waits)
        waits.push_back(json::array({w.ctx, w.start_ns, w.end_ns, w.what, w.woken_by, w.spinning}));
    json zones = json::array(), counters = json::array();
    std::size_t z = 0;
    for (const counter_series& s : t.counters) {
        json pts = json::array();
        for (const auto& [ns, v] : counter_points(s, t.end_ns))
            pts.push_back(json::array({ns, v}));
        if (s.zone.empty()) {
            counters.push_back({{"name", s.name}, {"points", pts}});
            continue;
        }
        json wm = json::array();
        for (const watermark_step& m : t.watermarks[z++])
            wm.push_back(json::array({m.t_ns, m.min, m.low, m.high}));
        zones.push_back({{"name", s.zone}, {"free", pts}, {"watermarks", wm}});
    }
    json marks = json::array();
    for (const timeline_mark& m : t.marks)
        marks.push_back(json::array({to_string(m.kind), m.t_ns, m.cpu, m.title, m.context, m.text}));
    return {{"title", page.title},   {"nr_cpus", t.nr_cpus}, {"end_ns", t.end_ns},
            {"contexts", contexts},  {"slices", slices},     {"calls", calls},
            {"calls_truncated", t.calls_truncated},          {"waits", waits},
            {"marks_not_kept", t.marks_not_kept},
            {"zones", zones},        {"counters", counters}, {"marks", marks},
            {"summary", page.summary}};
}

}  // namespace

void write_html(std::ostream& out, const timeline& t, const html_page& page)
{
    // Inside <script>, "</" would end the element: JSON allows "<\/".
    std::string data = page_data(t, page).dump();
    for (std::size_t at = 0; (at = data.find("</", at)) != std::string::npos; at += 3)
        data.replace(at, 2, "<\\/");
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        << "<title>kmsim: " << escape_html(page.title) << "</title>\n<style>\n"
        << html_timeline_css << "</style>\n</head>\n<body>\n"
        << "<noscript>This page draws the run with JavaScript.</noscript>\n"
        << "<script type=\"application/json\" id=\"kmsim-data\">" << data << "</script>\n<script>\n"
        << html_timeline_js << "</script>\n</body>\n</html>\n";
}

}  // namespace kmsim::scenarios

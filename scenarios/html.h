// scenarios/html.h - `kmsim run --html FILE`: one self-contained page that shows a run to a class.
//
// Owns: the page around a timeline (scenarios/timeline.h). The page's
// script and style (scenarios/html/timeline.js, timeline.css) are compiled
// into kmsim and written inline, with the run's data as JSON: the page makes
// no network request and opens from a file.
// What the page shows: a lane per CPU where task, hard-IRQ, softirq and idle
// time differ by colour (hover: the context, the time, the kernel call; the
// wheel zooms, a drag pans); a row per context that waited, each wait with
// what it waited for and who ended it (red: nobody, by the end of the run); a chart per zone of its free pages with the
// min/low/high watermarks and kswapd's activity; the reports as markers on
// the timeline, linked to their text; the summary.
// The DOM is a contract that tests read: a CPU lane has data-cpu="N"; a slice
// data-kind (task, hardirq, softirq, idle) and data-name; a zone's chart
// data-zone="NAME", its watermark lines data-watermark="min|low|high"; a
// report marker data-report. Once drawn, <body> has data-ready="1".
#pragma once

#include "scenarios/timeline.h"

#include <ostream>
#include <string>

namespace kmsim::scenarios {

struct html_page {
    std::string title;    // the scenario's
    std::string summary;  // the summary as the terminal shows it, without colour
};

void write_html(std::ostream& out, const timeline& t, const html_page& page);

}  // namespace kmsim::scenarios

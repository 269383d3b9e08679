// scenarios/html/timeline.js - draws kmsim's --html page from the run's data (embedded inline by kmsim).
//
// Builds the DOM once - a lane per CPU with a rect per slice, a chart per zone,
// the report markers, the reports and the summary - then, on zoom and pan,
// only moves what is drawn: x positions are computed here in doubles, relative
// to the view, so a deep zoom into a long run stays exact.
// The DOM is a contract tests read (see scenarios/html.h); when everything is
// drawn, the body element gets data-ready="1".
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const data = JSON.parse(document.getElementById("kmsim-data").textContent);
  const end = Math.max(1, data.end_ns);
  const view = { t0: 0, t1: end };
  const width = () => document.querySelector(".lane > svg, .chart").getBoundingClientRect().width || 1;

  function el(tag, attrs, parent, text) {
    const e = tag === "svg" || tag === "rect" || tag === "path" || tag === "line" || tag === "text" || tag === "g"
      ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // A context's name as the log writes it: "worker/100", or a handler's "eth0".
  const nameOf = (c) => (c[2] ? c[0] : c[0] + "/" + c[1]);

  // "12.345678 ms": a time with the unit that suits the view.
  function fmtTime(ns, span) {
    span = span || (view.t1 - view.t0);
    if (span >= 2e9) return (ns / 1e9).toFixed(span >= 2e10 ? 3 : 6) + " s";
    if (span >= 2e6) return (ns / 1e6).toFixed(span >= 2e7 ? 3 : 6) + " ms";
    if (span >= 2e3) return (ns / 1e3).toFixed(3) + " us";
    return ns + " ns";
  }
  const fmtExact = (ns) => (ns / 1e9).toFixed(9) + " s";

  // ---- page skeleton
  const header = el("header", {}, document.body);
  el("h1", {}, header, "kmsim: " + data.title);
  const legend = el("div", { class: "legend" }, header);
  for (const [kind, text] of [["task", "process context"], ["hardirq", "hard IRQ"], ["softirq", "softirq"],
                              ["idle", "idle"]]) {
    const s = el("span", {}, legend);
    el("span", { class: "swatch", style: "background: var(--" + kind + ")" }, s);
    s.appendChild(document.createTextNode(text));
  }
  for (const [w, text] of [["min", "min watermark"], ["low", "low"], ["high", "high"]]) {
    const s = el("span", {}, legend);
    el("span", { class: "line", style: "border-color: var(--" + w + ")" }, s);
    s.appendChild(document.createTextNode(text));
  }
  const ks = el("span", {}, legend);
  el("span", { class: "swatch", style: "background: var(--kswapd); border: 1px solid #e0c050" }, ks);
  ks.appendChild(document.createTextNode("kswapd running"));
  const controls = el("span", { class: "controls" }, legend);
  el("span", { class: "note" }, controls, "wheel: zoom, drag: pan, double-click: all ");
  const zoomIn = el("button", { type: "button", title: "zoom in" }, controls, "+");
  const zoomOut = el("button", { type: "button", title: "zoom out" }, controls, "\u2212");
  const reset = el("button", { type: "button", title: "the whole run" }, controls, "all");

  const tl = el("section", { id: "timeline" }, document.body);
  el("h2", {}, tl, "CPUs");
  const axisRow = el("div", { class: "row" }, tl);
  el("div", { class: "label" }, axisRow);
  const axis = el("svg", { class: "axis" }, axisRow);
  const marksRow = el("div", { class: "row" }, tl);
  el("div", { class: "label" }, marksRow, "events");
  const marksBox = el("div", { class: "marks" }, marksRow);

  // ---- CPU lanes
  const lanes = [];  // per CPU: { svg, rects: [[rect, slice]], byDepth: [[slice...]] }
  for (let cpu = 0; cpu < data.nr_cpus; ++cpu) {
    const row = el("div", { class: "row lane", "data-cpu": String(cpu) }, tl);
    el("div", { class: "label" }, row, "CPU" + cpu);
    const svg = el("svg", { preserveAspectRatio: "none" }, row);
    lanes.push({ svg: svg, rects: [], byDepth: [], lines: [], names: null });
  }
  // slice: [cpu, depth, kind, name, pid, start, end, ctx, irq]
  for (const s of data.slices) {
    const lane = lanes[s[0]];
    // The task at depth 0 fills the lane; a handler covers its top, the
    // task it interrupted showing beneath.
    const y = s[1] === 0 ? 6 : Math.max(0, 6 - 6 * s[1]);
    const h = s[1] === 0 ? 30 : 24;
    const r = el("rect", { y: y, height: h, "data-kind": s[2], "data-name": s[3] }, lane.svg);
    lane.rects.push([r, s]);
    (lane.byDepth[s[1]] = lane.byDepth[s[1]] || []).push(s);
  }

  // ---- waits: a row per context that waited, each wait from its start to
  // who ended it (or to the end of the run: a wait nobody ended)
  const waitRows = [];
  const waitsBy = new Map();
  for (const w of data.waits) {
    if (!waitsBy.has(w[0])) waitsBy.set(w[0], []);
    waitsBy.get(w[0]).push(w);
  }
  if (waitsBy.size) {
    el("h2", {}, tl, "Waits");
    for (const [ctx, list] of [...waitsBy.entries()].sort((a, b) => a[0] - b[0])) {
      const c = data.contexts[ctx];
      const row = el("div", { class: "row waits", "data-context": c[0] }, tl);
      el("div", { class: "label" }, row, nameOf(c));
      const svg = el("svg", { preserveAspectRatio: "none" }, row);
      const rects = list.map((w) => {
        const open = w[4] < 0 && w[2] >= end;
        const r = el("rect", { y: 3, height: 14, "data-wait": w[5] ? "spin" : "sleep", class: open ? "unended" : "" },
                     svg);
        return [r, w];
      });
      waitRows.push({ svg: svg, rects: rects, ctx: ctx });
    }
  }

  // ---- marks: reports (linked to their text) and the other events
  const marks = [];
  data.marks.forEach((m, i) => {
    // m: [kind, t, cpu, title, context, text]
    const a = el("a", { class: "marker", title: m[3] + "\n" + fmtExact(m[1]) + (m[4] ? " in " + m[4] : "") },
                 marksBox);
    if (m[0] === "report") {
      a.setAttribute("data-report", String(i));
      a.setAttribute("href", "#report-" + i);
      for (const lane of (m[2] >= 0 ? [lanes[m[2]]] : lanes)) {
        if (!lane) continue;
        const line = el("rect", { class: "report-line", y: 0, height: 36 }, lane.svg);
        lane.lines.push([line, m[1]]);
      }
    } else {
      a.setAttribute("data-mark", m[0]);
    }
    marks.push([a, m[1]]);
  });

  // ---- memory: a chart per zone, then slab and page cache
  const mem = el("section", { id: "memory" }, document.body);
  el("h2", {}, mem, "Memory (pages)");
  const charts = [];  // { svg, series: [[path, points]], steps: [[path, steps, which]], maxY, bands }
  const kswapdBusy = data.slices.filter((s) => s[2] === "task" && /^kswapd/.test(s[3]));
  function chart(label, sub, attrs) {
    const row = el("div", { class: "row" }, mem);
    const l = el("div", { class: "label" }, row, label);
    el("small", {}, l, sub);
    const svg = el("svg", Object.assign({ class: "chart", preserveAspectRatio: "none" }, attrs), row);
    const c = { svg: svg, series: [], steps: [], bands: [], maxY: 1, labels: [] };
    for (const s of kswapdBusy)
      c.bands.push([el("rect", { "data-kswapd": "", y: 0, height: 150 }, svg), s[5], s[6]]);
    charts.push(c);
    return c;
  }
  for (const z of data.zones) {
    const c = chart(z.name, "free pages", { "data-zone": z.name });
    for (const [i, which] of [[1, "min"], [2, "low"], [3, "high"]]) {
      const steps = z.watermarks.map((w) => [w[0], w[i]]);
      c.steps.push([el("path", { "data-watermark": which }, c.svg), steps, which]);
      for (const w of steps) c.maxY = Math.max(c.maxY, w[1]);
      const last = steps[steps.length - 1][1];
      c.labels.push([el("text", { "text-anchor": "end" }, c.svg), last, which + " " + last]);
    }
    c.series.push([el("path", { "data-series": "free" }, c.svg), z.free]);
    for (const p of z.free) c.maxY = Math.max(c.maxY, p[1]);
  }
  for (const k of data.counters) {
    const c = chart(k.name, "pages", { "data-counter": k.name });
    c.series.push([el("path", { "data-series": k.name }, c.svg), k.points]);
    for (const p of k.points) c.maxY = Math.max(c.maxY, p[1]);
  }
  for (const c of charts) c.maxY *= 1.08;

  // ---- reports and summary
  const reps = el("section", { id: "reports" }, document.body);
  el("h2", {}, reps, "Reports");
  let nreports = 0;
  data.marks.forEach((m, i) => {
    if (m[0] !== "report") return;
    ++nreports;
    const d = el("details", { id: "report-" + i, open: "" }, reps);
    el("summary", {}, d, fmtExact(m[1]) + "  " + m[3] + (m[4] ? "  (" + m[4] + (m[2] >= 0 ? ", CPU" + m[2] : "") + ")" : ""));
    el("pre", {}, d, m[5]);
  });
  if (!nreports) el("p", { class: "note" }, reps, "No report was raised.");
  for (const kind in data.marks_not_kept)
    el("p", { class: "note" }, reps, "and " + data.marks_not_kept[kind] + " more " + kind.replace("_", " ") +
       (/^report/.test(kind) ? "s, as in the kernel log, not shown" : " events, not shown"));
  const sum = el("section", { id: "summary" }, document.body);
  el("h2", {}, sum, "Summary");
  el("pre", {}, sum, data.summary);
  if (data.calls_truncated)
    el("p", { class: "note" }, sum, "Only the first " + data.calls.length + " kernel calls are shown on hover.");

  // ---- drawing at the current view
  function draw() {
    const w = width(), span = view.t1 - view.t0, k = w / span;
    const X = (t) => (t - view.t0) * k;
    for (const lane of lanes) {
      lane.svg.setAttribute("viewBox", "0 0 " + w + " 36");
      for (const [r, s] of lane.rects) {
        const x0 = Math.max(-1, X(s[5])), x1 = Math.min(w + 1, X(s[6]));
        r.setAttribute("x", x0);
        // Even a short stretch stays visible: at least a pixel's width.
        r.setAttribute("width", x1 >= x0 && s[6] >= view.t0 ? Math.max(x1 - x0, s[2] === "idle" ? 0 : 1) : 0);
      }
      for (const [line, t] of lane.lines) {
        line.setAttribute("x", X(t) - 0.5);
        line.setAttribute("width", 1);
      }
      // Names on the slices wide enough to hold one (drawn afresh: at most
      // one per 48 px of the lane).
      if (lane.names) lane.svg.removeChild(lane.names);
      lane.names = el("g", { class: "names" }, lane.svg);
      let labels = 0;
      for (const [, s] of lane.rects) {
        if (s[2] === "idle") continue;
        const x0 = Math.max(0, X(s[5])), x1 = Math.min(w, X(s[6]));
        const label = s[2] === "hardirq" ? s[3] : s[3] + "/" + s[4];
        if (x1 - x0 >= 48) {
          el("text", { x: x0 + 4, y: s[1] === 0 ? 31 : 16 }, lane.names,
             label.length * 7 > x1 - x0 - 8 ? label.slice(0, Math.max(1, Math.floor((x1 - x0 - 8) / 7))) : label);
        } else if (s[1] > 0 && x1 - x0 >= 3 && x1 + 4 + label.length * 7 < w && labels < 40) {
          // A short handler is named beside it, while few are in view.
          ++labels;
          el("text", { x: x1 + 3, y: 16, class: "beside" }, lane.names, label);
        }
      }
    }
    for (const row of waitRows) {
      row.svg.setAttribute("viewBox", "0 0 " + w + " 20");
      for (const [r, wt] of row.rects) {
        let x0 = Math.max(-1, X(wt[1]));
        const x1 = Math.min(w + 1, X(wt[2]));
        // A wait nobody ended (a deadlock's, which ends the run) stays in
        // sight at the right edge.
        if (r.getAttribute("class") === "unended" && x1 >= 0) x0 = Math.min(x0, x1 - 8);
        r.setAttribute("x", x0);
        r.setAttribute("width", x1 >= x0 && wt[2] >= view.t0 ? Math.max(x1 - x0, 1) : 0);
      }
    }
    for (const [a, t] of marks) {
      const x = X(t);
      a.style.left = x + "px";
      a.style.display = x < -6 || x > w + 6 ? "none" : "";
    }
    for (const c of charts) {
      const H = 150, Y = (v) => H - 4 - (v / c.maxY) * (H - 8);
      c.svg.setAttribute("viewBox", "0 0 " + w + " " + H);
      for (const [b, t0, t1] of c.bands) {
        const x0 = Math.max(-1, X(t0)), x1 = Math.min(w + 1, X(t1));
        b.setAttribute("x", x0);
        b.setAttribute("width", x1 > x0 ? Math.max(x1 - x0, 1) : 0);
      }
      const stepPath = (pts) => {
        if (!pts.length) return "";
        let d = "M" + X(pts[0][0]).toFixed(2) + "," + Y(pts[0][1]).toFixed(2);
        for (let i = 1; i < pts.length; ++i)
          d += "H" + X(pts[i][0]).toFixed(2) + "V" + Y(pts[i][1]).toFixed(2);
        return d + "H" + X(end).toFixed(2);
      };
      for (const [p, pts] of c.series) p.setAttribute("d", stepPath(pts));
      for (const [p, pts] of c.steps) p.setAttribute("d", stepPath(pts));
      // Watermark labels, from the highest down; one too close to the one
      // above it joins that one's text.
      let above = null;
      for (const [t, v, text] of c.labels.slice().sort((a, b) => b[1] - a[1])) {
        if (above && Y(v) - Y(above[1]) < 11) {
          t.textContent = "";
          above[0].textContent += " / " + text;
          continue;
        }
        t.textContent = text;
        t.setAttribute("x", w - 4);
        t.setAttribute("y", Y(v) - 3);
        above = [t, v];
      }
    }
    // The axis: ticks at 1, 2 or 5 times a power of ten, about every 110 px.
    while (axis.firstChild) axis.removeChild(axis.firstChild);
    axis.setAttribute("viewBox", "0 0 " + w + " 22");
    const raw = span / Math.max(1, w / 110), p10 = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p10).find((s) => s >= raw);
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      el("line", { x1: X(t), x2: X(t), y1: 16, y2: 22 }, axis);
      el("text", { x: X(t) + 2, y: 12 }, axis, fmtTime(t, span));
    }
  }

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }
  function zoom(factor, at) {
    const span = Math.min(end, Math.max(10, (view.t1 - view.t0) * factor));
    let t0 = at - (at - view.t0) * (span / (view.t1 - view.t0));
    t0 = Math.min(Math.max(0, t0), end - span);
    view.t0 = t0;
    view.t1 = t0 + span;
    redraw();
  }
  const timeAt = (svg, clientX) => {
    const r = svg.getBoundingClientRect();
    return view.t0 + ((clientX - r.left) / Math.max(1, r.width)) * (view.t1 - view.t0);
  };
  const zoomables = lanes.map((l) => l.svg).concat(charts.map((c) => c.svg), waitRows.map((r) => r.svg), [axis]);
  let drag = null;
  for (const svg of zoomables) {
    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(svg, e.clientX));
    }, { passive: false });
    svg.addEventListener("mousedown", (e) => { drag = { x: e.clientX, t0: view.t0, t1: view.t1, svg: svg }; });
    svg.addEventListener("dblclick", () => { view.t0 = 0; view.t1 = end; redraw(); });
  }
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const span = drag.t1 - drag.t0;
    const dt = ((drag.x - e.clientX) / Math.max(1, drag.svg.getBoundingClientRect().width)) * span;
    view.t0 = Math.min(Math.max(0, drag.t0 + dt), end - span);
    view.t1 = view.t0 + span;
    redraw();
  });
  window.addEventListener("mouseup", () => { drag = null; });
  window.addEventListener("resize", redraw);
  zoomIn.addEventListener("click", () => zoom(0.5, (view.t0 + view.t1) / 2));
  zoomOut.addEventListener("click", () => zoom(2, (view.t0 + view.t1) / 2));
  reset.addEventListener("click", () => { view.t0 = 0; view.t1 = end; redraw(); });

  // ---- hover: what ran there, when, and in which kernel call
  const tip = el("div", { id: "tooltip" }, document.body);
  const callsOf = [];  // per context: its calls by start
  for (const c of data.calls) (callsOf[c[0]] = callsOf[c[0]] || []).push(c);
  for (const list of callsOf) if (list) list.sort((a, b) => a[1] - b[1]);
  const waitsOf = [];
  for (const w of data.waits) (waitsOf[w[0]] = waitsOf[w[0]] || []).push(w);
  // The last element of LIST (sorted by KEY) with key <= T, or -1.
  function lastAtOrBefore(list, t, key) {
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid][key] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  // The innermost call of context CTX in progress at T (nested calls start later).
  function callAt(ctx, t) {
    const list = callsOf[ctx];
    if (!list) return null;
    for (let i = lastAtOrBefore(list, t, 1), n = 0; i >= 0 && n < 64; --i, ++n)
      if (list[i][2] >= t) return list[i];
    return null;
  }
  function describe(cpu, t) {
    const lane = lanes[cpu];
    for (let d = lane.byDepth.length - 1; d >= 0; --d) {
      const list = lane.byDepth[d] || [];
      const i = lastAtOrBefore(list, t, 5);
      if (i < 0 || list[i][6] < t) continue;
      const s = list[i];
      let text = "CPU" + cpu + "  " + fmtExact(t) + "\n";
      if (s[2] === "idle") return text + "idle (" + s[3] + ")";
      text += s[2] === "hardirq" ? "hard IRQ context: " + s[3] + " (irq " + s[8] + ")" : s[2] + " context: " + s[3] + "/" + s[4];
      if (s[2] === "hardirq" && d > 0) {
        const under = describeUnder(lane, d - 1, t);
        if (under) text += "\ninterrupted " + under;
      }
      text += "\nran " + fmtExact(s[5]) + " to " + fmtExact(s[6]);
      const c = s[7] >= 0 ? callAt(s[7], t) : null;
      if (c) text += "\nkernel call: " + c[3] + "\n  at " + c[4] + ", " + fmtExact(c[1]) + " to " + fmtExact(c[2]);
      const waits = s[7] >= 0 ? waitsOf[s[7]] || [] : [];
      for (const w of waits) if (w[5] && w[1] <= t && w[2] >= t) text += "\nspinning: " + w[3];
      return text;
    }
    return null;
  }
  function describeUnder(lane, d, t) {
    const list = lane.byDepth[d] || [];
    const i = lastAtOrBefore(list, t, 5);
    if (i < 0 || list[i][6] < t) return null;
    return list[i][2] === "idle" ? "the idle task" : list[i][3] + (list[i][2] === "task" ? "/" + list[i][4] : "");
  }
  // Shows what TEXT_AT(t) says of the time under the mouse, over SVG.
  function hover(svg, textAt) {
    svg.addEventListener("mousemove", (e) => {
      const text = drag ? null : textAt(timeAt(svg, e.clientX));
      if (!text) { tip.style.display = "none"; return; }
      tip.textContent = text;
      tip.style.display = "block";
      tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
      tip.style.top = (e.clientY + 16) + "px";
    });
    svg.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  }
  lanes.forEach((lane, cpu) => hover(lane.svg, (t) => describe(cpu, t)));
  waitRows.forEach((row) => hover(row.svg, (t) => {
    const wt = row.rects.map((r) => r[1]).find((w) => w[1] <= t && t <= w[2]);
    if (!wt) return null;
    let text = nameOf(data.contexts[row.ctx]) + (wt[5] ? " spins on " : " waits for ") + wt[3] +
      "\nfrom " + fmtExact(wt[1]) + " to " + fmtExact(wt[2]);
    if (wt[4] >= 0) text += "\nwoken by " + nameOf(data.contexts[wt[4]]);
    else if (wt[2] >= end) text += "\nstill waiting when the run ended";
    const call = callAt(row.ctx, t);
    if (call) text += "\nin " + call[3].replace(/ = .*/, "") + " at " + call[4];
    return text;
  }));
  charts.forEach((c) => hover(c.svg, (t) => {
    const lines = [fmtExact(t)];
    for (const [, pts] of c.series) {
      const i = lastAtOrBefore(pts, t, 0);
      if (i >= 0) lines.push((c.svg.getAttribute("data-zone") ? "free: " : "pages: ") + pts[i][1]);
    }
    for (const [, steps, which] of c.steps) {
      const i = lastAtOrBefore(steps, t, 0);
      if (i >= 0) lines.push(which + ": " + steps[i][1]);
    }
    for (const [, t0, t1] of c.bands) if (t0 <= t && t <= t1) { lines.push("kswapd0 running"); break; }
    return lines.join("\n");
  }));

  // The view a link asks for: PAGE.html#view=START,END, in seconds.
  function viewFromHash() {
    const m = /view=([0-9.e+-]+),([0-9.e+-]+)/.exec(location.hash);
    if (!m) return;
    const t0 = Math.max(0, parseFloat(m[1]) * 1e9), t1 = Math.min(end, parseFloat(m[2]) * 1e9);
    if (t1 > t0) { view.t0 = t0; view.t1 = t1; }
  }
  viewFromHash();
  window.addEventListener("hashchange", () => { viewFromHash(); redraw(); });

  draw();
  document.body.setAttribute("data-ready", "1");
})();

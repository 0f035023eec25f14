// SPDX-License-Identifier: MIT
// The page of `report --format html`: markup, style and script, around the
// data (output/html.cpp).
#include "output/html_page.h"

namespace fdscope::tool {

// Everything from dumps reaches the page only through the JSON blob, and
// the script puts it into the document with textContent and setAttribute
// (never innerHTML); the Content-Security-Policy forbids every fetch.
const char* const kHtmlPageHead = R"page(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fdscope report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
h2 { font-size: 1.1em; margin: 1.6em 0 .4em; }
.note { color: #666; margin: .2em 0; }
svg { display: block; width: 100%; height: auto; font: 11px system-ui, sans-serif; }
.axis line, .axis path { stroke: #999; }
.grid line { stroke: #eee; }
.series polyline { fill: none; stroke-width: 2; }
.series circle { stroke: #fff; stroke-width: 1; }
.legend { list-style: none; padding: 0; margin: .3em 0; display: flex; flex-wrap: wrap; gap: .3em 1.2em; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -.1em; margin-right: .3em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
td.count, th.count { text-align: right; font-variant-numeric: tabular-nums; }
td.function { font-family: ui-monospace, monospace; }
td.location, td.target { font-family: ui-monospace, monospace; color: #555; word-break: break-all; }
tr.rest td { color: #666; font-style: italic; }
#flame rect { stroke: #fff; stroke-width: .5; cursor: pointer; }
#flame text { pointer-events: none; fill: #000; }
#errors { color: #b00; white-space: pre-wrap; }
</style>
</head>
<body>
<pre id="errors" hidden></pre>
<script>
window.addEventListener("error", function (e) {
  var p = document.getElementById("errors");
  p.hidden = false;
  p.textContent += "error: " + (e.message || e) + "\n";
});
</script>
<h1>fdscope report</h1>
<p class="note" id="summary"></p>
<h2>Open descriptors over time</h2>
<p class="note" id="chart-note"></p>
<div id="chart"></div>
<ul class="legend" id="legend"></ul>
<h2>Call sites</h2>
<table id="sites">
<thead><tr><th></th><th class="count">count</th><th class="count">peak</th><th>kinds</th><th>top target</th><th>function</th><th>location</th></tr></thead>
<tbody></tbody>
</table>
<h2>Open descriptors by stack</h2>
<p class="note">Outermost frame at the bottom, width by count; click a frame to zoom, the bottom bar to zoom out.</p>
<div id="flame"></div>
<script type="application/json" id="fdscope-data">)page";

const char* const kHtmlPageTail = R"page(</script>
<script>
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("fdscope-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];
  function colour(i) { return COLOURS[i % COLOURS.length]; }
  function make(ns, tag, attrs, text) {
    var e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function html(tag, attrs, text) { return make(null, tag, attrs, text); }
  function svg(tag, attrs, text) { return make(NS, tag, attrs, text); }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }
  function duration(ms) {
    if (ms < 1000) return ms + " ms";
    if (ms < 120000) return (ms / 1000).toFixed(1) + " s";
    if (ms < 7200000) return (ms / 60000).toFixed(1) + " min";
    return (ms / 3600000).toFixed(1) + " h";
  }
  function ticks(max, n) {  // about n round steps from 0 to at least max
    var raw = Math.max(max, 1) / n, p = Math.pow(10, Math.floor(Math.log10(raw))), step = p;
    [1, 2, 2.5, 5, 10].some(function (m) { step = m * p; return m * p >= raw; });
    if (max >= 1) step = Math.max(step, 1);
    var out = [];
    for (var v = 0; v <= max + step / 2 && out.length < 50; v += step) out.push(v);
    if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
    return out;
  }
  function siteName(s) {  // the function and the file's base name: legend, tooltips
    var where = s.location ? s.location.slice(s.location.lastIndexOf("/") + 1) : s.origin;
    return s["function"] + (where ? " (" + where + ")" : "");
  }

  var sum = data.summary;
  document.getElementById("summary").textContent =
    plural(sum.descriptors, "descriptor", "descriptors") + " open from " +
    plural(sum.sites, "call site", "call sites") + " (" + plural(sum.dumps, "dump", "dumps") + ", " +
    plural(sum.processes, "process", "processes") + "; " + sum.untracked + " untracked)";

  function chart() {
    var tl = data.timeline, box = document.getElementById("chart"),
        note = document.getElementById("chart-note");
    if (!data.sites.length || !tl || !tl.points.length) {
      note.textContent = data.sites.length ? "No complete dumps to chart." : "No call sites to chart.";
      return;
    }
    var pts = tl.points, span = pts[pts.length - 1].t, byTime = span > 0;
    note.textContent = (tl.processes > 1
      ? "The sum over " + tl.processes + " processes of each one's latest dump, at each of "
      : "The count in each of ") + plural(pts.length, "dump", "dumps") +
      (byTime ? " over " + duration(span) : "") + ", for the " +
      plural(data.sites.length, "largest call site", "largest call sites") + ".";
    var W = 960, H = 300, L = 56, R = 16, T = 10, B = 36;
    var ymax = 1;
    pts.forEach(function (p) { p.counts.forEach(function (c) { ymax = Math.max(ymax, c); }); });
    var yt = ticks(ymax, 5), ytop = yt[yt.length - 1];
    function x(i) {
      var f = byTime ? pts[i].t / span : (pts.length > 1 ? i / (pts.length - 1) : 0.5);
      return L + f * (W - L - R);
    }
    function y(v) { return T + (1 - v / ytop) * (H - T - B); }
    var s = svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "open descriptors over time"});
    var grid = svg("g", {"class": "grid"}), axis = svg("g", {"class": "axis"});
    yt.forEach(function (v) {
      grid.appendChild(svg("line", {x1: L, x2: W - R, y1: y(v), y2: y(v)}));
      axis.appendChild(svg("text", {x: L - 6, y: y(v) + 4, "text-anchor": "end"}, String(v)));
    });
    axis.appendChild(svg("line", {x1: L, x2: W - R, y1: H - B, y2: H - B}));
    axis.appendChild(svg("line", {x1: L, x2: L, y1: T, y2: H - B}));
    if (byTime) {
      ticks(span, 6).forEach(function (v) {
        if (v > span) return;
        var px = L + v / span * (W - L - R);
        axis.appendChild(svg("line", {x1: px, x2: px, y1: H - B, y2: H - B + 4}));
        axis.appendChild(svg("text", {x: px, y: H - B + 16, "text-anchor": "middle"}, "+" + duration(v)));
      });
      axis.appendChild(svg("text", {x: W - R, y: H - 4, "text-anchor": "end"}, "time since the first dump"));
    } else {
      axis.appendChild(svg("text", {x: W - R, y: H - 4, "text-anchor": "end"},
                           "dumps, in order (all at the same millisecond)"));
    }
    s.appendChild(grid);
    s.appendChild(axis);
    for (var i = data.sites.length - 1; i >= 0; --i) {  // the largest drawn last, on top
      var site = data.sites[i], g = svg("g", {"class": "series", "data-site": i, "data-name": siteName(site)});
      var line = pts.map(function (p, j) { return x(j).toFixed(1) + "," + y(p.counts[i]).toFixed(1); });
      g.appendChild(svg("polyline", {points: line.join(" "), stroke: colour(i)}));
      if (pts.length <= 500) pts.forEach(function (p, j) {  // more: the line alone
        var c = svg("circle", {cx: x(j).toFixed(1), cy: y(p.counts[i]).toFixed(1), r: 3, fill: colour(i),
                               "data-t": p.t, "data-count": p.counts[i], "data-reason": p.reason,
                               "data-pid": p.pid, "data-seq": p.seq});
        c.appendChild(svg("title", {}, siteName(site) + "\n" + p.counts[i] + " open at +" + duration(p.t) +
                                      " (dump " + p.seq + " of pid " + p.pid + ", " + p.reason + ")"));
        g.appendChild(c);
      });
      s.appendChild(g);
    }
    box.appendChild(s);
    var legend = document.getElementById("legend");
    data.sites.forEach(function (site, i) {
      var li = html("li", {});
      li.appendChild(html("span", {"class": "swatch", style: "background:" + colour(i)}));
      li.appendChild(document.createTextNode((i + 1) + " " + siteName(site)));
      legend.appendChild(li);
    });
  }

  function table() {
    var body = document.querySelector("#sites tbody");
    data.sites.forEach(function (site, i) {
      var tr = html("tr", {"class": "site", "data-rank": i, title: site.frames.join("\n")});
      var sw = html("td", {"class": "rank"});
      sw.appendChild(html("span", {"class": "swatch", style: "background:" + colour(i)}));
      sw.appendChild(document.createTextNode(String(i + 1)));
      tr.appendChild(sw);
      tr.appendChild(html("td", {"class": "count", "data-count": site.count}, String(site.count)));
      tr.appendChild(html("td", {"class": "count peak", "data-peak": site.peak}, String(site.peak)));
      tr.appendChild(html("td", {"class": "kinds"}, site.kinds.join(", ")));
      var target = site.target + (site.targets > 1 ? "  (" + site.target_count + " of " + site.count +
                                  ", " + site.targets + " targets)" : "");
      tr.appendChild(html("td", {"class": "target"}, target));
      tr.appendChild(html("td", {"class": "function"}, site["function"]));
      tr.appendChild(html("td", {"class": "location"}, site.location || site.origin));
      body.appendChild(tr);
    });
    if (data.rest.sites > 0) {
      var tr = html("tr", {"class": "rest"});
      tr.appendChild(html("td", {}));
      tr.appendChild(html("td", {"class": "count"}, String(data.rest.descriptors)));
      tr.appendChild(html("td", {colspan: 5}, plural(data.rest.sites, "more call site", "more call sites") +
                                              " (--top N shows more)"));
      body.appendChild(tr);
    }
  }

  function flame() {
    var root = {name: "all descriptors", count: 0, children: [], parent: null, depth: 0};
    var maxDepth = 0;
    data.flame.forEach(function (st) {
      var node = root;
      root.count += st.count;
      st.stack.forEach(function (name) {
        var next = null;
        for (var i = 0; i < node.children.length; ++i)
          if (node.children[i].name === name) { next = node.children[i]; break; }
        if (!next) {
          next = {name: name, count: 0, children: [], parent: node, depth: node.depth + 1};
          node.children.push(next);
        }
        next.count += st.count;
        node = next;
      });
      maxDepth = Math.max(maxDepth, node.depth);
    });
    (function sort(n) {
      n.children.sort(function (a, b) { return b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
      n.children.forEach(sort);
    })(root);
    var W = 960, ROW = 18, H = (maxDepth + 1) * ROW, box = document.getElementById("flame");
    function hue(name) {
      var h = 0;
      for (var i = 0; i < name.length; ++i) h = (h * 31 + name.charCodeAt(i)) >>> 0;
      return "hsl(" + (h % 50 + 5) + ", 80%, " + (h % 20 + 58) + "%)";
    }
    function render(focus) {
      box.textContent = "";
      var s = svg("svg", {viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "flame graph"});
      function bar(n, x0, w) {
        var g = svg("g", {"class": "frame"});
        var r = svg("rect", {x: x0.toFixed(2), y: H - (n.depth + 1) * ROW, width: Math.max(w, 0.5).toFixed(2),
                             height: ROW - 1, fill: n === root ? "#ccc" : hue(n.name),
                             "data-frame": n.name, "data-count": n.count, "data-depth": n.depth});
        var pct = root.count ? (100 * n.count / root.count).toFixed(1) : "0";
        r.appendChild(svg("title", {}, n.name + "\n" + plural(n.count, "descriptor", "descriptors") +
                                       " (" + pct + "%)"));
        r.addEventListener("click", function () { render(n === focus ? (n.parent || root) : n); });
        g.appendChild(r);
        var chars = Math.floor((w - 6) / 6.5);
        if (chars >= 3) {
          var label = n.name.length > chars ? n.name.slice(0, chars - 1) + "\u2026" : n.name;
          g.appendChild(svg("text", {x: (x0 + 3).toFixed(2), y: H - n.depth * ROW - 5}, label));
        }
        s.appendChild(g);
      }
      for (var a = focus; a; a = a.parent) bar(a, 0, W);  // the path to the focus, full width
      (function draw(n, x0, scale) {
        var x = x0;
        n.children.forEach(function (c) {
          bar(c, x, c.count * scale);
          draw(c, x, scale);
          x += c.count * scale;
        });
      })(focus, 0, focus.count ? W / focus.count : 0);
      box.appendChild(s);
    }
    render(root);
  }

  chart();
  table();
  flame();
  document.body.setAttribute("data-rendered", "ok");
})();
</script>
</body>
</html>
)page";

}  // namespace fdscope::tool

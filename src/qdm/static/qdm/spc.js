// The SPC chart page: control chart with zones, limits, specification limits, violations
// and annotations; the dispersion chart; the histogram with the specification limits.
// Data come from <script type="application/json" id="spc-chart-data"> (CSP: no inline
// script). A click on a point lists the units behind it under the chart.
(function () {
  "use strict";

  var RED = "#d63939";
  var ORANGE = "#f76707";
  var BLUE = "#206bc4";
  var GREY = "#667382";
  var GREEN = "#2fb344";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function stamp(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function fmt(v) { return isNum(v) ? Number(v.toPrecision(6)).toString() : "—"; }

  // A limit is a number (a horizontal line) or a list (a stepped line per point).
  function limitSeries(name, value, color, offset, count) {
    if (!Array.isArray(value)) return null;
    var data = [];
    for (var i = 0; i < count; i++) data.push(i < offset ? null : value[i - offset]);
    return {
      name: name, type: "line", data: data, step: "middle", symbol: "none",
      lineStyle: { color: color, type: "dashed", width: 1 }, silent: true, z: 1
    };
  }

  function hLines(pairs) {
    var data = [];
    pairs.forEach(function (p) {
      if (isNum(p[1])) {
        data.push({
          name: p[0], yAxis: p[1],
          lineStyle: { color: p[2], type: p[3] || "dashed", width: p[4] || 1 },
          label: { formatter: p[0] + " " + fmt(p[1]), position: "insideEndTop", color: p[2] }
        });
      }
    });
    return { symbol: "none", silent: true, data: data };
  }

  function controlOption(el, d) {
    var n = d.points.length;
    var categories = d.t.map(stamp);
    var spec = d.spec || {};
    var lines = [[el.dataset.labelCenter, d.center, GREEN, "solid", 1.5]];
    if (!Array.isArray(d.ucl)) lines.push([el.dataset.labelUcl, d.ucl, RED]);
    if (!Array.isArray(d.lcl)) lines.push([el.dataset.labelLcl, d.lcl, RED]);
    if (d.chart !== "cusum" && d.chart !== "ewma") {
      lines.push([el.dataset.labelUsl, spec.usl, ORANGE, "dotted", 1.5]);
      lines.push([el.dataset.labelLsl, spec.lsl, ORANGE, "dotted", 1.5]);
    }
    var areas = [];
    if (d.zones) {
      var z = d.zones;
      areas = [
        [{ yAxis: z.plus1, itemStyle: { color: "rgba(247,103,7,0.06)" } }, { yAxis: z.plus2 }],
        [{ yAxis: z.minus2, itemStyle: { color: "rgba(247,103,7,0.06)" } }, { yAxis: z.minus1 }],
        [{ yAxis: z.minus1, itemStyle: { color: "rgba(47,179,68,0.06)" } }, { yAxis: z.plus1 }]
      ];
      if (isNum(d.ucl)) {
        areas.push([{ yAxis: z.plus2, itemStyle: { color: "rgba(214,57,57,0.06)" } }, { yAxis: d.ucl }]);
      }
      if (isNum(d.lcl)) {
        areas.push([{ yAxis: d.lcl, itemStyle: { color: "rgba(214,57,57,0.06)" } }, { yAxis: z.minus2 }]);
      }
    }
    var seen = {};
    var marks = [];
    d.violations.forEach(function (v) {
      if (v.part !== "primary" || seen[v.index]) return;
      seen[v.index] = true;
      var labels = d.violations.filter(function (w) {
        return w.index === v.index && w.part === "primary";
      }).map(function (w) { return w.label; });
      marks.push({
        coord: [v.index, d.points[v.index]], value: labels.join("\n"), pointIndex: v.index,
        symbol: "circle", symbolSize: 9, itemStyle: { color: RED }, label: { show: false }
      });
    });
    d.annotations.forEach(function (a) {
      if (a.index >= 0 && a.index < n) {
        marks.push({
          coord: [a.index, d.points[a.index]], value: a.text, pointIndex: a.index,
          symbol: "pin", symbolSize: 28, itemStyle: { color: BLUE }, label: { show: true, formatter: "A" }
        });
      }
    });
    var series = [{
      name: el.dataset.labelPoints, type: "line", data: d.points, showSymbol: n <= 500,
      symbolSize: 5, sampling: n > 2000 ? "lttb" : undefined, lineStyle: { width: 1, color: BLUE },
      itemStyle: { color: BLUE }, markLine: hLines(lines),
      markArea: { silent: true, data: areas },
      markPoint: { data: marks, tooltip: { formatter: function (p) { return p.data.value; } } }
    }];
    var ucl = limitSeries(el.dataset.labelUcl, d.ucl, RED, 0, n);
    var lcl = limitSeries(el.dataset.labelLcl, d.lcl, RED, 0, n);
    if (ucl) series.push(ucl);
    if (lcl) series.push(lcl);
    var ys = d.points.filter(isNum);
    [d.ucl, d.lcl, spec.usl, spec.lsl].forEach(function (v) { if (isNum(v)) ys.push(v); });
    var lo = Math.min.apply(null, ys.slice(0, 20000));
    var hi = Math.max.apply(null, ys.slice(0, 20000));
    if (ys.length > 20000) {
      ys.forEach(function (v) { if (v < lo) lo = v; if (v > hi) hi = v; });
    }
    var margin = (hi - lo) * 0.05 || 1;
    return {
      animation: false,
      grid: { left: 60, right: 90, top: 20, bottom: 70 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: categories, boundaryGap: false },
      yAxis: { type: "value", scale: true, min: lo - margin, max: hi + margin, name: d.unit },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 10 }],
      series: series
    };
  }

  function secondaryOption(el, d) {
    var s = d.secondary;
    var n = d.points.length;
    var data = [];
    for (var i = 0; i < n; i++) data.push(i < s.offset ? null : s.points[i - s.offset]);
    var lines = [];
    if (!Array.isArray(s.center)) lines.push([s.chart + " CL", s.center, GREEN, "solid"]);
    if (!Array.isArray(s.ucl)) lines.push([s.chart + " UCL", s.ucl, RED]);
    if (!Array.isArray(s.lcl) && s.lcl > 0) lines.push([s.chart + " LCL", s.lcl, RED]);
    if (d.chart === "cusum") {
      lines = [["-h", d.lcl, RED]];
    }
    var marks = d.violations.filter(function (v) { return v.part === "secondary"; }).map(function (v) {
      return { coord: [v.index, data[v.index]], value: v.label, pointIndex: v.index,
        symbol: "circle", symbolSize: 8, itemStyle: { color: RED }, label: { show: false } };
    });
    var series = [{
      name: s.chart, type: "line", data: data, showSymbol: n <= 500, symbolSize: 4,
      sampling: n > 2000 ? "lttb" : undefined, lineStyle: { width: 1, color: GREY },
      itemStyle: { color: GREY }, markLine: hLines(lines), markPoint: { data: marks }
    }];
    var ucl = limitSeries("UCL", s.ucl, RED, s.offset, n);
    if (ucl) series.push(ucl);
    return {
      animation: false,
      grid: { left: 60, right: 90, top: 20, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.t.map(stamp), boundaryGap: false, axisLabel: { show: false } },
      yAxis: { type: "value", scale: true, name: s.chart },
      dataZoom: [{ type: "inside" }],
      series: series
    };
  }

  function histogramOption(el, d) {
    var h = d.histogram;
    var spec = d.spec || {};
    var bars = h.counts.map(function (c, i) { return [h.edges[i], h.edges[i + 1], c]; });
    var lines = [];
    if (isNum(spec.lsl)) lines.push({ xAxis: spec.lsl, name: "LSL" });
    if (isNum(spec.usl)) lines.push({ xAxis: spec.usl, name: "USL" });
    if (isNum(spec.target)) lines.push({ xAxis: spec.target, name: "T", lineStyle: { color: GREEN } });
    return {
      animation: false,
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      tooltip: { formatter: function (p) { return fmt(p.value[0]) + " – " + fmt(p.value[1]) + ": " + p.value[2]; } },
      xAxis: { type: "value", scale: true, min: h.edges[0], max: h.edges[h.edges.length - 1] },
      yAxis: { type: "value" },
      series: [{
        type: "custom", data: bars, encode: { x: [0, 1], y: 2 },
        renderItem: function (params, api) {
          var start = api.coord([api.value(0), api.value(2)]);
          var end = api.coord([api.value(1), 0]);
          return { type: "rect", shape: { x: start[0], y: start[1], width: Math.max(1, end[0] - start[0] - 1), height: end[1] - start[1] },
                   style: { fill: BLUE, opacity: 0.75 } };
        },
        markLine: {
          symbol: "none", silent: true,
          lineStyle: { color: ORANGE, type: "dashed", width: 1.5 },
          label: { formatter: function (p) { return p.name + " " + fmt(p.value); } },
          data: lines
        }
      }]
    };
  }

  function showPoint(d, index) {
    var list = document.getElementById("spc-point");
    var card = document.getElementById("spc-point-card");
    if (!list || !card || index == null || index < 0 || index >= d.points.length) return;
    var title = document.getElementById("spc-point-title");
    var notes = d.violations.filter(function (v) { return v.index === index; })
      .map(function (v) { return v.label; });
    title.textContent = stamp(d.t[index]) + " · " + fmt(d.points[index]) +
      (notes.length ? " · " + notes.join("; ") : "");
    list.textContent = "";
    (d.subjects[index] || []).forEach(function (subject) {
      var row = document.createElement("div");
      row.className = "list-group-item d-flex gap-3";
      var name = document.createElement("span");
      name.className = "fw-bold";
      name.textContent = subject;
      row.appendChild(name);
      [[list.dataset.traceUrl + "?code=", list.dataset.labelTrace],
       [list.dataset.measurementsUrl + "?q=", list.dataset.labelMeasurements]].forEach(function (l) {
        var a = document.createElement("a");
        a.href = l[0] + encodeURIComponent(subject);
        a.textContent = l[1];
        row.appendChild(a);
      });
      list.appendChild(row);
    });
    card.hidden = false;
  }

  function init() {
    var source = document.getElementById("spc-chart-data");
    if (!source || typeof echarts === "undefined") return;
    var d = JSON.parse(source.textContent);
    document.querySelectorAll(".spc-time[data-t]").forEach(function (el) {
      el.textContent = stamp(Number(el.dataset.t));
    });
    var charts = [];
    var el = document.getElementById("spc-control");
    if (el && d.points.length) {
      var control = echarts.init(el);
      control.setOption(controlOption(el, d));
      control.on("click", function (p) {
        var index = p.componentType === "markPoint" ? p.data.pointIndex : p.dataIndex;
        showPoint(d, index);
      });
      charts.push(control);
      var sec = document.getElementById("spc-secondary");
      if (sec && d.secondary) {
        var secondary = echarts.init(sec);
        secondary.setOption(secondaryOption(sec, d));
        secondary.on("click", function (p) {
          showPoint(d, p.componentType === "markPoint" ? p.data.pointIndex : p.dataIndex);
        });
        charts.push(secondary);
        echarts.connect(charts);
      } else if (sec) {
        sec.hidden = true;
      }
      el.dataset.ready = "1";
    }
    var hist = document.getElementById("spc-histogram");
    if (hist && d.histogram) {
      var histogram = echarts.init(hist);
      histogram.setOption(histogramOption(hist, d));
      charts.push(histogram);
      hist.dataset.ready = "1";
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();

// The yield page: first-pass yield per period (all lines and each line) with the modules
// started as bars, and the defect Pareto with its cumulative share. Data come from
// <script type="application/json" id="yield-data"> (CSP: no inline script).
(function () {
  "use strict";

  var BLUE = "#206bc4";
  var GREEN = "#2fb344";
  var ORANGE = "#f76707";
  var GREY = "rgba(102,115,130,0.25)";

  function pct(v) { return v === null || v === undefined ? "—" : v.toFixed(2) + " %"; }

  function trendOption(el, d) {
    var series = [
      {
        name: el.dataset.labelStarted, type: "bar", yAxisIndex: 1, data: d.started,
        itemStyle: { color: GREY }, z: 1
      },
      {
        name: el.dataset.labelFpy, type: "line", data: d.fpy, symbolSize: 6,
        lineStyle: { width: 3, color: BLUE }, itemStyle: { color: BLUE }, z: 3
      },
    ];
    if (d.lines.length > 1) {
      d.lines.forEach(function (line) {
        series.push({
          name: line.name, type: "line", data: line.fpy, connectNulls: true, symbolSize: 4,
          lineStyle: { width: 1 }
        });
      });
    }
    return {
      animation: false,
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return typeof v === "number" && v % 1 !== 0 ? pct(v) : v; }
      },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 60, top: 40, bottom: 40 },
      xAxis: { type: "category", data: d.periods },
      yAxis: [
        {
          type: "value", max: 100, axisLabel: { formatter: "{value} %" },
          // FPY lives in the nineties: start the axis a little below the lowest value
          min: function (v) { return Math.max(0, Math.floor((v.min - 2) / 5) * 5); }
        },
        { type: "value", position: "right", splitLine: { show: false } }
      ],
      series: series
    };
  }

  function paretoOption(el, p) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 40, bottom: 70 },
      xAxis: { type: "category", data: p.codes, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } }
      ],
      series: [
        {
          name: el.dataset.labelCount, type: "bar", data: p.counts, itemStyle: { color: BLUE }
        },
        {
          name: el.dataset.labelCumulative, type: "line", yAxisIndex: 1, data: p.cumulative,
          itemStyle: { color: ORANGE }, lineStyle: { color: ORANGE },
          markLine: {
            symbol: "none", silent: true, lineStyle: { color: GREEN, type: "dashed" },
            data: [{ yAxis: 80 }], label: { show: false }
          }
        }
      ]
    };
  }

  function init() {
    var source = document.getElementById("yield-data");
    if (!source || typeof echarts === "undefined") return;
    var d = JSON.parse(source.textContent);
    var charts = [];
    var trend = document.getElementById("yield-trend");
    if (trend) {
      var t = echarts.init(trend);
      t.setOption(trendOption(trend, d));
      charts.push(t);
      trend.dataset.ready = "1";
    }
    var pareto = document.getElementById("yield-pareto");
    if (pareto) {
      var p = echarts.init(pareto);
      p.setOption(paretoOption(pareto, d.pareto));
      charts.push(p);
      pareto.dataset.ready = "1";
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();

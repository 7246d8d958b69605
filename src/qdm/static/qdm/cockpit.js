// The cockpit's cross-site view: a sparkline of the last twelve months beside every site of
// every KPI. Data come from <script type="application/json" id="cockpit-cross-site-data">
// (CSP: no inline script).
(function () {
  "use strict";

  function sparkOption(months, values) {
    return {
      animation: false,
      grid: { left: 2, right: 2, top: 2, bottom: 2 },
      tooltip: {
        trigger: "axis", confine: true,
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(2); }
      },
      xAxis: { type: "category", data: months, show: false },
      yAxis: { type: "value", show: false, scale: true },
      series: [{
        type: "line", data: values, connectNulls: true, symbol: "none",
        lineStyle: { width: 1.5, color: "#206bc4" }, areaStyle: { color: "rgba(32,107,196,0.12)" }
      }]
    };
  }

  function init() {
    var root = document.getElementById("cockpit-cross-site");
    if (!root || typeof echarts === "undefined") { return; }
    var source = document.getElementById(root.dataset.source);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var trends = {};
    data.kpis.forEach(function (kpi) {
      kpi.sites.forEach(function (s) { trends[kpi.code + "|" + s.site] = s.trend; });
    });
    var charts = [];
    root.querySelectorAll(".cockpit-spark").forEach(function (el) {
      var values = trends[el.dataset.kpi + "|" + el.dataset.site];
      if (!values) { return; }
      var chart = echarts.init(el);
      chart.setOption(sparkOption(data.months, values));
      charts.push(chart);
      el.dataset.ready = "1";
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();

// COPQ page: the four classes stacked per month, then the 12-month forecast with its 95 %
// prediction interval. Data come from <script type="application/json" id="cockpit-copq-data">
// (CSP: no inline script).
(function () {
  "use strict";

  var COLORS = { prevention: "#2fb344", appraisal: "#4299e1", internal: "#f59f00", external: "#d63939" };

  function init() {
    var el = document.getElementById("copq-chart");
    if (!el || typeof echarts === "undefined") return;
    var d = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var fc = d.forecast && d.forecast.forecast ? d.forecast.forecast : [];
    var months = d.months.concat(fc.map(function (p) { return p.month; }));
    var pad = function (arr) { return arr.concat(fc.map(function () { return null; })); };
    var series = Object.keys(d.series).map(function (code) {
      return {
        name: d.labels[code], type: "bar", stack: "copq", data: pad(d.series[code]),
        itemStyle: { color: COLORS[code] }
      };
    });
    if (fc.length) {
      var lead = d.months.map(function () { return null; });
      series.push({
        name: d.label_interval, type: "line", stack: "band", symbol: "none",
        lineStyle: { opacity: 0 }, data: lead.concat(fc.map(function (p) { return p.lower; }))
      });
      series.push({
        name: d.label_interval, type: "line", stack: "band", symbol: "none",
        lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(32,107,196,0.15)" },
        data: lead.concat(fc.map(function (p) { return p.upper - p.lower; }))
      });
      series.push({
        name: d.label_forecast, type: "line", symbolSize: 5,
        lineStyle: { type: "dashed", color: "#206bc4" }, itemStyle: { color: "#206bc4" },
        data: lead.concat(fc.map(function (p) { return p.copq; }))
      });
    }
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 36, bottom: 28 },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value" },
      series: series
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

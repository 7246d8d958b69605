// The cockpit's role home pages and factory wall: chart builders for qdm.js (widget bar and
// line charts, KPI tile sparklines with the goal as a dashed line). Data come from
// <script type="application/json"> elements (CSP: no inline script); qdm.js draws them on
// load and again after every HTMX swap (lazy widgets, the wall's polling).
(function () {
  "use strict";
  if (!window.QDM) { return; }
  var BLUE = "#206bc4";

  window.QDM.chartBuilders.widget = function (el, data) {
    var big = el.dataset.size === "wall";
    return {
      animation: false,
      grid: { left: 40, right: 12, top: big ? 16 : 28, bottom: 28, containLabel: true },
      tooltip: { trigger: "axis", confine: true },
      legend: data.series.length > 1 ? { type: "scroll", top: 0 } : undefined,
      xAxis: { type: "category", data: data.categories, axisLabel: { fontSize: big ? 20 : 12 } },
      yAxis: {
        type: "value", scale: !data.percent, max: data.percent ? 100 : undefined,
        axisLabel: { fontSize: big ? 18 : 12 }
      },
      series: data.series.map(function (s) {
        return {
          name: s.name, type: data.kind === "line" ? "line" : "bar", data: s.data,
          connectNulls: true, itemStyle: data.series.length > 1 ? undefined : { color: BLUE },
          label: big ? { show: true, position: "top", fontSize: 22,
            formatter: function (p) { return p.value === null ? "—" : p.value.toFixed(1); } } : undefined
        };
      })
    };
  };

  window.QDM.chartBuilders.spark = function (el, data) {
    var series = [{
      type: "line", data: data.values, connectNulls: true, symbol: "none",
      lineStyle: { width: 1.5, color: BLUE }, areaStyle: { color: "rgba(32,107,196,0.12)" }
    }];
    if (data.target !== null && data.target !== undefined) {
      series.push({
        type: "line", data: data.values.map(function () { return data.target; }), symbol: "none",
        lineStyle: { width: 1, type: "dashed", color: "#d63939" }
      });
    }
    return {
      animation: false,
      grid: { left: 2, right: 2, top: 2, bottom: 2 },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: data.months, show: false },
      yAxis: { type: "value", show: false, scale: true },
      series: series
    };
  };
})();

// Field-reliability page: the Weibull probability plot (log time, Weibull-scaled
// unreliability) with the median-rank points and the fitted line, and the expected returns
// of the next 12 months. Data from <script type="application/json" id="service-weibull-data">
// (CSP: no inline script).
(function () {
  "use strict";

  var BLUE = "#206bc4";
  var ORANGE = "#f76707";

  // Weibull paper: y = ln(-ln(1 - F)), labelled in F %
  function wy(pct) { return Math.log(-Math.log(1 - pct / 100)); }
  function fromWy(y) { return (1 - Math.exp(-Math.exp(y))) * 100; }
  function toPaper(pairs) {
    return pairs.filter(function (p) { return p[0] > 0 && p[1] > 0 && p[1] < 100; })
      .map(function (p) { return [p[0], wy(p[1])]; });
  }

  function plotOption(el, plot) {
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return p.seriesName + "<br>" + p.value[0].toFixed(1) + " · " + fromWy(p.value[1]).toFixed(3) + " %";
        }
      },
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 32, bottom: 44 },
      xAxis: { type: "log", name: el.dataset.labelTime, nameLocation: "middle", nameGap: 28 },
      yAxis: {
        type: "value", name: el.dataset.labelUnreliability,
        axisLabel: { formatter: function (v) { var f = fromWy(v); return f < 1 ? f.toPrecision(1) : f.toFixed(0); } }
      },
      series: [
        {
          name: el.dataset.labelPoints, type: "scatter", data: toPaper(plot.points),
          symbolSize: 7, itemStyle: { color: ORANGE }
        },
        {
          name: el.dataset.labelLine, type: "line", data: toPaper(plot.line || []),
          showSymbol: false, lineStyle: { width: 2, color: BLUE }
        }
      ]
    };
  }

  function forecastOption(el, values) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 16, bottom: 24 },
      xAxis: { type: "category", data: values.map(function (_v, i) { return "+" + (i + 1); }) },
      yAxis: { type: "value" },
      series: [{
        name: el.dataset.labelExpected, type: "bar", itemStyle: { color: BLUE },
        data: values.map(function (v) { return Math.round(v * 100) / 100; })
      }]
    };
  }

  function init() {
    var source = document.getElementById("service-weibull-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    var plot = document.getElementById("weibull-plot");
    if (plot && data.plot) {
      var p = echarts.init(plot);
      p.setOption(plotOption(plot, data.plot));
      plot.dataset.ready = "1";
      charts.push(p);
    }
    var forecast = document.getElementById("weibull-forecast");
    if (forecast && data.forecast) {
      var f = echarts.init(forecast);
      f.setOption(forecastOption(forecast, data.forecast));
      forecast.dataset.ready = "1";
      charts.push(f);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", init);
})();

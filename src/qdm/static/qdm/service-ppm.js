// Complaint ppm page: modules shipped (bars) and complaint ppm (line) per month of receipt
// and per cohort. Data come from <script type="application/json" id="service-ppm-data">
// (CSP: no inline script).
(function () {
  "use strict";

  var BLUE = "#206bc4";
  var GREY = "rgba(102,115,130,0.25)";

  function option(el, d) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 32, bottom: 28 },
      xAxis: { type: "category", data: d.keys },
      yAxis: [
        { type: "value", name: "ppm" },
        { type: "value", splitLine: { show: false } }
      ],
      series: [
        {
          name: el.dataset.labelShipped, type: "bar", yAxisIndex: 1, data: d.shipped,
          itemStyle: { color: GREY }
        },
        {
          name: el.dataset.labelPpm, type: "line", data: d.ppm, connectNulls: true,
          symbolSize: 6, lineStyle: { width: 3, color: BLUE }, itemStyle: { color: BLUE }
        }
      ]
    };
  }

  function init() {
    var source = document.getElementById("service-ppm-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    ["ppm-period-chart", "ppm-cohort-chart"].forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      var chart = echarts.init(el);
      chart.setOption(option(el, data[el.dataset.series]));
      el.dataset.ready = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();

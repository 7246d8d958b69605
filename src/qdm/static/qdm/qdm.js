// QDM's only JavaScript: small and generic. Charts read their data from a
// <script type="application/json"> element named by data-source (CSP: no inline script).
(function () {
  "use strict";
  var builders = {
    sites: function (el, data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [el.dataset.labelCapacity, el.dataset.labelLines] },
        xAxis: { type: "category", data: data.categories },
        yAxis: [{ type: "value", name: "GW" }, { type: "value", name: "#" }],
        series: [
          { name: el.dataset.labelCapacity, type: "bar", data: data.capacity },
          { name: el.dataset.labelLines, type: "line", yAxisIndex: 1, data: data.lines }
        ]
      };
    }
  };
  function render(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll(".qdm-chart[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.source);
      var build = builders[el.dataset.chart];
      if (!source || !build) return;
      var data = JSON.parse(source.textContent);
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      chart.setOption(build(el, data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { render(evt.target); });
  window.QDM = { chartBuilders: builders, render: render };
})();

// The IV curve of a flash test: current and power against voltage, the maximum power point
// marked. Reads {"v": [...], "i": [...], "vmp", "imp", "pmax", "voc", "isc"} from the JSON
// block named by data-source (CSP: no inline script); axis names come from data-label-*.
(function () {
  "use strict";

  var BLUE = "#206bc4";
  var ORANGE = "#f76707";

  function round(value, digits) {
    var f = Math.pow(10, digits);
    return Math.round(value * f) / f;
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || el.dataset.ready || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var current = [];
    var power = [];
    data.v.forEach(function (v, k) {
      current.push([v, data.i[k]]);
      power.push([v, round(v * data.i[k], 2)]);
    });
    var labels = el.dataset;
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      legend: { top: 0, data: [labels.labelCurrent, labels.labelPower] },
      grid: { left: 56, right: 64, top: 40, bottom: 48 },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "cross" },
        formatter: function (params) {
          var lines = [echarts.format.encodeHTML(labels.labelVoltage) + ": " + params[0].value[0]];
          params.forEach(function (p) {
            lines.push(p.marker + echarts.format.encodeHTML(p.seriesName) + ": " + p.value[1]);
          });
          return lines.join("<br>");
        }
      },
      xAxis: {
        type: "value", min: 0, max: data.voc ? round(data.voc * 1.02, 1) : null,
        name: labels.labelVoltage, nameLocation: "middle", nameGap: 28
      },
      yAxis: [
        { type: "value", min: 0, name: labels.labelCurrent },
        { type: "value", min: 0, name: labels.labelPower, splitLine: { show: false } }
      ],
      series: [
        {
          name: labels.labelCurrent, type: "line", data: current, showSymbol: false,
          lineStyle: { color: BLUE, width: 2 }, itemStyle: { color: BLUE },
          markPoint: {
            symbol: "circle", symbolSize: 9,
            label: { show: true, position: "top", formatter: labels.labelMpp },
            data: [{ coord: [data.vmp, data.imp], name: labels.labelMpp }]
          }
        },
        {
          name: labels.labelPower, type: "line", yAxisIndex: 1, data: power, showSymbol: false,
          lineStyle: { color: ORANGE, width: 1.5, type: "dashed" }, itemStyle: { color: ORANGE }
        }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
  }

  function init() {
    document.querySelectorAll(".qdm-iv-curve[data-source]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", init);
  window.QDMIvCurve = { draw: draw };
})();

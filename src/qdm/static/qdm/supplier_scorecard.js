// Supplier scorecard page: 12-month trend of score (line, labelled with the grade, grade
// limits as dashed lines) and of incoming ppm (bars) / lot acceptance rate % (line).
// Data come from <script type="application/json" id="supplier-scorecard-data">
// (CSP: no inline script).
(function () {
  "use strict";

  var BLUE = "#206bc4";
  var GREEN = "#2fb344";
  var GREY = "rgba(102,115,130,0.35)";

  function scoreOption(el, d) {
    var limits = Object.keys(d.limits).map(function (grade) {
      return { yAxis: d.limits[grade], name: grade, label: { formatter: grade } };
    });
    return {
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          if (d.score[i] === null) return d.months[i] + ": –";
          return d.months[i] + "<br>" + el.dataset.labelScore + ": " + d.score[i] +
            "<br>" + el.dataset.labelGrade + ": " + d.grade[i];
        }
      },
      grid: { left: 48, right: 32, top: 24, bottom: 28 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", min: 0, max: 100, name: el.dataset.labelScore },
      series: [{
        name: el.dataset.labelScore, type: "line", data: d.score, connectNulls: false,
        symbolSize: 8, lineStyle: { width: 3, color: BLUE }, itemStyle: { color: BLUE },
        label: {
          show: true, position: "top",
          formatter: function (p) { return d.grade[p.dataIndex] || ""; }
        },
        markLine: {
          silent: true, symbol: "none", data: limits,
          lineStyle: { type: "dashed", color: GREY }
        }
      }]
    };
  }

  function qualityOption(el, d) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 32, bottom: 28 },
      xAxis: { type: "category", data: d.months },
      yAxis: [
        { type: "value", name: "ppm" },
        { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        {
          name: el.dataset.labelPpm, type: "bar", data: d.ppm,
          itemStyle: { color: GREY }
        },
        {
          name: el.dataset.labelAcceptance, type: "line", yAxisIndex: 1, data: d.acceptance,
          symbolSize: 6, lineStyle: { width: 3, color: GREEN }, itemStyle: { color: GREEN }
        }
      ]
    };
  }

  function draw(id, build, data) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(build(el, data));
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    var source = document.getElementById("supplier-scorecard-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    draw("scorecard-score-chart", scoreOption, data);
    draw("scorecard-quality-chart", qualityOption, data);
  }

  document.addEventListener("DOMContentLoaded", init);
})();

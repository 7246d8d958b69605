// The trace page's genealogy graph. Reads nodes and links from the JSON block named by
// data-source (CSP: no inline script); nodes are laid out in columns by depth (backward:
// the module on the right, its lots to the left; forward: the lot on the left), coloured
// by kind; the tooltip shows the unit's details; clicking a named node traces from it.
(function () {
  "use strict";
  var COLUMN = 220;
  var ROW = 46;

  function escape(text) {
    return echarts.format.encodeHTML(text === null || text === undefined ? "" : String(text));
  }

  function layout(nodes, direction) {
    var columns = {};
    nodes.forEach(function (node) {
      (columns[node.depth] = columns[node.depth] || []).push(node);
    });
    Object.keys(columns).forEach(function (depth) {
      var column = columns[depth];
      column.forEach(function (node, i) {
        node.x = (direction === "backward" ? -1 : 1) * Number(depth) * COLUMN;
        node.y = (i - (column.length - 1) / 2) * ROW;
      });
    });
  }

  function tooltip(el) {
    return function (params) {
      if (params.dataType !== "node") return "";
      var d = params.data;
      var lines = ["<strong>" + escape(d.name) + "</strong>"];
      lines.push(escape(el.dataset.labelKind) + ": " + escape(d.kind_label));
      lines.push(escape(el.dataset.labelDepth) + ": " + escape(d.depth));
      (d.details || []).forEach(function (pair) {
        lines.push(escape(pair[0]) + ": " + escape(pair[1]));
      });
      if (d.code && !d.start) lines.push("<em>" + escape(el.dataset.labelClick) + "</em>");
      return lines.join("<br>");
    };
  }

  function retraceUrl(el, code) {
    var query = "code=" + encodeURIComponent(code) +
      "&direction=" + encodeURIComponent(el.dataset.direction);
    return el.dataset.traceUrl + "?" + query;
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var index = {};
    data.nodes.forEach(function (node, i) { index[node.id] = i; });
    layout(data.nodes, data.direction);
    var nodes = data.nodes.map(function (node) {
      var item = Object.assign({}, node, {
        symbolSize: node.start ? 26 : (node.count ? 30 : 16),
        label: { show: true, position: "bottom", fontSize: 11 }
      });
      if (node.restricted) item.itemStyle = { opacity: 0.45 };
      if (node.start) item.itemStyle = { borderColor: "#000", borderWidth: 2 };
      return item;
    });
    var links = data.links.map(function (link) {
      return { source: index[link.source], target: index[link.target] };
    });
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item", confine: true, formatter: tooltip(el) },
      legend: [{ data: data.categories.map(function (c) { return c.name; }), top: 0 }],
      animation: false,
      series: [{
        type: "graph",
        layout: "none",
        roam: true,
        top: 40,
        categories: data.categories,
        data: nodes,
        links: links,
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 6,
        lineStyle: { color: "source", opacity: 0.6, width: 1.2 },
        emphasis: { focus: "adjacency" }
      }]
    });
    chart.on("click", function (params) {
      if (params.dataType !== "node" || !params.data.code || params.data.start) return;
      window.location.assign(retraceUrl(el, params.data.code));
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
  }

  function init() {
    document.querySelectorAll(".qdm-trace-graph[data-source]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", init);
  window.QDMTrace = { draw: draw, retraceUrl: retraceUrl };
})();

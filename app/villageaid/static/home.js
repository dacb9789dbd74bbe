// The home page's charts (ECharts). The numbers come from the plain tables
// under each chart (rows marked va-chart-row), so the page reads the same
// without JavaScript; a click on a bar opens the list behind it.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  var wordsEl = document.getElementById("va-chart-words");
  var words = wordsEl ? JSON.parse(wordsEl.textContent) : {};

  function rows(table) {
    return Array.prototype.slice.call(document.querySelectorAll("#" + table + " tr.va-chart-row"));
  }

  function draw(chartId, tableId, series, stacked) {
    var el = document.getElementById(chartId);
    var found = rows(tableId);
    if (!el || found.length === 0) { return; }
    el.className += " va-chart-on";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: found.map(function (r) { return r.dataset.name; }) },
      series: series.map(function (s) {
        return {
          name: words[s] || s, type: "bar", stack: stacked ? "all" : undefined,
          data: found.map(function (r) { return Number(r.dataset[s] || 0); })
        };
      })
    });
    chart.on("click", function (params) {
      var link = found[params.dataIndex] && found[params.dataIndex].dataset.link;
      if (link) { window.location.assign(link); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  draw("chart-coverage", "coverage-table", ["trained", "untrained"], true);
  draw("chart-alerts", "alerts-table", ["open", "overdue"], false);
}());

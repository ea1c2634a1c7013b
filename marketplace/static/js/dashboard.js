// Dashboard charts (ECharts, served locally). Each chart reads the table named by data-table, so the numbers
// shown beside a chart are exactly the ones drawn. No inline scripts or styles: CSP.
(function () {
  "use strict";
  if (!window.echarts) return;
  const green = ["#198754", "#20c997", "#0d6efd", "#ffc107", "#fd7e14", "#6f42c1", "#d63384", "#6c757d"];

  function rows(table, column) {
    return Array.from(table.tBodies[0].rows).map(function (tr) {
      const cells = tr.cells;
      const raw = cells[column] ? cells[column].textContent.trim() : "";
      return { label: cells[0].textContent.trim(), value: raw === "—" ? null : Number(raw) };
    });
  }

  function option(kind, data) {
    const labels = data.map(function (d) { return d.label; });
    const values = data.map(function (d) { return d.value; });
    const grid = { left: 8, right: 16, top: 12, bottom: 8, containLabel: true };
    if (kind === "pie") {
      return { color: green, tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], label: { formatter: "{d}%", fontSize: 10 },
          data: data.map(function (d) { return { name: d.label, value: d.value }; }) }] };
    }
    if (kind === "funnel") {
      return { color: green, tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", left: 8, right: 8, top: 8, bottom: 8,
          label: { position: "inside", formatter: "{b} {c}", color: "#fff", fontSize: 11 },
          data: data.map(function (d) { return { name: d.label, value: d.value }; }) }] };
    }
    if (kind === "line") {
      return { color: green, grid: grid, tooltip: { trigger: "axis" }, xAxis: { type: "category", data: labels },
        yAxis: { type: "value", min: 1, max: 5 }, series: [{ type: "line", data: values, connectNulls: true }] };
    }
    if (kind === "hbar") {
      return { color: green, grid: grid, tooltip: { trigger: "axis" },
        yAxis: { type: "category", data: labels.slice().reverse(), axisLabel: { fontSize: 10, interval: 0 } },
        xAxis: { type: "value" }, series: [{ type: "bar", data: values.slice().reverse() }] };
    }
    return { color: green, grid: grid, tooltip: { trigger: "axis" }, xAxis: { type: "category", data: labels },
      yAxis: { type: "value" }, series: [{ type: "bar", data: values }] };
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const table = document.getElementById(el.dataset.table);
    if (!table) return;
    const data = rows(table, parseInt(el.dataset.column || "1", 10)).slice(0, 40);
    if (el.dataset.chart === "hbar") {
      el.style.height = Math.max(160, data.length * 20 + 50) + "px";  // one readable row per category
    }
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(el.dataset.chart, data));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();

// Dashboards: every chart is drawn from the table next to it (th[data-series] columns, td[data-value] cells), so the
// chart and the table always show the same numbers. Charts are redrawn after htmx swaps the panels.
(function () {
  "use strict";
  const charts = window.PortalCharts;

  function drawChart(canvas) {
    if (typeof window.Chart === "undefined" || window.Chart.getChart(canvas)) {
      return;
    }
    const table = document.getElementById(canvas.getAttribute("data-chart-table"));
    if (!table) {
      return;
    }
    const kind = canvas.getAttribute("data-chart");
    const unit = canvas.getAttribute("data-chart-unit") || "";
    const series = [];
    table.querySelectorAll("thead th").forEach(function (th, column) {
      if (th.hasAttribute("data-series")) {
        series.push({ label: th.getAttribute("data-series"), column: column });
      }
    });
    const rows = Array.from(table.querySelectorAll("tbody tr"));
    const labels = rows.map(function (row) {
      // The row header's own text, without a badge inside it.
      const cell = row.cells[0];
      return (cell.firstChild && cell.firstChild.nodeType === Node.TEXT_NODE ? cell.firstChild.textContent : cell.textContent).trim();
    });
    const stacked = kind === "stacked";
    const horizontal = kind === "horizontal";
    const datasets = series.map(function (s, index) {
      return {
        label: s.label,
        backgroundColor: charts.pattern(charts.COLOURS[index % charts.COLOURS.length], index),
        borderColor: charts.COLOURS[index % charts.COLOURS.length],
        borderWidth: 1,
        data: rows.map(function (row) { return Number(row.cells[s.column].getAttribute("data-value")); }),
      };
    });
    const valueAxis = { beginAtZero: true, stacked: stacked, title: { display: !!unit, text: unit } };
    const labelAxis = { stacked: stacked };
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: charts.localize({
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: { legend: { position: "bottom" } },
      }, horizontal ? "x" : "y"),
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart-table]").forEach(drawChart);
  }

  drawAll(document);
  document.body.addEventListener("htmx:afterSettle", function () { drawAll(document); });
})();

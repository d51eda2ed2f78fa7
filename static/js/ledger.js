// Ledger pages: draws the tranche chart from the table next to it, so chart and table always show the same numbers.
(function () {
  "use strict";
  const charts = window.PortalCharts;

  function drawChart(canvas) {
    const table = document.getElementById(canvas.getAttribute("data-chart-table"));
    if (!table || typeof window.Chart === "undefined") {
      return;
    }
    const headers = Array.from(table.querySelectorAll("thead th"));
    const series = [];
    headers.forEach(function (th, column) {
      if (th.hasAttribute("data-series")) {
        series.push({ label: th.getAttribute("data-series"), column: column });
      }
    });
    const rows = Array.from(table.querySelectorAll("tbody tr"));
    const labels = rows.map(function (row) { return row.cells[0].textContent.trim(); });
    const datasets = series.map(function (s, index) {
      return {
        label: s.label,
        backgroundColor: charts.pattern(charts.COLOURS[index % charts.COLOURS.length], index),
        borderColor: charts.COLOURS[index % charts.COLOURS.length],
        borderWidth: 1,
        // cents -> millions of euros for the axis; the table keeps the exact amounts
        data: rows.map(function (row) { return Number(row.cells[s.column].getAttribute("data-cents")) / 1e8; }),
      };
    });
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: charts.localize({
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 2.5,
        animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: canvas.getAttribute("data-chart-unit") || "" } } },
      }, "y"),
    });
  }

  document.querySelectorAll("canvas[data-chart-table]").forEach(drawChart);
})();

// Grant usage: draws the burn-down chart from the JSON rendered next to it (json_script), the same numbers as the
// table below it.
(function () {
  "use strict";

  function drawChart(canvas) {
    const source = document.getElementById(canvas.getAttribute("data-usage-chart"));
    if (!source || typeof window.Chart === "undefined" || canvas.getAttribute("data-drawn") === "yes") {
      return;
    }
    canvas.setAttribute("data-drawn", "yes");
    const data = JSON.parse(source.textContent);
    const charts = window.PortalCharts;
    const colours = charts.COLOURS;
    const day = new Intl.DateTimeFormat(charts.lang, { day: "numeric", month: "short", year: "numeric" });
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map(function (iso) { return day.format(new Date(iso + "T12:00:00")); }),
        datasets: [
          { label: data.used_label, data: data.used, borderColor: colours[0], backgroundColor: colours[0], pointRadius: 0 },
          {
            label: data.target_label,
            data: data.target,
            borderColor: colours[1],
            backgroundColor: colours[1],
            borderDash: [6, 4],
            pointRadius: 0,
          },
          {
            label: data.granted_label,
            data: data.labels.map(function () { return data.granted; }),
            borderColor: colours[2],
            backgroundColor: colours[2],
            borderWidth: 1,
            borderDash: [2, 2],
            pointRadius: 0,
          },
        ],
      },
      options: charts.localize({
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 2.5,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: data.unit_label || "GPU-h" } } },
      }, "y"),
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-usage-chart]").forEach(drawChart);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();

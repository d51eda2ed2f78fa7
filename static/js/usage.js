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
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.used_label, data: data.used, borderColor: "#003399", backgroundColor: "#003399", pointRadius: 0 },
          {
            label: data.target_label,
            data: data.target,
            borderColor: "#b35900",
            backgroundColor: "#b35900",
            borderDash: [6, 4],
            pointRadius: 0,
          },
          {
            label: data.granted_label,
            data: data.labels.map(function () { return data.granted; }),
            borderColor: "#1a7f37",
            backgroundColor: "#1a7f37",
            borderWidth: 1,
            pointRadius: 0,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 2.5,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: "GPU-h" } } },
      },
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

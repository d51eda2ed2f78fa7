// Review pages: a live character count for the applicant's reply (progressive enhancement only).
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    const counter = document.getElementById(area.getAttribute("data-counter"));
    const max = parseInt(area.getAttribute("maxlength"), 10);
    if (!counter || !max) return;
    function update() {
      counter.textContent = (max - area.value.length).toLocaleString() + " / " + max.toLocaleString() + " characters left";
    }
    area.addEventListener("input", update);
    update();
  });
})();

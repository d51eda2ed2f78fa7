// Review pages: a live character count for the applicant's reply (progressive enhancement only).
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    const counter = document.getElementById(area.getAttribute("data-counter"));
    const max = parseInt(area.getAttribute("maxlength"), 10);
    if (!counter || !max) return;
    const lang = document.documentElement.lang || undefined;
    const sentence = counter.getAttribute("data-sentence") || "__LEFT__ / __MAX__";
    function update() {
      counter.textContent = sentence
        .replace("__LEFT__", (max - area.value.length).toLocaleString(lang))
        .replace("__MAX__", max.toLocaleString(lang));
    }
    area.addEventListener("input", update);
    update();
  });
})();

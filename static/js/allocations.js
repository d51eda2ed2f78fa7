// Calls and applications: cut-off countdown in the visitor's time zone, and autosave of application steps.
// Progressive enhancement only: without JavaScript the pages show Brussels time and forms save on submit.
(function () {
  "use strict";

  // --- Countdown and local time: <span data-countdown="ISO" data-left="… __LEFT__ …"> (the page's translated
  // sentence around the remaining time) and <p data-local-time="ISO" hidden>. Units and lists come from Intl in
  // the page's language.
  const lang = document.documentElement.lang || undefined;
  const list = new Intl.ListFormat(lang, { style: "long", type: "unit" });
  function amount(n, unit) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "long" }).format(n);
  }

  function remaining(ms) {
    const minutes = Math.floor(ms / 60000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const parts = [];
    if (days) parts.push(amount(days, "day"));
    if (days || hours) parts.push(amount(hours, "hour"));
    parts.push(amount(minutes % 60, "minute"));
    return list.format(parts);
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      const ms = new Date(el.getAttribute("data-countdown")).getTime() - Date.now();
      const sentence = el.getAttribute("data-left") || "__LEFT__";
      el.textContent = ms > 0 ? sentence.replace("__LEFT__", remaining(ms)) : el.getAttribute("data-ended");
    });
  }

  document.querySelectorAll("[data-local-time]").forEach(function (el) {
    const when = new Date(el.getAttribute("data-local-time"));
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const text = new Intl.DateTimeFormat(lang, {
      dateStyle: "long", timeStyle: "short",
    }).format(when);
    el.textContent = el.getAttribute("data-label") + ": " + text + " (" + zone + ")";
    el.hidden = false;
  });
  if (document.querySelector("[data-countdown]")) {
    tick();
    window.setInterval(tick, 30000);
  }

  // --- Autosave (htmx). A stale save pauses autosave until the user saves deliberately or reloads. A normal
  // submit waits for an autosave in flight (so it carries the newest version) and stops later autosaves.
  let inFlight = 0;
  let pendingSubmit = null;

  function isAutosave(elt) {
    return elt && elt.hasAttribute && elt.hasAttribute("data-autosave");
  }

  document.body.addEventListener("autosaveConflict", function () {
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      form.setAttribute("data-autosave-paused", "");
    });
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt;
    if (!isAutosave(form)) return;
    if (form.hasAttribute("data-autosave-paused")) {
      event.preventDefault();
      return;
    }
    inFlight += 1;
    const status = document.getElementById("save-status");
    if (status) status.setAttribute("aria-busy", "true");
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (!isAutosave(event.detail.elt)) return;
    inFlight = Math.max(0, inFlight - 1);
    const status = document.getElementById("save-status");
    if (status) status.removeAttribute("aria-busy");
    if (inFlight === 0 && pendingSubmit) {
      const next = pendingSubmit;
      pendingSubmit = null;
      next.form.requestSubmit(next.submitter);
    }
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!isAutosave(form)) return;
    if (inFlight > 0) {
      event.preventDefault();
      pendingSubmit = { form: form, submitter: event.submitter };
      return;
    }
    form.setAttribute("data-autosave-paused", "");
  });
})();

// Behaviour shared by every page. No inline scripts (CSP); pages opt in with data attributes.
(function () {
  "use strict";
  // Confirm dangerous actions: <button data-confirm="Are you sure?">
  document.addEventListener("click", function (event) {
    const el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Auto-submit selects marked data-autosubmit (the form still has a submit button without JS).
  document.addEventListener("change", function (event) {
    const el = event.target.closest("[data-autosubmit]");
    if (el && el.form) {
      el.form.requestSubmit();
    }
  });
})();

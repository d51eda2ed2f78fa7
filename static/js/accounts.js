// Account pages. No inline scripts (CSP); pages opt in with data attributes.
(function () {
  "use strict";
  // Copy a read-only field's value: <button data-copy-target="#field" data-copied-text="Copied">.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    const field = document.querySelector(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    field.focus();
    field.select();
    const status = document.querySelector("[data-copy-status]");
    const announce = function () {
      if (status) {
        status.textContent = button.getAttribute("data-copied-text") || "";
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(announce, function () {
        if (document.execCommand("copy")) {
          announce();
        }
      });
    } else if (document.execCommand("copy")) {
      announce();
    }
  });
})();

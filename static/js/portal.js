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
// Charts (Chart.js) on every page: numbers in the page's language (ticks and tooltips through Intl.NumberFormat),
// one palette whose neighbouring colours differ in luminance, and a fill pattern per series so that series stay
// apart in greyscale and for colour-blind readers. The palette is checked by tests/allocations/dashboards/test_l10n.py.
window.PortalCharts = (function () {
  "use strict";
  const lang = document.documentElement.lang || "en";
  const COLOURS = ["#001f5c", "#e07000", "#1a7f37", "#6a3d9a", "#c9184a", "#767676", "#2f7fd0"];

  function number(value, digits) {
    return new Intl.NumberFormat(lang, { maximumFractionDigits: digits === undefined ? 1 : digits }).format(value);
  }

  function pattern(colour, index) {
    if (index === 0 || typeof document.createElement("canvas").getContext !== "function") {
      return colour;
    }
    const size = 8;
    const tile = document.createElement("canvas");
    tile.width = size;
    tile.height = size;
    const g = tile.getContext("2d");
    if (!g) {
      return colour;
    }
    g.fillStyle = colour;
    g.fillRect(0, 0, size, size);
    g.strokeStyle = "rgba(255, 255, 255, 0.8)";
    g.lineWidth = 2;
    g.beginPath();
    if (index % 3 === 1) { g.moveTo(0, size); g.lineTo(size, 0); }
    else if (index % 3 === 2) { g.moveTo(size / 2, 0); g.lineTo(size / 2, size); }
    else { g.moveTo(0, size / 2); g.lineTo(size, size / 2); }
    g.stroke();
    return g.createPattern(tile, "repeat") || colour;
  }

  // Options shared by every chart: the page's locale, localized ticks on the value axis and localized tooltips.
  function localize(options, valueAxis) {
    options.locale = lang;
    const axis = options.scales && options.scales[valueAxis];
    if (axis) {
      axis.ticks = Object.assign({}, axis.ticks, { callback: function (value) { return number(value); } });
    }
    options.plugins = options.plugins || {};
    options.plugins.tooltip = {
      callbacks: {
        label: function (context) {
          const raw = context.parsed && typeof context.parsed === "object"
            ? context.parsed[options.indexAxis === "y" ? "x" : "y"] : context.raw;
          // French sets a non-breaking space before the colon.
          const colon = lang.split("-")[0] === "fr" ? "\u00a0: " : ": ";
          return (context.dataset.label ? context.dataset.label + colon : "") + number(raw);
        },
      },
    };
    return options;
  }

  return { lang: lang, COLOURS: COLOURS, number: number, pattern: pattern, localize: localize };
})();

"""The one inline script of the HTML report: the optional filter bar and open-on-print.

Kept as a Python string (not a .js file) so it ships inside the package without extra package
data; the page is fully readable without it, the writer allows exactly this text by its CSP hash.
"""

FILTER_SCRIPT = """\
(function () {
  "use strict";
  var bar = document.getElementById("filter");
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  if (!bar) { return; }
  bar.hidden = false;
  var text = bar.querySelector("input[type=search]");
  var warn = bar.querySelector("input[type=checkbox]");
  var checks = Array.prototype.slice.call(document.querySelectorAll("article.check"));
  function apply() {
    var q = text.value.trim().toLowerCase();
    checks.forEach(function (el) {
      var hit = !q || (el.getAttribute("data-search") || "").toLowerCase().indexOf(q) !== -1;
      el.hidden = !hit || (!warn.checked && el.classList.contains("is-warning"));
    });
  }
  text.addEventListener("input", apply);
  warn.addEventListener("change", apply);
  document.querySelectorAll("a.file-link").forEach(function (a) {
    a.addEventListener("click", function () {
      text.value = a.getAttribute("data-filter") || "";
      apply();
    });
  });
})();
"""

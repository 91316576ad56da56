"""The listing's one inline script: filters and search that work from the folder, without a server.

The page is complete without it (every row is in the HTML); the script only hides rows. Filters can
also be set from the address (``index.html?verdict=fail&q=eポータル``) so a link can share a view.
"""

FILTER_SCRIPT = """\
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  if (!bar) { return; }
  bar.hidden = false;
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.result"));
  var q = bar.querySelector("input[name=q]");
  var selects = Array.prototype.slice.call(bar.querySelectorAll("select"));
  var shown = document.getElementById("shown");
  var params = new URLSearchParams(window.location.search);
  if (params.has("q")) { q.value = params.get("q"); }
  selects.forEach(function (s) { if (params.has(s.name)) { s.value = params.get(s.name); } });
  function apply() {
    var text = q.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var hit = !text || (row.getAttribute("data-search") || "").indexOf(text) !== -1;
      selects.forEach(function (s) {
        if (s.value && row.getAttribute("data-" + s.name) !== s.value) { hit = false; }
      });
      row.hidden = !hit;
      if (hit) { n += 1; }
    });
    shown.textContent = shown.getAttribute("data-template").replace("{n}", String(n));
    shown.setAttribute("data-count", String(n));
  }
  q.addEventListener("input", apply);
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
})();
"""

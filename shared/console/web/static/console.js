// HAPI Hub console: copy buttons, confirm dialogs and select-on-focus. Everything works without it.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button.copy");
    if (!b) return;
    var text = b.getAttribute("data-copy");
    var done = function () {
      var old = b.textContent;
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var t = document.createElement("textarea");
      t.value = text;
      document.body.appendChild(t);
      t.select();
      document.execCommand("copy");
      document.body.removeChild(t);
      done();
    }
  });
  // Forms with data-confirm ask before they are sent.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  // Rows of a clickable table open the row's first link (which also works without JS).
  document.addEventListener("click", function (e) {
    if (e.target.closest("a, button, input, select, textarea, form")) return;
    var tr = e.target.closest("table.clickable tbody tr");
    var a = tr && tr.querySelector("a[href]");
    if (a) window.location.href = a.href;
  });
})();

// The page after sending, live: while a delivery is still to go out, fetch the page
// again now and then and show where each one stands. Without it, reloading does the
// same (the page says so). Same origin only; nothing else is loaded.
(function () {
  "use strict";
  var box = document.getElementById("deliveries");
  if (!box || !box.hasAttribute("data-refresh") || !window.fetch || !window.DOMParser) return;
  var tries = 0;
  function refresh() {
    tries += 1;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        if (!text) return;
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("deliveries");
        if (!fresh) return;
        box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
        if (fresh.hasAttribute("data-refresh") && tries < 60) window.setTimeout(refresh, 20000);
      })
      .catch(function () {});
  }
  window.setTimeout(refresh, 20000);
})();

// Solve the proof-of-work challenge of a flooded form (templates/_challenge.html).
// The vendored ALTCHA widget is its "external" build: it brings no worker of its
// own, so the SHA-256 worker is registered here from our own origin (the CSP
// allows workers from 'self' only), then each widget on the page starts solving.
(function () {
  "use strict";
  var widgets = document.querySelectorAll("altcha-widget[data-worker]");
  if (!widgets.length || !window.$altcha) {
    return;
  }
  var url = widgets[0].getAttribute("data-worker");
  window.$altcha.algorithms.set("SHA-256", function () {
    return new Worker(url);
  });
  widgets.forEach(function (widget) {
    if (typeof widget.verify === "function") {
      widget.verify();
    }
  });
})();

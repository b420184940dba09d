// Small optional enhancements; every page works without this file.
(function () {
  "use strict";
  // "Copy link" buttons: shown only when the Clipboard API is there.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(input.value).then(function () {
        var note = button.parentElement.querySelector(".copied");
        if (note) note.hidden = false;
      });
    });
  });
  // Live countdown to the deadline, in the page's language.
  var lang = document.documentElement.lang || "en";
  document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
    var deadline = Date.parse(el.dataset.deadline);
    if (isNaN(deadline) || !window.Intl || !Intl.RelativeTimeFormat) return;
    var fmt = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    function tick() {
      var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = d > 0 ? fmt.format(d, "day") + " · " + fmt.format(h, "hour")
        : h > 0 ? fmt.format(h, "hour") + " · " + fmt.format(m, "minute") : fmt.format(m, "minute");
    }
    tick();
    setInterval(tick, 30000);
  });
})();

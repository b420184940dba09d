// Small optional enhancements; every page works without this file.
(function () {
  "use strict";
  // Say *key*'s message (a data- attribute of the role=status element) so that
  // screen readers announce it, even when it is the same as last time.
  function say(status, key) {
    if (!status) return;
    var text = status.dataset[key] || status.dataset.copied || "";
    status.hidden = false;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  // "Copy" buttons (the share block's link, a letter to paste): the Clipboard API,
  // else the older execCommand("copy"), else the text is left selected and the
  // status says how to copy it. Without JavaScript the text is there to select.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    var status = button.parentElement.querySelector("[role=status]");
    button.hidden = false;
    function select() {
      field.focus();
      field.select();
      if (field.setSelectionRange) field.setSelectionRange(0, field.value.length);
    }
    function fallback() {
      select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      say(status, copied ? "copied" : "select");
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say(status, "copied");
        }, fallback);
      } else {
        fallback();
      }
    });
  });
  // "Share…": the phone's own share sheet (KakaoTalk, LINE, Signal, …), where there is one.
  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    if (!navigator.share) return;
    var status = button.parentElement.querySelector("[role=status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl })
        .then(function () { say(status, "shared"); }, function () { /* closed by the user */ });
    });
  });
  // "Near me" (core/_near_me.html): fills a place field with this device's position,
  // rounded to about a kilometre, and sends its form. Without it, people type a place.
  document.querySelectorAll("[data-near-me]").forEach(function (button) {
    var input = document.getElementById(button.dataset.nearMe);
    if (!navigator.geolocation || !input) return;
    var status = button.parentElement.querySelector(".near-me-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        input.value = position.coords.latitude.toFixed(2) + ", " + position.coords.longitude.toFixed(2);
        if (input.form && input.form.requestSubmit) input.form.requestSubmit();
        else if (input.form) input.form.submit();
      }, function () {
        if (!status) return;
        status.textContent = status.dataset.failed;
        status.hidden = false;
      }, { maximumAge: 600000, timeout: 15000 });
    });
  });
  // Live countdown to the deadline, in the page's language ("9 days 4 hours left").
  var lang = document.documentElement.lang || "en";
  document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
    var deadline = Date.parse(el.dataset.deadline);
    var format = el.dataset.format || "%(left)s";
    if (isNaN(deadline) || !window.Intl || !Intl.NumberFormat) return;
    function unit(n, name) {
      try {
        return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(n);
      } catch (e) { return n + " " + name; }
    }
    function tick() {
      var s = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      var parts = d > 0 ? [unit(d, "day"), unit(h, "hour")] : [unit(h, "hour"), unit(m, "minute")];
      el.textContent = format.replace("%(left)s", parts.join(" "));
    }
    // The page came with the same words (campaigns' time_left filter): the first
    // update waits, which keeps the Intl set-up out of the page's loading.
    setInterval(tick, 30000);
  });
})();

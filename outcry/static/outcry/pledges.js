// Pledges on the campaign page (pledges/_on_campaign_page.html). The page works without
// this; with it, the time zone select starts at the browser's own zone, and each pledge's
// "N people stand together" is refreshed every 30 seconds from its count.json.
(function () {
  "use strict";
  var REFRESH_MS = 30000;

  function preselectZone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone) return;
    document.querySelectorAll("form[data-preselect-zone] select.time-zone").forEach(function (select) {
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === zone) {
          select.value = zone;
          return;
        }
      }
      // The form lists the common zones only: add the browser's own (the server checks it).
      var option = new Option(zone.replace(/_/g, " "), zone);
      var other = select.querySelector('option[value="other"]');
      select.insertBefore(option, other);
      select.value = zone;
    });
  }

  function refresh() {
    document.querySelectorAll("[data-count-url]").forEach(function (shown) {
      fetch(shown.getAttribute("data-count-url"), { credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && typeof data.text === "string" && data.text !== shown.textContent) {
            shown.textContent = data.text;
          }
        })
        .catch(function () { /* offline or blocked: the page's own count stays */ });
    });
  }

  function start() {
    preselectZone();
    if (document.querySelector("[data-count-url]") && window.fetch) {
      window.setInterval(refresh, REFRESH_MS);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

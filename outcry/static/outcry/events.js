// Event times on the visitor's own clock too (events/_when.html, events/_your_time.html).
// The page already gives each time on the event's clock, with its zone; where this
// browser's zone reads otherwise, add "Your time: …", formatted in the page's language
// (Intl puts the parts in Korean order for ko). Nothing here is needed to read the page.
(function () {
  "use strict";
  var label = document.getElementById("your-time-label");
  if (!label || !window.Intl || !Intl.DateTimeFormat) return;
  var zone, lang = document.documentElement.lang || "en";
  var options = { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  var mine, wall = {};
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    mine = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: zone, timeZoneName: "short" }, options));
  } catch (e) {
    return;
  }
  if (!zone) return;
  // The wall time a moment shows on a zone's clock (to skip zones that read the same).
  function wallTime(moment, key) {
    try {
      if (!wall[key]) wall[key] = new Intl.DateTimeFormat("en", Object.assign({ timeZone: key }, options));
      return wall[key].format(moment);
    } catch (e) {
      return "";
    }
  }
  document.querySelectorAll(".when-at[data-zone][data-start]").forEach(function (when) {
    var start = new Date(when.dataset.start), end = new Date(when.dataset.end);
    if (isNaN(start.getTime()) || when.dataset.zone === zone) return;
    if (wallTime(start, when.dataset.zone) === wallTime(start, zone)) return;
    var there = when.querySelector(".time-there");
    if (there && there.dataset.zone === zone) return; // already given for the searched place
    var text = isNaN(end.getTime()) ? mine.format(start)
      : mine.formatRange ? mine.formatRange(start, end) : mine.format(start) + " – " + mine.format(end);
    var note = document.createElement("span");
    note.className = "your-time";
    note.textContent = label.dataset.label.replace("%(time)s", text);
    when.appendChild(document.createElement("br"));
    when.appendChild(note);
  });
})();

// The letter composer, live: the preview and the character count follow the ticks and
// edits as they happen. Loaded only on the composer's pages. Everything here is a
// convenience: the page works without it, and the server checks every letter again.
(function () {
  "use strict";
  // Optional paragraphs are folded to their titles for small screens; wide ones show them.
  if (window.matchMedia && window.matchMedia("(min-width: 40.01rem)").matches) {
    document.querySelectorAll("details.fold").forEach(function (details) {
      details.open = true;
    });
  }
  var form = document.querySelector("form.composer");
  var dataNode = document.getElementById("letter-data");
  var preview = document.getElementById("letter-preview");
  if (!form || !dataNode || !preview) return;
  var data;
  try {
    data = JSON.parse(dataNode.textContent);
  } catch (e) {
    return;
  }
  if (!data.targets || !data.targets.length) return;

  var lang = document.documentElement.lang || "en";
  var count = document.getElementById("letter-count");
  var tooLong = document.getElementById("letter-too-long");
  var tooLongText = tooLong ? tooLong.querySelector("p") : null;
  var numbers = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(lang) : null;

  // The "Update the preview" button is not needed while this script runs.
  document.querySelectorAll("[data-update-preview]").forEach(function (button) {
    button.hidden = true;
  });

  function number(n) {
    return numbers ? numbers.format(n) : String(n);
  }

  // Python-style "%(name)s" placeholders, as in the translated messages.
  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  // Characters as the server counts them (code points, not UTF-16 units).
  function length(text) {
    return Array.from(text).length;
  }

  function field(name) {
    return form.elements.namedItem(name);
  }

  // Text boxes show the letter filled in for the first office: its name and
  // greeting become placeholders again, so that each office's length is counted
  // (as ComposeForm.unfill does on the server).
  function unfill(text) {
    var shown = data.shown || {};
    Object.keys(shown)
      .filter(function (key) { return shown[key]; })
      .sort(function (a, b) { return shown[b].length - shown[a].length; })
      .forEach(function (key) {
        text = text.split(shown[key]).join("{" + key + "}");
      });
    return text;
  }

  // The body between salutation and closing, as services.assemble_body builds it.
  function body() {
    var own = field("own_text");
    if (own && own.tagName === "TEXTAREA") return unfill(own.value.replace(/\r\n?/g, "\n").trim());
    var parts = [];
    data.paragraphs.forEach(function (paragraph) {
      var text = paragraph.text;
      if (paragraph.kind === "optional") {
        var box = field("p_" + paragraph.id);
        if (!box || !box.checked) return;
      } else if (paragraph.kind === "editable") {
        var area = field("e_" + paragraph.id);
        if (area && area.tagName === "TEXTAREA") text = unfill(area.value);
      }
      text = text.replace(/\r\n?/g, "\n").trim();
      if (text) parts.push(text);
    });
    return parts.join("\n\n");
  }

  // The whole letter as one target reads it, as letters/wording.py words it.
  function letterFor(target, text) {
    var salutation = target.salutation.replace(/,+$/, "");
    var values = {
      salutation: salutation,
      target_name: target.name,
      supporter_name: data.supporter.name,
      supporter_city: data.supporter.city
    };
    text = text.replace(/\{(salutation|target_name|supporter_name|supporter_city)\}/g, function (m, name) {
      return values[name];
    }).trim();
    if (salutation && text.indexOf(salutation) === 0) {
      text = text.slice(salutation.length).replace(/^,/, "").trim();
    }
    var signature = [target.closing].concat(target.signature).join("\n");
    return [target.salutation, text, signature].filter(Boolean).join("\n\n");
  }

  function chosenChannels() {
    return Array.prototype.filter
      .call(form.querySelectorAll('input[name="channels"], input[name="email_by"]'), function (box) {
        return box.checked;
      })
      .map(function (box) {
        return box.value;
      });
  }

  // As linebreaks in the template: a paragraph per blank line, <br> per line break.
  function show(text) {
    while (preview.firstChild) preview.removeChild(preview.firstChild);
    text.split(/\n{2,}/).forEach(function (block) {
      var p = document.createElement("p");
      block.split("\n").forEach(function (line, index) {
        if (index) p.appendChild(document.createElement("br"));
        p.appendChild(document.createTextNode(line));
      });
      preview.appendChild(p);
    });
  }

  function update() {
    var text = body();
    var codes = chosenChannels();
    var first = letterFor(data.targets[0], text);
    var tightest = null;
    data.targets.forEach(function (target) {
      var n = null;
      codes.forEach(function (code) {
        var limit = target.limits[code];
        if (!limit) return;
        if (n === null) n = length(letterFor(target, text));
        var slack = limit.limit - n;
        if (!tightest || slack < tightest.slack) {
          tightest = { slack: slack, length: n, limit: limit, target: target };
        }
      });
    });
    show(first);
    var over = tightest && tightest.slack < 0;
    if (count) {
      count.textContent = tightest
        ? format(data.messages.of, {
            length: number(tightest.length),
            limit: number(tightest.limit.limit),
            channel: tightest.limit.describe
          })
        : format(data.messages.count, { length: number(length(first)) });
      count.classList.toggle("over", Boolean(over));
    }
    if (tooLong) {
      tooLong.hidden = !over;
      if (over && tooLongText) {
        tooLongText.textContent = format(data.messages.tooLong, {
          target: tightest.target.label || tightest.target.name,
          length: number(tightest.length),
          channel: tightest.limit.channel,
          limit: number(tightest.limit.limit)
        });
      }
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();

// Tvarit console: small progressive enhancement over server-rendered pages.
// Without this file every page still works (forms post and redirect back).
// With it: SLA countdowns and ages tick, the queue follows the live stream,
// j/k move through the queue, Ctrl+Enter sends a reply.
"use strict";

(function () {
  var body = document.body;

  function span(secs) {
    secs = Math.abs(Math.floor(secs));
    var h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h > 0 ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function strings(el) {
    var src = el.closest("[data-t-goal]") || body;
    return { goal: src.dataset.tGoal, breach: src.dataset.tBreach, breached: src.dataset.tBreached, answered: src.dataset.tAnswered };
  }

  // Where a case stands: ok before the goal, amber after it, red after the breach.
  function sla(goal, breach, now, t) {
    if (goal && goal > now) return ["ok", t.goal.replace("{t}", span((goal - now) / 1000))];
    if (breach && breach > now) return ["amber", t.breach.replace("{t}", span((breach - now) / 1000))];
    if (breach) return ["red", t.breached.replace("{t}", span((now - breach) / 1000))];
    return ["done", t.answered];
  }

  function setSlaClass(el, cls) {
    ["ok", "amber", "red", "done"].forEach(function (c) { el.classList.toggle("sla-" + c, c === cls); });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("tr.case").forEach(function (row) {
      var r = sla(Number(row.dataset.goal) || 0, Number(row.dataset.breach) || 0, now, strings(row));
      setSlaClass(row, r[0]);
      var text = row.querySelector(".sla-text");
      if (text && text.textContent !== r[1]) text.textContent = r[1];
      var age = row.querySelector("td.age");
      var created = Number(row.dataset.created) || 0;
      if (age && created) age.textContent = span(Math.max(0, now - created) / 1000);
    });
    document.querySelectorAll(".sla-live").forEach(function (el) {
      var r = sla(Number(el.dataset.goal) || 0, Number(el.dataset.breach) || 0, now, strings(el));
      setSlaClass(el, r[0]);
      el.textContent = r[1];
    });
  }

  // ---- the live queue
  var table = document.getElementById("queue");
  var source = document.getElementById("live-source");
  var baseTitle = document.title;

  function rowKey(row) {
    var breach = Number(row.dataset.breach) || Number.MAX_SAFE_INTEGER;
    return [Number(row.dataset.rank), breach, row.dataset.docket];
  }

  function compare(a, b) {
    var x = rowKey(a), y = rowKey(b);
    for (var i = 0; i < 3; i++) {
      if (x[i] < y[i]) return -1;
      if (x[i] > y[i]) return 1;
    }
    return 0;
  }

  function refreshQueue() {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(compare).forEach(function (r) { tbody.appendChild(r); });
    var pinned = tbody.querySelectorAll("tr.pinned").length;
    var banner = document.getElementById("emergency-banner");
    if (banner) {
      banner.hidden = pinned === 0;
      document.getElementById("emergency-count").textContent = String(pinned);
    }
    document.title = (pinned > 0 ? "⚠ (" + pinned + ") " : "") + baseTitle;
    var empty = document.getElementById("queue-empty");
    if (empty) empty.hidden = rows.length > 0;
  }

  function upsert(data) {
    var tpl = document.createElement("template");
    tpl.innerHTML = data.html.trim();
    var row = tpl.content.querySelector("tr");
    if (!row) return;
    var old = document.getElementById(row.id);
    if (old) {
      // Keep keyboard focus on the same case.
      var focused = old.contains(document.activeElement);
      old.replaceWith(row);
      if (focused) row.querySelector("a").focus();
    } else {
      row.classList.add("arrived");
      table.tBodies[0].appendChild(row);
    }
  }

  function removeRow(docket) {
    var row = document.getElementById("case-" + docket);
    if (row) row.remove();
  }

  function connect() {
    var status = document.getElementById("live-status");
    var es = new EventSource(source.dataset.events);
    es.onopen = function () { status.textContent = status.dataset.tLive; status.classList.add("on"); };
    es.onerror = function () { status.textContent = status.dataset.tOffline; status.classList.remove("on"); };
    es.addEventListener("upsert", function (e) { upsert(JSON.parse(e.data)); refreshQueue(); tick(); });
    es.addEventListener("remove", function (e) { removeRow(JSON.parse(e.data).docket); refreshQueue(); });
    es.addEventListener("synced", function (e) {
      var present = {};
      JSON.parse(e.data).forEach(function (d) { present[d] = true; });
      Array.prototype.slice.call(table.tBodies[0].rows).forEach(function (r) {
        if (!present[r.dataset.docket]) r.remove();
      });
      refreshQueue();
    });
  }

  // ---- keyboard
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  document.addEventListener("keydown", function (e) {
    if (!table || typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key !== "j" && e.key !== "k") return;
    var links = Array.prototype.slice.call(table.querySelectorAll("tbody tr a"));
    if (links.length === 0) return;
    var i = links.indexOf(document.activeElement);
    i = e.key === "j" ? Math.min(links.length - 1, i + 1) : Math.max(0, i - 1);
    links[i].focus();
    e.preventDefault();
  });

  var reply = document.getElementById("reply-text");
  if (reply) {
    var count = document.getElementById("reply-count");
    var showCount = function () { count.textContent = Array.from(reply.value).length + " / 280"; };
    reply.addEventListener("input", showCount);
    showCount();
    reply.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        reply.form.requestSubmit();
      }
    });
  }

  // One submit per form: a second press must not send a reply twice.
  function guardForms(root) {
    root.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (form.dataset.sent) { e.preventDefault(); return; }
        form.dataset.sent = "1";
        form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      });
    });
  }
  guardForms(document);

  // ---- publishing: the compose form shows only the fields that apply
  var compose = document.getElementById("compose");
  if (compose) {
    var kind = document.getElementById("kind");
    var factCheck = document.getElementById("fc-fields");
    var showKind = function () { factCheck.hidden = kind.value !== "fact_check"; };
    kind.addEventListener("change", showKind);
    var showAudience = function () {
      var chosen = compose.querySelector("input[name=audience]:checked");
      compose.querySelectorAll("[data-audience]").forEach(function (el) {
        el.hidden = !chosen || el.dataset.audience !== chosen.value;
      });
    };
    compose.querySelectorAll("input[name=audience]").forEach(function (r) { r.addEventListener("change", showAudience); });
    // Typing a time means "at that time".
    var at = document.getElementById("at");
    at.addEventListener("input", function () { document.getElementById("when-at").checked = at.value !== ""; });
    showKind();
    showAudience();
  }

  // ---- publishing: a post's outcomes follow delivery (every data-poll seconds)
  function pollOutcomes() {
    var section = document.getElementById("outcomes");
    if (!section || !section.dataset.poll) return;
    setTimeout(function () {
      fetch(location.pathname, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          ["outcomes", "pub-head"].forEach(function (id) {
            var now = document.getElementById(id), next = fresh.getElementById(id);
            if (now && next) now.replaceWith(document.adoptNode(next));
          });
          guardForms(document.getElementById("outcomes"));
        })
        .catch(function () {})
        .then(pollOutcomes);
    }, Number(section.dataset.poll) * 1000);
  }
  pollOutcomes();

  if (table && source) {
    refreshQueue();
    connect();
  }
  tick();
  setInterval(tick, 1000);
})();

// Tvarit console: small progressive enhancement over server-rendered pages.
// Without this file every page still works (forms post and redirect back).
// With it: SLA countdowns and ages tick, the queue follows the live stream,
// a ringing emergency sounds the alarm, j/k move through the queue,
// Ctrl+Enter sends a reply.
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

  // ---- the alarm (docs/console.md, "The alarm"). While a case in view
  // rings (data-alarm="1": tvarit-reply's Case.alarm, an open emergency nobody
  // has claimed or acknowledged): a tone every 2 s, a desktop notification per
  // newly ringing case, and a flashing tab title. Browsers allow sound and
  // notifications only after a click, hence the "Enable alerts" button.
  var root = document.documentElement;
  var controls = document.getElementById("alarm-controls");
  var alarm = { beeps: 0, notified: 0, escalations: 0, ringing: [], quietSince: Date.now() };
  window.tvaritAlarm = alarm; // counters the browser tests read
  root.dataset.alarm = "off";
  var audio = null, ringTimer = null, flashTimer = null, flashing = false;
  var baseTitle = document.title, calmTitle = baseTitle;
  var shown = {}; // docket → its open notification, closed once silenced

  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) {
      audio = new Ctx();
      audio.addEventListener("statechange", showControls);
    }
    return audio;
  }

  // Three short square-wave notes: made here, so no audio file to fetch.
  function tone() {
    if (!audio || audio.state !== "running") return false;
    var t0 = audio.currentTime + 0.01;
    [880, 660, 880].forEach(function (freq, i) {
      var t = t0 + i * 0.18, osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.15);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.16);
    });
    return true;
  }

  function permission() {
    return "Notification" in window ? Notification.permission : "unsupported";
  }

  // Which dockets this tab has already notified, kept across reloads so a
  // reload does not notify again.
  function remembered() {
    try { return JSON.parse(sessionStorage.getItem("tvarit.notified") || "{}"); } catch (e) { return {}; }
  }
  function remember(seen) {
    try { sessionStorage.setItem("tvarit.notified", JSON.stringify(seen)); } catch (e) { /* private mode */ }
  }

  function notify(tag, title, body, docket, sticky) {
    if (permission() !== "granted") return null;
    try {
      var n = new Notification(title, { body: body, tag: tag, lang: root.lang, requireInteraction: sticky });
      n.onclick = function () { window.focus(); location.href = "/cases/" + encodeURIComponent(docket); n.close(); };
      return n;
    } catch (e) {
      return null; // e.g. Chrome on Android shows notifications only from a service worker
    }
  }

  function unflash() {
    clearTimeout(flashTimer);
    flashing = false;
    document.title = calmTitle;
  }

  function ring() {
    if (audio && audio.state === "suspended") audio.resume().catch(function () {});
    if (tone()) alarm.beeps++;
    var t = (controls && controls.dataset.tRinging) || "⚠ {n}";
    flashing = true;
    document.title = t.replace("{n}", String(alarm.ringing.length));
    clearTimeout(flashTimer);
    flashTimer = setTimeout(unflash, 1000);
  }

  function showControls() {
    if (!controls) return;
    var perm = permission(), muted = !audio || audio.state !== "running";
    var button = document.getElementById("enable-alerts"), blocked = document.getElementById("alerts-blocked");
    button.hidden = !muted && perm !== "default";
    blocked.hidden = perm !== "denied";
    controls.hidden = button.hidden && blocked.hidden;
  }

  // Reads which cases in view ring, and rings, notifies and stops accordingly.
  function alarmUpdate() {
    var now = [], quiet = [], seen = remembered();
    document.querySelectorAll("[data-docket]").forEach(function (el) {
      var list = el.dataset.alarm === "1" ? now : quiet;
      if (list.indexOf(el.dataset.docket) < 0) list.push(el.dataset.docket);
    });
    // Silenced in view: should it ring again (a claim expired), notify again.
    quiet.forEach(function (d) { if (now.indexOf(d) < 0) delete seen[d]; });
    now.forEach(function (d) {
      if (seen[d]) return;
      var el = document.querySelector("[data-alarm='1'][data-docket='" + d + "']");
      var n = notify(d, el.dataset.alertTitle, el.dataset.alertBody, d, true);
      if (n) { seen[d] = 1; shown[d] = n; alarm.notified++; }
    });
    alarm.ringing.forEach(function (d) {
      if (now.indexOf(d) < 0 && shown[d]) { shown[d].close(); delete shown[d]; }
    });
    remember(seen);
    alarm.ringing = now;
    root.dataset.alarm = now.length ? "ringing" : "off";
    var note = document.getElementById("ringing-note");
    if (note) {
      note.hidden = now.length === 0;
      document.getElementById("ringing-count").textContent = String(now.length);
    }
    if (now.length && !ringTimer) {
      ring();
      ringTimer = setInterval(ring, 2000);
    } else if (!now.length && ringTimer) {
      clearInterval(ringTimer);
      ringTimer = null;
      alarm.quietSince = Date.now();
      unflash();
    }
    showControls();
  }

  // A supervisor is told of each step of an escalation ladder.
  function escalated(data) {
    var e = data.escalation;
    if (notify(e.key, e.title, e.body, data.docket, false)) { alarm.notified++; alarm.escalations++; }
  }

  if (controls) {
    audioContext();
    document.getElementById("enable-alerts").addEventListener("click", function () {
      var done = function () { showControls(); alarmUpdate(); };
      // A click is the gesture browsers wait for: resume the sound (one tone
      // says it works) and ask for notifications.
      var ctx = audioContext();
      if (ctx) ctx.resume().then(function () { tone(); done(); }, done);
      if (permission() === "default") Notification.requestPermission().then(done, done);
    });
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({ name: "notifications" }).then(function (status) {
        status.onchange = function () { showControls(); alarmUpdate(); };
      }, function () {});
    }
  }

  // ---- the live queue
  var table = document.getElementById("queue");
  var source = document.getElementById("live-source");

  // The server's order (rows::rank): its rank number, then the nearest
  // breach, then the docket; sorting here by the same keys keeps them equal.
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

  // The case whose row has keyboard focus (j/k), if any. A live update must
  // not take it away: moving or replacing a focused row blurs it.
  function focusedDocket() {
    var el = document.activeElement;
    var row = el && el.closest ? el.closest("tr.case") : null;
    return row ? row.dataset.docket : null;
  }

  function refocus(docket) {
    var row = docket && document.getElementById("case-" + docket);
    if (!row || row.contains(document.activeElement)) return;
    var link = row.querySelector("td.docket a");
    if (link) link.focus({ preventScroll: true });
  }

  function refreshQueue() {
    var keep = focusedDocket();
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var sorted = rows.slice().sort(compare);
    // Rows move only when the order changed.
    if (sorted.some(function (r, i) { return r !== rows[i]; })) {
      sorted.forEach(function (r) { tbody.appendChild(r); });
    }
    refocus(keep);
    var pinned = tbody.querySelectorAll("tr.pinned").length;
    var banner = document.getElementById("emergency-banner");
    if (banner) {
      banner.hidden = pinned === 0;
      document.getElementById("emergency-count").textContent = String(pinned);
    }
    calmTitle = (pinned > 0 ? "⚠ (" + pinned + ") " : "") + baseTitle;
    if (!flashing) document.title = calmTitle;
    var empty = document.getElementById("queue-empty");
    if (empty) empty.hidden = rows.length > 0;
    alarmUpdate();
  }

  function upsert(data) {
    var tpl = document.createElement("template");
    tpl.innerHTML = data.html.trim();
    var row = tpl.content.querySelector("tr");
    if (!row) return;
    guardForms(row);
    var old = document.getElementById(row.id);
    if (old) {
      var keep = focusedDocket();
      old.replaceWith(row);
      refocus(keep);
    } else {
      row.classList.add("arrived");
      table.tBodies[0].appendChild(row);
    }
  }

  // A row that leaves while focused hands focus to the row that takes its
  // place (or the one above), so j/k go on from there.
  function removeRow(docket) {
    var row = document.getElementById("case-" + docket);
    if (!row) return;
    var next = focusedDocket() === docket ? (row.nextElementSibling || row.previousElementSibling) : null;
    row.remove();
    if (next) refocus(next.dataset.docket);
  }

  // The focused case is remembered per page, so coming back to the queue
  // (from a case, or after an Acknowledge reloads it) focuses it again.
  function rememberFocus() {
    table.addEventListener("focusin", function () {
      var d = focusedDocket();
      try { if (d) sessionStorage.setItem("tvarit.focus" + location.pathname, d); } catch (e) { /* private mode */ }
    });
    var last = null;
    try { last = sessionStorage.getItem("tvarit.focus" + location.pathname); } catch (e) { /* private mode */ }
    if (last) refocus(last);
  }

  // The case page follows only its own case, to stop ringing when anyone
  // claims or acknowledges it.
  function followed(ringing) {
    var banner = document.getElementById("case-alarm");
    if (!banner) return;
    banner.dataset.alarm = ringing ? "1" : "0";
    banner.hidden = !ringing;
    alarmUpdate();
  }

  function connect() {
    var status = document.getElementById("live-status");
    var follow = source.dataset.follow;
    var es = new EventSource(source.dataset.events);
    if (status) {
      es.onopen = function () { status.textContent = status.dataset.tLive; status.classList.add("on"); };
      es.onerror = function () { status.textContent = status.dataset.tOffline; status.classList.remove("on"); };
    }
    es.addEventListener("upsert", function (e) {
      var data = JSON.parse(e.data);
      if (follow && data.docket !== follow) return;
      if (follow) followed(data.alarm);
      else { upsert(data); refreshQueue(); tick(); }
      if (data.escalation) escalated(data);
    });
    es.addEventListener("remove", function (e) {
      var docket = JSON.parse(e.data).docket;
      if (follow) { if (docket === follow) followed(false); return; }
      removeRow(docket);
      refreshQueue();
    });
    es.addEventListener("synced", function (e) {
      var present = {};
      JSON.parse(e.data).forEach(function (d) { present[d] = true; });
      if (follow) { if (!present[follow]) followed(false); return; }
      Array.prototype.slice.call(table.tBodies[0].rows).forEach(function (r) {
        if (!present[r.dataset.docket]) removeRow(r.dataset.docket);
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
    var links = Array.prototype.slice.call(table.querySelectorAll("tbody tr td.docket a"));
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
        // Final steps (Close) ask first.
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { e.preventDefault(); return; }
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

  if (table) { refreshQueue(); rememberFocus(); }
  if (source && (table || source.dataset.follow)) connect();
  // Who else has this case open: asked every 10 s, which also keeps me
  // listed on their pages (presence.rs forgets a page silent for 30 s).
  var presence = document.getElementById("presence");
  if (presence) {
    setInterval(function () {
      fetch(presence.dataset.ping, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d) { presence.textContent = d.text; presence.hidden = !d.text; } })
        .catch(function () {});
    }, 10000);
  }
  alarmUpdate();
  tick();
  setInterval(tick, 1000);
})();

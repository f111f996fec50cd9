/* tmlogic serve: the page. The editor (TmEditor, editor.bundle.js) on the left; on the right the
   report's own diagram, threat table and proofs (TmReport, report.js), re-mounted after every
   analysis the server sends over the WebSocket. Model text only ever reaches the page as text
   (textContent, the editor's document) or inside HTML the server rendered with autoescape. */
(function () {
  "use strict";
  const boot = JSON.parse(document.getElementById("tm-serve").textContent);
  const $ = (id) => document.getElementById(id);
  /* The first change after a pause is sent at once (a one-key edit needs no wait); changes that
     follow it faster than this are sent when the typing pauses this long. The server drops an
     analysis that a newer edit overtook, so a burst costs at most one analysis it never shows. */
  const EDIT_PAUSE_MS = 50;
  const CURSOR_PAUSE_MS = 120;

  const files = {};  // key -> {text (as on disk), hash, buffer (unsaved text or null), syntax}
  let current = null;
  let report = null;  // the mounted TmReport controller
  let data = null;  // the report data of the last good analysis
  let seq = 0;
  let ws = null;
  let editTimer = 0, cursorTimer = 0, lastChangeAt = -Infinity;
  const timing = { editAt: 0, editSeq: 0, appliedAt: 0, appliedSeq: 0, serverMs: 0, serverCpuMs: 0, renderMs: 0, receivedAt: 0, updates: 0 };

  /* ---------- the editor ---------- */
  const editor = TmEditor.create($("editor"), {
    vocabulary: boot.vocabulary,
    nonce: boot.nonce,
    onChange(text) {
      if (!current) return;
      const f = files[current];
      f.buffer = text === f.text ? null : text;
      showDirty();
      const now = performance.now(), afterPause = now - lastChangeAt >= EDIT_PAUSE_MS;
      timing.editAt = lastChangeAt = now;
      // The edit's number is the one sendEdit will give it: until its analysis is applied, the
      // page does not show the latest text, even while the edit waits for a pause in typing.
      timing.editSeq = seq + 1;
      clearTimeout(editTimer);
      if (afterPause) sendEdit();
      else editTimer = setTimeout(sendEdit, EDIT_PAUSE_MS);
    },
    onSave: () => save(),
    onCursor(line) {
      clearTimeout(cursorTimer);
      cursorTimer = setTimeout(() => focusLine(line), CURSOR_PAUSE_MS);
    },
  });

  function sendEdit() {
    if (!current) return;
    const f = files[current];
    seq += 1;
    timing.editSeq = seq;
    if (f.buffer === null) send({ type: "clean", key: current, seq });
    else send({ type: "edit", key: current, text: f.buffer, seq });
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function showDirty() {
    const dirty = Object.keys(files).filter((k) => files[k].buffer !== null);
    $("dirty").hidden = !(current && files[current] && files[current].buffer !== null);
    $("dirty").title = dirty.length ? "Unsaved: " + dirty.join(", ") : "";
    for (const o of $("file-select").options) {
      o.textContent = o.value + (files[o.value] && files[o.value].buffer !== null ? " ●" : "");
    }
  }

  /* ---------- files ---------- */
  async function api(path, init) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin", cache: "no-store" }, init || {},
      { headers: Object.assign({ "X-Tmlogic-Token": boot.token }, (init && init.headers) || {}) }));
    let body = null;
    try { body = await response.json(); } catch (e) { body = { error: response.statusText }; }
    return { status: response.status, body };
  }

  async function open(key, then) {
    if (!key) return;
    if (!files[key]) {
      const r = await api("/api/file?path=" + encodeURIComponent(key));
      if (r.status !== 200) { status("cannot open " + key + ": " + r.body.error, true); return; }
      files[key] = { text: r.body.text, hash: r.body.hash, buffer: null, syntax: r.body.syntax };
    }
    if (current !== key) {
      current = key;
      const f = files[key];
      editor.load(f.buffer !== null ? f.buffer : f.text, f.syntax);
      $("file-select").value = key;
      showDirty();
      crumbs();
      seq += 1;
      send({ type: "open", key, seq });
      if (data) applyDiagnostics(lastDiagnostics);
    }
    if (then) then();
  }

  function fillFiles(list) {
    const select = $("file-select");
    select.textContent = "";
    for (const key of list) {
      const o = document.createElement("option");
      o.value = key;
      o.textContent = key;
      select.appendChild(o);
    }
    if (current) select.value = current;
    showDirty();
  }
  $("file-select").addEventListener("change", (e) => open(e.target.value));

  async function refreshFiles() {
    const r = await api("/api/files");
    if (r.status === 200) fillFiles(r.body.files);
  }

  async function save() {
    if (!current) return;
    const key = current, f = files[key];
    const text = editor.getText();
    const r = await api("/api/save", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: key, text, base: f.hash }) });
    if (r.status === 409) {
      banner(key, "“" + key + "” changed on disk since you opened it.", r.body.hash, true);
      return;
    }
    if (r.status !== 200) { status("not saved: " + (r.body.error || r.status), true); return; }
    f.text = text;
    f.hash = r.body.hash;
    if (editor.getText() === text) {
      f.buffer = null;
      seq += 1;
      send({ type: "clean", key, seq });
    }
    showDirty();
    status("saved " + key);
  }
  $("save").addEventListener("click", () => save());

  /* A file changed on disk: follow it, or let the user choose when there are unsaved edits. */
  let pendingDisk = null;
  function diskChanged(message) {
    const f = files[message.key];
    if (!Array.from($("file-select").options).some((o) => o.value === message.key)) refreshFiles();
    if (!f) return;
    if (message.deleted) {
      if (message.key === current) status("“" + message.key + "” was deleted on disk; saving writes it again", true);
      f.hash = null;
      return;
    }
    if (message.hash === f.hash) return;  // our own save coming back
    if (f.buffer === null) {
      f.text = message.text;
      f.hash = message.hash;
      if (message.key === current) { editor.setText(message.text, true); status("reloaded " + message.key + " from disk"); }
      return;
    }
    banner(message.key, "“" + message.key + "” changed on disk, and you have unsaved edits.", message.hash, false, message.text);
  }

  function banner(key, text, hash, conflict, diskText) {
    pendingDisk = { key, hash, text: diskText, conflict };
    $("banner-text").textContent = text;
    $("banner-keep").textContent = conflict ? "Overwrite it with my edits" : "Keep my edits";
    $("banner").hidden = false;
  }
  $("banner-disk").addEventListener("click", async () => {
    const p = pendingDisk;
    $("banner").hidden = true;
    if (!p) return;
    const r = await api("/api/file?path=" + encodeURIComponent(p.key));
    if (r.status !== 200) return;
    const f = files[p.key];
    f.text = r.body.text; f.hash = r.body.hash; f.buffer = null;
    if (p.key === current) editor.setText(f.text, true);
    seq += 1;
    send({ type: "clean", key: p.key, seq });
    showDirty();
  });
  $("banner-keep").addEventListener("click", () => {
    const p = pendingDisk;
    $("banner").hidden = true;
    if (!p) return;
    files[p.key].hash = p.hash;  // the user has seen that version: saving now overwrites it
    if (p.conflict) save();
  });
  window.addEventListener("beforeunload", (e) => {
    if (Object.values(files).some((f) => f.buffer !== null)) { e.preventDefault(); e.returnValue = ""; }
  });

  /* ---------- what the server sends ---------- */
  let lastDiagnostics = [];
  function applyDiagnostics(list) {
    lastDiagnostics = list;
    editor.setDiagnostics(list.filter((d) => d.file === current));
    const ul = $("problems");
    ul.textContent = "";
    for (const d of list) {
      const li = document.createElement("li");
      li.className = "problem " + d.level;
      const where = document.createElement("a");
      where.href = "#";
      where.textContent = (d.file || "?") + ":" + d.line + ":" + d.col;
      where.addEventListener("click", (e) => { e.preventDefault(); open(d.file, () => editor.goToLine(d.line)); });
      li.appendChild(where);
      li.appendChild(document.createTextNode(" " + d.level + ": " + d.message + (d.hint ? " (" + d.hint + ")" : "")));
      ul.appendChild(li);
    }
    const errors = list.filter((d) => d.level === "error").length;
    $("problems-title").textContent = list.length ? errors + " error" + (errors === 1 ? "" : "s") + ", " +
      (list.length - errors) + " warning" + (list.length - errors === 1 ? "" : "s") : "No problems";
  }

  /* While the text has errors, completion offers the names of the last analysis that worked
     as well as those still readable in the broken text (a YAML file may read as nothing). */
  let goodNames = { key: null, names: {} };
  function namesFor(m) {
    if (m.ok) { goodNames = { key: m.current, names: m.names || {} }; return goodNames.names; }
    if (goodNames.key !== m.current) return m.names;
    const out = {};
    for (const g of new Set(Object.keys(goodNames.names).concat(Object.keys(m.names || {})))) {
      out[g] = Array.from(new Set((goodNames.names[g] || []).concat((m.names || {})[g] || []))).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    }
    return out;
  }

  function analysis(m) {
    if (m.current === current) editor.setNames(namesFor(m));
    applyDiagnostics(m.diagnostics || []);
    timing.serverMs = m.elapsed_ms;
    timing.serverCpuMs = m.cpu_ms;
    $("stale").hidden = m.ok;
    const started = performance.now();
    if (m.ok) {
      const saved = report ? report.save() : undefined;
      data = m.data;
      $("live-diagram").innerHTML = m.parts.diagram;  // rendered by the server, autoescaped
      $("live-counts").innerHTML = m.parts.counts;
      $("live-threats").innerHTML = m.parts.threats;
      report = TmReport.mount($("view-pane"), { data, saved, live: true, canvasShare: 0.5, onToggle, onActivate, onView, loadDetail });
      if (report && current) {
        const v = viewOfFile(current);
        if (v >= 0 && v !== report.current) report.showView(v, true);
      }
      crumbs();
      markOpenThreats();
      focusLine(editor.cursorLine());
    }
    timing.renderMs = performance.now() - started;
    timing.receivedAt = started;
    requestAnimationFrame(() => {
      timing.appliedAt = performance.now();
      timing.appliedSeq = m.seq;
      timing.updates += 1;
      status((m.ok ? m.threats + " threats" : "model has errors") + " · analysis " + Math.round(m.elapsed_ms) + " ms");
    });
  }

  function connect() {
    ws = new WebSocket("ws://" + location.host + "/ws?token=" + encodeURIComponent(boot.token));
    ws.addEventListener("open", () => {
      status("connected");
      for (const k of Object.keys(files)) {  // unsaved buffers survive a reconnect
        if (k !== current && files[k].buffer !== null) send({ type: "edit", key: k, text: files[k].buffer, seq: ++seq });
      }
      const f = current && files[current];
      if (f && f.buffer !== null) send({ type: "edit", key: current, text: f.buffer, seq: ++seq });
      else if (current) send({ type: "open", key: current, seq: ++seq });
    });
    ws.addEventListener("message", (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "analysis") { if (m.seq >= timing.appliedSeq) analysis(m); }
      else if (m.type === "diff") $("diff-body").innerHTML = m.html;
      else if (m.type === "detail") showDetail(m);
      else if (m.type === "disk") diskChanged(m);
      else if (m.type === "refused" || m.type === "failed") status(m.message, true);
    });
    ws.addEventListener("close", () => { status("disconnected: retrying…", true); setTimeout(connect, 1000); });
  }

  function status(text, bad) {
    const s = $("status");
    s.textContent = text;
    s.classList.toggle("bad", !!bad);
  }

  /* ---------- navigation between the editor and the report parts ---------- */
  const served = (viewKey) => (data && data.files[viewKey]) || viewKey;
  function viewOfFile(key) {
    return data ? data.views.findIndex((v) => served(v.key) === key) : -1;
  }

  function linesOf(tb) {
    return JSON.parse(tb.dataset.lines || "[]").map(([file, line]) => ({ file: served(file), line }));
  }

  function markOpenThreats(scroll) {
    const open = Array.from(document.querySelectorAll("#threat-table tbody.open"));
    const lines = [].concat(...open.map(linesOf));
    editor.mark(lines.filter((l) => l.file === current).map((l) => ({ line: l.line, kind: "proof" })), scroll);
  }

  function onToggle(tb, opened) {
    if (!opened) { markOpenThreats(false); return; }
    const lines = linesOf(tb);
    if (lines.length && !lines.some((l) => l.file === current)) open(lines[0].file, () => markOpenThreats(true));
    else markOpenThreats(true);
  }

  function loadDetail(tb, td) {
    td.textContent = "Loading the proof…";
    send({ type: "detail", id: tb.id });
  }

  function showDetail(m) {
    const tb = document.getElementById(m.id);
    if (!tb || tb.tagName !== "TBODY") return;
    $("threat-table").querySelector("#" + CSS.escape(m.id) + " tr.detail > td").innerHTML = m.html;  // server-rendered, autoescaped
  }

  function onActivate(modelId) {
    const span = data && data.spans[modelId];
    if (!span) return;
    const key = served(span[0]);
    open(key, () => {
      editor.goToLine(span[1]);
      editor.mark([{ line: span[1], kind: "located" }], false);
    });
  }

  function onView(index) {
    const key = data && served(data.views[index].key);
    if (key && key !== current) open(key);
  }

  /* The entry under the cursor: the last entry that starts at or above it, with no heading
     (Markdown) or top-level key (YAML) in between. */
  function entryAt(line) {
    if (!data) return null;
    const doc = editor.view.state.doc;
    let best = null;
    for (const [id, span] of Object.entries(data.spans)) {
      if (served(span[0]) !== current || span[1] > line) continue;
      if (!best || span[1] > best[1]) best = [id, span[1]];
    }
    if (!best) return null;
    for (let n = best[1] + 1; n <= line && n <= doc.lines; n++) {
      const text = doc.line(n).text;
      if (/^#/.test(text) || /^[-*+]\s/.test(text) || /^\S/.test(text) && files[current].syntax === "yaml") return null;
    }
    if (files[current].syntax !== "yaml" && best[1] !== line) return null;
    return best[0];
  }

  function focusLine(line) {
    if (!report) return;
    const id = entryAt(line);
    if (id !== report.target) report.focus(id);
  }

  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a.to-threat");
    if (!a) return;
    e.preventDefault();
    location.hash = a.getAttribute("href").slice(1);
    if (report) report.route();
  });

  /* ---------- where this file sits in the project ---------- */
  function crumbs() {
    const nav = $("file-crumbs");
    nav.textContent = "";
    const index = viewOfFile(current);
    const chain = index >= 0 ? data.views[index].crumbs : [];
    if (!chain.length) {
      const b = document.createElement("b");
      b.textContent = current || "";
      nav.appendChild(b);
      return;
    }
    chain.forEach((i, n) => {
      const v = data.views[i];
      if (n) nav.appendChild(document.createTextNode(" › "));
      const item = document.createElement(n === chain.length - 1 ? "b" : "a");
      item.textContent = v.title;
      item.title = served(v.key);
      if (item.tagName === "A") {
        item.href = "#view-" + i;
        item.addEventListener("click", (e) => { e.preventDefault(); open(served(v.key)); });
      }
      nav.appendChild(item);
    });
  }

  /* ---------- start ---------- */
  window.tmlogicServe = {
    editor, timing, files, open, save,
    get report() { return report; },
    get current() { return current; },
    /* SVG id -> model id of the diagram on screen */
    diagramIds: () => (data && report ? data.views[report.current].ids : {}),
  };
  fillFiles(boot.files);
  const first = boot.entry || boot.files[0];
  if (first) open(first).then(connect); else { status("no model file in this folder"); connect(); }
})();

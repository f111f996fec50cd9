/* tmlogic report: diagram navigation (zoom, pan, submodels), table filters and sorting.
   Reads its data from the JSON block #tm-data; builds no HTML from strings.

   The report mounts itself on the page. `tmlogic serve` shows the same parts (templates/report/)
   in its live page and calls TmReport.mount(root, options) after each analysis: `options.data`
   replaces #tm-data, `options.saved` (a previous controller's save()) keeps the filters, open
   threats, view and zoom across re-renders, and the hooks tell the editor what was clicked:
   onToggle(tbody, open), onActivate(modelId, viewIndex), onView(viewIndex); loadDetail(tbody, td)
   fills in a threat's detail that the server left out (a live table renders details on demand);
   canvasShare caps a diagram's height as a share of the window (0.7). */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  let active = null;  // the mounted report that deep links (#view-N, #T0123456789) go to

  function mount(root, options) {
  options = options || {};
  const saved = options.saved || {};
  const data = options.data || JSON.parse($("#tm-data", root).textContent);
  const table = $("#threat-table", root);
  const bodies = Array.from(table.tBodies);
  const state = Object.assign({ text: "", level: "", stride: "", view: "", accepted: false, target: null,
    withFlows: false, path: null, sortKey: "score", dir: -1 }, saved.state || {});
  const byId = (id) => root.querySelector("#" + CSS.escape(id));

  /* ---------- threat table: filters ---------- */
  function matches(tb) {
    if (!state.accepted && tb.classList.contains("accepted")) return false;
    if (state.level && tb.dataset.level !== state.level) return false;
    if (state.stride && tb.dataset.stride !== state.stride) return false;
    if (state.view !== "" && tb.dataset.view !== state.view) return false;
    if (state.target) {
      const want = targetIds();
      if (!JSON.parse(tb.dataset.targets).some((id) => want.indexOf(id) >= 0)) return false;
    }
    if (state.text && tb.dataset.search.indexOf(state.text) < 0) return false;
    return true;
  }

  function targetIds() {
    if (!state.target) return [];
    return [state.target].concat(state.withFlows ? data.flows[state.target] || [] : []);
  }

  function apply() {
    let shown = 0;
    for (const tb of bodies) {
      const ok = matches(tb);
      tb.hidden = !ok;
      if (ok) shown += 1;
    }
    $("#count", root).textContent = "Showing " + shown + " of " + bodies.length + " threat" + (bodies.length === 1 ? "" : "s");
    for (const c of $$(".card.sev", root)) c.classList.toggle("active", c.dataset.level === state.level);
    for (const b of $$(".stride-bar", root)) b.classList.toggle("active", b.dataset.stride === state.stride);
    const chip = $("#f-target", root);
    chip.hidden = !state.target;
    if (state.target) $("b", chip).textContent = data.names[state.target] || state.target;
    markDiagram();
  }

  function setControl(id, value) {
    const el = byId(id);
    if (el) el.value = value;
  }

  $("#f-text", root).addEventListener("input", (e) => { state.text = e.target.value.trim().toLowerCase(); apply(); });
  $("#f-level", root).addEventListener("change", (e) => { state.level = e.target.value; apply(); });
  $("#f-stride", root).addEventListener("change", (e) => { state.stride = e.target.value; apply(); });
  $("#f-accepted", root).addEventListener("change", (e) => { state.accepted = e.target.checked; apply(); });
  const viewSelect = $("#f-view", root);
  if (viewSelect) viewSelect.addEventListener("change", (e) => { state.view = e.target.value; apply(); });
  $("#f-target button", root).addEventListener("click", () => { state.target = null; apply(); });
  $("#f-flows", root).addEventListener("change", (e) => { state.withFlows = e.target.checked; apply(); });
  $("#f-clear", root).addEventListener("click", () => {
    Object.assign(state, { text: "", level: "", stride: "", view: "", target: null });
    setControl("f-text", ""); setControl("f-level", ""); setControl("f-stride", ""); setControl("f-view", "");
    apply();
  });
  for (const c of $$(".card.sev", root)) {
    c.addEventListener("click", () => {
      state.level = state.level === c.dataset.level ? "" : c.dataset.level;
      setControl("f-level", state.level);
      apply();
    });
  }
  for (const b of $$(".stride-bar", root)) {
    b.addEventListener("click", () => {
      state.stride = state.stride === b.dataset.stride ? "" : b.dataset.stride;
      setControl("f-stride", state.stride);
      apply();
    });
  }
  const acceptedCard = $("#show-accepted", root);
  if (acceptedCard) {
    acceptedCard.addEventListener("click", () => {
      state.accepted = !state.accepted;
      $("#f-accepted", root).checked = state.accepted;
      apply();
    });
  }

  /* ---------- threat table: sorting and details ---------- */
  function sortBy(key, keepDirection) {
    if (!keepDirection) {
      if (state.sortKey === key) state.dir = -state.dir;
      else { state.sortKey = key; state.dir = key === "score" ? -1 : 1; }
    }
    const value = (tb) => (key === "score" ? parseFloat(tb.dataset.score) : (tb.dataset[key] || "").toLowerCase());
    const sorted = bodies.slice().sort((a, b) => {
      const x = value(a), y = value(b);
      if (x < y) return -state.dir;
      if (x > y) return state.dir;
      return Number(a.dataset.order) - Number(b.dataset.order);
    });
    for (const tb of sorted) table.appendChild(tb);
    for (const th of $$("thead th", table)) {
      if (th.dataset.sort === state.sortKey) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }
  for (const th of $$("thead th", table)) $("button", th).addEventListener("click", () => sortBy(th.dataset.sort));

  function toggle(tb, open) {
    const want = open === undefined ? !tb.classList.contains("open") : open;
    tb.classList.toggle("open", want);
    $("tr.detail", tb).hidden = !want;
    $("tr.row", tb).setAttribute("aria-expanded", String(want));
    const detail = $("tr.detail > td", tb);
    if (want && options.loadDetail && !detail.firstElementChild) options.loadDetail(tb, detail);
    if (options.onToggle) options.onToggle(tb, want);
  }
  for (const tb of bodies) {
    const row = $("tr.row", tb);
    row.addEventListener("click", () => toggle(tb));
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(tb); }
    });
  }
  $("#expand-all", root).addEventListener("click", (e) => {
    const open = e.target.textContent === "Expand all";
    for (const tb of bodies) if (!tb.hidden) toggle(tb, open);
    e.target.textContent = open ? "Collapse all" : "Expand all";
  });

  /* ---------- diagrams: views, zoom and pan, selection ---------- */
  const views = $$(".view", root);
  let current = 0;
  const svgIdOf = data.views.map((v) => {
    const reverse = {};
    for (const [svgId, modelId] of Object.entries(v.ids)) if (!(modelId in reverse)) reverse[modelId] = svgId;
    return reverse;
  });

  function showView(index, keepTarget) {
    if (!(index >= 0 && index < views.length)) return;
    const changed = current !== index;
    current = index;
    for (const v of views) v.hidden = Number(v.dataset.view) !== index;
    if (views.length > 1) {
      state.view = String(index);
      setControl("f-view", state.view);
    }
    if (!keepTarget) state.target = null;
    apply();
    if (changed && options.onView) options.onView(index);
  }

  function markDiagram() {
    const view = views[current];
    if (!view) return;
    const canvas = $(".canvas", view);
    if (!canvas) return;
    for (const g of $$("g.selected", canvas)) g.classList.remove("selected");
    const drawn = state.path && data.paths && data.paths[state.path];
    const ids = drawn ? drawn.ids : targetIds();
    const svgIds = ids.map((id) => svgIdOf[current][id]).filter(Boolean);
    canvas.classList.toggle("filtering", svgIds.length > 0);
    canvas.classList.toggle("on-path", Boolean(drawn));
    const chip = $("#path-chip", root);
    if (chip) {
      chip.hidden = !drawn;
      if (drawn) $("b", chip).textContent = state.path;
    }
    for (const b of $$("button.draw-path", root)) {
      const on = b.dataset.path === state.path;
      b.setAttribute("aria-pressed", String(on));
      b.textContent = on ? "Hide from diagram" : "Show on diagram";
    }
    for (const svgId of svgIds) {
      const g = byId(svgId);
      if (g) g.classList.add("selected");
    }
  }

  function select(modelId) {
    state.path = null;
    state.target = state.target === modelId ? null : modelId;
    apply();
  }

  function activate(viewIndex, g) {
    const info = data.views[viewIndex];
    if (!g || !(g.id in info.ids)) { state.target = null; apply(); return; }
    if (g.id in info.open) { location.hash = "view-" + info.open[g.id]; return; }
    select(info.ids[g.id]);
    if (options.onActivate) options.onActivate(info.ids[g.id], viewIndex);
  }

  function setupCanvas(view) {
    const canvas = $(".canvas", view);
    const svg = canvas && $("svg", canvas);
    if (!svg) return;
    const index = Number(view.dataset.view);
    const vb = svg.viewBox.baseVal;
    const home = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    /* A small diagram keeps its natural size (1pt = 4/3 px) instead of filling the page. */
    const tallest = window.innerHeight * (options.canvasShare || 0.7);
    canvas.style.height = Math.round(Math.min(tallest, Math.max(260, home.h * 4 / 3 + 24))) + "px";
    const cur = Object.assign({}, home, (saved.boxes || {})[index] || {});
    if (saved.boxes && saved.boxes[index]) svg.setAttribute("viewBox", [cur.x, cur.y, cur.w, cur.h].join(" "));
    view.box = cur;
    const draw = () => svg.setAttribute("viewBox", [cur.x, cur.y, cur.w, cur.h].join(" "));
    const toSvg = (clientX, clientY) => {
      const p = svg.createSVGPoint();
      p.x = clientX; p.y = clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    };
    const zoom = (factor, cx, cy) => {
      const w = cur.w * factor;
      if (w > home.w * 3 || w < home.w / 25) return;
      cur.x = cx - (cx - cur.x) * factor;
      cur.y = cy - (cy - cur.y) * factor;
      cur.w = w; cur.h = cur.h * factor;
      draw();
    };
    view.zoom = (how) => {
      if (how === "fit") Object.assign(cur, home), draw();
      else zoom(how === "in" ? 1 / 1.25 : 1.25, cur.x + cur.w / 2, cur.y + cur.h / 2);
    };
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const p = toSvg(e.clientX, e.clientY);
      zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
    }, { passive: false });
    let drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, ox: cur.x, oy: cur.y, moved: false };
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) { drag.moved = true; canvas.setPointerCapture(e.pointerId); canvas.classList.add("dragging"); }
      const r = svg.getBoundingClientRect();
      const k = Math.max(cur.w / r.width, cur.h / r.height);
      cur.x = drag.ox - dx * k; cur.y = drag.oy - dy * k;
      draw();
    });
    const end = (e) => {
      if (drag && drag.moved) {
        canvas.classList.remove("dragging");
        if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
        canvas.dataset.dragged = "1";
      }
      drag = null;
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    svg.addEventListener("click", (e) => {
      if (canvas.dataset.dragged) { delete canvas.dataset.dragged; return; }
      activate(index, e.target.closest("g.node, g.edge, g.cluster"));
    });
    const info = data.views[index];
    for (const g of $$("g.node, g.edge", svg)) {
      if (!(g.id in info.ids)) continue;
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      const title = $("title", g);
      if (title) g.setAttribute("aria-label", title.textContent + (g.id in info.open ? " (opens its submodel)" : ""));
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); activate(index, g); }
      });
    }
  }
  views.forEach(setupCanvas);
  for (const b of $$(".toolbar button[data-zoom]", root)) {
    b.addEventListener("click", () => { const v = views[current]; if (v.zoom) v.zoom(b.dataset.zoom); });
  }

  /* "show on diagram" buttons in the threat details */
  for (const b of $$("button.locate", root)) {
    b.addEventListener("click", (e) => {
      e.stopPropagation();
      const target = b.dataset.target, viewIndex = Number(b.dataset.view);
      if (current !== viewIndex) location.hash = "view-" + viewIndex;
      showView(viewIndex);
      state.target = target;
      apply();
      const diagram = byId("diagram");
      if (diagram && !options.live) diagram.scrollIntoView({ behavior: "smooth" });
    });
  }

  /* ---------- attack paths: draw a selected path on the diagram ---------- */
  for (const b of $$("button.draw-path", root)) {
    b.addEventListener("click", () => {
      const id = b.dataset.path;
      state.path = state.path === id ? null : id;
      state.target = null;
      if (state.path && data.paths[id].view !== current) showView(data.paths[id].view, true);
      apply();
      const diagram = byId("diagram");
      if (state.path && diagram && !options.live) diagram.scrollIntoView({ behavior: "smooth" });
    });
  }
  const pathChip = $("#path-chip button", root);
  if (pathChip) pathChip.addEventListener("click", () => { state.path = null; apply(); });

  /* ---------- deep links: #view-N opens a model, #T0123456789 opens a threat ---------- */
  function route() {
    const hash = decodeURIComponent(location.hash.slice(1));
    const m = /^view-(\d+)$/.exec(hash);
    if (m) { showView(Number(m[1])); return; }
    const tb = hash && byId(hash);
    if (tb && tb.tagName === "TBODY") {
      if (tb.hidden) { state.accepted = state.accepted || tb.classList.contains("accepted"); state.target = null; apply(); }
      if (tb.hidden) { $("#f-clear", root).click(); }
      toggle(tb, true);
      tb.scrollIntoView({ block: "start" });
    }
  }

  /* ---------- what a re-render keeps ---------- */
  setControl("f-text", state.text); setControl("f-level", state.level); setControl("f-stride", state.stride);
  setControl("f-view", state.view);
  $("#f-accepted", root).checked = state.accepted;
  $("#f-flows", root).checked = state.withFlows;
  if (saved.state) sortBy(state.sortKey, true);
  for (const id of saved.open || []) { const tb = byId(id); if (tb && tb.tagName === "TBODY") toggle(tb, true); }
  const controller = {
    route,
    showView,
    toggle,
    /* Filter the table to one element (or none) and mark it on the diagram, as a click would. */
    focus(modelId) {
      const index = views.findIndex((v, i) => modelId in svgIdOf[i]);
      if (modelId && index >= 0 && index !== current) showView(index, true);
      state.target = modelId || null;
      apply();
    },
    get current() { return current; },
    get target() { return state.target; },
    save: () => ({ state: Object.assign({}, state), view: current,
      open: bodies.filter((tb) => tb.classList.contains("open")).map((tb) => tb.id),
      boxes: views.map((v) => (v.box ? Object.assign({}, v.box) : null)) }),
  };
  active = controller;
  if (saved.view !== undefined && saved.view !== current && saved.view < views.length) {
    current = saved.view;
    for (const v of views) v.hidden = Number(v.dataset.view) !== current;
  }
  apply();
  if (!options.live) route();
  return controller;
  }

  window.addEventListener("hashchange", () => { if (active) active.route(); });
  window.TmReport = { mount };
  if (document.getElementById("tm-data")) mount(document, {});
})();

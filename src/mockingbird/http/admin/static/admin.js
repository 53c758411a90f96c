// mockingbird admin page: fills the server-rendered shell from the admin JSON API.
// No framework, no build step, no network beyond this server. Charts are inline SVG.
"use strict";
(() => {
  const BASE = document.body.dataset.base || "/admin";
  const API = BASE + "/api";
  const POLL_MS = 2000;
  const RANGES = { "5m": 5 * 60e3, "15m": 15 * 60e3, "1h": 3600e3, "24h": 86400e3 };
  const SVG_NS = "http://www.w3.org/2000/svg";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  class AuthNeeded extends Error {}

  const EMPTY_FILTERS = { method: "", path: "", status: "", range: "", since: "", until: "", include_admin: false, operation: "", session: "", replica: "" };
  const SCOPES = ["operation", "session"]; // filters set by clicking (a route, a session), shown as chips
  const state = {
    tab: "requests",
    filters: { ...EMPTY_FILTERS },
    offset: 0,
    limit: 50,
    live: true,
    detail: null,
    logSignature: "",
    seenIds: new Set(),
    routes: null,
    startedAt: null,
    authNeeded: false,
  };

  // ---------- small DOM helpers ----------
  // An MCP row's path cell: the tool, prompt or resource it targets and its JSON-RPC id (the server
  // command, the row's path, stays in the tooltip); an HTTP row's: its path.
  function pathCell(r) {
    if (r.kind !== "mcp") return [r.path];
    const target = (r.operation || "").slice(r.method.length).trim();
    return [target ? el("span", { class: "mcp-target", text: target }) : el("span", { class: "muted", text: r.path }),
      r.correlation_id ? el("span", { class: "tag", title: "JSON-RPC id", text: "#" + r.correlation_id }) : null];
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  function svg(tag, attrs, parent) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.append(node);
    return node;
  }
  function titled(node, text) {
    svg("title", {}, node).textContent = text;
    return node;
  }
  const fmtMs = (v) => (v === null || v === undefined ? "–" : v >= 1000 ? (v / 1000).toFixed(2) + " s" : v >= 10 ? v.toFixed(0) + " ms" : v.toFixed(1) + " ms");
  const fmtPct = (r) => (r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0) + "%";
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  function fmtTime(iso) {
    const d = new Date(iso);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  function fmtDuration(s) {
    s = Math.max(0, Math.floor(s));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${pad(m)}m`;
    if (m) return `${m}m ${pad(s % 60)}s`;
    return `${s}s`;
  }
  const statusClass = (s) => (s === null || s === undefined ? "sx" : "s" + String(s)[0]);
  function localToIso(value) {
    const d = new Date(value); // datetime-local values are local time
    return isNaN(d) ? "" : d.toISOString();
  }

  // ---------- URL hash: tab, filters, page, open record ----------
  function readHash() {
    const raw = location.hash.replace(/^#/, "");
    const [tab, qs] = raw.split("?");
    if (["requests", "analytics", "routes", "scenarios", "chaos", "state", "deliveries"].includes(tab)) state.tab = tab;
    const p = new URLSearchParams(qs || "");
    for (const k of Object.keys(EMPTY_FILTERS)) {
      if (k === "include_admin") state.filters[k] = p.get(k) === "1";
      else state.filters[k] = p.get(k) || "";
    }
    state.offset = Math.max(0, parseInt(p.get("offset") || "0", 10) || 0);
    const limit = parseInt(p.get("limit") || "", 10);
    if ([25, 50, 100, 250].includes(limit)) state.limit = limit;
    state.detail = p.get("id") ? parseInt(p.get("id"), 10) : null;
  }
  function writeHash() {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(state.filters)) {
      if (k === "include_admin") { if (v) p.set(k, "1"); } else if (v) p.set(k, v);
    }
    if (state.offset) p.set("offset", state.offset);
    if (state.limit !== 50) p.set("limit", state.limit);
    if (state.detail !== null) p.set("id", state.detail);
    const qs = p.toString();
    history.replaceState(null, "", "#" + state.tab + (qs ? "?" + qs : ""));
  }

  // ---------- API ----------
  async function api(path, params) {
    const qs = params ? "?" + new URLSearchParams(params).toString() : "";
    const response = await fetch(API + path + qs, { headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) {
      askToken();
      throw new AuthNeeded("admin token needed");
    }
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (!response.ok) {
      const err = new Error((body && body.detail) || `${response.status} ${response.statusText}`);
      err.status = response.status;
      err.field = body && body.field;
      throw err;
    }
    return body;
  }
  function queryParams() {
    const f = state.filters, p = {};
    if (f.method) p.method = f.method;
    if (f.path) p.path = f.path;
    if (f.status) p.status = f.status.trim();
    if (f.operation) p.operation = f.operation;
    if (f.session) p.session = f.session;
    if (f.replica) p.replica = f.replica.trim();
    if (f.include_admin) p.include_admin = "true";
    if (RANGES[f.range]) p.since = new Date(Date.now() - RANGES[f.range]).toISOString();
    if (f.range === "custom") {
      if (f.since) p.since = localToIso(f.since);
      if (f.until) p.until = localToIso(f.until);
    }
    return p;
  }
  function showError(err) {
    const banner = $("#filter-error");
    if (!err || err instanceof AuthNeeded) { banner.hidden = true; return; }
    banner.textContent = (err.field ? `Filter “${err.field}”: ` : "") + err.message;
    banner.hidden = false;
  }

  // ---------- token ----------
  function askToken() {
    if (state.authNeeded) return;
    state.authNeeded = true;
    const dialog = $("#token-dialog");
    if (!dialog.open) dialog.showModal();
    $("input", dialog).focus();
  }
  function submitToken(event) {
    event.preventDefault();
    const token = $("#token-form input").value;
    if (!token) return;
    // The guard answers /admin/?token=... with a redirect that sets an HttpOnly cookie; the hash survives it.
    location.assign(`${BASE}/?token=${encodeURIComponent(token)}${location.hash}`);
  }

  // ---------- header ----------
  async function loadInfo() {
    const info = await api("/info");
    state.startedAt = Date.now() - info.uptime_s * 1000;
    tickUptime();
    const counts = info.counts || {};
    $("#count-requests").textContent = (counts.requests ?? 0).toLocaleString();
    $("#count-errors").textContent = (counts.errors ?? 0).toLocaleString();
    const logging = info.logging !== false && (!info.store || info.store.logging !== false);
    const logState = $("#log-state");
    logState.textContent = logging ? "on" : "off";
    logState.className = logging ? "ok" : "warn";
    logState.title = logging ? (info.log_db || (info.store && info.store.path) || "") : "logging is off (--no-log)";
    if (!logging) $("#log-empty").textContent = "Logging is off (--no-log): this mock records no requests.";
  }
  function tickUptime() {
    if (state.startedAt !== null) $("#uptime").textContent = fmtDuration((Date.now() - state.startedAt) / 1000);
  }

  // ---------- requests tab ----------
  async function loadLog(live, seq) {
    const page = await api("/logs/search", { ...queryParams(), limit: state.limit, offset: state.offset });
    if (seq !== refreshSeq) return; // a newer refresh (other filters, other page) has started: drop this answer
    renderLog(page, live);
    updateExports();
  }
  function renderLog(page, live) {
    const signature = page.total + ":" + page.items.map((r) => r.id).join(",");
    const from = page.total ? page.offset + 1 : 0, to = page.offset + page.items.length;
    $("#page-info").textContent = page.total ? `${from}–${to} of ${page.total.toLocaleString()}` : "0 requests";
    $("#prev-page").disabled = page.offset === 0;
    $("#next-page").disabled = to >= page.total;
    $("#log-empty").hidden = page.items.length > 0;
    if (signature === state.logSignature) return; // nothing new: keep the DOM (and the selection) as is
    state.logSignature = signature;
    const tbody = $("#log-table tbody");
    const rows = page.items.map((r) => {
      const fresh = live && state.seenIds.size > 0 && !state.seenIds.has(r.id);
      const tr = el("tr", { tabindex: "0", class: (fresh ? "fresh " : "") + (r.id === state.detail ? "selected" : ""), dataset: { id: r.id } },
        el("td", { class: "time", title: r.time, text: fmtTime(r.time) }),
        el("td", {}, el("span", { class: "method m-" + r.method.toLowerCase(), text: r.method })),
        el("td", { class: "path mono", title: r.path + (r.query ? "?" + r.query : "") }, ...pathCell(r),
          r.query ? el("span", { class: "muted", text: "?" + r.query }) : null,
          r.is_admin ? el("span", { class: "tag", text: "admin" }) : null),
        el("td", { class: "num" }, el("span", { class: "status " + statusClass(r.status), text: r.status ?? "–" })),
        el("td", { class: "num", text: fmtMs(r.latency_ms) }),
        el("td", { class: "muted", text: r.source || "" }),
        el("td", { class: "mono muted", text: r.operation || "" }));
      return tr;
    });
    tbody.replaceChildren(...rows);
    for (const r of page.items) state.seenIds.add(r.id);
  }
  function updateExports() {
    const params = new URLSearchParams(queryParams());
    params.set("format", "jsonl");
    $("#export-jsonl").href = `${API}/logs/export?${params}`;
    params.set("format", "har");
    $("#export-har").href = `${API}/logs/export?${params}`;
  }

  // ---------- detail drawer ----------
  function prettyBody(text, headers) {
    if (text === null || text === undefined || text === "") return null;
    const type = (headers && headers["content-type"]) || "";
    if (/json/i.test(type) || /^\s*[[{]/.test(text)) {
      try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON after all: show as is */ }
    }
    return text;
  }
  function headerTable(headers) {
    const entries = Object.entries(headers || {});
    if (!entries.length) return el("p", { class: "muted", text: "no headers" });
    return el("table", { class: "headers" }, el("tbody", {}, entries.map(([k, v]) =>
      el("tr", {}, el("th", { class: "mono", text: k }), el("td", { class: "mono", text: v })))));
  }
  function bodyBlock(label, text, headers, truncated) {
    const pretty = prettyBody(text, headers);
    return el("div", { class: "body-block" },
      el("h4", {}, label, truncated ? el("span", { class: "tag warn", text: "truncated" }) : null),
      pretty === null ? el("p", { class: "muted", text: "empty body" }) : el("pre", { class: "code", text: pretty }));
  }
  // A GraphQL document laid out one selection per line, two spaces per level (strings kept as sent).
  const GQL_TOKEN = /"""[\s\S]*?"""|"(?:\\.|[^"\\])*"|\.\.\.|[A-Za-z_][A-Za-z_0-9]*|-?\d[\d.eE+-]*|[{}()\[\]:!$@=|&]/g;
  function prettyGraphQL(text) {
    const tokens = text.replace(/#[^\n]*/g, "").match(GQL_TOKEN) || [];
    const lines = [];
    let line = "", depth = 0, parens = 0, prev = "";
    const flush = () => { if (line) lines.push("  ".repeat(depth) + line); line = ""; };
    for (const t of tokens) {
      const word = /^[A-Za-z_"\-\d]/.test(t) || t === "...";
      if (t === "{") { line += (line ? " " : "") + "{"; flush(); depth++; }
      else if (t === "}") { flush(); depth = Math.max(0, depth - 1); line = "}"; flush(); }
      else {
        if (depth > 0 && parens === 0 && word && t !== "on" && /^[A-Za-z_)\]!]/.test(prev) && prev !== "on"
            && !["...", ":", "@", "$"].includes(prev) && prev !== "}") flush();
        const glue = !line || ["(", "[", "$", "@"].includes(prev) || (prev === "..." && t !== "on")
          || ["(", ")", "]", ":", "!"].includes(t);
        line += (glue ? "" : " ") + t;
        if (t === "(") parens++;
        if (t === ")") parens = Math.max(0, parens - 1);
      }
      prev = t;
    }
    flush();
    return lines.join("\n");
  }
  // The GraphQL operation of an exchange on a GraphQL mock: its name and type, the query laid out, the variables.
  function graphqlBlock(r) {
    const g = r.extra && r.extra.graphql;
    if (!g) return null;
    let params = null;
    try {
      params = r.method === "GET" ? Object.fromEntries(new URLSearchParams(r.query || "")) : JSON.parse(r.request_body || "");
    } catch (err) { params = null; }
    if (!params || typeof params.query !== "string") return null;
    let vars = params.variables;
    if (typeof vars === "string") { try { vars = JSON.parse(vars); } catch (err) { vars = null; } }
    return el("section", { class: "exchange graphql" },
      el("h3", {}, "GraphQL ", el("span", { class: "mono muted", text: `${g.type} ${g.operation || "(anonymous)"}` }),
        g.errors ? el("span", { class: "tag warn", text: `${g.errors} error(s)` }) : null),
      el("pre", { class: "code graphql-query", text: prettyGraphQL(params.query) }),
      vars && typeof vars === "object" && Object.keys(vars).length
        ? [el("h4", { text: "Variables" }), el("pre", { class: "code", text: JSON.stringify(vars, null, 2) })] : null);
  }
  const SKIP_CURL = new Set(["host", "content-length", "connection", "accept-encoding"]);
  function curlCommand(r) {
    const q = (v) => "'" + String(v).replace(/'/g, "'\\''") + "'";
    const headers = r.request_headers || {};
    const url = `${location.protocol}//${headers.host || location.host}${r.path}${r.query ? "?" + r.query : ""}`;
    const parts = ["curl", "-X", r.method, q(url)];
    for (const [k, v] of Object.entries(headers)) if (!SKIP_CURL.has(k)) parts.push("-H", q(`${k}: ${v}`));
    if (r.request_body) parts.push("--data-raw", q(r.request_body));
    return parts.join(" ");
  }
  async function openDetail(id) {
    state.detail = id;
    writeHash();
    $$("#log-table tbody tr").forEach((tr) => tr.classList.toggle("selected", Number(tr.dataset.id) === id));
    const drawer = $("#detail");
    drawer.hidden = false;
    document.body.classList.add("with-drawer");
    const body = $("#detail-body");
    body.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
    let r;
    try {
      r = await api("/logs/" + id);
    } catch (err) {
      if (!(err instanceof AuthNeeded)) body.replaceChildren(el("p", { class: "error-banner", text: err.message }));
      return;
    }
    if (state.detail !== id) return;
    $("#detail-title").replaceChildren(el("span", { class: "method m-" + r.method.toLowerCase(), text: r.method }), " ",
      el("span", { class: "mono", text: r.path }), " ", el("span", { class: "status " + statusClass(r.status), text: r.status ?? "–" }));
    const facts = [
      ["id", r.id], ["time", new Date(r.time).toLocaleString() + " (" + r.time + ")"], ["latency", fmtMs(r.latency_ms)],
      ["operation", r.operation], ["source", r.source], ["client", r.client], ["user agent", r.user_agent],
      ["session", r.session_id], ["correlation id", r.correlation_id], ["scenario", r.scenario],
      ["kind", r.kind], ["admin call", r.is_admin ? "yes" : "no"], ["replica", r.replica],
    ];
    body.replaceChildren(
      el("dl", { class: "kv facts-grid" }, facts.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) =>
        el("div", {}, el("dt", { text: k }), el("dd", { class: "mono", text: String(v) })))),
      graphqlBlock(r),
      el("section", { class: "exchange" },
        el("h3", {}, "Request ", el("span", { class: "mono muted", text: r.method + " " + r.path + (r.query ? "?" + r.query : "") })),
        el("h4", { text: "Headers" }), headerTable(r.request_headers),
        bodyBlock("Body", r.request_body, r.request_headers, r.request_truncated)),
      el("section", { class: "exchange" },
        el("h3", {}, "Response ", el("span", { class: "status " + statusClass(r.status), text: r.status ?? "–" })),
        el("h4", { text: "Headers" }), headerTable(r.response_headers),
        bodyBlock("Body", r.response_body, r.response_headers, r.response_truncated)),
      r.kind === "http" ? el("details", { class: "curl" }, el("summary", { text: "Replay with curl" }), el("pre", { class: "code", text: curlCommand(r) })) : null,
      r.extra && Object.keys(r.extra).length ? el("section", {}, el("h4", { text: "Extra" }), el("pre", { class: "code", text: JSON.stringify(r.extra, null, 2) })) : null);
  }
  function closeDetail() {
    state.detail = null;
    $("#detail").hidden = true;
    document.body.classList.remove("with-drawer");
    $$("#log-table tbody tr.selected").forEach((tr) => tr.classList.remove("selected"));
    writeHash();
  }

  // ---------- charts (inline SVG) ----------
  function chartFrame(box, height) {
    const width = Math.max(280, Math.floor(box.clientWidth || 560));
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "chart-svg" });
    box.replaceChildren(root);
    return { root, width, height, m: { l: 52, r: 14, t: 12, b: 26 } };
  }
  // The top of a 4-step axis: 4 x a "nice" step (1, 1.5, 2, 2.5... x 10^k; whole steps for counts).
  function niceMax(v, whole) {
    if (v <= 0) return whole ? 4 : 1;
    const raw = v / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const steps = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((k) => k * p).filter((n) => !whole || Number.isInteger(n));
    return 4 * (steps.find((n) => n >= raw) || Math.ceil(raw));
  }
  function yAxis(f, max, fmt) {
    const { root, width, height, m } = f;
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4, y = height - m.b - ((height - m.t - m.b) * i) / 4;
      svg("line", { x1: m.l, x2: width - m.r, y1: y, y2: y, class: "grid" }, root);
      svg("text", { x: m.l - 6, y: y + 4, "text-anchor": "end", class: "tick" }, root).textContent = fmt(v);
    }
  }
  function xLabels(f, items, x) {
    const { root, height } = f;
    const picks = items.length <= 2 ? items.map((_, i) => i) : [0, Math.floor((items.length - 1) / 2), items.length - 1];
    for (const i of new Set(picks)) {
      svg("text", { x: x(i), y: height - 8, "text-anchor": items.length === 1 ? "middle" : i === 0 ? "start" : i === items.length - 1 ? "end" : "middle", class: "tick" }, root)
        .textContent = fmtTime(items[i].start).slice(0, 8);
    }
  }
  function emptyChart(box, text) {
    box.replaceChildren(el("p", { class: "empty", text }));
  }
  function latencyChart(box, timeline) {
    if (!timeline.length) return emptyChart(box, "No requests in range yet.");
    const f = chartFrame(box, 220), { root, width, height, m } = f;
    const max = niceMax(Math.max(...timeline.map((b) => b.p95)) * 1.05);
    yAxis(f, max, fmtMs);
    const n = timeline.length;
    const x = (i) => (n === 1 ? (m.l + width - m.r) / 2 : m.l + ((width - m.l - m.r) * i) / (n - 1));
    const y = (v) => height - m.b - ((height - m.t - m.b) * v) / max;
    for (const key of ["p95", "p50"]) {
      const d = timeline.map((b, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(b[key]).toFixed(1)}`).join("");
      svg("path", { d, class: "line " + key }, root);
      timeline.forEach((b, i) => titled(svg("circle", { cx: x(i), cy: y(b[key]), r: n > 60 ? 1.5 : 3, class: "pt " + key, "data-value": b[key] }, root),
        `${fmtTime(b.start)} ${key} ${fmtMs(b[key])} (${b.count} requests)`));
    }
    xLabels(f, timeline, x);
    root.dataset.points = n;
  }
  function volumeChart(box, timeline) {
    if (!timeline.length) return emptyChart(box, "No requests in range yet.");
    const f = chartFrame(box, 220), { root, width, height, m } = f;
    const max = niceMax(Math.max(...timeline.map((b) => b.count)), true);
    yAxis(f, max, (v) => String(Math.round(v)));
    const n = timeline.length, slot = (width - m.l - m.r) / n, w = Math.max(1, Math.min(28, slot * 0.8));
    const x = (i) => m.l + slot * i + slot / 2;
    const h = (v) => ((height - m.t - m.b) * v) / max;
    timeline.forEach((b, i) => {
      const ok = b.count - b.errors, base = height - m.b;
      const g = titled(svg("g", { class: "bar", "data-count": b.count, "data-errors": b.errors }, root),
        `${fmtTime(b.start)}: ${b.count} requests, ${b.errors} errors`);
      if (ok > 0) svg("rect", { x: x(i) - w / 2, y: base - h(b.count), width: w, height: h(ok), class: "ok" }, g);
      if (b.errors > 0) svg("rect", { x: x(i) - w / 2, y: base - h(b.errors), width: w, height: h(b.errors), class: "err" }, g);
    });
    xLabels(f, timeline, x);
    root.dataset.bars = n;
  }
  function statusDonut(box, classes, statuses) {
    const entries = Object.entries(classes).filter(([, v]) => v > 0);
    const total = entries.reduce((s, [, v]) => s + v, 0);
    if (!total) return emptyChart(box, "No requests in range yet.");
    const size = 180, r = 64, c = 2 * Math.PI * r;
    const root = svg("svg", { viewBox: `0 0 ${size} ${size}`, width: size, height: size, role: "img", class: "donut" });
    let offset = 0;
    for (const [cls, v] of entries) {
      const len = (c * v) / total;
      titled(svg("circle", { cx: size / 2, cy: size / 2, r, class: "seg " + (cls[0] >= "1" && cls[0] <= "5" ? "s" + cls[0] : "sx"),
        "stroke-dasharray": `${len} ${c - len}`, "stroke-dashoffset": -offset, "data-class": cls, "data-count": v, transform: `rotate(-90 ${size / 2} ${size / 2})` }, root),
      `${cls}: ${v} (${fmtPct(v / total)})`);
      offset += len;
    }
    svg("text", { x: size / 2, y: size / 2 - 2, "text-anchor": "middle", class: "donut-total" }, root).textContent = total.toLocaleString();
    svg("text", { x: size / 2, y: size / 2 + 16, "text-anchor": "middle", class: "tick" }, root).textContent = "requests";
    const legend = el("ul", { class: "legend-list" }, Object.entries(statuses).map(([code, v]) =>
      el("li", {}, el("span", { class: "status " + statusClass(code === "None" ? null : code), text: code === "None" ? "–" : code }),
        el("span", { class: "num", text: `${v.toLocaleString()} · ${fmtPct(v / total)}` }))));
    root.dataset.segments = entries.length;
    box.replaceChildren(root, legend);
  }

  // ---------- analytics tab ----------
  async function loadAnalytics(seq) {
    const a = await api("/logs/analyze", queryParams());
    if (seq !== refreshSeq) return;
    const lat = a.total ? a.latency || {} : {}, err = a.errors || {}, traffic = a.traffic || {};
    const card = (label, value, hint, cls) => el("div", { class: "card stat " + (cls || "") }, el("span", { class: "label", text: label }),
      el("strong", { text: value }), hint ? el("span", { class: "hint", text: hint }) : null);
    $("#summary-cards").replaceChildren(
      card("Requests", a.total.toLocaleString(), a.duration_s ? `over ${fmtDuration(a.duration_s)}` : ""),
      card("Error rate", fmtPct(err.error_rate || 0), `${err.errors || 0} errors`, err.error_rate > 0.2 ? "bad" : ""),
      card("p50 latency", fmtMs(lat.p50), `avg ${fmtMs(lat.avg)}`),
      card("p95 latency", fmtMs(lat.p95), `p90 ${fmtMs(lat.p90)}`),
      card("p99 latency", fmtMs(lat.p99), `max ${fmtMs(lat.max)}`),
      card("Peak", `${traffic.peak_per_second || 0}/s`, `avg ${traffic.average_per_second || 0}/s`));
    latencyChart($("#chart-latency"), a.timeline || []);
    volumeChart($("#chart-volume"), a.timeline || []);
    statusDonut($("#chart-status"), a.status_classes || {}, a.statuses || {});
    const insights = (a.insights || []).map((i) => el("li", { class: "insight " + i.severity },
      el("span", { class: "sev", text: i.severity }),
      el("div", {}, el("p", { class: "msg", text: i.message }), i.recommendation ? el("p", { class: "rec", text: "→ " + i.recommendation }) : null)));
    $("#insights").replaceChildren(...(insights.length ? insights : [el("li", { class: "muted", text: "Nothing to report yet." })]));
    $("#route-stats tbody").replaceChildren(...(a.routes || []).map((r) => el("tr", {},
      el("td", { class: "mono" }, /^[A-Z]+ \/|^[a-z]+\/\w/.test(r.route) ? el("a", { href: "#", class: "route-link", dataset: { operation: r.route }, text: r.route }) : r.route),
      el("td", { class: "num", text: r.count.toLocaleString() }),
      el("td", { class: "num", text: r.errors.toLocaleString() }),
      el("td", {}, rateBar(r.error_rate)),
      el("td", { class: "num", text: fmtMs(r.latency.p50) }),
      el("td", { class: "num", text: fmtMs(r.latency.p95) }),
      el("td", { class: "num", text: fmtMs(r.latency.p99) }),
      el("td", {}, Object.entries(r.statuses).map(([s, n]) => el("span", { class: "status small " + statusClass(s === "None" ? null : s), text: `${s}×${n}` }))))));
    const categories = [
      ["4xx client errors", err.client_errors], ["5xx server errors", err.server_errors],
      ["validation failures", err.validation_failures], ["auth failures", err.auth_failures], ["unknown routes", err.unknown_routes],
      ...Object.entries(err.client_by_status || {}).map(([s, n]) => [`status ${s}`, n]),
      ...Object.entries(err.server_by_status || {}).map(([s, n]) => [`status ${s}`, n]),
      ...Object.entries(err.unknown_paths || {}).map(([p, n]) => [`unmatched ${p}`, n]),
    ];
    $("#error-categories").replaceChildren(...categories.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { class: "num", text: String(v || 0) }))));
    const top = (items, key) => (items || []).map((t) => el("li", {}, el("span", { class: "mono", text: t[key] }), el("span", { class: "num", text: t.count })));
    $("#top-clients").replaceChildren(...top(traffic.top_clients, "client"));
    const sessions = a.sessions || {};
    $("#sessions-summary").textContent = sessions.sessions
      ? `${sessions.sessions} session(s), ${sessions.requests_with_session} of ${a.total} requests`
      : "No session ids yet: send X-Session-ID (or a session_id cookie) to group requests.";
    $("#top-sessions").replaceChildren(...(sessions.top || []).map((t) => el("li", {},
      el("a", { href: "#", class: "route-link mono", dataset: { session: t.session_id }, title: `${t.routes} route(s) over ${fmtDuration(t.duration_s)}`, text: t.session_id }),
      el("span", { class: "num", text: t.errors ? `${t.requests} · ${t.errors} err` : String(t.requests) }))));
    $("#sources").replaceChildren(...Object.entries(a.sources || {}).map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { class: "num", text: String(v) }))));
    const bots = new Set((traffic.bots || []).map((b) => b.user_agent));
    $("#top-agents").replaceChildren(...(traffic.top_user_agents || []).map((t) => el("li", {},
      el("span", { class: "mono", title: t.user_agent }, t.user_agent, bots.has(t.user_agent) ? el("span", { class: "tag warn", text: "bot" }) : null),
      el("span", { class: "num", text: t.count }))));
  }
  function rateBar(rate) {
    const fill = el("span", { class: "fill" + (rate > 0.2 ? " bad" : rate > 0 ? " some" : "") });
    fill.style.width = Math.round(rate * 100) + "%";
    return el("span", { class: "rate" }, el("span", { class: "track" }, fill), el("span", { class: "num", text: fmtPct(rate) }));
  }

  // ---------- routes tab ----------
  function behaviourCell(b) {
    if (!b || typeof b !== "object") return el("span", { class: "muted", text: b ? String(b) : "default" });
    const parts = [];
    for (const [k, v] of Object.entries(b)) {
      if (v === null || v === undefined || v === false || (typeof v === "object" && !Object.keys(v).length)) continue;
      const text = Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v);
      // Defaults (status, content types) look plain; anything set at runtime (override, chaos...) stands out.
      const plain = ["status", "content_types", "example", "source"].includes(k);
      parts.push(el("span", { class: "chip " + (plain ? "plain" : "hot"), title: `${k}: ${text}` }, el("b", { text: k.replace(/_/g, " ") }), " " + text));
    }
    return parts.length ? parts : el("span", { class: "muted", text: "default" });
  }
  async function loadRoutes() {
    const { items } = await api("/routes");
    state.routes = items || [];
    renderRoutes();
  }
  function renderRoutes() {
    const needle = $("#route-search").value.trim().toLowerCase();
    const items = (state.routes || []).filter((r) => !needle || JSON.stringify(r).toLowerCase().includes(needle));
    $("#routes-count").textContent = `${items.length} of ${(state.routes || []).length} operations`;
    $("#routes-empty").hidden = (state.routes || []).length > 0;
    $("#routes-table tbody").replaceChildren(...items.map((r) => {
      const key = r.key || `${r.method} ${r.path}`;
      return el("tr", { dataset: { key } },
        el("td", {}, el("span", { class: "method m-" + String(r.method).toLowerCase(), text: r.method })),
        el("td", { class: "mono" }, r.path, r.secured || r.security ? el("span", { class: "tag", title: "needs credentials", text: "auth" }) : null),
        el("td", {}, el("div", { class: "mono", text: r.operation_id || "" }), r.summary ? el("div", { class: "muted", text: r.summary }) : null),
        el("td", {}, (r.responses || r.statuses || []).map((s) => el("span", { class: "status small " + statusClass(/^\d/.test(s) ? s : null), text: s }))),
        el("td", {}, behaviourCell(r.behaviour)),
        el("td", {}, el("a", { href: "#", class: "route-link", dataset: { operation: key }, text: "requests →" })),
        el("td", {}, el("button", { type: "button", class: "ghost override-open", dataset: { operation: key }, text: "override…" })));
    }));
  }

  // ---------- tabs, filters, refresh loop ----------
  let refreshSeq = 0;
  async function refresh(live) {
    const seq = ++refreshSeq;
    try {
      const jobs = [loadInfo()];
      if (state.tab === "requests") jobs.push(loadLog(live, seq));
      else if (state.tab === "analytics") jobs.push(loadAnalytics(seq));
      else if (state.tab === "routes" && (!live || state.routes === null)) jobs.push(loadRoutes());
      else if (["scenarios", "chaos", "state"].includes(state.tab) && !live && window.mockingbirdControl) {
        jobs.push(window.mockingbirdControl.load(state.tab));
      } else if (state.tab === "deliveries" && window.mockingbirdDeliveries) jobs.push(window.mockingbirdDeliveries.load());
      await Promise.all(jobs);
      if (seq === refreshSeq) showError(null);
    } catch (err) {
      if (seq === refreshSeq) showError(err);
    }
  }
  function setTab(tab) {
    state.tab = tab;
    for (const b of $$(".tabs [role=tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    for (const p of $$(".panel")) p.hidden = p.id !== "tab-" + tab;
    $("#filters").hidden = !["requests", "analytics"].includes(tab);
    if (tab !== "requests" && state.detail !== null) closeDetail();
    writeHash();
    refresh(false);
  }
  function syncForm() {
    const form = $("#filters"), f = state.filters;
    for (const k of ["method", "path", "status", "range", "since", "until", "replica"]) form.elements[k].value = f[k];
    form.elements.include_admin.checked = f.include_admin;
    for (const n of $$(".custom-range")) n.hidden = f.range !== "custom";
    for (const k of SCOPES) {
      const chip = $(`#${k}-chip`);
      chip.hidden = !f[k];
      $("span", chip).textContent = `${k}: ${f[k]}`;
    }
    $("#page-size").value = String(state.limit);
    $("#live").checked = state.live;
  }
  function filtersChanged() {
    const form = $("#filters"), f = state.filters;
    for (const k of ["method", "path", "status", "range", "since", "until", "replica"]) f[k] = form.elements[k].value;
    f.include_admin = form.elements.include_admin.checked;
    for (const n of $$(".custom-range")) n.hidden = f.range !== "custom";
    state.offset = 0;
    state.seenIds.clear();
    writeHash();
    refresh(false);
  }
  function filterBy(kind, value) {
    state.filters = { ...EMPTY_FILTERS, [kind]: value };
    state.offset = 0;
    syncForm();
    setTab("requests");
  }
  let timer = null, ticks = 0;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      ticks += 1;
      // Analysis reads every matching record: refresh it every 10 s, the log list every 2 s.
      const due = state.tab !== "analytics" || ticks % 5 === 0;
      if (state.live && due && !document.hidden && !state.authNeeded) await refresh(true);
      tickUptime();
      schedule();
    }, POLL_MS);
  }
  function debounce(fn, ms) {
    let t = null;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }

  function init() {
    readHash();
    syncForm();
    const form = $("#filters");
    const typed = debounce(filtersChanged, 300);
    form.addEventListener("input", (e) => (e.target.matches("input[type=search], input[name=status]") ? typed() : null));
    form.addEventListener("change", (e) => { if (e.target.id !== "live") filtersChanged(); });
    form.addEventListener("submit", (e) => { e.preventDefault(); filtersChanged(); });
    form.addEventListener("reset", (e) => { e.preventDefault(); state.filters = { ...EMPTY_FILTERS }; syncForm(); filtersChanged(); });
    for (const k of SCOPES) $(`#${k}-chip button`).addEventListener("click", () => { state.filters[k] = ""; syncForm(); filtersChanged(); });
    $("#live").addEventListener("change", (e) => { state.live = e.target.checked; document.body.classList.toggle("paused", !state.live); });
    $("#page-size").addEventListener("change", (e) => { state.limit = parseInt(e.target.value, 10); state.offset = 0; writeHash(); refresh(false); });
    $("#prev-page").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); writeHash(); refresh(false); });
    $("#next-page").addEventListener("click", () => { state.offset += state.limit; writeHash(); refresh(false); });
    for (const b of $$(".tabs [role=tab]")) b.addEventListener("click", () => setTab(b.dataset.tab));
    const tbody = $("#log-table tbody");
    tbody.addEventListener("click", (e) => { const tr = e.target.closest("tr[data-id]"); if (tr) openDetail(Number(tr.dataset.id)); });
    tbody.addEventListener("keydown", (e) => {
      const tr = e.target.closest("tr[data-id]");
      if (tr && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); openDetail(Number(tr.dataset.id)); }
    });
    document.addEventListener("click", (e) => {
      const link = e.target.closest("a.route-link");
      if (link) { e.preventDefault(); filterBy(link.dataset.session ? "session" : "operation", link.dataset.session || link.dataset.operation); }
    });
    $("#detail-close").addEventListener("click", closeDetail);
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.detail !== null && !$("#token-dialog").open) closeDetail(); });
    $("#route-search").addEventListener("input", renderRoutes);
    $("#token-form").addEventListener("submit", submitToken);
    $("#token-dialog").addEventListener("cancel", (e) => e.preventDefault()); // nothing works without the token
    window.addEventListener("resize", debounce(() => { if (state.tab === "analytics") refresh(false); }, 250));
    setTab(state.tab);
    if (state.detail !== null && state.tab === "requests") openDetail(state.detail);
    schedule();
  }
  // What control.js (scenarios, chaos, overrides) builds on.
  window.mockingbirdAdmin = { API, el, api, AuthNeeded, reloadRoutes: loadRoutes };
  init();
})();

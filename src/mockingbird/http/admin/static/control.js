// mockingbird admin page: scenarios, chaos, overrides and state, over the control endpoints of the admin API.
// Loaded after admin.js, whose helpers it uses (window.mockingbirdAdmin).
"use strict";
(() => {
  const { API, el, api, AuthNeeded, reloadRoutes } = window.mockingbirdAdmin;
  const $ = (sel, root = document) => root.querySelector(sel);

  // A write to the admin API; a problem answer becomes an Error listing every violation.
  async function send(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    let answer = null;
    try { answer = await response.json(); } catch (_) { answer = null; }
    if (!response.ok) {
      const errors = (answer && answer.errors) || [];
      const lines = errors.length ? errors.map((e) => `${e.location || "/"}: ${e.message}`) : [(answer && answer.detail) || `${response.status}`];
      throw new Error(lines.join("\n"));
    }
    return answer;
  }
  function showError(id, err) {
    const box = $(id);
    box.textContent = err ? err.message : "";
    box.hidden = !err;
  }

  // ---------- scenarios and overrides ----------
  async function loadScenarios() {
    const [scenarios, overrides] = await Promise.all([api("/scenarios"), api("/overrides")]);
    $("#scenario-active").textContent = scenarios.active || "none";
    $("#scenarios-empty").hidden = scenarios.items.length > 0;
    $("#scenarios-table tbody").replaceChildren(...scenarios.items.map((s) => {
      const active = s.name === scenarios.active;
      return el("tr", { dataset: { name: s.name }, class: active ? "active" : null },
        el("td", { class: "mono" }, s.name, active ? el("span", { class: "tag", text: "active" }) : null),
        el("td", { class: "num", text: String((s.overrides || []).length) }),
        el("td", { text: s.chaos ? "yes" : "–" }),
        el("td", { class: "muted", text: s.description || "" }),
        el("td", {},
          active ? null : el("button", { type: "button", class: "scenario-activate", dataset: { name: s.name }, text: "Activate" }),
          el("a", { href: `${API}/scenarios/${encodeURIComponent(s.name)}/export`, download: `${s.name}.yaml`, text: " export " }),
          el("button", { type: "button", class: "ghost scenario-delete", dataset: { name: s.name }, text: "Delete" })));
    }));
    $("#overrides-empty").hidden = overrides.items.length > 0;
    $("#overrides-table tbody").replaceChildren(...overrides.items.map((o) => {
      const r = o.response || {};
      const answer = [r.status ? `status ${r.status}` : null, "body" in r ? "body" : null, r.example ? `example ${r.example}` : null,
        r.dynamic ? "generated" : null, o.times ? `next ${o.times}` : null, o.delay ? `delay ${o.delay}s` : null].filter(Boolean).join(", ");
      return el("tr", { dataset: { id: o.id } },
        el("td", { class: "mono", text: o.id }), el("td", { class: "mono", text: o.operation }),
        el("td", { text: answer || "as documented" }),
        el("td", { class: "muted", text: (o.when || []).map((c) => `${c.in} ${c.name || c.pointer}`).join(", ") || "every request" }),
        el("td", {}, el("button", { type: "button", class: "ghost override-delete", dataset: { id: o.id }, text: "Remove" })));
    }));
  }
  async function saveScenario(event) {
    event.preventDefault();
    let document_;
    try {
      document_ = JSON.parse(event.target.elements.document.value);
    } catch (err) {
      showError("#scenario-error", new Error(`not JSON: ${err.message}`));
      return;
    }
    try {
      const name = document_ && document_.name;
      await send("PUT", `/scenarios/${encodeURIComponent(name || "")}`, document_);
      showError("#scenario-error", null);
      await loadScenarios();
    } catch (err) {
      showError("#scenario-error", err);
    }
  }
  async function onScenarioClick(event) {
    const button = event.target.closest("button");
    if (!button) return;
    try {
      if (button.classList.contains("scenario-activate")) await send("POST", `/scenarios/${encodeURIComponent(button.dataset.name)}/activate`);
      else if (button.classList.contains("scenario-delete")) await send("DELETE", `/scenarios/${encodeURIComponent(button.dataset.name)}`);
      else if (button.classList.contains("override-delete")) await send("DELETE", `/overrides/${encodeURIComponent(button.dataset.id)}`);
      else if (button.id === "scenario-deactivate") await send("POST", "/scenarios/deactivate");
      else return;
      showError("#scenario-error", null);
      await loadScenarios();
    } catch (err) {
      showError("#scenario-error", err);
    }
  }

  // ---------- chaos ----------
  async function loadChaos() {
    const chaos = await api("/chaos");
    const form = $("#chaos-form");
    const on = Object.keys(chaos).length > 0;
    $("#chaos-state").textContent = on ? "on" : "off";
    const latency = chaos.latency || {};
    const kind = Object.keys(latency)[0] || "none";
    form.elements.latency.value = kind;
    if (kind === "fixed") form.elements.a.value = latency.fixed;
    if (kind === "uniform") [form.elements.a.value, form.elements.b.value] = latency.uniform;
    if (kind === "lognormal") { form.elements.a.value = latency.lognormal.median; form.elements.b.value = latency.lognormal.sigma; }
    form.elements.error_rate.value = chaos.error_rate || 0;
    form.elements.error_status.value = String(chaos.error_status || 503);
    form.elements.retry_after.value = chaos.retry_after === undefined ? 5 : chaos.retry_after;
    const faults = chaos.faults || {};
    form.elements.truncate.value = faults.truncate || 0;
    form.elements.trickle.value = faults.trickle || 0;
    form.elements.trickle_bytes_per_second.value = faults.trickle_bytes_per_second || 1024;
    form.elements.empty_reply.value = faults.empty_reply || 0;
    form.elements.connection_reset.value = faults.connection_reset || 0;
  }
  function chaosDocument(form) {
    const number = (name) => Number(form.elements[name].value);
    const doc = {};
    const kind = form.elements.latency.value;
    if (kind === "fixed") doc.latency = { fixed: number("a") };
    if (kind === "uniform") doc.latency = { uniform: [number("a"), number("b")] };
    if (kind === "lognormal") doc.latency = { lognormal: { median: number("a"), sigma: number("b") } };
    if (number("error_rate") > 0) {
      doc.error_rate = number("error_rate");
      doc.error_status = number("error_status");
      doc.retry_after = number("retry_after");
    }
    const faults = {};
    if (number("truncate") > 0) faults.truncate = number("truncate");
    if (number("trickle") > 0) {
      faults.trickle = number("trickle");
      faults.trickle_bytes_per_second = number("trickle_bytes_per_second");
    }
    if (number("empty_reply") > 0) faults.empty_reply = number("empty_reply");
    if (number("connection_reset") > 0) faults.connection_reset = number("connection_reset");
    if (Object.keys(faults).length) doc.faults = faults;
    return doc;
  }
  async function saveChaos(event) {
    event.preventDefault();
    try {
      await send("PUT", "/chaos", chaosDocument(event.target));
      showError("#chaos-error", null);
      await loadChaos();
    } catch (err) {
      showError("#chaos-error", err);
    }
  }
  async function chaosOff() {
    try {
      await send("DELETE", "/chaos");
      showError("#chaos-error", null);
      await loadChaos();
    } catch (err) {
      showError("#chaos-error", err);
    }
  }

  // ---------- the override editor (Routes tab) ----------
  function openOverride(operation) {
    const dialog = $("#override-dialog");
    const form = $("#override-form");
    form.reset();
    form.dataset.operation = operation;
    $("#override-operation").textContent = operation;
    showError("#override-error", null);
    dialog.showModal();
  }
  async function saveOverride(event) {
    event.preventDefault();
    const form = event.target;
    const response = {};
    if (form.elements.status.value) response.status = Number(form.elements.status.value);
    const body = form.elements.body.value.trim();
    if (body) {
      try {
        response.body = JSON.parse(body);
      } catch (err) {
        showError("#override-error", new Error(`the body is not JSON: ${err.message}`));
        return;
      }
    }
    const doc = { operation: form.dataset.operation, response, strict: form.elements.strict.checked };
    if (form.elements.times.value) doc.times = Number(form.elements.times.value);
    try {
      await send("POST", "/overrides", doc);
      $("#override-dialog").close();
      await reloadRoutes();
    } catch (err) {
      showError("#override-error", err);
    }
  }

  // ---------- state (the stateful mode's collections and items) ----------
  async function loadState() {
    const [collections, exported] = await Promise.all([api("/state/collections"), api("/state")]);
    $("#state-mode").textContent = collections.stateful ? "on" : "off";
    $("#state-empty").hidden = collections.items.length > 0;
    $("#state-table tbody").replaceChildren(...collections.items.map((c) =>
      el("tr", { dataset: { path: c.path } },
        el("td", { class: "mono", text: c.path }), el("td", { class: "mono", text: c.item_path }),
        el("td", { class: "num", text: c.deleted ? `${c.items} (${c.deleted} deleted)` : String(c.items) }),
        el("td", { class: "mono", text: `${c.id} (${c.id_kind})` }),
        el("td", { class: "muted", text: Object.keys(c.operations).join(", ") }))));
    $("#state-items").textContent = JSON.stringify(exported, null, 2);
    $("#state-export").href = `${API}/state`;
  }
  async function resetState() {
    try {
      await send("POST", "/state/reset");
      showError("#state-error", null);
      await loadState();
    } catch (err) {
      showError("#state-error", err);
    }
  }
  async function importState(event) {
    event.preventDefault();
    let document_;
    try {
      document_ = JSON.parse(event.target.elements.document.value);
    } catch (err) {
      showError("#state-error", new Error(`not JSON: ${err.message}`));
      return;
    }
    try {
      await send("PUT", "/state", document_);
      showError("#state-error", null);
      await loadState();
    } catch (err) {
      showError("#state-error", err);
    }
  }

  const ERRORS = { chaos: "#chaos-error", state: "#state-error" };
  async function load(tab) {
    try {
      if (tab === "scenarios") await loadScenarios();
      else if (tab === "chaos") await loadChaos();
      else if (tab === "state") await loadState();
    } catch (err) {
      if (!(err instanceof AuthNeeded)) showError(ERRORS[tab] || "#scenario-error", err);
    }
  }

  $("#scenario-form").addEventListener("submit", saveScenario);
  $("#tab-scenarios").addEventListener("click", onScenarioClick);
  $("#chaos-form").addEventListener("submit", saveChaos);
  $("#chaos-off").addEventListener("click", chaosOff);
  $("#state-reset").addEventListener("click", resetState);
  $("#state-form").addEventListener("submit", importState);
  $("#override-form").addEventListener("submit", saveOverride);
  $("#override-cancel").addEventListener("click", () => $("#override-dialog").close());
  document.addEventListener("click", (e) => {
    const button = e.target.closest("button.override-open");
    if (button) openOverride(button.dataset.operation);
  });
  window.mockingbirdControl = { load };
  const tab = (location.hash.slice(1).split("?")[0]) || "";
  if (["scenarios", "chaos", "state"].includes(tab)) load(tab);
})();

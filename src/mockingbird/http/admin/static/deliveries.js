// mockingbird admin page: the Deliveries tab (callbacks and webhooks sent, with their attempts; firing a webhook).
// Loaded after admin.js, whose helpers it uses (window.mockingbirdAdmin).
"use strict";
(() => {
  const { API, el, api, AuthNeeded } = window.mockingbirdAdmin;
  const $ = (sel, root = document) => root.querySelector(sel);
  let webhooksLoaded = false;

  function showError(err) {
    const box = $("#webhook-error");
    box.textContent = err ? err.message : "";
    box.hidden = !err;
  }
  const time = (ts) => new Date(ts * 1000).toLocaleTimeString();
  function attempts(d) {
    return d.attempts.map((a) => (a.status === null ? "✗" : String(a.status))).join(" → ") || "–";
  }

  async function loadWebhooks() {
    const hooks = await api("/webhooks");
    $("#webhooks-empty").hidden = hooks.items.length > 0;
    $("#webhook-form").hidden = hooks.items.length === 0;
    $("#webhook-name").replaceChildren(...hooks.items.map((h) => el("option", { value: h.name, text: `${h.method} ${h.name}` })));
    if (hooks.webhook_url) $("#webhook-form").elements.url.placeholder = hooks.webhook_url;
    webhooksLoaded = true;
  }

  async function load() {
    try {
      if (!webhooksLoaded) await loadWebhooks();
      const page = await api("/deliveries?limit=100");
      $("#deliveries-count").textContent = page.total ? `${page.total}` : "";
      $("#deliveries-empty").hidden = page.items.length > 0;
      $("#deliveries-table tbody").replaceChildren(...page.items.map((d) =>
        el("tr", { dataset: { id: d.id, state: d.state } },
          el("td", { class: "mono", text: time(d.ts) }),
          el("td", { text: d.kind }),
          el("td", { class: "mono", text: d.name }),
          el("td", { class: "mono", text: d.trigger }),
          el("td", { class: "mono", title: d.url, text: `${d.method} ${d.url}` }),
          el("td", { class: `state-${d.state}`, title: d.error || "", text: d.state }),
          el("td", { class: "mono attempts", title: d.attempts.map((a) => a.error || `HTTP ${a.status}`).join("\n"), text: attempts(d) }))));
    } catch (err) {
      if (!(err instanceof AuthNeeded)) showError(err);
    }
  }

  async function fire(event) {
    event.preventDefault();
    const form = event.target;
    const doc = {};
    if (form.elements.url.value.trim()) doc.url = form.elements.url.value.trim();
    const body = form.elements.body.value.trim();
    if (body) {
      try {
        doc.body = JSON.parse(body);
      } catch (err) {
        showError(new Error(`the body is not JSON: ${err.message}`));
        return;
      }
    }
    const response = await fetch(`${API}/webhooks/${encodeURIComponent(form.elements.name.value)}/fire`, {
      method: "POST", credentials: "same-origin",
      headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(doc),
    });
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch (_) { problem = null; }
      const errors = (problem && problem.errors) || [];
      showError(new Error(errors.length ? errors.map((e) => `${e.location}: ${e.message}`).join("\n") : (problem && problem.detail) || `${response.status}`));
      return;
    }
    showError(null);
    await load();
  }

  $("#webhook-form").addEventListener("submit", fire);
  window.mockingbirdDeliveries = { load };
  if ((location.hash.slice(1).split("?")[0]) === "deliveries") load();
})();

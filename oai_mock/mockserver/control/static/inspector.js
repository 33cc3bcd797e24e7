// The oai-mock inspector: reads the control API, follows /__oai_mock/events, and renders
// everything with textContent (request bodies are shown, never interpreted as HTML).
"use strict";

const API = "/__oai_mock";
const state = { exchanges: new Map(), picked: null, key: null, refreshTimer: null };

const $ = (selector) => document.querySelector(selector);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function readKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem("oai-mock-key", fromHash);
    history.replaceState(null, "", location.pathname);  // the key leaves the address bar
  }
  state.key = sessionStorage.getItem("oai-mock-key");
}

function headers() {
  return state.key ? { authorization: "Bearer " + state.key } : {};
}

async function call(path, options = {}) {
  const response = await fetch(API + path, { ...options, headers: { ...headers(), ...(options.headers || {}) } });
  if (response.status === 401) {
    $("#key-form").hidden = false;
    throw new Error("the server wants its key");
  }
  return response.json();
}

// -- exchanges -------------------------------------------------------------------------------

function clockTime(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour12: false }) +
    "." + String(Math.floor((seconds % 1) * 1000)).padStart(3, "0");
}

function statusClass(status) {
  return status ? "s" + String(status)[0] : "pending";
}

function exchangeRow(exchange) {
  const row = element("tr");
  row.dataset.id = exchange.id;
  const cells = [
    [clockTime(exchange.time)],
    [exchange.method],
    [exchange.path + (exchange.query ? "?" + exchange.query : ""), "path"],
    [exchange.operation || "–"],
    [exchange.status ?? "…", statusClass(exchange.status)],
    [exchange.duration_ms === null ? (exchange.streamed ? "streaming…" : "…") : exchange.duration_ms.toFixed(1) + " ms"],
    [exchange.model || ""],
  ];
  for (const [text, className] of cells) row.append(element("td", text, className));
  row.title = exchange.error || exchange.outcome;
  if (exchange.id === state.picked) row.classList.add("picked");
  row.addEventListener("click", () => openExchange(exchange.id));
  return row;
}

function showExchange(exchange) {
  const body = $("#exchanges tbody");
  const old = body.querySelector(`tr[data-id="${exchange.id}"]`);
  const row = exchangeRow(exchange);
  if (old) old.replaceWith(row); else body.prepend(row);
  state.exchanges.set(exchange.id, exchange);
  $("#empty").hidden = state.exchanges.size > 0;
  $("#count").textContent = `(${state.exchanges.size})`;
  if (exchange.id === state.picked && exchange.outcome !== "in progress") openExchange(exchange.id);
}

async function loadExchanges() {
  const journal = await call("/journal");
  $("#exchanges tbody").replaceChildren();
  state.exchanges.clear();
  for (const exchange of journal.data) showExchange(exchange);
  $("#empty").hidden = state.exchanges.size > 0;
  $("#count").textContent = `(${state.exchanges.size})`;
}

function pretty(value) {
  if (value === null || value === undefined) return "(empty)";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function definitions(pairs) {
  const list = element("dl");
  for (const [name, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    list.append(element("dt", name), element("dd", value));
  }
  return list;
}

function headerBlock(title, values) {
  const block = element("details");
  block.append(element("summary", `${title} (${Object.keys(values).length})`));
  block.append(definitions(Object.entries(values)));
  return block;
}

function eventsTable(events) {
  const table = element("table", null, "events");
  const head = element("tr");
  for (const name of ["at", "+", "event"]) head.append(element("th", name));
  table.append(head);
  let previous = null;
  for (const event of events) {
    const row = element("tr");
    const gap = previous === null ? "" : "+" + (event.at_ms - previous).toFixed(0);
    row.append(element("td", event.at_ms.toFixed(0) + " ms", "t"), element("td", gap, "t"), element("td", event.data.trim()));
    table.append(row);
    previous = event.at_ms;
  }
  return table;
}

async function openExchange(id) {
  state.picked = id;
  for (const row of document.querySelectorAll("#exchanges tbody tr")) {
    row.classList.toggle("picked", row.dataset.id === id);
  }
  const exchange = await call("/journal/" + encodeURIComponent(id));
  const pane = $("#detail");
  $("#detail-id").textContent = exchange.id || "";
  if (exchange.error && !exchange.request) {
    pane.replaceChildren(element("p", exchange.error.message, "error"));
    return;
  }
  const rule = exchange.rule;
  const parts = [
    definitions([
      ["request", `${exchange.method} ${exchange.path}${exchange.query ? "?" + exchange.query : ""}`],
      ["operation", exchange.operation || "none (not an OpenAI path)"],
      ["status", exchange.status ?? "not answered"],
      ["outcome", exchange.outcome],
      ["duration", exchange.duration_ms === null ? "in progress" : exchange.duration_ms.toFixed(1) + " ms"],
      ["model", exchange.model],
      ["rule", rule ? `${rule.id}${rule.name ? " (" + rule.name + ")" : ""}: ${JSON.stringify(rule.reply || rule.fault)}` : exchange.rule_id ? exchange.rule_id + " (deleted since)" : "none: the default answer"],
    ]),
  ];
  if (exchange.error) parts.push(element("p", exchange.error, "error"));
  parts.push(element("h3", "Request body"), element("pre", pretty(exchange.request.body)));
  parts.push(headerBlock("Request headers", exchange.request.headers));
  if (exchange.streamed) {
    parts.push(element("h3", `Stream: ${exchange.response.events.length} events`), eventsTable(exchange.response.events));
  } else {
    parts.push(element("h3", "Response body"), element("pre", pretty(exchange.response.body)));
  }
  parts.push(headerBlock("Response headers", exchange.response.headers));
  pane.replaceChildren(...parts);
}

// -- rules, objects, lifecycles, clock -----------------------------------------------------

function fillTable(selector, emptySelector, rows) {
  const body = $(selector + " tbody");
  body.replaceChildren(...rows.map((cells) => {
    const row = element("tr");
    for (const cell of cells) row.append(element("td", cell));
    return row;
  }));
  $(emptySelector).hidden = rows.length > 0;
}

function describeMatch(rule) {
  const parts = [];
  if (rule.operation) parts.push([].concat(rule.operation).join(", "));
  if (rule.model) parts.push("model " + rule.model);
  if (rule.contains) parts.push(`contains "${rule.contains}"`);
  if (rule.predicate) parts.push("where " + rule.predicate);
  return parts.join("; ") || "every request";
}

function describeAction(rule) {
  if (rule.fault) {
    const fault = rule.fault;
    if (fault.status) return `error ${fault.status}` + (fault.delay ? ` after ${fault.delay}s` : "");
    if (fault.delay) return `delay ${fault.delay}s`;
    if (fault.drop) return "drop the connection";
    return Object.keys(fault).join(", ");
  }
  const reply = rule.reply;
  if (reply.content) return `reply "${reply.content.length > 40 ? reply.content.slice(0, 40) + "…" : reply.content}"`;
  if (reply.tool_calls) return "call " + reply.tool_calls.map((c) => c.name).join(", ");
  return "reply " + Object.keys(reply).join(", ");
}

async function loadSidePanels() {
  const [rules, objects, lifecycles, clock] = await Promise.all([
    call("/rules"), call("/objects"), call("/lifecycles"), call("/clock"),
  ]);
  $("#rules").replaceChildren(...rules.data.map((rule) => {
    const item = element("li", null, rule.exhausted ? "exhausted" : "");
    const head = element("div", null, "rule-head");
    head.append(
      element("span", rule.id + (rule.name ? " · " + rule.name : ""), "rule-id"),
      element("span", `used ${rule.used} / ${rule.times === null ? "∞" : rule.times}`, "used"),
    );
    item.append(head, element("div", describeMatch(rule), "match"), element("div", "→ " + describeAction(rule), "answer"));
    return item;
  }));
  $("#no-rules").hidden = rules.data.length > 0;
  fillTable("#objects", "#no-objects", objects.data.map((k) => [k.kind, k.count, k.ids[k.ids.length - 1] || ""]));
  fillTable("#lifecycles", "#no-lifecycles", lifecycles.data.map((t) => [t.id, t.status, t.next.join(" → ") || "done"]));
  $("#policy").textContent = `(${lifecycles.policy})`;
  const speed = clock.mode === "accelerated" ? ` ×${clock.speed}` : "";
  $("#clock").textContent = `clock: ${new Date(clock.now * 1000).toISOString().replace(".000Z", "Z")} (${clock.mode}${speed})`;
}

function refreshSoon() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => loadSidePanels().catch(() => {}), 150);
}

// -- live updates: server-sent events read with fetch (so that the key can be sent) ---------

async function follow() {
  const live = $("#live");
  try {
    const response = await fetch(API + "/events", { headers: headers() });
    if (response.status === 401) { $("#key-form").hidden = false; throw new Error("key"); }
    live.textContent = "live"; live.className = "pill";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (!data) continue;
        const item = JSON.parse(data);
        if (item.kind === "exchange") {
          showExchange(item.exchange);
          if (item.exchange.outcome !== "in progress") refreshSoon();
        } else if (item.kind === "cleared" || item.kind === "reset") {
          await loadExchanges(); refreshSoon();
        } else {
          refreshSoon();
        }
      }
    }
  } catch (error) {
    // fall through to the retry below
  }
  live.textContent = "disconnected: retrying"; live.className = "pill off";
  setTimeout(start, 2000);
}

async function start() {
  try {
    await loadExchanges();
    await loadSidePanels();
  } catch (error) {
    $("#live").textContent = String(error.message || error);
    return;
  }
  follow();
}

$("#key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.key = $("#key").value.trim();
  sessionStorage.setItem("oai-mock-key", state.key);
  $("#key-form").hidden = true;
  start();
});
$("#clear").addEventListener("click", () => call("/journal", { method: "DELETE" }).then(loadExchanges));

readKey();
start();

// The graphmem viewer: one page, four views chosen by the URL's #fragment.
// Every text that comes from the store (memory text, names, messages) is untrusted data:
// it is inserted with textContent (through el() and svg()), never as HTML.
"use strict";

const TOKEN = (() => {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) {
    sessionStorage.setItem("graphmem-token", fromUrl);
    // out of the address bar and the history: the token is a secret
    history.replaceState(null, "", location.pathname + location.hash);
  }
  return fromUrl || sessionStorage.getItem("graphmem-token") || "";
})();
const GRAPH_CAP = 12; // neighbours drawn per relation before "show more"
const SVG_NS = "http://www.w3.org/2000/svg";
const page = document.getElementById("page");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-GraphMem-Token": TOKEN },
    body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// Replaces the page's content; absent parts (null, false) are left out.
const render = (...children) => page.replaceChildren(el("div", { class: "view" }, ...children));

const entityLink = (target, label) =>
  el("a", { href: "#/entity/" + encodeURIComponent(target) }, label || target);
const anchorLabel = (anchor) =>
  anchor.kind === "Repository" ? "<repository>" : anchor.qualified_name || anchor.path;
const memoryLink = (id, label) => el("a", { href: "#/memory/" + encodeURIComponent(id) }, label || id);
const badge = (text, cls) => el("span", { class: "badge " + (cls || "") }, text);

function memoryFlags(m) {
  return [
    m.status && m.status !== "active" ? badge(m.status, "muted") : null,
    m.possibly_stale ? badge("possibly stale", "warn") : null,
    m.orphaned ? badge("orphaned", "warn") : null,
  ];
}

function memoryCard(m, extra) {
  return el("li", { class: "memory", "data-memory": m.id },
    el("div", {}, badge(m.kind, "kind"), " ", memoryLink(m.id), " ", memoryFlags(m)),
    el("blockquote", { class: "memory-text" }, m.text),
    m.why && m.why.length ? el("div", { class: "why" }, "why: " + m.why.join("; ")) : null,
    extra || null);
}

// -- Explore: the tree of directories and modules, with badges --------------------------------

function buildTree(modules) {
  const root = { dirs: new Map(), modules: [] };
  for (const module of modules) {
    const parts = module.path.split("/");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      if (!node.dirs.has(part)) node.dirs.set(part, { dirs: new Map(), modules: [] });
      node = node.dirs.get(part);
    }
    node.modules.push({ ...module, name: parts[parts.length - 1] });
  }
  return root;
}

function renderTreeNode(node, highlight) {
  const list = el("ul", { class: "tree" });
  for (const [name, child] of [...node.dirs].sort()) {
    const details = el("details", { open: "" }, el("summary", {}, name + "/"), renderTreeNode(child, highlight));
    list.append(el("li", { class: "dir" }, details));
  }
  for (const m of node.modules) {
    list.append(el("li", { class: "module" + (highlight.has(m.path) ? " highlight" : ""), "data-path": m.path },
      entityLink(m.path, m.name), " ",
      m.memories ? badge(String(m.memories), "count") : null, " ",
      m.possibly_stale ? badge(m.possibly_stale + " stale", "warn") : null));
  }
  return list;
}

async function showExplore() {
  const data = await api("/api/tree");
  document.getElementById("repo").textContent = data.repo;
  render(
    el("h1", {}, "Explore"),
    el("p", { class: "muted" }, "Each module shows how many active memories govern it, and how many are possibly stale."),
    renderTreeNode(buildTree(data.modules), new Set()));
}

async function showSearch(query) {
  const data = await api("/api/search?q=" + encodeURIComponent(query));
  const hits = data.hits.map((hit) => el("li", { class: "memory" },
    el("div", {}, badge(hit.kind, "kind"), " ",
      hit.kind === "commit" ? hit.id : memoryLink(hit.id), " ",
      el("span", { class: "muted" }, hit.why.join(", "))),
    el("blockquote", { class: "memory-text" }, hit.text)));
  render(
    el("h1", {}, "Search: ", el("q", {}, query)),
    data.entity ? el("p", {}, "Entity: ", entityLink(data.entity.id, data.entity.qualified_name || data.entity.path)) : null,
    hits.length ? el("ul", { class: "cards" }, hits) : el("p", { class: "muted" }, "No memories match."));
}

// -- Entity: context, neighbourhood graph, impact --------------------------------------------

const RELATIONS = [
  ["callers", "calls", "in"], ["callees", "calls", "out"],
  ["importers", "imports", "in"], ["imports", "imports", "out"],
  ["subclasses", "inherits", "in"], ["bases", "inherits", "out"],
];

function neighbourhood(context, cap) {
  const width = 720, height = 420, cx = width / 2, cy = height / 2;
  const picture = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "graph", role: "img" });
  const neighbours = [];
  let hidden = 0;
  for (const [list, type, direction] of RELATIONS) {
    const entries = context.summary[list] || [];
    hidden += Math.max(0, entries.length - cap);
    for (const entity of entries.slice(0, cap)) neighbours.push({ entity, type, direction });
  }
  const memories = context.memories.slice(0, cap);
  const place = (i, n, r, turn) => {
    const angle = (2 * Math.PI * i) / Math.max(n, 1) + turn;
    return [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
  };
  neighbours.forEach((n, i) => {
    const [x, y] = place(i, neighbours.length, 150, 0);
    const [x1, y1, x2, y2] = n.direction === "out" ? [cx, cy, x, y] : [x, y, cx, cy];
    picture.append(svg("line", { x1, y1, x2, y2, class: "edge " + n.type, "marker-end": "url(#arrow)" }));
    picture.append(svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2, class: "edge-label" }, n.type));
    const link = svg("a", { href: "#/entity/" + encodeURIComponent(n.entity.id), class: "node" });
    link.append(svg("circle", { cx: x, cy: y, r: 8 }), svg("text", { x: x + 11, y: y + 4 }, n.entity.name));
    picture.append(link);
  });
  memories.forEach((m, i) => {
    const [x, y] = place(i, memories.length, 190, Math.PI / Math.max(memories.length, 2));
    picture.append(svg("line", { x1: x, y1: y, x2: cx, y2: cy, class: "edge governs" }));
    const link = svg("a", { href: "#/memory/" + encodeURIComponent(m.id), class: "memory-node" });
    link.append(svg("rect", { x: x - 7, y: y - 7, width: 14, height: 14 }),
      svg("text", { x: x + 10, y: y + 4 }, m.kind + " " + m.id));
    picture.append(link);
  });
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 18, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  defs.append(marker);
  picture.prepend(defs);
  picture.append(svg("circle", { cx, cy, r: 12, class: "centre" }),
    svg("text", { x: cx + 15, y: cy - 12, class: "centre-label" }, context.target.name));
  hidden += Math.max(0, context.memories.length - cap);
  return { picture, hidden };
}

// What depends on the target, one ring per distance; each dependent is joined to what it reaches
// through (the first step of its path), so the rings read as the dependency paths.
function impactGraph(impact, cap) {
  const width = 720, height = 420, cx = width / 2, cy = height / 2;
  const picture = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "graph impact", role: "img" });
  const shown = impact.impacted.slice(0, cap * 3);
  const rings = Math.max(1, ...shown.map((i) => i.distance));
  const at = new Map([[impact.target.id, [cx, cy]]]);
  for (let d = 1; d <= rings; d++) {
    const ring = shown.filter((i) => i.distance === d);
    const r = (Math.min(cx, cy) - 30) * (d / rings);
    picture.append(svg("circle", { cx, cy, r, class: "ring" }));
    ring.forEach((i, k) => {
      const angle = (2 * Math.PI * k) / ring.length + d * 0.4;
      at.set(i.entity.id, [cx + r * Math.cos(angle), cy + r * Math.sin(angle)]);
    });
  }
  for (const i of shown) {
    const [x, y] = at.get(i.entity.id);
    const via = i.path.length ? at.get(i.path[0].target) : null;
    const [x2, y2] = via || [cx, cy];
    picture.append(svg("line", { x1: x, y1: y, x2, y2, class: "edge " + (i.path.length ? i.path[0].type.toLowerCase() : "calls") }));
  }
  for (const i of shown) {
    const [x, y] = at.get(i.entity.id);
    const link = svg("a", { href: "#/entity/" + encodeURIComponent(i.entity.id), class: "node" + (i.is_test ? " test" : "") });
    link.append(svg("circle", { cx: x, cy: y, r: 7 }), svg("text", { x: x + 9, y: y + 4 }, `${i.entity.name} (${i.distance})`));
    picture.append(link);
  }
  picture.append(svg("circle", { cx, cy, r: 11, class: "centre" }),
    svg("text", { x: cx + 14, y: cy - 10, class: "centre-label" }, impact.target.name));
  return { picture, hidden: impact.impacted.length - shown.length };
}

async function showEntity(target, cap) {
  const data = await api("/api/entity?target=" + encodeURIComponent(target));
  const { context, impact } = data;
  const graph = neighbourhood(context, cap);
  const impacted = impactGraph(impact, cap);
  const moreButton = (hidden) => hidden
    ? el("button", { type: "button", onclick: () => showEntity(target, cap * 4) }, `show ${hidden} more`)
    : null;
  const more = moreButton(graph.hidden);
  const listOf = (name) => (context.summary[name] || []).map((e) => el("li", {}, entityLink(e.id, e.qualified_name || e.name)));
  render(
    el("h1", {}, badge(context.target.kind, "kind"), " ", context.target.qualified_name || context.target.path),
    el("p", { class: "muted" }, context.target.path),
    el("section", {}, el("h2", {}, "Neighbourhood"), graph.picture, more,
      el("p", { class: "legend" }, "calls, imports, inherits: arrows between code; dashed: GOVERNS (a memory that applies here)")),
    el("section", {}, el("h2", {}, "Memories that apply"),
      context.memories.length ? el("ul", { class: "cards" }, context.memories.map((m) => memoryCard(m))) : el("p", { class: "muted" }, "None.")),
    el("section", {}, el("h2", {}, "Nearby memories"),
      context.nearby.length ? el("ul", { class: "cards" }, context.nearby.map((m) => memoryCard(m))) : el("p", { class: "muted" }, "None.")),
    el("section", { class: "columns" },
      el("div", {}, el("h2", {}, "Callers"), el("ul", {}, listOf("callers"))),
      el("div", {}, el("h2", {}, "Callees"), el("ul", {}, listOf("callees")))),
    el("section", {}, el("h2", {}, "Commits"),
      el("ul", {}, context.commits.map((c) => el("li", {}, el("code", {}, c.sha.slice(0, 10)), " ", c.message.split("\n")[0])))),
    el("section", {}, el("h2", {}, `Impact (depth ${impact.depth})`),
      impact.impacted.length ? [impacted.picture, moreButton(impacted.hidden),
        el("p", { class: "legend" }, "one ring per distance: what depends on this, joined to what it reaches through")] : null,
      el("table", {}, el("tr", {}, el("th", {}, "distance"), el("th", {}, "entity"), el("th", {}, "resolution")),
        impact.impacted.slice(0, 50).map((i) => el("tr", {}, el("td", {}, String(i.distance)),
          el("td", {}, entityLink(i.entity.id, i.entity.qualified_name || i.entity.name)), el("td", {}, i.resolution))))));
}

// -- Memory: text, provenance, timeline, audit -------------------------------------------------

// Whether a module lies in what an anchor governs: the module, a directory above it, the repository.
const inScope = (modulePath, anchors) => anchors.some((a) =>
  a.kind === "Repository" || modulePath === a.path || modulePath.startsWith(a.path.replace(/\/?$/, "/")));

async function showMemory(id) {
  const [data, tree] = await Promise.all([api("/api/memory?id=" + encodeURIComponent(id)), api("/api/tree")]);
  const m = data.view.memory;
  const staleness = data.view.staleness;
  const anchors = staleness.anchors.map((a) => a.anchor);
  const scoped = new Set(tree.modules.map((mod) => mod.path).filter((path) => inScope(path, anchors)));
  const field = (name, value) => (value ? el("tr", {}, el("th", {}, name), el("td", {}, value)) : null);
  render(
    el("h1", {}, badge(m.kind, "kind"), " ", m.id, " ", badge(m.status, m.status === "active" ? "ok" : "muted"),
      staleness.possibly_stale ? badge("possibly stale", "warn") : null, staleness.orphaned ? badge("orphaned", "warn") : null),
    el("blockquote", { class: "memory-text", id: "memory-text" }, m.text),
    m.rationale ? el("p", {}, "Rationale: ", el("span", { class: "memory-text" }, m.rationale)) : null,
    el("table", { class: "provenance" }, field("author", m.author), field("source", m.source), field("created", m.created_at),
      field("branch", m.branch), field("user", m.user), field("retracted because", data.view.retracted_reason)),
    el("section", {}, el("h2", {}, "Governs"),
      el("ul", {}, staleness.anchors.map((a) => el("li", {}, entityLink(a.anchor.entity_id, anchorLabel(a.anchor)), " ", badge(a.state, a.state === "ok" ? "ok" : "warn"))))),
    el("section", {}, el("h2", {}, "Scope in the tree"), renderTreeNode(buildTree(tree.modules), scoped)),
    el("section", {}, el("h2", {}, "Supersession timeline"),
      el("ol", { class: "timeline" }, data.history.map((h) => el("li", { class: h.memory.id === m.id ? "current" : "" },
        el("div", {}, el("span", { class: "muted" }, h.memory.created_at), " ", memoryLink(h.memory.id), " ", badge(h.memory.status, "muted")),
        el("div", { class: "memory-text" }, h.memory.text))))),
    el("section", {}, el("h2", {}, "Audit events"),
      el("table", {}, data.events.map((e) => el("tr", {}, el("td", {}, e.at), el("td", {}, e.action), el("td", {}, e.author || ""))))),
    el("section", {}, el("h2", {}, "Served by"),
      el("table", {}, data.receipts.map((r) => el("tr", {}, el("td", {}, r.at || ""), el("td", {}, r.operation || ""), el("td", {}, r.query || ""))))));
}

// -- Review queue: stale and orphaned memories -------------------------------------------------

async function showReview(notice) {
  const data = await api("/api/stale");
  const act = async (path, body) => {
    try {
      const result = await post(path, body);
      await showReview(`${path.split("/").pop()}: ${body.id} done`);
      return result;
    } catch (error) {
      await showReview(`error: ${error.message}`);
    }
  };
  const cards = data.memories.map((entry) => {
    const m = entry.memory;
    const reason = el("input", { type: "text", placeholder: "reason (optional)", class: "reason" });
    const by = el("input", { type: "text", placeholder: "replacing memory id", class: "by" });
    const changed = entry.staleness.anchors.filter((a) => a.state !== "ok")
      .map((a) => el("li", {}, entityLink(a.anchor.entity_id, anchorLabel(a.anchor)), " ", badge(a.state, "warn")));
    return memoryCard({ ...m, possibly_stale: entry.staleness.possibly_stale, orphaned: entry.staleness.orphaned },
      el("div", { class: "actions" }, el("ul", {}, changed),
        el("button", { type: "button", class: "acknowledge", onclick: () => act("/api/acknowledge", { id: m.id }) }, "Acknowledge"),
        " ", reason, " ",
        el("button", { type: "button", class: "retract", onclick: () => act("/api/retract", { id: m.id, reason: reason.value }) }, "Retract"),
        " ", by, " ",
        el("button", { type: "button", class: "supersede", onclick: () => act("/api/supersede", { id: m.id, by: by.value.trim() }) }, "Supersede")));
  });
  render(
    el("h1", {}, "Review queue"),
    notice ? el("p", { class: "notice" }, notice) : null,
    cards.length ? el("ul", { class: "cards" }, cards) : el("p", { class: "muted", id: "queue-empty" }, "Nothing is stale."));
}

// -- routing -----------------------------------------------------------------------------------

async function route() {
  const [, view, ...rest] = location.hash.replace(/^#/, "").split("/");
  const arg = decodeURIComponent(rest.join("/"));
  try {
    if (view === "entity" && arg) await showEntity(arg, GRAPH_CAP);
    else if (view === "memory" && arg) await showMemory(arg);
    else if (view === "review") await showReview();
    else if (view === "search" && arg) await showSearch(arg);
    else await showExplore();
    document.body.dataset.view = view || "explore";
  } catch (error) {
    render(el("p", { class: "error" }, error.message));
  }
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const query = document.getElementById("search-box").value.trim();
  if (query) location.hash = "#/search/" + encodeURIComponent(query);
});
window.addEventListener("hashchange", route);
route();

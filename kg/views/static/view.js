/* kg network view. Every string that comes from a document (labels, aliases,
 * sentences, document ids) reaches the page through textContent or a text
 * node, never through innerHTML; vis-network shows string titles as text. */
(function () {
  "use strict";
  var t0 = performance.now();
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var timings = { parsed: performance.now() - t0, firstDraw: null, stable: null };
  window.kgTimings = timings;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function fold(s) { return String(s).toLocaleLowerCase(); }

  $("kg-title").textContent = DATA.title;
  document.title = DATA.title;
  $("kg-counts").textContent = DATA.summary;
  if (DATA.note) {
    $("kg-note").textContent = DATA.note;
    $("kg-note").hidden = false;
  }

  var byId = new Map();
  var typeOn = new Map();
  var predOn = new Map();
  DATA.types.forEach(function (t) { typeOn.set(t.name, true); });
  DATA.predicates.forEach(function (p) { predOn.set(p.name, true); });

  var groups = {};
  DATA.types.forEach(function (t) {
    groups[t.name] = {
      shape: t.shape,
      color: { background: t.color, border: t.border,
               highlight: { background: t.color, border: "#1f2328" },
               hover: { background: t.color, border: "#1f2328" } }
    };
  });

  function tooltip(n) {
    var lines = [n.label, "Type: " + n.type];
    if (n.aliases.length) lines.push("Aliases: " + n.aliases.join("; "));
    lines.push("Mentions: " + n.mentions + " in " + n.documents.length + " document(s)");
    return lines.join("\n");
  }

  var nodeItems = DATA.nodes.map(function (n) {
    byId.set(n.id, n);
    var item = { id: n.id, label: n.label, group: n.type, value: n.value, title: tooltip(n) };
    if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
    return item;
  });
  var edgeById = new Map();
  var edgeItems = DATA.edges.map(function (e) {
    edgeById.set(e.id, e);
    return { id: e.id, from: e.from, to: e.to, label: e.predicate,
             title: byId.get(e.from).label + " \u2192 " + e.predicate + " \u2192 " + byId.get(e.to).label };
  });

  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var big = DATA.nodes.length > 1500;
  var options = {
    autoResize: true,
    groups: groups,
    layout: { improvedLayout: false, randomSeed: 7 },
    interaction: { hover: !big, tooltipDelay: 150, hideEdgesOnDrag: big, hideEdgesOnZoom: big },
    nodes: {
      shape: "dot",
      scaling: { min: 8, max: 34, label: { enabled: true, min: 12, max: 22, drawThreshold: 5 } },
      font: { size: 12, face: "system-ui, sans-serif" },
      borderWidth: 1
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#9aa3ad", highlight: "#24292f", hover: "#24292f", inherit: false },
      font: { size: 9, color: "#57606a", strokeWidth: 2, align: "middle" },
      smooth: DATA.options.smooth ? { type: "continuous" } : false,
      width: 1
    },
    physics: DATA.options.physics ? {
      enabled: true,
      solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -40, springLength: 90, springConstant: 0.06,
                          damping: 0.5, avoidOverlap: 0.2 },
      minVelocity: 1,
      stabilization: { enabled: true, iterations: DATA.options.iterations, updateInterval: 25, fit: true }
    } : { enabled: false }
  };

  var container = $("mynetwork");
  var progress = $("kg-progress");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.network = network;

  function ready() {
    timings.stable = performance.now() - t0;
    progress.textContent = "";
    document.documentElement.setAttribute("data-kg-state", "ready");
  }
  network.once("afterDrawing", function () {
    timings.firstDraw = performance.now() - t0;
    document.documentElement.setAttribute("data-kg-drawn", "");
  });
  if (DATA.options.physics) {
    progress.textContent = "Laying out " + DATA.nodes.length + " entities\u2026";
    network.on("stabilizationProgress", function (p) {
      progress.textContent = "Laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%";
    });
    network.once("stabilizationIterationsDone", function () {
      // Freeze the layout: physics that keeps running burns CPU and moves nodes under the cursor.
      network.setOptions({ physics: { enabled: false } });
      network.once("afterDrawing", ready);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", ready);
  }

  // ---- filters and legend ----------------------------------------------------
  function applyFilters() {
    var nodeUpdates = [];
    nodes.forEach(function (item) {
      var hide = !typeOn.get(byId.get(item.id).type);
      if (Boolean(item.hidden) !== hide) nodeUpdates.push({ id: item.id, hidden: hide });
    });
    if (nodeUpdates.length) nodes.update(nodeUpdates);
    var edgeUpdates = [];
    edges.forEach(function (item) {
      var e = edgeById.get(item.id);
      var hide = !predOn.get(e.predicate) || !typeOn.get(byId.get(e.from).type) ||
                 !typeOn.get(byId.get(e.to).type);
      if (Boolean(item.hidden) !== hide) edgeUpdates.push({ id: item.id, hidden: hide });
    });
    if (edgeUpdates.length) edges.update(edgeUpdates);
    var shown = nodes.get({ filter: function (n) { return !n.hidden; } }).length;
    $("kg-counts").textContent = shown === DATA.nodes.length ? DATA.summary :
      DATA.summary + " \u00b7 " + shown + " shown after filters";
  }

  function filterRow(list, name, count, swatch, state, dataAttr) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.setAttribute(dataAttr, name);
    box.addEventListener("change", function () { state.set(name, box.checked); applyFilters(); });
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(el("span", name));
    label.appendChild(el("span", count, "kg-count"));
    li.appendChild(label);
    list.appendChild(li);
  }
  DATA.types.forEach(function (t) {
    var sw = el("span", null, "kg-swatch kg-swatch-" + t.shape);
    sw.style.background = t.color;
    filterRow($("kg-legend"), t.name, t.count, sw, typeOn, "data-kg-type");
  });
  DATA.predicates.forEach(function (p) {
    filterRow($("kg-relations"), p.name, p.count, el("span", null, "kg-swatch kg-swatch-line"),
              predOn, "data-kg-predicate");
  });

  // ---- side panel -----------------------------------------------------------
  var panel = $("kg-panel");
  var body = $("kg-panel-body");
  $("kg-panel-close").addEventListener("click", function () {
    panel.hidden = true;
    network.unselectAll();
  });

  function sentenceWithMark(ev) {
    var s = String(ev.sentence);
    var span = el("span", null, "kg-sentence");
    var start = ev.start, end = ev.end;
    if (typeof start === "number" && typeof end === "number" && start >= 0 && end > start &&
        end <= s.length) {
      span.appendChild(document.createTextNode(s.slice(0, start)));
      span.appendChild(el("mark", s.slice(start, end)));
      span.appendChild(document.createTextNode(s.slice(end)));
    } else {
      span.textContent = s;
    }
    return span;
  }

  // "plan, p. 14" for a PDF source (its printed page label if it has one), the id otherwise
  function docAndPage(item) {
    var where = String(item.document);
    if (item.page_label) where += ", p.\u00a0" + item.page_label;
    else if (typeof item.page === "number") where += ", p.\u00a0" + item.page;
    return where;
  }

  function evidenceList(items, more) {
    var ol = el("ol", null, "kg-evidence");
    items.forEach(function (ev) {
      var li = el("li");
      li.appendChild(sentenceWithMark(ev));
      li.appendChild(el("span", docAndPage(ev), "kg-doc"));
      ol.appendChild(li);
    });
    var frag = document.createDocumentFragment();
    frag.appendChild(ol);
    if (more > 0) frag.appendChild(el("p", "\u2026 and " + more + " more not included in this page.", "kg-more"));
    if (!items.length) frag.appendChild(el("p", "No evidence recorded.", "kg-more"));
    return frag;
  }

  function factList(items) {
    var ul = el("ul", null, "kg-facts");
    items.forEach(function (f) {
      var li = el("li");
      var head = f.type;
      if (f.type !== "Statement") {
        head += ": " + f.value + (f.unit ? " " + f.unit : "") + (f.role ? " (" + f.role + ")" : "");
      }
      li.appendChild(el("strong", head));
      li.appendChild(document.createTextNode(" \u201c" + f.text + "\u201d "));
      li.appendChild(el("span", docAndPage(f), "kg-doc"));
      ul.appendChild(li);
    });
    return ul;
  }

  function dl(pairs) {
    var d = el("dl");
    pairs.forEach(function (p) {
      if (p[1] === "" || p[1] === null) return;
      d.appendChild(el("dt", p[0]));
      d.appendChild(el("dd", p[1]));
    });
    return d;
  }

  function nodeLink(id) {
    var b = el("button", byId.get(id).label, "kg-link");
    b.type = "button";
    b.addEventListener("click", function () { selectNode(id); });
    return b;
  }

  function showNode(id) {
    var n = byId.get(id);
    body.textContent = "";
    body.appendChild(el("h2", n.label));
    body.appendChild(dl([["Type", n.type], ["Aliases", n.aliases.join("; ")],
                         ["Mentions", String(n.mentions)], ["Documents", n.documents.join(", ")],
                         ["IRI", n.iri]]));
    var rel = network.getConnectedEdges(id);
    if (rel.length) {
      body.appendChild(el("h3", "Relations"));
      var ul = el("ul");
      rel.slice(0, 60).forEach(function (eid) {
        var e = edgeById.get(eid);
        var li = el("li");
        var pred = el("button", e.predicate, "kg-link");
        pred.type = "button";
        pred.title = "Show the evidence for this relation";
        pred.addEventListener("click", function () { showEdge(eid); });
        li.appendChild(e.from === id ? el("span", n.label) : nodeLink(e.from));
        li.appendChild(document.createTextNode(" \u2192 "));
        li.appendChild(pred);
        li.appendChild(document.createTextNode(" \u2192 "));
        li.appendChild(e.to === id ? el("span", n.label) : nodeLink(e.to));
        ul.appendChild(li);
      });
      body.appendChild(ul);
      if (rel.length > 60) body.appendChild(el("p", "\u2026 and " + (rel.length - 60) + " more.", "kg-more"));
    }
    if (n.facts && n.facts.length) {
      body.appendChild(el("h3", "Figures, dates and statements"));
      body.appendChild(factList(n.facts));
    }
    body.appendChild(el("h3", "Evidence"));
    body.appendChild(evidenceList(n.evidence, n.more));
    panel.hidden = false;
  }

  function showEdge(eid) {
    var e = edgeById.get(eid);
    body.textContent = "";
    var h = el("h2");
    h.appendChild(nodeLink(e.from));
    h.appendChild(document.createTextNode(" \u2192 " + e.predicate + " \u2192 "));
    h.appendChild(nodeLink(e.to));
    body.appendChild(h);
    body.appendChild(dl([["Relation", e.predicate], ["Rules", e.rules.join(", ")]]));
    body.appendChild(el("h3", "Evidence"));
    body.appendChild(evidenceList(e.evidence, e.more));
    panel.hidden = false;
  }

  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
  });

  function selectNode(id) {
    var n = byId.get(id);
    if (!typeOn.get(n.type)) {
      // A search hit hidden by a type filter: show its type again rather than select nothing.
      typeOn.set(n.type, true);
      var box = document.querySelector('input[data-kg-type="' + CSS.escape(n.type) + '"]');
      if (box) box.checked = true;
      applyFilters();
    }
    network.selectNodes([id]);
    showNode(id);
    // The panel narrows the canvas: resize now so that focus centres in the visible part.
    network.setSize("100%", "100%");
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
  }

  // ---- search -----------------------------------------------------------------
  var names = [];
  DATA.nodes.forEach(function (n) {
    names.push([fold(n.label), n.id]);
    n.aliases.forEach(function (a) { names.push([fold(a), n.id]); });
  });
  var datalist = $("kg-names");
  var seen = new Set();
  // Autocomplete offers the most mentioned names only: a long datalist makes typing sluggish.
  DATA.nodes.slice().sort(function (a, b) { return b.value - a.value; }).slice(0, 400)
    .forEach(function (n) {
    [n.label].concat(n.aliases).forEach(function (s) {
      if (seen.has(s)) return;
      seen.add(s);
      var o = document.createElement("option");
      o.value = s;
      datalist.appendChild(o);
    });
  });

  function search(query) {
    var q = fold(query).trim();
    var status = $("kg-search-status");
    status.textContent = "";
    if (!q) return null;
    var exact = null, prefix = null, part = null;
    for (var i = 0; i < names.length; i++) {
      var s = names[i][0];
      if (s === q) { exact = names[i][1]; break; }
      if (prefix === null && s.indexOf(q) === 0) prefix = names[i][1];
      else if (part === null && s.indexOf(q) > 0) part = names[i][1];
    }
    var hit = exact !== null ? exact : prefix !== null ? prefix : part;
    if (hit === null) {
      status.textContent = "No entity matches \u201c" + query + "\u201d";
      return null;
    }
    selectNode(hit);
    return hit;
  }
  $("kg-search").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") search(ev.target.value);
  });
  $("kg-search").addEventListener("change", function (ev) { search(ev.target.value); });
  $("kg-search-go").addEventListener("click", function () { search($("kg-search").value); });

  window.kgView = { nodes: nodes, edges: edges, data: DATA, search: search, select: selectNode,
                    applyFilters: applyFilters };
})();

/* kg network view. Every string that comes from a document (labels, aliases,
 * sentences, document ids) reaches the page through textContent or a text
 * node, never through innerHTML; vis-network shows string titles as text. */
(function () {
  "use strict";
  var t0 = performance.now();
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var timings = { start: t0, parsed: performance.now() - t0, network: null, firstDraw: null, stable: null, labels: null };
  window.kgTimings = timings;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function fold(s) { return String(s).toLocaleLowerCase(); }
  // 12,345 (toLocaleString loads locale data on first use: tens of ms before the first frame)
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

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
  var docFilter = -1;                       // index into DATA.documents; -1 = every document
  var hideIsolated = Boolean(DATA.options.hideIsolated);
  var pinned = null;                        // the entity the user opened stays visible
  var typeStyle = new Map();
  DATA.types.forEach(function (t) { typeStyle.set(t.name, t); });

  // Node and edge ids are their positions in DATA.nodes / DATA.edges.
  var degree = new Int32Array(DATA.nodes.length);
  DATA.edges.forEach(function (e) { degree[e.from]++; degree[e.to]++; });

  /* What the filters leave: a node shows if its type is on and it is in the chosen
   * document; an edge if its relation is on, it is in the document and both ends show;
   * with hideIsolated, a node with no edge left showing is hidden too. */
  function visibility() {
    var base = new Array(DATA.nodes.length);
    var shownDegree = new Int32Array(DATA.nodes.length);
    var edgeHidden = new Array(DATA.edges.length);
    DATA.nodes.forEach(function (n) {
      base[n.id] = n.id !== pinned &&
        (!typeOn.get(n.type) || (docFilter >= 0 && n.docs.indexOf(docFilter) < 0));
    });
    DATA.edges.forEach(function (e) {
      var hide = !predOn.get(e.predicate) || base[e.from] || base[e.to] ||
                 (docFilter >= 0 && e.docs.indexOf(docFilter) < 0);
      edgeHidden[e.id] = hide;
      if (!hide) { shownDegree[e.from]++; shownDegree[e.to]++; }
    });
    var nodeHidden = new Array(DATA.nodes.length);
    var lone = 0, shown = 0, edgesShown = 0;
    DATA.nodes.forEach(function (n) {
      var isolated = !base[n.id] && shownDegree[n.id] === 0 && n.id !== pinned;
      if (isolated) lone++;
      nodeHidden[n.id] = base[n.id] || (hideIsolated && isolated);
      if (!nodeHidden[n.id]) shown++;
    });
    edgeHidden.forEach(function (h) { if (!h) edgesShown++; });
    return { nodes: nodeHidden, edges: edgeHidden, isolated: lone, shown: shown,
             edgesShown: edgesShown };
  }
  var initial = visibility();

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

  /* Only entities the filters show are handed to vis-network (creating one costs about as
   * much as drawing it): the rest are added when a filter or a search first shows them. */
  /* Sizes by mentions, as vis-network's `value` scaling would set them (8-34 px, linear over
   * the page's range), computed once here: its scaling visits every entity again each
   * time entities are added, the costliest step of handing it 2,000 of them. */
  var SIZE_MIN = 8, SIZE_MAX = 34;
  var valueMin = Infinity, valueMax = -Infinity;
  DATA.nodes.forEach(function (n) {
    valueMin = Math.min(valueMin, n.value);
    valueMax = Math.max(valueMax, n.value);
  });
  function nodeSize(value) {
    if (!(valueMax > valueMin)) return (SIZE_MIN + SIZE_MAX) / 2;
    return SIZE_MIN + (SIZE_MAX - SIZE_MIN) * (value - valueMin) / (valueMax - valueMin);
  }
  function nodeItem(n) {
    // No vis-network label: the label layer below draws names where they do not collide.
    var item = { id: n.id, group: n.type, size: nodeSize(n.value), title: tooltip(n), hidden: false };
    if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
    return item;
  }
  var ABSENT = 0, SHOWN = 1, HIDDEN = 2;
  var present = new Uint8Array(DATA.nodes.length);    // each entity's state in vis-network
  var nodeItems = [];
  DATA.nodes.forEach(function (n) {
    byId.set(n.id, n);
    if (initial.nodes[n.id]) return;
    present[n.id] = SHOWN;
    nodeItems.push(nodeItem(n));
  });
  // Graphs drawn with straight edges (the big ones) get their relation names from the
  // label layer, drawn at the edge's middle when zoomed in: a vis-network edge label costs
  // as much to create as the edge.
  var nameEdges = !DATA.options.smooth;
  var edgeById = new Map();
  var edgeItems = DATA.edges.map(function (e) {
    edgeById.set(e.id, e);
    var item = { id: e.id, from: e.from, to: e.to, hidden: initial.edges[e.id],
                 title: byId.get(e.from).label + " \u2192 " + e.predicate + " \u2192 " + byId.get(e.to).label };
    if (!nameEdges) item.label = e.predicate;
    return item;
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
      borderWidth: 1
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#9aa3ad", highlight: "#24292f", hover: "#24292f", inherit: false },
      font: { size: 9, color: "#57606a", strokeWidth: 2, align: "middle" },
      // Relation names only once zoomed in past the first view (9 px × scale ≥ 11 px).
      scaling: { label: { drawThreshold: 12 } },
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
  var network = new vis.Network(container, {}, options);
  // Without physics, vis-network draws the whole graph as soon as it has the data and again
  // at the next frame: hold drawing while the data goes in, so the first frame is the only
  // draw (about a fifth of the time to the settled view of 2,000 entities).
  network.body.emitter.emit("_blockRedraw");
  network.setData({ nodes: nodes, edges: edges });
  network.body.emitter.emit("_allowRedraw");
  network.body.emitter.emit("_requestRedraw");
  window.network = network;
  timings.network = performance.now() - t0;

  function ready() {
    timings.stable = performance.now() - t0;
    progress.textContent = "";
    document.documentElement.setAttribute("data-kg-state", "ready");
    setTimeout(fillDatalist, 0);
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
    var v = visibility();
    var nodeUpdates = [], nodeAdds = [];
    DATA.nodes.forEach(function (n) {
      var state = v.nodes[n.id] ? HIDDEN : SHOWN;
      if (present[n.id] === state || (!present[n.id] && state === HIDDEN)) return;
      if (present[n.id]) nodeUpdates.push({ id: n.id, hidden: state === HIDDEN });
      else nodeAdds.push(nodeItem(n));
      present[n.id] = state;
    });
    if (nodeAdds.length) nodes.add(nodeAdds);
    if (nodeUpdates.length) nodes.update(nodeUpdates);
    var edgeUpdates = [];
    edges.forEach(function (item) {
      if (Boolean(item.hidden) !== v.edges[item.id]) edgeUpdates.push({ id: item.id, hidden: v.edges[item.id] });
    });
    if (edgeUpdates.length) edges.update(edgeUpdates);
    showCounts(v);
  }

  function showCounts(v) {
    $("kg-counts").textContent = v.shown === DATA.nodes.length && v.edgesShown === DATA.edges.length ?
      DATA.summary : DATA.summary + " \u00b7 showing " + thousands(v.shown) +
      " entities and " + thousands(v.edgesShown) + " relations";
    $("kg-isolated-count").textContent = v.isolated;
  }

  var isolatedBox = $("kg-isolated");
  isolatedBox.checked = hideIsolated;
  isolatedBox.addEventListener("change", function () {
    hideIsolated = isolatedBox.checked;
    applyFilters();
  });

  var docSelect = $("kg-document");
  // One document (or none): nothing to choose between.
  docSelect.hidden = document.querySelector(".kg-doc-filter").hidden = DATA.documents.length < 2;
  docSelect.appendChild(new Option("All documents (" + DATA.documents.length + ")", "-1"));
  DATA.documents.forEach(function (d, i) {
    docSelect.appendChild(new Option(d.name + " (" + d.count + ")", String(i)));
  });
  docSelect.addEventListener("change", function () {
    docFilter = Number(docSelect.value);
    docSelect.title = docFilter >= 0 ? DATA.documents[docFilter].name : "";
    applyFilters();
    // A document's entities may sit anywhere in the whole layout: frame them.
    network.fit({ animation: false });
  });
  showCounts(initial);

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
    if (pinned !== null) { pinned = null; applyFilters(); }
    // The canvas widens again: resize now rather than at vis-network's next size check.
    network.setSize("100%", "100%");
    network.redraw();
  });

  /* An evidence row names its sentence by position: document ev.d, its text segment ev.g,
   * ev.n characters from offset ev.b (DATA.documents[d].text holds each document once). */
  function sentenceText(ev) {
    // a row of evidence that names no document carries its sentence itself
    return ev.d === undefined ? String(ev.sentence) : DATA.documents[ev.d].text[ev.g].substr(ev.b, ev.n);
  }

  /* The text `s` as text nodes, with the [start, end) ranges of `marks` in <mark>. */
  function markedText(parent, s, marks) {
    var at = 0;
    marks.filter(function (m) {
      return typeof m[0] === "number" && typeof m[1] === "number" && m[0] >= 0 && m[1] > m[0] &&
             m[1] <= s.length;
    }).sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; }).forEach(function (m) {
      if (m[0] < at) return;                       // overlapping marks: the first one wins
      parent.appendChild(document.createTextNode(s.slice(at, m[0])));
      parent.appendChild(el("mark", s.slice(m[0], m[1])));
      at = m[1];
    });
    parent.appendChild(document.createTextNode(s.slice(at)));
    return parent;
  }

  function sentenceWithMark(ev) {
    return markedText(el("span", null, "kg-sentence"), sentenceText(ev), [[ev.start, ev.end]]);
  }

  // "plan, p. 14" for a PDF source (its printed page label if it has one), the id otherwise
  function docAndPage(item) {
    var where = item.document !== undefined ? String(item.document) :
      item.d !== undefined ? DATA.documents[item.d].name : "";
    if (item.page_label) where += ", p.\u00a0" + item.page_label;
    else if (typeof item.page === "number") where += ", p.\u00a0" + item.page;
    return where;
  }

  // ---- document view ------------------------------------------------------------
  /* A document as the graph holds it: the stored sentences in order ("[…]" where text in
   * between is not in the graph), the cited sentence (ev.n characters at ev.b of segment
   * ev.g) highlighted and scrolled to, `marks` ([start, end) in the segment) marked in it. */
  var docView = $("kg-doc");
  var docBody = $("kg-doc-body");
  function openDocument(ev, marks) {
    var doc = DATA.documents[ev.d];
    $("kg-doc-title").textContent = doc.name;
    docBody.textContent = "";
    var cited = null;
    doc.text.forEach(function (text, i) {
      if (i > 0) docBody.appendChild(el("p", "[\u2026]", "kg-gap"));
      var p = el("p");
      if (i !== ev.g) {
        p.textContent = text;
      } else {
        var end = ev.b + ev.n;
        cited = el("span", null, "kg-cited");
        markedText(cited, text.slice(ev.b, end), marks.filter(function (m) {
          return m[0] >= ev.b && m[1] <= end;
        }).map(function (m) { return [m[0] - ev.b, m[1] - ev.b]; }));
        p.appendChild(document.createTextNode(text.slice(0, ev.b)));
        p.appendChild(cited);
        p.appendChild(document.createTextNode(text.slice(end)));
      }
      docBody.appendChild(p);
    });
    docView.hidden = false;
    opener = document.activeElement;
    $("kg-doc-close").focus({ preventScroll: true });  // keyboard users land in the pane
    if (cited) cited.scrollIntoView({ block: "center" });
  }
  var opener = null;
  function closeDocument() {
    docView.hidden = true;
    if (opener && document.body.contains(opener)) opener.focus({ preventScroll: true });
    opener = null;
  }
  $("kg-doc-close").addEventListener("click", closeDocument);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !docView.hidden) closeDocument();
  });

  // The button that opens an evidence item's sentence in its document.
  function docLink(item, open) {
    var b = el("button", docAndPage(item), "kg-link kg-doc");
    b.type = "button";
    b.title = "Open the sentence in its document";
    b.addEventListener("click", open);
    return b;
  }

  // A mention's place in its segment.
  function mentionMark(m) { return [m.b + m.start, m.b + m.end]; }

  // Where a relation's ends are mentioned in the segment of one of its sentences.
  function endMarks(e, ev) {
    var marks = [];
    [e.from, e.to].forEach(function (id) {
      byId.get(id).evidence.forEach(function (m) {
        if (m.d === ev.d && m.g === ev.g && typeof m.start === "number") marks.push(mentionMark(m));
      });
    });
    return marks;
  }

  /* Evidence rows; `marksOf(ev)` gives what to mark in the sentence in its document. */
  function evidenceList(items, more, marksOf) {
    var ol = el("ol", null, "kg-evidence");
    items.forEach(function (ev) {
      var li = el("li");
      li.appendChild(sentenceWithMark(ev));
      if (ev.d !== undefined) li.appendChild(docLink(ev, function () { openDocument(ev, marksOf(ev)); }));
      ol.appendChild(li);
    });
    var frag = document.createDocumentFragment();
    frag.appendChild(ol);
    if (more > 0) frag.appendChild(el("p", "\u2026 and " + more + " more not included in this page.", "kg-more"));
    if (!items.length) frag.appendChild(el("p", "No evidence recorded.", "kg-more"));
    return frag;
  }

  var docByName = new Map();
  DATA.documents.forEach(function (doc, i) { docByName.set(doc.name, i); });
  // A fact opens its text where it first occurs in what the page holds of its document.
  function factLink(f) {
    var d = docByName.get(f.document);
    var text = String(f.text);
    var g = d === undefined || !text ? -1 : DATA.documents[d].text.findIndex(function (t) {
      return t.indexOf(text) >= 0;
    });
    if (g < 0) return el("span", docAndPage(f), "kg-doc");
    var at = DATA.documents[d].text[g].indexOf(text);
    return docLink(f, function () {
      openDocument({ d: d, g: g, b: at, n: text.length }, [[at, at + text.length]]);
    });
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
      li.appendChild(factLink(f));
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

  // owl:sameAs / schema:sameAs targets (links when they are http(s) IRIs) and codes.
  function identifiers(n) {
    var d = el("dl", null, "kg-ids");
    if (n.sameAs) {
      d.appendChild(el("dt", "Same as"));
      var dd = el("dd");
      n.sameAs.forEach(function (x, i) {
        if (i) dd.appendChild(document.createTextNode(" "));
        var url = null;
        try { url = new URL(x); } catch (err) { url = null; }
        if (url && (url.protocol === "http:" || url.protocol === "https:")) {
          var a = el("a", x);
          a.href = url.href;
          a.rel = "noopener noreferrer";
          a.target = "_blank";
          dd.appendChild(a);
        } else {
          dd.appendChild(el("span", x, "kg-id-text"));
        }
      });
      d.appendChild(dd);
    }
    if (n.codes) {
      d.appendChild(el("dt", "Codes"));
      d.appendChild(el("dd", n.codes.join(", ")));
    }
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
    if (n.sameAs || n.codes) body.appendChild(identifiers(n));
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
    body.appendChild(evidenceList(n.evidence, n.more, function (ev) { return [mentionMark(ev)]; }));
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
    body.appendChild(evidenceList(e.evidence, e.more, function (ev) { return endMarks(e, ev); }));
    panel.hidden = false;
  }

  network.on("click", function (params) {
    hideResults();
    if (params.nodes.length) {
      pinned = params.nodes[0];
      applyFilters();
      showNode(params.nodes[0]);
    } else if (params.edges.length) showEdge(params.edges[0]);
  });

  function selectNode(id) {
    var n = byId.get(id);
    if (!typeOn.get(n.type)) {
      // A search hit hidden by a type filter: show its type again rather than select nothing.
      typeOn.set(n.type, true);
      var box = document.querySelector('input[data-kg-type="' + CSS.escape(n.type) + '"]');
      if (box) box.checked = true;
    }
    // Hidden by the document filter or as an entity without relations: show it anyway.
    pinned = id;
    applyFilters();
    network.selectNodes([id]);
    showNode(id);
    // The panel narrows the canvas: resize now so that focus centres in the visible part.
    network.setSize("100%", "100%");
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
  }

  // ---- labels -------------------------------------------------------------------
  /* Names are drawn on top of the network, at a fixed size on screen, and only where they
   * collide with no name already placed and no other entity: the opened and hovered entity
   * first, then the most connected. Zooming in spreads the entities, so more names fit. */
  var LABEL_FONT = "12px system-ui, sans-serif";
  var LABEL_FONT_SELECTED = "bold 12px system-ui, sans-serif";
  var LABEL_HEIGHT = 15, LABEL_GAP = 2, LABEL_STUB = 8, CELL = 64;
  var rankOrder = DATA.nodes.map(function (n) { return n.id; }).sort(function (a, b) {
    return degree[b] - degree[a] || byId.get(b).value - byId.get(a).value || a - b;
  });
  var LABEL_CHARS = 32;
  function shortLabel(id) {
    // A long policy title would cover the graph; its full name is in the tooltip and panel.
    var s = byId.get(id).label;
    return s.length > LABEL_CHARS ? s.slice(0, LABEL_CHARS - 2).trimEnd() + "\u2026" : s;
  }
  var measure = document.createElement("canvas").getContext("2d");
  var widths = new Map();
  function labelWidth(id, font) {
    var key = font === LABEL_FONT ? id : -1 - id;
    var w = widths.get(key);
    if (w === undefined) {
      measure.font = font;
      w = Math.ceil(measure.measureText(shortLabel(id)).width);
      widths.set(key, w);
    }
    return w;
  }
  var hovered = null;
  var lastLabels = [];

  /* Boxes by the grid cells they cover; a cell's key is a number (no string per lookup:
   * placing names tries four spots for each of thousands of entities). */
  function Grid() { this.cells = new Map(); }
  function cellKey(gx, gy) { return (gx + 32768) * 65536 + (gy + 32768); }
  Grid.prototype.hits = function (b, except) {
    var x1 = Math.floor((b.x + b.w) / CELL), y0 = Math.floor(b.y / CELL), y1 = Math.floor((b.y + b.h) / CELL);
    for (var gx = Math.floor(b.x / CELL); gx <= x1; gx++) {
      for (var gy = y0; gy <= y1; gy++) {
        var list = this.cells.get(cellKey(gx, gy));
        if (!list) continue;
        for (var j = 0; j < list.length; j++) {
          var o = list[j];
          if (o.id !== except && b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h) {
            return true;
          }
        }
      }
    }
    return false;
  };
  Grid.prototype.add = function (b) {
    var x1 = Math.floor((b.x + b.w) / CELL), y0 = Math.floor(b.y / CELL), y1 = Math.floor((b.y + b.h) / CELL);
    for (var gx = Math.floor(b.x / CELL); gx <= x1; gx++) {
      for (var gy = y0; gy <= y1; gy++) {
        var key = cellKey(gx, gy), list = this.cells.get(key);
        if (list) list.push(b); else this.cells.set(key, [b]);
      }
    }
  };

  function placeLabels() {
    var width = container.clientWidth, height = container.clientHeight;
    var selected = new Set(network.getSelectedNodes());
    var grid = new Grid();
    var shapes = new Map();
    var placed = [];
    // The view is a scale and a shift: DOM = origin + canvas × scale.
    var origin = network.canvasToDOM({ x: 0, y: 0 }), scale = network.getScale();
    network.body.nodeIndices.forEach(function (id) {
      var bb = network.getBoundingBox(id);
      var x = origin.x + bb.left * scale, y = origin.y + bb.top * scale;
      var w = (bb.right - bb.left) * scale, h = (bb.bottom - bb.top) * scale;
      if (x + w < -200 || x > width + 200 || y + h < -50 || y > height + 50) return;
      var shape = { id: id, x: x, y: y, w: w, h: h };
      shapes.set(id, shape);
      grid.add(shape);
    });
    var first = [];
    selected.forEach(function (id) { first.push(id); });
    if (hovered !== null && !selected.has(hovered)) first.push(hovered);
    first.concat(rankOrder).forEach(function (id, i) {
      var shape = shapes.get(id);
      if (!shape || (i >= first.length && first.indexOf(id) >= 0)) return;
      var font = selected.has(id) ? LABEL_FONT_SELECTED : LABEL_FONT;
      var forced = i < first.length;
      var h = LABEL_HEIGHT, midY = shape.y + shape.h / 2 - h / 2, cx = shape.x + shape.w / 2;
      var w = 0;
      // Below the entity if there is room, else above, right or left of it. Each spot is
      // first tried with a stub of the label that any full label there would contain, so
      // crowded entities cost no text measuring.
      for (var k = 0; k < 4; k++) {
        var stub = LABEL_STUB;
        var sx = k < 2 ? cx - stub / 2 : k === 2 ? shape.x + shape.w + 2 : shape.x - 2 - stub;
        var sy = k === 0 ? shape.y + shape.h + 1 : k === 1 ? shape.y - h - 1 : midY;
        if (!forced && grid.hits({ x: sx, y: sy, w: stub, h: h }, id)) continue;
        if (!w) w = labelWidth(id, font) + 2 * LABEL_GAP;
        var bx = k < 2 ? cx - w / 2 : k === 2 ? sx : shape.x - 2 - w;
        var box = { id: id, x: bx, y: sy, w: w, h: h, font: font };
        if (box.x + box.w < 0 || box.x > width || box.y > height || box.y + box.h < 0) continue;
        if (!forced && grid.hits(box, id)) continue;
        grid.add(box);
        placed.push(box);
        return;
      }
    });
    return placed;
  }

  /* Relation names at the middle of straight edges, once zoomed in as far as
   * vis-network would show its own (9 px × scale ≥ 12 px); only those on screen. */
  var EDGE_FONT_PX = 9, EDGE_NAME_MIN_PX = 12;
  var lastEdgeNames = [];
  function drawEdgeNames(ctx) {
    var scale = network.getScale();
    lastEdgeNames = [];
    if (!nameEdges || EDGE_FONT_PX * scale < EDGE_NAME_MIN_PX) return;
    var width = container.clientWidth, height = container.clientHeight;
    var origin = network.canvasToDOM({ x: 0, y: 0 });
    var body = network.body;
    ctx.font = Math.min(EDGE_FONT_PX * scale, 30).toFixed(1) + "px system-ui, sans-serif";
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#ffffff";
    ctx.fillStyle = "#57606a";
    body.edgeIndices.forEach(function (id) {
      var e = edgeById.get(id), a = body.nodes[e.from], b = body.nodes[e.to];
      if (!a || !b) return;
      var x = origin.x + (a.x + b.x) / 2 * scale, y = origin.y + (a.y + b.y) / 2 * scale;
      if (x < -50 || x > width + 50 || y < -20 || y > height + 20) return;
      ctx.strokeText(e.predicate, x, y);
      ctx.fillText(e.predicate, x, y);
      lastEdgeNames.push(e.id);
    });
  }

  function drawLabels(ctx) {
    var start = performance.now();
    var labels = placeLabels();
    var ratio = ctx.canvas.width / Math.max(1, container.clientWidth);
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    drawEdgeNames(ctx);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.fillStyle = "#1f2328";
    labels.forEach(function (b) {
      var text = shortLabel(b.id);
      var cx = b.x + b.w / 2, cy = b.y + b.h / 2;
      ctx.font = b.font;
      ctx.strokeText(text, cx, cy);
      ctx.fillText(text, cx, cy);
    });
    ctx.restore();
    lastLabels = labels.map(function (b) {
      return { id: b.id, text: shortLabel(b.id), x: b.x, y: b.y, w: b.w, h: b.h };
    });
    timings.labels = performance.now() - start;
  }
  network.on("afterDrawing", drawLabels);
  network.on("hoverNode", function (p) { hovered = p.node; network.redraw(); });
  network.on("blurNode", function () { hovered = null; network.redraw(); });

  // ---- search -----------------------------------------------------------------
  /* The search index is built at the first search and the autocomplete list once the view
   * is ready: neither is needed to see the graph. */
  var names = null;
  function searchNames() {
    if (names !== null) return names;
    names = [];
    DATA.nodes.forEach(function (n) {
      names.push([fold(n.label), n.id, n.label]);
      n.aliases.forEach(function (a) { names.push([fold(a), n.id, a]); });
    });
    return names;
  }
  function fillDatalist() {
    var datalist = $("kg-names");
    var seen = new Set();
    // Autocomplete offers the most mentioned names only: a long datalist makes typing sluggish.
    DATA.nodes.slice().sort(function (a, b) { return b.value - a.value || a.id - b.id; }).slice(0, 400)
      .forEach(function (n) {
      [n.label].concat(n.aliases).forEach(function (s) {
        if (seen.has(s)) return;
        seen.add(s);
        var o = document.createElement("option");
        o.value = s;
        datalist.appendChild(o);
      });
    });
  }

  var MAX_RESULTS = 100;
  /* Every entity whose label or an alias contains the query: exact names first, then
   * names that start with it, then the rest; the most connected first within each. */
  function matches(query) {
    var q = fold(query).trim();
    if (!q) return [];
    var best = new Map();
    var all = searchNames();
    for (var i = 0; i < all.length; i++) {
      var at = all[i][0].indexOf(q);
      if (at < 0) continue;
      var kind = all[i][0] === q ? 0 : at === 0 ? 1 : 2;
      var had = best.get(all[i][1]);
      if (had === undefined || kind < had.kind) best.set(all[i][1], { id: all[i][1], kind: kind, name: all[i][2] });
    }
    return Array.from(best.values()).sort(function (a, b) {
      return a.kind - b.kind || degree[b.id] - degree[a.id] || byId.get(b.id).value - byId.get(a.id).value || a.id - b.id;
    });
  }

  var results = $("kg-search-results");
  function hideResults() { results.hidden = true; }

  function showResults(found, opened) {
    results.textContent = "";
    found.slice(0, MAX_RESULTS).forEach(function (m) {
      var n = byId.get(m.id);
      var li = el("li");
      var b = el("button", null, "kg-result");
      b.type = "button";
      b.setAttribute("data-kg-id", String(m.id));
      if (m.id === opened) b.setAttribute("aria-current", "true");
      var t = typeStyle.get(n.type);
      var sw = el("span", null, "kg-swatch kg-swatch-" + (t ? t.shape : "dot"));
      if (t) sw.style.background = t.color;
      b.appendChild(sw);
      b.appendChild(el("span", n.label, "kg-result-label"));
      b.appendChild(el("span", n.type, "kg-result-type"));
      if (fold(m.name) !== fold(n.label)) b.appendChild(el("span", "also \u201c" + m.name + "\u201d", "kg-result-alias"));
      b.appendChild(el("span", n.documents.length + " doc" + (n.documents.length === 1 ? "" : "s") +
                               " \u00b7 " + degree[m.id] + " rel.", "kg-result-meta"));
      b.addEventListener("click", function () { hideResults(); selectNode(m.id); });
      li.appendChild(b);
      results.appendChild(li);
    });
    if (found.length > MAX_RESULTS) {
      results.appendChild(el("li", "\u2026 and " + (found.length - MAX_RESULTS) + " more: type more of the name.", "kg-more"));
    }
    results.hidden = false;
  }

  function search(query) {
    var status = $("kg-search-status");
    status.textContent = "";
    hideResults();
    var found = matches(query);
    if (!String(query).trim()) return null;
    if (!found.length) {
      status.textContent = "No entity matches \u201c" + query + "\u201d";
      return null;
    }
    var exact = found.filter(function (m) { return m.kind === 0; });
    // One entity has that name (or only one matches at all): open it. Several: let the user choose.
    var hit = exact.length === 1 ? exact[0].id : found.length === 1 ? found[0].id : null;
    if (found.length > 1) {
      status.textContent = exact.length > 1 ?
        exact.length + " entities are named \u201c" + query.trim() + "\u201d" :
        found.length + " matches";
      showResults(found, hit);
    }
    if (hit !== null) selectNode(hit);
    return hit;
  }
  function focusResult(step) {
    var items = Array.prototype.slice.call(results.querySelectorAll(".kg-result"));
    if (results.hidden || !items.length) return;
    var at = items.indexOf(document.activeElement) + step;
    if (at < 0) $("kg-search").focus();
    else items[Math.min(at, items.length - 1)].focus();
  }
  $("kg-search").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") search(ev.target.value);
    else if (ev.key === "Escape") hideResults();
    else if (ev.key === "ArrowDown" && !results.hidden) { ev.preventDefault(); focusResult(1); }
  });
  results.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      focusResult(ev.key === "ArrowDown" ? 1 : -1);
    }
  });
  document.addEventListener("click", function (ev) {
    if (!$("kg-search-box").contains(ev.target)) hideResults();
  });
  $("kg-search").addEventListener("change", function (ev) { search(ev.target.value); });
  $("kg-search-go").addEventListener("click", function () { search($("kg-search").value); });
  results.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hideResults(); });

  window.kgView = { nodes: nodes, edges: edges, data: DATA, search: search, select: selectNode,
                    openDocument: openDocument,
                    applyFilters: applyFilters, matches: matches,
                    labels: function () { return lastLabels.slice(); },
                    edgeNames: function () { return lastEdgeNames.slice(); } };
})();

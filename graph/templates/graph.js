/* tiegraph page script (inlined into graph.html by graph/viz.py).
 *
 * Builds the vis-network view from the JSON block #tiegraph-data. Names and sentences come from
 * untrusted articles: they only ever reach the page through textContent, and vis-network gets DOM
 * elements as tooltips, never strings. No innerHTML, no eval, nothing loaded from anywhere.
 */
"use strict";

// The globals of every Pyvis page.
var nodes, edges, network, container, options, data;
// What the page exposes to tests and to the curious: state, and the functions behind the controls.
var tiegraph = { stable: false, stableAt: null, typeOn: {}, relationOn: {} };

(function () {
  performance.mark("tiegraph:start");
  var DATA = JSON.parse(document.getElementById("tiegraph-data").textContent);
  var meta = DATA.meta;
  var byId = {};
  var edgeById = {};
  var adjacent = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function num(x) {
    if (typeof x !== "number" || !isFinite(x)) return "–";
    if (x === 0) return "0";
    return Math.abs(x) >= 0.001 ? x.toFixed(3) : x.toExponential(2);
  }
  function shorten(text, limit) {
    text = String(text || "");
    return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
  }
  function typeText(n) {
    return (n.type || "Other") + (n.subtype ? " · " + n.subtype : "");
  }
  function nameOf(id) {
    return byId[id] ? byId[id].name : String(id);
  }
  function arrow(e) {
    return e.symmetric ? " — " + e.predicate + " — " : " → " + e.predicate + " → ";
  }
  function scoreTable(n, rows) {
    var table = el("table");
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      table.appendChild(tr);
    });
    return table;
  }
  function measures(n) {
    return [
      ["PageRank", num(n.pagerank)],
      ["Betweenness", num(n.betweenness)],
      ["Degree", num(n.degree)],
      ["Eigenvector", num(n.eigenvector)],
      ["Broker", num(n.broker)],
      ["Community", n.community >= 0 ? String(n.community) : "–"],
    ];
  }

  // --- tooltips: DOM elements built from text ----------------------------------------------------------------
  function nodeTip(n) {
    var box = el("div", "tg-tip");
    box.appendChild(el("div", "tg-tip-title", n.name));
    box.appendChild(el("div", "tg-tip-type", typeText(n)));
    if (n.aliases && n.aliases.length) box.appendChild(el("div", "tg-tip-aliases", "Also: " + n.aliases.join("; ")));
    box.appendChild(scoreTable(n, measures(n)));
    return box;
  }
  function edgeTip(e) {
    var box = el("div", "tg-tip");
    box.appendChild(el("div", "tg-tip-title", nameOf(e.from) + arrow(e) + nameOf(e.to)));
    if (e.role) box.appendChild(el("div", "tg-tip-type", "Role: " + e.role));
    var facts = e.evidence_count + (e.evidence_count === 1 ? " statement" : " statements");
    if (e.confidence !== null && e.confidence !== undefined) facts += ", confidence " + num(e.confidence);
    box.appendChild(el("div", "tg-tip-type", facts));
    e.evidence.slice(0, 2).forEach(function (ev) {
      box.appendChild(el("blockquote", null, shorten(ev.sentence, 260)));
      box.appendChild(el("div", "tg-source", ev.source || ev.document));
    });
    if (e.evidence_count > 2) box.appendChild(el("div", "tg-tip-more", "Click the relation for all its evidence."));
    return box;
  }

  DATA.nodes.forEach(function (n) {
    byId[n.id] = n;
    adjacent[n.id] = [];
    n.title = nodeTip(n);
  });
  DATA.edges.forEach(function (e) {
    edgeById[e.id] = e;
    if (adjacent[e.from]) adjacent[e.from].push(e);
    if (adjacent[e.to] && e.to !== e.from) adjacent[e.to].push(e);
    e.title = edgeTip(e);
  });

  // --- the network, through filtered views ------------------------------------------------------------------
  meta.types.forEach(function (t) {
    tiegraph.typeOn[t.type] = true;
  });
  meta.relation_types.forEach(function (r) {
    tiegraph.relationOn[r.predicate] = true;
  });
  performance.mark("tiegraph:tooltips");
  nodes = new vis.DataSet(DATA.nodes);
  edges = new vis.DataSet(DATA.edges);
  var nodeView = new vis.DataView(nodes, {
    filter: function (n) {
      return tiegraph.typeOn[n.type || "Other"] !== false;
    },
  });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) {
      return tiegraph.relationOn[e.predicate] !== false;
    },
  });
  container = document.getElementById("mynetwork");
  options = DATA.options;
  data = { nodes: nodeView, edges: edgeView };
  network = new vis.Network(container, data, options);
  performance.mark("tiegraph:network");
  tiegraph.nodeView = nodeView;
  tiegraph.edgeView = edgeView;

  // --- physics: settle, then stop ---------------------------------------------------------------------------
  var loading = document.getElementById("tg-loading");
  var bar = document.getElementById("tg-progress-bar");
  var progressText = document.getElementById("tg-progress-text");
  function settled() {
    if (tiegraph.stable) return;
    network.setOptions({ physics: { enabled: false } });
    network.moveTo({ scale: network.getScale() * 0.88 }); // room for the labels at the edges
    tiegraph.stable = true;
    tiegraph.stableAt = performance.now();
    loading.hidden = true;
    document.documentElement.setAttribute("data-tiegraph", "stable");
  }
  // A time budget besides the iteration count: on a slow machine the layout is less relaxed, never late.
  var layoutStarted = performance.now();
  network.on("stabilizationProgress", function (p) {
    tiegraph.layoutIterations = p.iterations;
    tiegraph.layoutTotal = p.total;
    bar.style.width = Math.round((100 * p.iterations) / p.total) + "%";
    progressText.textContent = "Laying out " + DATA.nodes.length.toLocaleString("en") + " entities…";
    if (performance.now() - layoutStarted > meta.layout_seconds * 1000) network.stopSimulation();
  });
  network.once("stabilizationIterationsDone", settled);
  network.once("stabilized", settled);
  if (DATA.nodes.length === 0) {
    settled();
    var empty = el("p", null, "This graph has no entities yet.");
    document.getElementById("tg-details").appendChild(empty);
  }

  // --- the side panel ---------------------------------------------------------------------------------------
  var panel = document.getElementById("tg-details");
  function link(text, onClick) {
    var button = el("button", "tg-link", text);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }
  function showIntro() {
    clear(panel);
    panel.appendChild(el("h3", null, "Details"));
    panel.appendChild(el("p", "tg-notes", "Click an entity or a relation, or find an entity by name."));
  }
  function focusNode(id) {
    if (nodeView.get(id) === null) return;
    network.selectNodes([id]);
    network.focus(id, { scale: 1.3, animation: { duration: 400, easingFunction: "easeInOutQuad" } });
  }
  function showNode(id) {
    var n = byId[id];
    if (!n) return;
    clear(panel);
    panel.appendChild(el("h2", null, n.name));
    panel.appendChild(el("p", "tg-type", typeText(n)));
    if (n.aliases && n.aliases.length) {
      panel.appendChild(el("h3", null, "Also called"));
      var names = el("ul");
      n.aliases.forEach(function (a) {
        names.appendChild(el("li", null, a));
      });
      panel.appendChild(names);
    }
    panel.appendChild(el("h3", null, "Centrality"));
    panel.appendChild(scoreTable(n, measures(n)));
    panel.appendChild(el("h3", null, "Relations (" + adjacent[id].length + ")"));
    var list = el("ul");
    adjacent[id].forEach(function (e) {
      var item = el("li");
      var other = e.from === id ? e.to : e.from;
      var text = e.symmetric
        ? e.predicate + " — " + nameOf(other)
        : e.from === id
          ? e.predicate + " → " + nameOf(other)
          : nameOf(other) + " → " + e.predicate;
      item.appendChild(
        link(text + (e.role ? " (" + e.role + ")" : ""), function () {
          showEdge(e.id);
        }),
      );
      list.appendChild(item);
    });
    panel.appendChild(list);
    panel.appendChild(el("h3", null, "IRI"));
    panel.appendChild(el("p", "tg-iri", n.id));
  }
  function showEdge(id) {
    var e = edgeById[id];
    if (!e) return;
    clear(panel);
    var head = el("h2");
    head.appendChild(link(nameOf(e.from), function () { focusNode(e.from); showNode(e.from); }));
    head.appendChild(document.createTextNode(arrow(e)));
    head.appendChild(link(nameOf(e.to), function () { focusNode(e.to); showNode(e.to); }));
    panel.appendChild(head);
    var rows = [["Relation", e.predicate]];
    if (e.role) rows.push(["Role", e.role]);
    rows.push(["Confidence", e.confidence === null || e.confidence === undefined ? "–" : num(e.confidence)]);
    rows.push(["Statements", String(e.evidence_count)]);
    panel.appendChild(scoreTable(e, rows));
    panel.appendChild(el("h3", null, "Evidence"));
    var list = el("ol");
    e.evidence.forEach(function (ev) {
      var item = el("li");
      item.appendChild(el("blockquote", null, ev.sentence));
      item.appendChild(el("div", "tg-source", (ev.source ? ev.source + " · " : "") + ev.document));
      list.appendChild(item);
    });
    panel.appendChild(list);
    if (e.evidence_count > e.evidence.length) {
      var more = e.evidence_count - e.evidence.length;
      panel.appendChild(el("p", "tg-notes", more + " more statement(s) of this relation are in graph.ttl."));
    }
  }
  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
    else showIntro();
  });
  showIntro();
  tiegraph.showNode = showNode;
  tiegraph.showEdge = showEdge;

  // --- search -----------------------------------------------------------------------------------------------
  var input = document.getElementById("tg-search");
  var status = document.getElementById("tg-search-status");
  var names = document.getElementById("tg-names");
  DATA.nodes
    .slice()
    .sort(function (a, b) {
      return b.pagerank - a.pagerank;
    })
    .forEach(function (n) {
      var option = document.createElement("option");
      option.value = n.name;
      names.appendChild(option);
    });
  function find(query) {
    var q = String(query || "").trim().toLowerCase();
    status.textContent = "";
    if (!q) return null;
    var best = null;
    var bestRank = 9;
    var matches = 0;
    nodeView.get().forEach(function (n) {
      var name = String(n.name).toLowerCase();
      var aliases = (n.aliases || []).map(function (a) { return String(a).toLowerCase(); });
      var rank = name === q ? 0 : aliases.indexOf(q) >= 0 ? 1 : name.indexOf(q) === 0 ? 2 : 9;
      if (rank === 9 && (name.indexOf(q) >= 0 || aliases.some(function (a) { return a.indexOf(q) >= 0; }))) rank = 3;
      if (rank === 9) return;
      matches += 1;
      if (best === null || rank < bestRank || (rank === bestRank && n.pagerank > best.pagerank)) {
        best = n;
        bestRank = rank;
      }
    });
    if (best === null) {
      status.textContent = "No entity shown matches “" + String(query).trim() + "”.";
      return null;
    }
    focusNode(best.id);
    showNode(best.id);
    if (matches > 1) status.textContent = matches + " matches; showing the most central.";
    return best.id;
  }
  document.getElementById("tg-search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    find(input.value);
  });
  tiegraph.find = find;

  // --- legend and filters -----------------------------------------------------------------------------------
  function filterRow(box, color, text, count, checked, onChange) {
    var label = el("label", "tg-filter" + (count ? "" : " tg-empty"));
    var check = el("input");
    check.type = "checkbox";
    check.checked = checked;
    check.disabled = !count;
    check.addEventListener("change", function () {
      onChange(check.checked);
    });
    label.appendChild(check);
    if (color) {
      var swatch = el("span", "tg-swatch");
      swatch.style.background = color;
      label.appendChild(swatch);
    }
    label.appendChild(el("span", null, text));
    label.appendChild(el("span", "tg-count", count.toLocaleString("en")));
    box.appendChild(label);
    return check;
  }
  var typesBox = document.getElementById("tg-types");
  meta.types.forEach(function (t) {
    filterRow(typesBox, t.color, t.type, t.count, true, function (on) {
      tiegraph.typeOn[t.type] = on;
      nodeView.refresh();
    }).setAttribute("data-type", t.type);
  });
  var shapesBox = document.getElementById("tg-shapes");
  meta.shapes.forEach(function (s) {
    shapesBox.appendChild(el("div", "tg-shape", (s.shape === "square" ? "■ " : "◆ ") + s.label));
  });
  var relationsBox = document.getElementById("tg-relations");
  meta.relation_types.forEach(function (r) {
    filterRow(relationsBox, null, r.predicate, r.count, true, function (on) {
      tiegraph.relationOn[r.predicate] = on;
      edgeView.refresh();
    }).setAttribute("data-relation", r.predicate);
  });
  if (!meta.relation_types.length) relationsBox.appendChild(el("p", "tg-notes", "No relations."));
})();

/* The transmission-chain graph of a cluster: sigma (WebGL) over a graphology graph, laid out by the server.
 *
 * The JSON is columnar (parallel node arrays, flat edge triples) so 20,000 nodes load fast. Search finds
 * nodes by label without accents; clicking a node opens its page; the camera buttons zoom. */
(function () {
  "use strict";

  var root = document.getElementById("chain-graph");
  if (!root) return;
  var status = document.getElementById("chain-status");
  var canvas = document.getElementById("chain-canvas");
  var input = document.getElementById("chain-search-input");
  var results = document.getElementById("chain-search-results");
  var legend = document.getElementById("chain-legend");
  var data = root.dataset;

  var NODE_STYLE = {
    "case": { color: "#c62828", size: 7, label: data.labelCase },
    f1: { color: "#ef6c00", size: 3.5, label: data.labelF1 },
    f2: { color: "#f2b705", size: 2.2, label: data.labelF2 },
    venue: { color: "#1565c0", size: 5, label: data.labelVenue }
  };
  var EDGE_STYLE = {
    infection: { color: "#c62828", size: 2.5, label: data.labelInfection },
    contact: { color: "#c9ced6", size: 0.6, label: data.labelContact },
    visit: { color: "#9cc3ef", size: 0.6, label: data.labelVisit }
  };

  function say(text) {
    status.textContent = text;
  }

  // "Nguyễn Văn Đức" -> "nguyen van duc": search without accents, as people type on phones.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
  }

  function urlFor(kind, key, ref) {
    if (kind === "case") return data.caseUrl.replace("{id}", ref);
    if (kind === "venue") return data.venueUrl.replace("{id}", ref);
    if (key.charAt(0) === "p") return data.personUrl.replace("{id}", ref);
    return null; // a visitor known by phone only has no page of their own
  }

  function drawLegend(counts) {
    legend.textContent = "";
    Object.keys(NODE_STYLE).forEach(function (kind) {
      var item = document.createElement("li");
      var dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = NODE_STYLE[kind].color;
      item.appendChild(dot);
      item.appendChild(document.createTextNode(NODE_STYLE[kind].label + ": " + (counts[kind] || 0).toLocaleString()));
      legend.appendChild(item);
    });
    Object.keys(EDGE_STYLE).forEach(function (kind) {
      var item = document.createElement("li");
      var line = document.createElement("span");
      line.className = "line";
      line.style.background = EDGE_STYLE[kind].color;
      item.appendChild(line);
      item.appendChild(document.createTextNode(EDGE_STYLE[kind].label));
      legend.appendChild(item);
    });
  }

  function build(payload) {
    var nodes = payload.nodes;
    var nodeKinds = payload.node_kinds;
    var edgeKinds = payload.edge_kinds;
    var graph = new graphology.Graph({ type: "directed", multi: false, allowSelfLoops: false });
    var keys = nodes.key;
    var searchable = new Array(keys.length);
    for (var i = 0; i < keys.length; i++) {
      var kind = nodeKinds[nodes.kind[i]];
      var style = NODE_STYLE[kind];
      var label = nodes.label[i] || (kind === "venue" ? data.labelUnnamedVenue : "");
      graph.addNode(keys[i], {
        x: nodes.x[i],
        y: nodes.y[i],
        size: style.size,
        color: style.color,
        label: label,
        kind: kind,
        url: urlFor(kind, keys[i], nodes.ref[i]),
        zIndex: kind === "case" ? 2 : kind === "venue" ? 1 : 0
      });
      searchable[i] = fold(label);
    }
    var edges = payload.edges;
    for (var e = 0; e < edges.length; e += 3) {
      var edgeKind = edgeKinds[edges[e + 2]];
      var edgeStyle = EDGE_STYLE[edgeKind];
      graph.mergeEdge(keys[edges[e]], keys[edges[e + 1]], {
        color: edgeStyle.color,
        size: edgeStyle.size,
        kind: edgeKind,
        zIndex: edgeKind === "infection" ? 1 : 0
      });
    }
    return { graph: graph, searchable: searchable, keys: keys };
  }

  function start(payload) {
    if (!payload.nodes.key.length) {
      say(data.msgEmpty);
      return;
    }
    var built = build(payload);
    var graph = built.graph;
    var selected = null;
    var neighbours = new Set();
    var renderer;
    try {
      renderer = new Sigma(graph, canvas, {
        defaultEdgeType: "line",
        hideEdgesOnMove: graph.size > 20000,
        labelRenderedSizeThreshold: 6,
        labelDensity: 0.5,
        zIndex: true,
        minCameraRatio: 0.002,
        maxCameraRatio: 4,
        nodeReducer: function (node, attributes) {
          if (selected === null) return attributes;
          if (node === selected || neighbours.has(node)) {
            return Object.assign({}, attributes, { highlighted: node === selected, forceLabel: true, zIndex: 3 });
          }
          return Object.assign({}, attributes, { color: "#e3e6ea", label: "" });
        },
        edgeReducer: function (edge, attributes) {
          if (selected === null) return attributes;
          var ends = graph.extremities(edge);
          if (ends[0] === selected || ends[1] === selected) return attributes;
          return Object.assign({}, attributes, { hidden: true });
        }
      });
    } catch (error) {
      say(data.msgWebgl);
      root.dataset.state = "error";
      return;
    }
    var camera = renderer.getCamera();

    function select(node, move) {
      selected = node;
      neighbours = new Set(node === null ? [] : graph.neighbors(node));
      renderer.refresh({ skipIndexation: true });
      if (node !== null && move) {
        var position = renderer.getNodeDisplayData(node);
        camera.animate({ x: position.x, y: position.y, ratio: Math.min(camera.ratio, 0.08) }, { duration: 400 });
      }
    }

    renderer.on("clickNode", function (event) {
      var url = graph.getNodeAttribute(event.node, "url");
      if (url) window.location.assign(url);
      else select(event.node, false);
    });
    renderer.on("clickStage", function () {
      select(null, false);
    });
    renderer.on("enterNode", function (event) {
      canvas.style.cursor = graph.getNodeAttribute(event.node, "url") ? "pointer" : "default";
    });
    renderer.on("leaveNode", function () {
      canvas.style.cursor = "";
    });

    document.getElementById("chain-zoom-in").addEventListener("click", function () {
      camera.animatedZoom({ duration: 250 });
    });
    document.getElementById("chain-zoom-out").addEventListener("click", function () {
      camera.animatedUnzoom({ duration: 250 });
    });
    document.getElementById("chain-zoom-reset").addEventListener("click", function () {
      select(null, false);
      camera.animatedReset({ duration: 250 });
    });

    var pending = null;
    input.addEventListener("input", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(search, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var first = results.querySelector("button");
        if (first) first.click();
      } else if (event.key === "Escape") {
        results.hidden = true;
      }
    });

    function search() {
      var wanted = fold(input.value.trim());
      results.textContent = "";
      if (wanted.length < 2) {
        results.hidden = true;
        return;
      }
      var found = 0;
      for (var i = 0; i < built.searchable.length && found < 20; i++) {
        if (built.searchable[i].indexOf(wanted) === -1) continue;
        found += 1;
        var key = built.keys[i];
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.dataset.node = key;
        button.textContent = graph.getNodeAttribute(key, "label");
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = NODE_STYLE[graph.getNodeAttribute(key, "kind")].label;
        button.appendChild(kind);
        button.addEventListener("click", function () {
          results.hidden = true;
          select(this.dataset.node, true);
        });
        item.appendChild(button);
        results.appendChild(item);
      }
      if (!found) {
        var none = document.createElement("li");
        none.className = "muted small";
        none.textContent = data.msgNoMatch;
        results.appendChild(none);
      }
      results.hidden = false;
    }

    drawLegend(payload.counts);
    var summary = payload.cluster.code + " · " + graph.order.toLocaleString() + " / " + graph.size.toLocaleString();
    say(payload.truncated ? summary + " · " + data.msgTruncated : summary);
    root.dataset.state = "ready";
    root.dataset.nodes = String(graph.order);
    root.dataset.edges = String(graph.size);
  }

  fetch(data.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(start)
    .catch(function () {
      say(data.msgError);
      root.dataset.state = "error";
    });
})();

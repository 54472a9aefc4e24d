/* PhòngDịch map: the province's own geometry (no tile server), layers loaded as GeoJSON from the server,
   a layer switch, a legend, popups; on the zone form, picking communes by clicking their circles and a
   click-to-add-vertices polygon tool that fills the hidden GeoJSON field. Every text comes translated from
   the server (config.text); popups are built with textContent, never HTML from data. */
(function () {
  "use strict";

  var ORDER = ["levels", "cases", "zones", "facilities", "sites", "venues"];
  var SHOWN_AT_START = { levels: true, cases: true, zones: true };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function row(box, label, value) {
    var line = el("div", "map-popup-row");
    line.appendChild(el("span", "map-popup-label", label + ": "));
    line.appendChild(el("strong", "", value));
    box.appendChild(line);
  }

  function link(box, href, text) {
    var a = el("a", "map-popup-link", text);
    a.href = href;
    box.appendChild(a);
  }

  function radiusFor(population) {
    // Area proportional to population: 4 px for a small commune, about 16 px for 50,000 people.
    return Math.max(4, Math.min(18, Math.sqrt(population || 0) / 14));
  }

  function caseRadius(weight) {
    return Math.max(5, Math.min(30, 4 + Math.sqrt(weight || 0) * 3));
  }

  function init(container, config, options) {
    options = options || {};
    var T = config.text;
    var map = L.map(container, { attributionControl: false, zoomControl: true, preferCanvas: false });
    map.setView([21.0, 107.3], 9);
    var groups = {};
    var loaded = {};
    var communeMarkers = {};
    var picked = new Set();
    var drawing = null;

    function levelLabel(level) {
      for (var i = 0; i < config.levels.length; i++) {
        if (config.levels[i].level === level) return config.levels[i].label;
      }
      return T.not_assessed;
    }

    function communePopup(p) {
      var box = el("div", "map-popup");
      box.appendChild(el("h3", "", p.name));
      if (p.district_name) box.appendChild(el("div", "muted", p.district_name));
      row(box, T.level, p.level ? levelLabel(p.level) : T.not_assessed);
      if (p.explanation) box.appendChild(el("p", "map-popup-explanation", p.explanation));
      row(box, T.cases_7d, p.cases_7d);
      row(box, T.population, (p.population || 0).toLocaleString());
      if (config.dashboard_url) {
        link(box, config.dashboard_url + "?unit=" + encodeURIComponent(p.code), T.dashboard);
        if (p.district_code) {
          box.appendChild(document.createTextNode(" · "));
          link(box, config.dashboard_url + "?unit=" + encodeURIComponent(p.district_code), T.district_dashboard + " " + p.district_name);
        }
      }
      if (config.zone_url && p.zones && p.zones.length) {
        p.zones.forEach(function (id) {
          box.appendChild(el("br"));
          link(box, config.zone_url + id + "/", T.zone + " #" + id);
        });
      }
      return box;
    }

    function markPicked(code) {
      var marker = communeMarkers[code];
      if (!marker) return;
      var on = picked.has(code);
      marker.setStyle({ weight: on ? 4 : 1, color: on ? "#1a237e" : "#37474f", dashArray: on ? "" : null });
    }

    function togglePick(code) {
      if (!options.pick) return;
      var optionEl = options.pick.querySelector('option[value="' + CSS.escape(code) + '"]');
      if (!optionEl) return;
      optionEl.selected = !optionEl.selected;
      if (optionEl.selected) picked.add(code); else picked.delete(code);
      markPicked(code);
    }

    var builders = {
      levels: function (data) {
        return L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: radiusFor(feature.properties.population) });
          },
          style: function (feature) {
            var p = feature.properties;
            if (p.kind === "district") {
              return { color: "#263238", weight: 2, fill: false, className: "map-district" };
            }
            return { color: "#37474f", weight: 1, fillColor: p.color, fillOpacity: 0.85, className: "map-commune map-level-" + (p.level || 0) };
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            if (p.kind === "district") {
              var box = el("div", "map-popup");
              box.appendChild(el("h3", "", p.name));
              if (config.dashboard_url) link(box, config.dashboard_url + "?unit=" + encodeURIComponent(p.code), T.dashboard);
              layer.bindPopup(box);
              return;
            }
            communeMarkers[p.code] = layer;
            layer.feature.properties = p;
            if (options.pick) {
              layer.on("click", function (event) {
                // While drawing, the click reaches the map too (Leaflet propagates it), which adds the corner.
                if (drawing) return;
                togglePick(p.code);
              });
              layer.bindTooltip(p.name);
            } else {
              layer.bindPopup(function () { return communePopup(p); });
            }
          },
        });
      },
      cases: function (data) {
        return L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, {
              radius: caseRadius(feature.properties.weight), color: "#b71c1c", weight: 2,
              fillColor: "#e53935", fillOpacity: 0.35, className: "map-cases", interactive: !options.pick,
            });
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            var box = el("div", "map-popup");
            box.appendChild(el("h3", "", p.name));
            row(box, T.cases_7d, p.cases_7d);
            row(box, T.new_7d, p.new_7d);
            row(box, T.active, p.active);
            layer.bindPopup(box);
          },
        });
      },
      zones: function (data) {
        return L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 14, className: "map-zone" });
          },
          style: function (feature) {
            var active = feature.properties.active;
            return {
              color: active ? "#6a1b9a" : "#9e9e9e", weight: 3, dashArray: "6 4", fill: true,
              fillColor: active ? "#6a1b9a" : "#9e9e9e", fillOpacity: 0.12, className: "map-zone",
              interactive: !options.pick,
            };
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            var box = el("div", "map-popup");
            box.appendChild(el("h3", "", p.name));
            row(box, T.since, new Date(p.starts_at).toLocaleString());
            if (p.ends_at) row(box, p.active ? T.until : T.ended, new Date(p.ends_at).toLocaleString());
            row(box, T.communes, (p.commune_names || []).join(", "));
            if (config.zone_url) link(box, config.zone_url + p.id + "/", T.zone + " #" + p.id);
            layer.bindPopup(box);
          },
        });
      },
      facilities: function (data) {
        return L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var p = feature.properties;
            var full = p.beds && p.occupied >= p.beds;
            return L.circleMarker(latlng, {
              radius: 7, color: "#0d47a1", weight: 2, fillColor: full ? "#ef5350" : "#42a5f5", fillOpacity: 0.9,
              className: "map-facility",
            });
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            var box = el("div", "map-popup");
            box.appendChild(el("h3", "", p.name));
            box.appendChild(el("div", "muted", p.commune));
            row(box, T.beds, p.beds);
            row(box, T.occupied, p.occupied);
            layer.bindPopup(box);
          },
        });
      },
      sites: function (data) {
        return L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, {
              radius: 6, color: "#1b5e20", weight: 2, fillColor: "#a5d6a7", fillOpacity: 0.9, className: "map-site",
            });
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            var box = el("div", "map-popup");
            box.appendChild(el("h3", "", p.name));
            box.appendChild(el("div", "muted", [p.address, p.commune].filter(Boolean).join(", ")));
            layer.bindPopup(box);
          },
        });
      },
      venues: function (data) {
        return L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, {
              radius: 5 + Math.min(8, feature.properties.cases), color: "#e65100", weight: 2,
              fillColor: "#ffb74d", fillOpacity: 0.9, className: "map-venue",
            });
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            var box = el("div", "map-popup");
            box.appendChild(el("h3", "", p.name));
            row(box, T.cases_linked, p.cases);
            layer.bindPopup(box);
          },
        });
      },
    };

    function load(name) {
      if (loaded[name]) return loaded[name];
      container.setAttribute("data-loading", name);
      loaded[name] = fetch(config.layers[name], { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          var built = builders[name](data);
          built.eachLayer(function (layer) { groups[name].addLayer(layer); });
          container.setAttribute("data-loaded-" + name, String(data.features.length));
          if (name === "levels") {
            var bounds = built.getBounds();
            if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], animate: false });
            picked.forEach(markPicked);
          }
          return built;
        })
        .catch(function () {
          container.setAttribute("data-error", name);
          var box = document.getElementById("map-status");
          if (box) box.textContent = T.failed;
        });
      return loaded[name];
    }

    var overlays = {};
    ORDER.forEach(function (name) {
      if (!config.layers[name]) return;
      if (options.pick && name !== "levels" && name !== "zones") return;
      groups[name] = L.featureGroup();
      overlays[T[name]] = groups[name];
      if (SHOWN_AT_START[name]) {
        groups[name].addTo(map);
        load(name);
      }
    });
    var control = L.control.layers(null, overlays, { collapsed: window.innerWidth < 640 }).addTo(map);
    control.getContainer().classList.add("map-layer-switch");
    map.on("overlayadd", function (event) {
      ORDER.forEach(function (name) {
        if (groups[name] === event.layer) load(name);
      });
    });

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "map-legend");
      box.appendChild(el("strong", "", T.legend));
      config.levels.concat([{ level: 0, color: config.not_assessed_color, label: T.not_assessed }]).forEach(function (item) {
        var line = el("div", "map-legend-row");
        var swatch = el("span", "map-legend-swatch");
        swatch.style.background = item.color;
        line.appendChild(swatch);
        line.appendChild(el("span", "", item.label));
        box.appendChild(line);
      });
      return box;
    };
    legend.addTo(map);

    if (options.pick) {
      Array.prototype.forEach.call(options.pick.options, function (optionEl) {
        if (optionEl.selected) picked.add(optionEl.value);
      });
      options.pick.addEventListener("change", function () {
        var before = new Set(picked);
        picked.clear();
        Array.prototype.forEach.call(options.pick.options, function (optionEl) {
          if (optionEl.selected) picked.add(optionEl.value);
        });
        before.forEach(markPicked);
        picked.forEach(markPicked);
      });
    }
    if (options.draw) setUpDrawing(map, options.draw, options.controls, function (tool) { drawing = tool; });
    return map;
  }

  /* The polygon tool: "Draw" starts it; each click on the map adds a corner; "Finish" closes the ring (three
     corners at least) and writes a GeoJSON Polygon into the hidden field; "Clear" removes the area. */
  function setUpDrawing(map, field, controls, setActive) {
    var shape = null;
    var corners = [];
    var preview = null;
    var drawButton = controls.draw, finishButton = controls.finish, clearButton = controls.clear;

    function showSaved() {
      if (shape) { map.removeLayer(shape); shape = null; }
      if (!field.value) return;
      try {
        var geometry = JSON.parse(field.value);
        shape = L.geoJSON(geometry, { style: { color: "#6a1b9a", weight: 3, fillOpacity: 0.15, className: "map-drawn" }, interactive: false }).addTo(map);
      } catch (error) { /* the server reports a bad value on the form */ }
    }

    function stop() {
      if (preview) { map.removeLayer(preview); preview = null; }
      corners = [];
      setActive(null);
      map.getContainer().classList.remove("map-drawing");
      finishButton.disabled = true;
      drawButton.disabled = false;
    }

    var tool = {
      add: function (latlng) {
        corners.push([latlng.lng, latlng.lat]);
        var points = corners.map(function (c) { return [c[1], c[0]]; });
        if (preview) preview.setLatLngs(points);
        else preview = L.polygon(points, { color: "#6a1b9a", dashArray: "4 4", weight: 2, className: "map-drawing-preview", interactive: false }).addTo(map);
        finishButton.disabled = corners.length < 3;
        map.getContainer().setAttribute("data-corners", String(corners.length));
      },
    };

    map.on("click", function (event) {
      if (map.getContainer().classList.contains("map-drawing")) tool.add(event.latlng);
    });
    drawButton.addEventListener("click", function () {
      stop();
      map.getContainer().classList.add("map-drawing");
      setActive(tool);
      drawButton.disabled = true;
    });
    finishButton.addEventListener("click", function () {
      if (corners.length < 3) return;
      var ring = corners.concat([corners[0]]);
      field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      stop();
      showSaved();
    });
    clearButton.addEventListener("click", function () {
      field.value = "";
      stop();
      showSaved();
    });
    finishButton.disabled = true;
    showSaved();
  }

  window.PhongDichMap = { init: init };

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("map");
    var configNode = document.getElementById("map-config");
    if (!container || !configNode) return;
    var config = JSON.parse(configNode.textContent);
    var options = {};
    var pick = document.getElementById("id_units");
    var area = document.getElementById("id_area");
    if (container.hasAttribute("data-zone-form") && pick && area) {
      options = {
        pick: pick,
        draw: area,
        controls: {
          draw: document.getElementById("draw-start"),
          finish: document.getElementById("draw-finish"),
          clear: document.getElementById("draw-clear"),
        },
      };
    }
    window.phongdichMap = init(container, config, options);
  });
})();

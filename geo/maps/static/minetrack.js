/* minetrack map runtime: canvas point layers, legend, filters, search, URL hash.
 *
 * Data arrive as JSON (never as HTML); every string from data is put in the page
 * with textContent or as an http(s) href, so nothing in the data can run.
 * Requires Leaflet (inlined by the page).
 */
(function () {
  "use strict";
  var MT = (window.minetrack = window.minetrack || {});

  /* Base64 to bytes: the engine's own decoder where it has one, else atob. */
  function bytes(b64) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(b64);
    var bin = atob(b64), n = bin.length, u8 = new Uint8Array(n);
    for (var i = 0; i < n; i++) u8[i] = bin.charCodeAt(i);
    return u8;
  }

  function decode(b64, Type) {
    var u8 = bytes(b64);
    return new Type(u8.buffer, u8.byteOffset, u8.byteLength / Type.BYTES_PER_ELEMENT);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\/[^\s]+$/i.test(url.trim()) ? url.trim() : null;
  }

  /* The one popup builder: a title, (label, value) rows with empty values left out,
   * and the sources as a numbered list ([publisher, title, url, year] each). */
  function popupBox(title, pairs, value, refs) {
    var box = el("div", "mt-popup"), table = el("table");
    box.appendChild(el("h3", null, title || ""));
    (pairs || []).forEach(function (pair) {
      var v = value(pair[1]);
      if (v === null || v === undefined || v === "") return;
      var tr = el("tr");
      tr.appendChild(el("th", null, pair[0]));
      tr.appendChild(el("td", null, v));
      table.appendChild(tr);
    });
    box.appendChild(table);
    if (refs && refs.length) {
      box.appendChild(el("p", "mt-src-h", "Sources"));
      var ol = el("ol");
      refs.forEach(function (r) {
        var li = el("li");
        li.appendChild(document.createTextNode(r[0] + ", "));
        var href = safeHref(r[2]);
        var t = href ? el("a", null, r[1]) : el("span", null, r[1]);
        if (href) {
          t.href = href;
          t.target = "_blank";
          t.rel = "noopener noreferrer";
        }
        li.appendChild(t);
        li.appendChild(document.createTextNode(" (" + r[3] + ")"));
        ol.appendChild(li);
      });
      box.appendChild(ol);
    }
    return box;
  }

  /* ---- Large point layers: columnar decoding, pixel stamping, a grid for hit tests ----
   * First paint is linear in the number of points: one pass decodes and projects the
   * columns into typed arrays (no object per point), one pass stamps pre-rendered
   * circles into an ImageData buffer (a point landing on a device pixel where the
   * same circle was already centred is skipped, so a dense layer costs no more than
   * its distinct pixels), and the hit-test grid is built only when first needed. */

  // Web Mercator at zoom 0, 256 px world: the projection Leaflet's default CRS uses.
  /* Coordinates (24-bit codes on a fixed global grid, see _encode.py) into lon/lat and
   * zoom-0 Web Mercator pixels. */
  function decodePoints(layer, spec) {
    var n = spec.n, c = spec.coords, a = bytes(c.lon), b = bytes(c.lat);
    var max = Math.pow(2, c.bits) - 1, rad = Math.PI / 180, lim = 85.0511;
    var lon = (layer.lon = new Float64Array(n)), lat = (layer.lat = new Float64Array(n));
    var px = (layer.px = new Float64Array(n)), py = (layer.py = new Float64Array(n));
    for (var i = 0, j = 0; i < n; i++, j += 3) {
      var x = ((a[j] | (a[j + 1] << 8) | (a[j + 2] << 16)) / max) * 360 - 180;
      var y = ((b[j] | (b[j + 1] << 8) | (b[j + 2] << 16)) / max) * 180 - 90;
      lon[i] = x;
      lat[i] = y;
      var s = Math.sin(Math.max(-lim, Math.min(lim, y)) * rad);
      px[i] = ((x + 180) / 360) * 256;
      py[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256;
    }
  }

  /* Dictionary-coded text fields ({values, codes, width}) stay coded; spec.fields[name]
   * becomes a getter that expands the plain list only if some code asks for it. */
  function decodeFields(spec) {
    var fields = spec.fields || {}, coded = Object.create(null);
    Object.keys(fields).forEach(function (name) {
      var f = fields[name];
      if (Array.isArray(f)) return;
      var Type = f.width === 4 ? Uint32Array : f.width === 2 ? Uint16Array : Uint8Array;
      var col = (coded[name] = { values: f.values, codes: decode(f.codes, Type) }), list = null;
      Object.defineProperty(fields, name, {
        enumerable: true,
        get: function () {
          if (!list) {
            list = new Array(col.codes.length);
            for (var i = 0; i < list.length; i++) list[i] = col.values[col.codes[i]];
          }
          return list;
        },
      });
    });
    return coded;
  }

  /* A circle (fill at 0.85 opacity, dark outline) rendered once per colour and radius at
   * the device pixel ratio, kept as premultiplied RGBA with pixel offsets. */
  function circleSprite(color, r, ratio, width) {
    var rr = r * ratio, half = Math.ceil(rr + ratio) + 1, size = 2 * half + 1;
    var cv = document.createElement("canvas");
    cv.width = cv.height = size;
    var g = cv.getContext("2d");
    g.beginPath();
    g.arc(half + 0.5, half + 0.5, rr, 0, 2 * Math.PI);
    g.globalAlpha = 0.85;
    g.fillStyle = color;
    g.fill();
    g.globalAlpha = 1;
    g.lineWidth = ratio;
    g.strokeStyle = "rgba(30,30,30,0.9)";
    g.stroke();
    var d = g.getImageData(0, 0, size, size).data, dx = [], dy = [], rgba = [];
    for (var p = 0; p < size * size; p++) {
      var al = d[4 * p + 3];
      if (!al) continue;
      dx.push((p % size) - half);
      dy.push(Math.floor(p / size) - half);
      rgba.push((d[4 * p] * al + 127) / 255, (d[4 * p + 1] * al + 127) / 255, (d[4 * p + 2] * al + 127) / 255, al);
    }
    var off = new Int32Array(dx.length);
    for (var k = 0; k < dx.length; k++) off[k] = dy[k] * width + dx[k];
    return { half: half, dx: new Int16Array(dx), dy: new Int16Array(dy), off: off, rgba: new Uint8Array(rgba) };
  }

  /* Source-over of a sprite centred on device pixel (X, Y) into premultiplied RGBA. */
  function stamp(buf, W, H, sp, X, Y) {
    var rgba = sp.rgba, m = sp.off.length, j, q, ia;
    if (X - sp.half >= 0 && Y - sp.half >= 0 && X + sp.half < W && Y + sp.half < H) {
      var base = Y * W + X, off = sp.off;
      for (j = 0; j < m; j++) {
        q = (base + off[j]) << 2;
        ia = 255 - rgba[4 * j + 3];
        buf[q] = rgba[4 * j] + ((buf[q] * ia + 128) * 257 >> 16);
        buf[q + 1] = rgba[4 * j + 1] + ((buf[q + 1] * ia + 128) * 257 >> 16);
        buf[q + 2] = rgba[4 * j + 2] + ((buf[q + 2] * ia + 128) * 257 >> 16);
        buf[q + 3] = rgba[4 * j + 3] + ((buf[q + 3] * ia + 128) * 257 >> 16);
      }
      return;
    }
    for (j = 0; j < m; j++) {  // near an edge: clip pixel by pixel
      var x = X + sp.dx[j], y = Y + sp.dy[j];
      if (x < 0 || y < 0 || x >= W || y >= H) continue;
      q = (y * W + x) << 2;
      ia = 255 - rgba[4 * j + 3];
      for (var ch = 0; ch < 4; ch++) buf[q + ch] = rgba[4 * j + ch] + ((buf[q + ch] * ia + 128) * 257 >> 16);
    }
  }

  /* Draw a layer's visible points on its canvas; returns how many points were drawn and
   * leaves their screen positions (one entry per world copy) for the hit-test grid. */
  function drawPoints(layer, canvas, size, ratio, scale, ox, oy) {
    var W = canvas.width, H = canvas.height, ctx = canvas.getContext("2d");
    var img = ctx.createImageData(W, H), buf = img.data, last = new Uint32Array(W * H);
    var n = layer.n, world = 256 * scale, pad = 20, r0 = layer.r0, radius = layer.radius;
    var colorIdx = layer.colorIdx, visible = layer.visible, px = layer.px, py = layer.py;
    var sprites = [], m = 0, drawn = 0;
    var hi = layer._hitI, hx = layer._hitX, hy = layer._hitY;
    if (!hi || hi.length < n) {
      hi = layer._hitI = new Int32Array(n);
      hx = layer._hitX = new Float32Array(n);
      hy = layer._hitY = new Float32Array(n);
    }
    for (var i = 0; i < n; i++) {
      if (!visible[i]) continue;
      var y = py[i] * scale - oy;
      if (y < -pad || y > size.y + pad) continue;
      var x0 = px[i] * scale - ox;
      // Draw every world copy in view (the map can pan across the antimeridian).
      var k0 = Math.ceil((-pad - x0) / world), k1 = Math.floor((size.x + pad - x0) / world);
      if (k1 < k0) continue;
      var ci = colorIdx ? colorIdx[i] : 0, r = radius ? radius[i] : r0;
      var key = ci * 1024 + Math.round(r * 4) + 1, sp = sprites[key];
      if (!sp) sp = sprites[key] = circleSprite(layer.colors[ci] || "#6a3d9a", r, ratio, W);
      drawn++;
      for (var k = k0; k <= k1; k++) {
        var x = x0 + k * world;
        if (m === hi.length) {
          hi = layer._hitI = growI(hi);
          hx = layer._hitX = growF(hx);
          hy = layer._hitY = growF(hy);
        }
        hi[m] = i;
        hx[m] = x;
        hy[m++] = y;
        var X = Math.floor(x * ratio), Y = Math.floor(y * ratio), inside = X >= 0 && Y >= 0 && X < W && Y < H;
        if (inside) {
          if (last[Y * W + X] === key) continue;  // the same circle is already centred here
          last[Y * W + X] = key;
        }
        stamp(buf, W, H, sp, X, Y);
      }
    }
    for (var q = 0; q < buf.length; q += 4) {  // premultiplied to straight alpha
      var al = buf[q + 3];
      if (al && al < 255) {
        buf[q] = (buf[q] * 255) / al;
        buf[q + 1] = (buf[q + 1] * 255) / al;
        buf[q + 2] = (buf[q + 2] * 255) / al;
      }
    }
    ctx.putImageData(img, 0, 0);
    layer._nHits = m;
    return drawn;
  }

  function growI(a) {
    var b = new Int32Array(a.length * 2 + 16);
    b.set(a);
    return b;
  }

  function growF(a) {
    var b = new Float32Array(a.length * 2 + 16);
    b.set(a);
    return b;
  }

  var HIT_CELL = 24, HIT_PAD = 40;

  /* Drawn points bucketed by screen cell (a counting sort: start offsets per cell and
   * the drawn entries in cell order). */
  function hitGrid(layer, size) {
    var m = layer._nHits || 0, cols = Math.ceil((size.x + 2 * HIT_PAD) / HIT_CELL) + 1;
    var rows = Math.ceil((size.y + 2 * HIT_PAD) / HIT_CELL) + 1, cells = cols * rows;
    var start = new Int32Array(cells + 1), cellOf = new Int32Array(m), order = new Int32Array(m);
    for (var j = 0; j < m; j++) {
      var cx = Math.min(cols - 1, Math.max(0, Math.floor((layer._hitX[j] + HIT_PAD) / HIT_CELL)));
      var cy = Math.min(rows - 1, Math.max(0, Math.floor((layer._hitY[j] + HIT_PAD) / HIT_CELL)));
      cellOf[j] = cy * cols + cx;
      start[cellOf[j] + 1]++;
    }
    for (var c = 0; c < cells; c++) start[c + 1] += start[c];
    var fill = start.slice(0, cells);
    for (j = 0; j < m; j++) order[fill[cellOf[j]]++] = j;
    return { cols: cols, rows: rows, start: start, order: order };
  }

  /* A layer of many points drawn on one canvas; hit-tested on a screen grid. */
  MT.PointLayer = L.Layer.extend({
    initialize: function (spec, app) {
      this.spec = spec;
      this.app = app;
      var n = (this.n = spec.n);
      decodePoints(this, spec);
      this.coded = decodeFields(spec);
      this.radius = typeof spec.radius === "string" ? decode(spec.radius, Uint8Array) : null;
      this.r0 = typeof spec.radius === "number" ? spec.radius : 5;
      this.colorIdx = spec.color_codes ? decode(spec.color_codes, Uint8Array) : null;
      this.colors = spec.colors || ["#6a3d9a"];
      this.visible = new Uint8Array(n).fill(1);
      var index = null;
      // Built on first use (a site in the URL hash): no string keys per point at load.
      Object.defineProperty(this, "index", {
        get: function () {
          if (!index) {
            index = Object.create(null);
            var ids = (spec.fields && spec.fields.id) || [];
            for (var k = 0; k < ids.length; k++) index[ids[k]] = k;
          }
          return index;
        },
      });
    },

    onAdd: function (map) {
      this._map = map;
      this._canvas = el("canvas", "mt-canvas leaflet-zoom-hide");
      map.getPane("mt-points").appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._redraw, this);
      map.on("click", this._onClick, this);
      map.on("mousemove", this._onMove, this);
      this.active = true;
      this._redraw();
      this.app.layerToggled(this, true);
    },

    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._redraw, this);
      map.off("click", this._onClick, this);
      map.off("mousemove", this._onMove, this);
      L.DomUtil.remove(this._canvas);
      if (this._tip) map.closeTooltip(this._tip);
      this.active = false;
      this.app.scheduleLabels();
      this.app.layerToggled(this, false);
    },

    _redraw: function () {
      var map = this._map;
      if (!map) return;
      var size = map.getSize(), ratio = window.devicePixelRatio || 1, c = this._canvas;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(c, topLeft);
      c.width = Math.max(1, Math.round(size.x * ratio));
      c.height = Math.max(1, Math.round(size.y * ratio));
      c.style.width = size.x + "px";
      c.style.height = size.y + "px";
      var scale = Math.pow(2, map.getZoom());
      var origin = map.getPixelOrigin(), pane = map._getMapPanePos();
      this._grid = null;  // rebuilt from the new positions on the next hit test
      this._size = size;
      this.drawn = drawPoints(this, c, size, ratio, scale, origin.x - pane.x, origin.y - pane.y);
      this.app.scheduleLabels();
    },

    _countVisible: function () {
      var c = 0;
      for (var i = 0; i < this.n; i++) c += this.visible[i];
      return c;
    },

    hit: function (containerPoint) {
      if (!this._size || !this._nHits) return -1;
      var g = this._grid || (this._grid = hitGrid(this, this._size));
      var best = -1, bestD = Infinity, x = containerPoint.x, y = containerPoint.y;
      var cx = Math.floor((x + HIT_PAD) / HIT_CELL), cy = Math.floor((y + HIT_PAD) / HIT_CELL);
      for (var gy = Math.max(0, cy - 1); gy <= Math.min(g.rows - 1, cy + 1); gy++)
        for (var gx = Math.max(0, cx - 1); gx <= Math.min(g.cols - 1, cx + 1); gx++) {
          var c = gy * g.cols + gx;
          for (var o = g.start[c]; o < g.start[c + 1]; o++) {
            var j = g.order[o], i = this._hitI[j];
            var d = Math.hypot(this._hitX[j] - x, this._hitY[j] - y);
            var r = (this.radius ? this.radius[i] : this.r0) + 3;
            if (d <= r && d <= bestD) {  // on a tie the later point, drawn on top, wins
              best = i;
              bestD = d;
            }
          }
        }
      return best;
    },

    _onClick: function (e) {
      var i = this.hit(e.containerPoint);
      if (i >= 0) this.openPopup(i);
    },

    _onMove: function (e) {
      var i = this.hit(e.containerPoint), map = this._map;
      map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
      if (i < 0 || !this.spec.fields || !this.spec.fields[this.spec.label]) {
        if (this._tip) map.closeTooltip(this._tip);
        return;
      }
      var name = el("span", null, this.field(this.spec.label, i));
      this._tip = (this._tip || L.tooltip({ direction: "top", offset: [0, -6] }))
        .setLatLng([this.lat[i], this.lon[i]])
        .setContent(name);
      map.openTooltip(this._tip);
    },

    field: function (name, i) {
      var coded = this.coded[name];
      if (coded) return coded.values[coded.codes[i]];
      var f = this.spec.fields && this.spec.fields[name];
      return f ? f[i] : null;
    },

    popupContent: function (i) {
      var self = this, spec = this.spec;
      var box = popupBox(this.field(spec.label, i), spec.popup, function (f) {
        return self.field(f, i);
      }, spec.refs && spec.refs[i]);
      var profile = this.field("profile", i);  // the site's page, written by minetrack build
      if (typeof profile === "string" && /^sites\/[A-Za-z0-9_-]+\.html$/.test(profile)) {
        var p = el("p", "mt-profile"), a = el("a", null, "Site profile");
        a.setAttribute("href", profile);
        p.appendChild(a);
        box.insertBefore(p, box.children[1] || null);
      }
      return box;
    },

    openPopup: function (i) {
      var map = this._map;
      if (!map) return;
      this.app.selected = { layer: this, i: i };
      L.popup({ maxWidth: 360, autoPanPadding: [20, 20] })
        .setLatLng([this.lat[i], this.lon[i]])
        .setContent(this.popupContent(i))
        .openOn(map);
      this.app.writeHash();
    },
  });

  /* Features drawn as SVG from GeoJSON (polygons under the points, lines above them);
   * ``_c`` is a feature's category index, ``_w`` a line's width. */
  function vectorLayer(spec, app, pane, style) {
    var colors = spec.colors;
    var layer = L.geoJSON(spec.geojson, {
      pane: pane,
      interactive: spec.interactive !== false,
      style: function (f) {
        return style(f, colors);
      },
      onEachFeature: function (f, lyr) {
        if (spec.label && f.properties[spec.label] !== undefined) {
          lyr.bindTooltip(el("span", null, f.properties[spec.label]), { sticky: true });
        }
        if (spec.popup && spec.popup.length) {
          lyr.bindPopup(function () {
            return popupBox(spec.label ? f.properties[spec.label] : "", spec.popup, function (k) {
              return f.properties[k];
            });
          });
        }
      },
    });
    layer.spec = spec;
    layer.colors = colors;
    layer.n = spec.geojson.features.length;
    layer.counts = new Array(colors.length).fill(0);
    spec.geojson.features.forEach(function (f) {
      layer.counts[f.properties._c]++;
    });
    return tracked(layer, app);
  }

  /* Keep ``active`` and the legend in step with the layer control. */
  function tracked(layer, app) {
    layer.on("add", function () {
      layer.active = true;
      app.layerToggled(layer, true);
    });
    layer.on("remove", function () {
      layer.active = false;
      app.layerToggled(layer, false);
    });
    return layer;
  }

  /* Polygons by category (countries by sphere, classes of a share). */
  MT.PolygonLayer = function (spec, app) {
    return vectorLayer(spec, app, "mt-polygons", function (f, colors) {
      return { color: "#555", weight: 0.6, fillColor: colors[f.properties._c], fillOpacity: 0.75 };
    });
  };

  /* Lines with a width per feature (import flows, rail). */
  MT.LineLayer = function (spec, app) {
    return vectorLayer(spec, app, "mt-lines", function (f, colors) {
      return { color: colors[f.properties._c], weight: f.properties._w, opacity: 0.75, dashArray: spec.dash || null };
    });
  };

  /* A raster as one image (a PNG data URI, already in Web Mercator) between its
   * bounds; its legend is the colour ramp, without counts. */
  MT.RasterLayer = function (spec, app) {
    var layer = L.imageOverlay(spec.image, spec.bounds, {
      pane: "mt-raster",
      opacity: spec.opacity === undefined ? 0.75 : spec.opacity,
      attribution: spec.attribution || "",
      interactive: false,
    });
    layer.spec = spec;
    layer.colors = spec.colors;
    layer.n = 1;
    layer.counts = spec.colors.map(function () {
      return 1;
    });
    return tracked(layer, app);
  };

  /* The drawing class of each runtime kind (the ``kind`` of a layer spec's JSON;
   * points when absent). Python's layer kinds name one of these. */
  MT.kinds = {
    points: function (spec, app) {
      return new MT.PointLayer(spec, app);
    },
    polygons: MT.PolygonLayer,
    lines: MT.LineLayer,
    raster: MT.RasterLayer,
  };

  /* The page: layers, legend, filters, search, hash, fullscreen, summary. */
  MT.App = function (map, config, controlLayers) {
    this.map = map;
    this.config = config;
    this.layers = [];
    this.filters = {}; // field -> set of unchecked values
    var self = this;
    this.polygons = [];
    // Above the basemap (overlay pane, 400) and below popups: polygons, then points.
    map.createPane("mt-raster").style.zIndex = 420;
    map.getPane("mt-raster").style.pointerEvents = "none";
    map.createPane("mt-polygons").style.zIndex = 450;
    map.createPane("mt-lines").style.zIndex = 470;
    map.createPane("mt-points").style.zIndex = 500;
    map.getPane("mt-points").style.pointerEvents = "none";
    config.layers.forEach(function (spec) {
      var kind = spec.kind || "points", make = MT.kinds[kind];
      if (!make) throw new Error("minetrack: no drawing class for layer kind " + kind);
      var layer = make(spec, self);
      (kind === "points" ? self.layers : self.polygons).push(layer);
      if (controlLayers) controlLayers.addOverlay(layer, spec.title);
    });
    this._legend();
    if (config.filters && config.filters.length) this._filterControl();
    if (config.search) this._searchControl();
    this._fullscreen();
    this.polygons.concat(this.layers).forEach(function (layer) {
      if (layer.spec.show !== false) layer.addTo(map);
    });
    this._readHash();
    map.on("moveend", this.writeHash, this);
    map.on("popupclose", function () {
      self.selected = null;
      self.writeHash();
    });
    this._updateCounts();
  };

  MT.App.prototype.layerToggled = function () {
    this._updateCounts();
  };

  MT.App.prototype._legend = function () {
    var self = this;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "mt-legend leaflet-control");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Legend");
        self.legendBox = box;
        return box;
      },
    });
    new Legend().addTo(this.map);
  };

  MT.App.prototype._filterControl = function () {
    var self = this;
    var Filters = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = el("details", "mt-filters leaflet-control");
        box.appendChild(el("summary", null, "Filters"));
        self.config.filters.forEach(function (f) {
          var fs = el("fieldset");
          fs.appendChild(el("legend", null, f.title));
          f.values.forEach(function (v) {
            var lab = el("label"), cb = el("input");
            cb.type = "checkbox";
            cb.checked = true;
            cb.value = v;
            cb.setAttribute("data-field", f.field);
            cb.addEventListener("change", function () {
              var off = (self.filters[f.field] = self.filters[f.field] || {});
              if (cb.checked) delete off[v];
              else off[v] = true;
              self.applyFilters();
            });
            lab.appendChild(cb);
            lab.appendChild(el("span", null, " " + v + " "));
            lab.appendChild(el("span", "mt-count"));
            lab.setAttribute("data-value", v);
            lab.setAttribute("data-field", f.field);
            fs.appendChild(lab);
          });
          box.appendChild(fs);
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.filterBox = box;
        return box;
      },
    });
    new Filters().addTo(this.map);
  };

  MT.App.prototype.applyFilters = function () {
    var filters = this.filters;
    this.layers.forEach(function (layer) {
      filterMask(layer, filters, layer.visible);
      if (layer.active) layer._redraw();
    });
    this._updateCounts();
  };

  /* Split a field's value ("a;b") into the values the filters and counts know. */
  function parts(v) {
    return String(v).split(";");
  }

  /* Which points pass the filters (field -> set of unchecked values): a point passes a
   * field if any of its values is checked. A dictionary-coded field is decided once per
   * distinct string, then per point by its code. */
  function filterMask(layer, filters, out) {
    var fields = layer.spec.fields || {}, tests = [];
    for (var f in filters) {
      var off = filters[f], coded = layer.coded && layer.coded[f];
      var pass = function (v) {
        var vals = parts(v);
        for (var k = 0; k < vals.length; k++) if (!off[vals[k]]) return true;
        return false;
      };
      if (coded) {
        var ok = new Uint8Array(coded.values.length);
        for (var c = 0; c < ok.length; c++) ok[c] = pass(coded.values[c]) ? 1 : 0;
        tests.push({ ok: ok, codes: coded.codes });
      } else if (fields[f]) {
        tests.push({ col: fields[f], pass: pass });
      }
    }
    for (var i = 0; i < layer.n; i++) {
      var show = 1;
      for (var t = 0; t < tests.length && show; t++) {
        var T = tests[t];
        show = T.ok ? T.ok[T.codes[i]] : T.pass(T.col[i]) ? 1 : 0;
      }
      out[i] = show;
    }
    return out;
  }

  /* Visible points per value of a field (a point with "a;b" counts for both). */
  function valueCounts(layer, f) {
    var counts = Object.create(null), coded = layer.coded && layer.coded[f], i, k, vals;
    if (coded) {
      var byCode = new Float64Array(coded.values.length);
      for (i = 0; i < layer.n; i++) if (layer.visible[i]) byCode[coded.codes[i]]++;
      for (var c = 0; c < byCode.length; c++) {
        if (!byCode[c]) continue;
        vals = parts(coded.values[c]);
        for (k = 0; k < vals.length; k++) counts[vals[k]] = (counts[vals[k]] || 0) + byCode[c];
      }
      return counts;
    }
    var col = layer.spec.fields && layer.spec.fields[f];
    if (!col) return null;
    for (i = 0; i < layer.n; i++) {
      if (!layer.visible[i]) continue;
      vals = parts(col[i]);
      for (k = 0; k < vals.length; k++) counts[vals[k]] = (counts[vals[k]] || 0) + 1;
    }
    return counts;
  }

  MT.App.prototype._updateCounts = function () {
    var self = this;
    if (!this.legendBox) return;
    var box = this.legendBox;
    while (box.firstChild) box.removeChild(box.firstChild);
    var any = false;
    this.layers.concat(this.polygons).forEach(function (layer) {
      if (!layer.active || layer.spec.legend === false) return;  // reference lines: no legend
      any = true;
      var spec = layer.spec, sec = el("div", "mt-legend-layer");
      sec.setAttribute("data-layer", spec.title);
      sec.appendChild(el("h2", null, spec.title));
      var counts = layer.counts;
      if (!counts) {
        counts = new Array(layer.colors.length).fill(0);
        for (var i = 0; i < layer.n; i++) if (layer.visible[i]) counts[layer.colorIdx ? layer.colorIdx[i] : 0]++;
      }
      (spec.categories || [spec.title]).forEach(function (cat, ci) {
        if (!counts[ci]) return;
        var row = el("div", "mt-legend-row");
        var sw = el("i");
        sw.style.background = layer.colors[ci];
        row.appendChild(sw);
        row.appendChild(el("span", null, spec.no_counts ? cat : cat + " (" + counts[ci] + ")"));
        row.setAttribute("data-category", cat);
        sec.appendChild(row);
      });
      if (spec.size_note) sec.appendChild(el("div", "mt-legend-note", spec.size_note));
      if (spec.size_refs && spec.size_refs.length) sec.appendChild(sizeLegend(spec.size_refs));
      box.appendChild(sec);
    });
    box.style.display = any ? "" : "none";
    if (this.filterBox) {
      var labels = this.filterBox.querySelectorAll("label[data-field]"), tally = {};
      for (var j = 0; j < labels.length; j++) {
        var lab = labels[j], f = lab.getAttribute("data-field"), v = lab.getAttribute("data-value"), n = 0;
        self.layers.forEach(function (layer, li) {
          if (!layer.active) return;
          var counts = (tally[li + ":" + f] = tally[li + ":" + f] || valueCounts(layer, f) || {});
          n += counts[v] || 0;
        });
        lab.querySelector(".mt-count").textContent = "(" + n + ")";
      }
    }
  };

  /* ---- Labels of the largest sites, placed anew for each view with no overlaps ----
   * Candidates are the visible points of layers whose spec asks for labels, largest
   * circle first; each takes the first of four places around its point (right, left,
   * above, below) that stays inside the map, off the map's controls, off every point
   * circle and off every label placed before it, until the view's budget (more labels
   * as one zooms in) is spent. A grid of boxes keeps each test local. */
  var LABEL_FONT = "600 11px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var LABEL_H = 14, LABEL_CELL = 64, LABEL_MAX_CANDIDATES = 600, LABEL_MAX_POINTS = 5000;

  MT.App.prototype.scheduleLabels = function () {
    var self = this;
    if (this._labelsDue) return;
    this._labelsDue = true;
    // Once after all the layers that redraw for one map event have done so.
    Promise.resolve().then(function () {
      self._labelsDue = false;
      self.placeLabels();
    });
  };

  function labelCandidates(app) {
    var out = [];
    app.layers.forEach(function (layer, li) {
      if (!layer.active || !layer.spec.labels || layer.n > LABEL_MAX_POINTS) return;
      for (var i = 0; i < layer.n; i++) {
        if (!layer.visible[i]) continue;
        var text = layer.field(layer.spec.label, i);
        if (text) out.push({ layer: layer, li: li, i: i, r: layer.radius ? layer.radius[i] : layer.r0, text: String(text) });
      }
    });
    out.sort(function (a, b) {
      return b.r - a.r || a.li - b.li || a.i - b.i;
    });
    return out.slice(0, LABEL_MAX_CANDIDATES);
  }

  function boxesOverlap(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }

  MT.App.prototype.placeLabels = function () {
    var map = this.map, size = map.getSize(), ratio = window.devicePixelRatio || 1;
    var wanted = this.layers.some(function (layer) {
      return layer.active && layer.spec.labels;
    });
    if (!wanted) {  // nothing to label: no canvas, no layout read
      if (this._labelCanvas) this._labelCanvas.width = 0;
      this.labels = [];
      return;
    }
    if (!this._labelCanvas) {
      if (!map.getPane("mt-labels")) {
        map.createPane("mt-labels").style.zIndex = 550;
        map.getPane("mt-labels").style.pointerEvents = "none";
      }
      this._labelCanvas = el("canvas", "mt-canvas mt-labels leaflet-zoom-hide");
      map.getPane("mt-labels").appendChild(this._labelCanvas);
      this._textWidth = Object.create(null);
    }
    var c = this._labelCanvas, ctx = c.getContext("2d");
    L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
    c.width = Math.max(1, Math.round(size.x * ratio));
    c.height = Math.max(1, Math.round(size.y * ratio));
    c.style.width = size.x + "px";
    c.style.height = size.y + "px";
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = LABEL_FONT;
    // The map's own controls (zoom, search, legend, title...) are obstacles too.
    var box = map.getContainer().getBoundingClientRect(), blocked = [], placed = [], grid = {};
    var controls = map.getContainer().querySelectorAll(".leaflet-control, .mt-title > div");
    for (var k = 0; k < controls.length; k++) {
      var r = controls[k].getBoundingClientRect();
      if (r.width && r.height) blocked.push({ x: r.left - box.left, y: r.top - box.top, w: r.width, h: r.height });
    }
    var widths = this._textWidth;
    function free(b) {
      if (b.x < 2 || b.y < 2 || b.x + b.w > size.x - 2 || b.y + b.h > size.y - 2) return false;
      for (var q = 0; q < blocked.length; q++) if (boxesOverlap(b, blocked[q])) return false;
      var gx0 = Math.floor(b.x / LABEL_CELL), gx1 = Math.floor((b.x + b.w) / LABEL_CELL);
      var gy0 = Math.floor(b.y / LABEL_CELL), gy1 = Math.floor((b.y + b.h) / LABEL_CELL);
      for (var gx = gx0; gx <= gx1; gx++)
        for (var gy = gy0; gy <= gy1; gy++) {
          var cell = grid[gx + ":" + gy];
          if (cell) for (var j = 0; j < cell.length; j++) if (boxesOverlap(b, placed[cell[j]])) return false;
        }
      return true;
    }
    function keep(b) {
      var gx0 = Math.floor(b.x / LABEL_CELL), gx1 = Math.floor((b.x + b.w) / LABEL_CELL);
      var gy0 = Math.floor(b.y / LABEL_CELL), gy1 = Math.floor((b.y + b.h) / LABEL_CELL);
      for (var gx = gx0; gx <= gx1; gx++)
        for (var gy = gy0; gy <= gy1; gy++) (grid[gx + ":" + gy] = grid[gx + ":" + gy] || []).push(placed.length);
      placed.push(b);
    }
    var cands = labelCandidates(this), spotsOf = [], circles = [];
    cands.forEach(function (cand, ci) {
      var p = map.latLngToContainerPoint([cand.layer.lat[cand.i], cand.layer.lon[cand.i]]);
      // Only points in view (or just off it) matter; far ones (even at infinity) do not.
      var near = p.x > -cand.r && p.y > -cand.r && p.x < size.x + cand.r && p.y < size.y + cand.r;
      spotsOf[ci] = near ? p : null;
      if (near) circles.push({ x: p.x - cand.r, y: p.y - cand.r, w: 2 * cand.r, h: 2 * cand.r });
    });
    // The circles go in the grid first, as boxes no label may cover.
    circles.forEach(function (b) {
      keep(b);
    });
    var nCircles = placed.length, budget = Math.min(40, 6 * Math.pow(2, Math.max(0, map.getZoom() - 1)));
    cands.forEach(function (cand, ci) {
      var layer = cand.layer, p = spotsOf[ci];
      if (placed.length - nCircles >= budget || !p) return;
      if (p.x < 0 || p.y < 0 || p.x > size.x || p.y > size.y) return;
      var w = (widths[cand.text] = widths[cand.text] || ctx.measureText(cand.text).width) + 6, h = LABEL_H;
      var gap = cand.r + 3, spots = [
        [p.x + gap, p.y - h / 2], [p.x - gap - w, p.y - h / 2], [p.x - w / 2, p.y - gap - h], [p.x - w / 2, p.y + gap],
      ];
      for (var s = 0; s < spots.length; s++) {
        var b = { x: spots[s][0], y: spots[s][1], w: w, h: h, text: cand.text, layer: layer.spec.title, i: cand.i };
        if (free(b)) {
          keep(b);
          return;
        }
      }
    });
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.fillStyle = "#1e1e1e";
    var labels = placed.slice(nCircles);
    labels.forEach(function (b) {
      ctx.strokeText(b.text, b.x + 3, b.y + b.h / 2);
      ctx.fillText(b.text, b.x + 3, b.y + b.h / 2);
    });
    this.labels = labels;  // container pixels, for tests and for the curious
  };

  /* Reference circles for a size legend, nested and bottom-aligned as on the map,
   * each with a leader line to its value: refs are [label, radius in px]. */
  function sizeLegend(refs) {
    var ns = "http://www.w3.org/2000/svg", rmax = 0, i;
    for (i = 0; i < refs.length; i++) rmax = Math.max(rmax, refs[i][1]);
    // Labels at least a line apart, even where two circles' tops are close.
    var x0 = rmax + 2, text = 2 * rmax + 16, base = 2 * rmax + 6, prev = -1, ys = [];
    for (i = 0; i < refs.length; i++) {
      var y = Math.max(base - 2 * refs[i][1] + 4, prev + 11);
      ys.push((prev = y));
    }
    var h = Math.max(base + 2, prev + 3), w = text + 60;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "mt-size-legend");
    svg.setAttribute("width", String(w));
    svg.setAttribute("height", String(h));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Circle sizes: " + refs.map(function (r) {
      return r[0];
    }).join(", "));
    function add(tag, attrs, content) {
      var e = document.createElementNS(ns, tag);
      for (var k in attrs) e.setAttribute(k, String(attrs[k]));
      if (content !== undefined) e.textContent = content;
      svg.appendChild(e);
      return e;
    }
    for (i = 0; i < refs.length; i++) {
      var r = refs[i][1], top = base - 2 * r;
      add("circle", { cx: x0, cy: base - r, r: r, fill: "none", stroke: "#444", "stroke-width": 1,
                      "data-radius": r });
      add("polyline", { points: [x0, top, text - 8, top, text - 3, ys[i] - 4].join(" "), fill: "none",
                        stroke: "#888", "stroke-width": 0.75 });
      add("text", { x: text, y: ys[i], "font-size": 10, fill: "#333" }, refs[i][0]);
    }
    return svg;
  }

  MT.App.prototype._searchControl = function () {
    var self = this;
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "mt-search leaflet-control");
        var input = el("input");
        input.type = "search";
        input.placeholder = "Find a site";
        input.setAttribute("aria-label", "Find a site by name");
        var list = el("datalist");
        list.id = "mt-site-names";
        input.setAttribute("list", list.id);
        var seen = {};
        self.layers.forEach(function (layer) {
          var names = layer.spec.fields && layer.spec.fields[layer.spec.label];
          (names || []).forEach(function (nm) {
            if (seen[nm]) return;
            seen[nm] = true;
            var o = el("option");
            o.value = nm;
            list.appendChild(o);
          });
        });
        input.addEventListener("change", function () {
          self.find(input.value);
        });
        box.appendChild(input);
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    new Search().addTo(this.map);
  };

  MT.App.prototype.find = function (name) {
    for (var l = 0; l < this.layers.length; l++) {
      var layer = this.layers[l], names = layer.spec.fields && layer.spec.fields[layer.spec.label];
      if (!names) continue;
      var i = names.indexOf(name);
      if (i < 0) continue;
      if (!layer.active) layer.addTo(this.map);
      layer.visible[i] = 1;
      this.map.setView([layer.lat[i], layer.lon[i]], Math.max(this.map.getZoom(), 7));
      layer._redraw();
      layer.openPopup(i);
      return true;
    }
    return false;
  };

  MT.App.prototype._fullscreen = function () {
    var map = this.map;
    var FS = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var b = el("button", "mt-fullscreen leaflet-bar");
        // An outline-square icon drawn as SVG: no icon font needed offline.
        var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
        svg.setAttribute("viewBox", "0 0 16 16");
        svg.setAttribute("width", "16");
        svg.setAttribute("height", "16");
        svg.setAttribute("aria-hidden", "true");
        var path = document.createElementNS(ns, "path");
        path.setAttribute("d", "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5");
        path.setAttribute("fill", "none");
        path.setAttribute("stroke", "#333");
        path.setAttribute("stroke-width", "2");
        svg.appendChild(path);
        b.appendChild(svg);
        b.type = "button";
        b.title = "Full screen";
        b.setAttribute("aria-label", "Toggle full screen");
        b.addEventListener("click", function (ev) {
          ev.stopPropagation();
          var c = map.getContainer();
          if (document.fullscreenElement) document.exitFullscreen();
          else if (c.requestFullscreen) c.requestFullscreen();
        });
        return b;
      },
    });
    new FS().addTo(map);
  };

  MT.App.prototype.writeHash = function () {
    if (this._readingHash) return;
    var c = this.map.getCenter(), z = this.map.getZoom();
    var h = "#map=" + z + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4);
    if (this.selected) {
      var id = this.selected.layer.field("id", this.selected.i);
      if (id) h += "&site=" + encodeURIComponent(id);
    }
    try {
      history.replaceState(null, "", h);
    } catch (e) {
      /* srcdoc or sandboxed frames may refuse; the map still works */
    }
  };

  MT.App.prototype._readHash = function () {
    // A hash the page did not write (hand-edited, truncated) is ignored part by part:
    // a value that does not decode is dropped, and keys are looked up as own properties
    // only ("constructor" is not a site).
    var h = (location.hash || "").replace(/^#/, ""), parts = Object.create(null);
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i <= 0) return;
      try {
        parts[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
      } catch (e) {
        /* malformed percent-encoding: leave this part out */
      }
    });
    this._readingHash = true;
    if (parts.map) {
      var m = parts.map.split("/").map(Number);
      if (m.length === 3 && m.every(isFinite)) this.map.setView([m[1], m[2]], m[0], { animate: false });
    }
    this._readingHash = false;
    if (parts.site) {
      for (var l = 0; l < this.layers.length; l++) {
        var layer = this.layers[l];
        var i = layer.index[parts.site]; // index has no prototype: "constructor" is not in it
        if (typeof i === "number") {
          if (!layer.active) layer.addTo(this.map);
          layer.openPopup(i);
          break;
        }
      }
    }
  };
})();

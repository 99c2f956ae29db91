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
      drawn++;  // every point the filters pass, on screen or not
      var y = py[i] * scale - oy;
      if (y < -pad || y > size.y + pad) continue;
      var x0 = px[i] * scale - ox;
      // One world: a point is drawn once, where its country is, never on a copy of
      // the world east or west (the countries are not copied either).
      if (x0 < -pad || x0 > size.x + pad) continue;
      var k0 = 0, k1 = 0;
      var ci = colorIdx ? colorIdx[i] : 0, r = radius ? radius[i] : r0;
      var key = ci * 1024 + Math.round(r * 4) + 1, sp = sprites[key];
      if (!sp) sp = sprites[key] = circleSprite(layer.colors[ci] || "#6a3d9a", r, ratio, W);
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

    openPopup: function (i, keepView) {
      var map = this._map;
      if (!map) return;
      this.app.selected = { layer: this, i: i };
      // A site reopened from the URL keeps the URL's view: no panning to fit the popup.
      L.popup({ maxWidth: 360, autoPanPadding: [20, 20], autoPan: !keepView })
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
      // Its attribution is one of the map's data credits (escaped there), not Leaflet HTML.
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
    this.all = []; // every layer in the order of config.layers: the indices of #layers=
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
      self.all.push(layer);
      if (controlLayers) controlLayers.addOverlay(layer, spec.title);
    });
    this._legend();
    if (config.filters && config.filters.length) this._filterControl();
    if (config.search) this._searchControl();
    this._fullscreen();
    this._credits();
    this.polygons.concat(this.layers).forEach(function (layer) {
      if (layer.spec.show !== false) layer.addTo(map);
    });
    if (controlLayers) {
      // The layer list opens above the filter panel and pushes it down: lay out again.
      ["expand", "collapse"].forEach(function (name) {
        var own = controlLayers[name];
        controlLayers[name] = function () {
          var out = own.apply(this, arguments);
          self._layout();
          return out;
        };
      });
    }
    this._defaultLayers = this._layerState();
    this._insets(controlLayers);
    if (!this._readHash() && config.view) this.setView(config.view);
    map.on("moveend", this.writeHash, this);
    map.on("popupclose", function () {
      self.selected = null;
      self.writeHash();
    });
    this._ready = true;
    this._updateCounts();
    var self2 = this;
    // Fonts and the layer control settle after the first frame: lay the panels out again.
    L.Util.requestAnimFrame(function () {
      self2._layout();
    });
  };

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* The data credits (geo/maps/credits.py) in the attribution line, so also in every
   * PNG. Leaflet puts attributions in as HTML: every credit is escaped first. */
  MT.App.prototype._credits = function () {
    var c = this.config.credits, ctl = this.map.attributionControl;
    if (!c || !ctl) return;
    var names = c.publishers || [], more = c.more || 0;
    // On a phone the line names the basemap's and the first data publisher only.
    if (MT.smallMap(this.map.getSize()) && names.length > 2) {
      more += names.length - 2;
      names = names.slice(0, 2);
    }
    var text = "Data: " + names.join(", ");
    if (more) text += ", and " + more + " more (sources in each popup)";
    (c.notes || []).forEach(function (n) {
      text += "; " + n;
    });
    ctl.addAttribution('<span class="mt-credits">' + escapeHtml(text) + "</span>");
  };

  /* A view as page.py writes it: bounds fitted to the screen, or a centre and zoom.
   * Never animated, so that nothing arrives late to move the map again. */
  MT.App.prototype.setView = function (v) {
    if (v.center) this.map.setView(v.center, v.zoom, { animate: false });
    else if (v.bounds) {
      var pad = v.padding || 0;
      this.map.fitBounds(v.bounds, { padding: [pad, pad], maxZoom: v.max_zoom, animate: false });
    }
  };

  MT.App.prototype.layerToggled = function () {
    this._updateCounts();
    this.writeHash();
  };

  MT.App.prototype._legend = function () {
    var self = this;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        // A disclosure like the filter panel: open on a large map, closed on a phone.
        var box = el("details", "mt-legend leaflet-control");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Legend");
        box.appendChild(el("summary", null, "Legend"));
        var body = el("div", "mt-legend-body");
        box.appendChild(body);
        var size = self.map.getSize();
        box.open = !MT.smallMap(size);
        box.addEventListener("toggle", function () {
          self._layout();
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        self.legendBox = box;
        self.legendBody = body;
        return box;
      },
    });
    new Legend().addTo(this.map);
    this.map.on("resize", this._layout, this);
  };

  /* Phones and small embeds open with the legend closed. */
  MT.smallMap = function (size) {
    return size.x < 600 || size.y < 420;
  };

  MT.PANEL_SHARE = 0.28; // of the map's area: the legend and filter panel together, at most

  /* Keep the legend (bottom right) and the filter panel (top right) apart and within
   * MT.PANEL_SHARE of the map: each is as tall as its content where that fits, else the
   * two share the free height of the right-hand column, and both scroll inside. */
  MT.App.prototype._layout = function () {
    var map = this.map, W = map.getSize().x, H = map.getSize().y;
    var leg = this.legendBox, body = this.legendBody, fil = this.filterBox;
    if (!W || !H || !leg) return;
    var maxW = Math.max(140, Math.min(300, Math.round(0.45 * W))) + "px";
    leg.style.maxWidth = maxW;
    body.style.maxHeight = "";
    if (fil) {
      fil.style.maxWidth = maxW;
      fil.style.maxHeight = "";
    }
    var top = map.getContainer().getBoundingClientRect().top, gap = 8;
    var legShown = leg.style.display !== "none";
    var legRect = leg.getBoundingClientRect();
    var legBottom = legShown ? legRect.bottom - top : H - 30;
    var legNeed = legShown ? legRect.height : 0;
    var legFixed = legShown ? legNeed - body.getBoundingClientRect().height : 0; // summary, padding
    if (!leg.open) legFixed = legNeed;
    var filOpen = fil && fil.open, filRect = fil ? fil.getBoundingClientRect() : null;
    var filTop = fil ? filRect.top - top : 10, filNeed = fil ? filRect.height : 0;
    var avail = Math.max(0, legBottom - filTop - gap);
    var legH = legNeed, filH = filNeed;
    if (legNeed + filNeed > avail) {
      if (!leg.open || !legShown) filH = avail - legNeed;
      else if (!filOpen) legH = avail - filNeed;
      else if (legNeed <= avail / 2) filH = avail - legNeed;
      else if (filNeed <= avail / 2) legH = avail - filNeed;
      else legH = filH = avail / 2;
    }
    // The area budget, shared in proportion (a scroll bar may widen a panel by ~16 px).
    var legW = legShown ? legRect.width + (legH < legNeed ? 16 : 0) : 0;
    var filW = fil ? filRect.width + (filH < filNeed ? 16 : 0) : 0;
    var area = legW * legH + filW * filH, budget = MT.PANEL_SHARE * W * H;
    if (area > budget) {
      var k = budget / area;
      if (leg.open) legH = Math.max(legFixed, legH * k);
      if (filOpen) filH *= k;
      if (!filOpen || !leg.open) {
        // Only one panel can shrink: it takes what the other leaves.
        if (filOpen) filH = Math.max(0, (budget - legW * legH) / filW);
        else if (leg.open) legH = Math.max(legFixed, (budget - filW * filH) / legW);
      }
    }
    if (leg.open && legH < legNeed) body.style.maxHeight = Math.max(24, Math.floor(legH - legFixed)) + "px";
    if (filOpen && filH < filNeed) fil.style.maxHeight = Math.max(40, Math.floor(filH)) + "px";
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
        box.addEventListener("toggle", function () {
          self._layout();
        });
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
    this.writeHash();
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
    var box = this.legendBox, body = this.legendBody;
    while (body.firstChild) body.removeChild(body.firstChild);
    var any = false;
    this.layers.concat(this.polygons).forEach(function (layer) {
      if (!layer.active || layer.spec.legend === false) return;  // reference lines: no legend
      any = true;
      var spec = layer.spec, sec = el("div", "mt-legend-layer");
      sec.setAttribute("data-layer", spec.title);
      sec.appendChild(el("h2", null, spec.title));
      var counts = layer.counts, totals = layer.counts;
      if (!counts) {
        counts = new Array(layer.colors.length).fill(0);
        totals = layer._totals = layer._totals || new Array(layer.colors.length).fill(0);
        var fresh = !layer._totalsDone;
        for (var i = 0; i < layer.n; i++) {
          var c = layer.colorIdx ? layer.colorIdx[i] : 0;
          if (layer.visible[i]) counts[c]++;
          if (fresh) totals[c]++;
        }
        layer._totalsDone = true;
      }
      // Every category the layer holds stays listed, a filtered-out one with (0).
      (spec.categories || [spec.title]).forEach(function (cat, ci) {
        if (!totals[ci]) return;
        var row = el("div", counts[ci] ? "mt-legend-row" : "mt-legend-row mt-zero");
        var sw = el("i");
        sw.style.background = layer.colors[ci];
        row.appendChild(sw);
        row.appendChild(el("span", null, spec.no_counts ? cat : cat + " (" + counts[ci] + ")"));
        row.setAttribute("data-category", cat);
        sec.appendChild(row);
      });
      // Features a polygon layer leaves to the basemap ("unclassified" countries).
      if (spec.missing && spec.missing.count) {
        var miss = el("div", "mt-legend-row mt-legend-missing"), msw = el("i");
        msw.style.background = spec.missing.color;
        miss.appendChild(msw);
        miss.appendChild(el("span", null, spec.missing.label + " (" + spec.missing.count + ")"));
        miss.setAttribute("data-category", spec.missing.label);
        sec.appendChild(miss);
      }
      if (spec.size_note) sec.appendChild(el("div", "mt-legend-note", spec.size_note));
      if (spec.size_refs && spec.size_refs.length) sec.appendChild(sizeLegend(spec.size_refs));
      body.appendChild(sec);
    });
    box.style.display = any ? "" : "none";
    this._layout();
    this._drawInsets();
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
        var input = el("input"), list = el("ul", "mt-search-list");
        input.type = "search";
        input.placeholder = "Find a site or owner";
        input.setAttribute("aria-label", "Find a site by name or owner");
        input.setAttribute("role", "combobox");
        input.setAttribute("aria-autocomplete", "list");
        input.setAttribute("aria-expanded", "false");
        list.id = "mt-search-list";
        list.setAttribute("role", "listbox");
        list.hidden = true;
        input.setAttribute("aria-controls", list.id);
        var results = [], active = -1, opened = null;
        function show() {
          while (list.firstChild) list.removeChild(list.firstChild);
          results.forEach(function (r, k) {
            var li = el("li", k === active ? "mt-active" : null);
            li.id = "mt-search-opt-" + k;
            li.setAttribute("role", "option");
            li.setAttribute("aria-selected", k === active ? "true" : "false");
            li.appendChild(el("span", "mt-search-name", r.name));
            if (r.owner) li.appendChild(el("span", "mt-search-owner", r.owner));
            // mousedown, not click: the input keeps its focus and the list is still there
            li.addEventListener("mousedown", function (ev) {
              ev.preventDefault();
              pick(k);
            });
            list.appendChild(li);
          });
          list.hidden = !results.length;
          input.setAttribute("aria-expanded", results.length ? "true" : "false");
          if (active >= 0) input.setAttribute("aria-activedescendant", "mt-search-opt-" + active);
          else input.removeAttribute("aria-activedescendant");
        }
        function pick(k) {
          var r = results[k];
          if (!r) return;
          opened = input.value = r.name;
          results = [];
          active = -1;
          show();
          self.openSite(r.layer, r.i);
        }
        input.addEventListener("input", function () {
          results = self.search(input.value);
          active = -1;
          show();
        });
        input.addEventListener("keydown", function (ev) {
          if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
            if (!results.length) results = self.search(input.value);
            if (!results.length) return;
            ev.preventDefault();
            var step = ev.key === "ArrowDown" ? 1 : -1;
            active = Math.max(0, Math.min(results.length - 1, active + step));
            show();
          } else if (ev.key === "Enter") {
            if (!results.length) results = self.search(input.value);
            ev.preventDefault();
            pick(active >= 0 ? active : 0); // Enter opens the first match
          } else if (ev.key === "Escape") {
            results = [];
            active = -1;
            show();
          }
        });
        input.addEventListener("blur", function () {
          results = [];
          active = -1;
          show();
        });
        // A value set without typing (pasted and committed, set by a script): an exact name.
        input.addEventListener("change", function () {
          if (input.value !== opened) self.find(input.value);
        });
        box.appendChild(input);
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });
    new Search().addTo(this.map);
  };

  MT.SEARCH_LIMIT = 8;

  /* Sites whose name or owners hold ``text`` (case-insensitive): exact names first, then
   * names that start with it, other names, then owners; one entry per site id. */
  MT.App.prototype.search = function (text) {
    var q = String(text || "").trim().toLowerCase(), seen = Object.create(null);
    var ranks = [[], [], [], []], cap = 50 * MT.SEARCH_LIMIT; // bounded work on huge layers
    if (!q) return [];
    this.layers.forEach(function (layer) {
      var spec = layer.spec, names = spec.fields && spec.fields[spec.label];
      if (!names) return;
      var owners = spec.fields.owners, ids = spec.fields.id;
      // Lower-cased once per layer, on the first search, not on every key press.
      var lows = (layer._lowNames = layer._lowNames || names.map(function (s) {
        return String(s).toLowerCase();
      }));
      for (var i = 0; i < layer.n; i++) {
        var low = lows[i], rank = -1, owner = null;
        if (low === q) rank = 0;
        else if (low.indexOf(q) === 0) rank = 1;
        else if (low.indexOf(q) > 0) rank = 2;
        else if (owners && owners[i] && String(owners[i]).toLowerCase().indexOf(q) >= 0) {
          rank = 3;
          owner = String(owners[i]).split("; ").filter(function (o) {
            return o.toLowerCase().indexOf(q) >= 0;
          })[0] || String(owners[i]);
        }
        if (rank < 0) continue;
        var key = ids ? "id:" + ids[i] : "n:" + low, prev = seen[key];
        if (prev) {
          // A site drawn in two layers is listed once, from a shown layer where there is one.
          if (!prev.active && layer.active) {
            prev.layer = layer;
            prev.i = i;
            prev.active = true;
          }
          continue;
        }
        if (ranks[rank].length >= cap) continue;
        seen[key] = { layer: layer, i: i, name: String(names[i]), owner: owner, rank: rank, active: layer.active };
        ranks[rank].push(seen[key]);
      }
    });
    var byName = function (a, b) {
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    };
    return ranks.reduce(function (all, r) {
      return all.concat(r.sort(byName));
    }, []).slice(0, MT.SEARCH_LIMIT);
  };

  /* Show one site: its layer on, the point visible, the map on it, its popup open. */
  MT.App.prototype.openSite = function (layer, i) {
    if (!layer.active) layer.addTo(this.map);
    layer.visible[i] = 1;
    this.map.setView([layer.lat[i], layer.lon[i]], Math.max(this.map.getZoom(), 7));
    layer._redraw();
    layer.openPopup(i);
  };

  MT.App.prototype.find = function (name) {
    for (var l = 0; l < this.layers.length; l++) {
      var layer = this.layers[l], names = layer.spec.fields && layer.spec.fields[layer.spec.label];
      if (!names) continue;
      var i = names.indexOf(name);
      if (i < 0) continue;
      this.openSite(layer, i);
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

  /* The shown layers as indices into config.layers ("0,2,3"). */
  MT.App.prototype._layerState = function () {
    var on = [];
    this.all.forEach(function (layer, i) {
      if (layer.active) on.push(i);
    });
    return on.join(",");
  };

  /* Filters that hide something, as "field:shown,shown;field2:..." (each name and value
   * percent-encoded, so a value holding ":" "," or ";" cannot be mistaken for a separator). */
  MT.App.prototype._filterState = function () {
    var self = this, parts = [];
    (this.config.filters || []).forEach(function (f) {
      var off = self.filters[f.field];
      if (!off || !Object.keys(off).length) return;
      var on = f.values.filter(function (v) {
        return !off[v];
      });
      parts.push(encodeURIComponent(f.field) + ":" + on.map(encodeURIComponent).join(","));
    });
    return parts.join(";");
  };

  MT.App.prototype.writeHash = function () {
    if (this._readingHash || !this._ready) return;
    var c = this.map.getCenter(), z = this.map.getZoom();
    var h = "#map=" + z + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4);
    if (this.selected) {
      var id = this.selected.layer.field("id", this.selected.i);
      if (id) h += "&site=" + encodeURIComponent(id);
    }
    var layers = this._layerState();
    if (layers !== this._defaultLayers) h += "&layers=" + layers;
    var filters = this._filterState();
    if (filters) h += "&filters=" + filters;
    try {
      history.replaceState(null, "", h);
    } catch (e) {
      /* srcdoc or sandboxed frames may refuse; the map still works */
    }
  };

  /* Apply "#filters=" (see _filterState): a field named there shows only the values
   * listed; unknown fields and values are ignored. */
  MT.App.prototype._hashFilters = function (raw) {
    var self = this, known = Object.create(null), any = false;
    (this.config.filters || []).forEach(function (f) {
      known[f.field] = f;
    });
    raw.split(";").forEach(function (part) {
      var k = part.indexOf(":");
      if (k <= 0) return;
      var field, on = Object.create(null);
      try {
        field = decodeURIComponent(part.slice(0, k));
        part.slice(k + 1).split(",").forEach(function (v) {
          if (v) on[decodeURIComponent(v)] = true;
        });
      } catch (e) {
        return; /* malformed percent-encoding: leave this field out */
      }
      var f = known[field];
      if (!f) return;
      var off = (self.filters[field] = {});
      f.values.forEach(function (v) {
        if (!on[v]) off[v] = true;
      });
      any = true;
    });
    if (!any) return;
    if (this.filterBox) {
      var boxes = this.filterBox.querySelectorAll("input[data-field]");
      for (var j = 0; j < boxes.length; j++) {
        var off = this.filters[boxes[j].getAttribute("data-field")];
        boxes[j].checked = !(off && off[boxes[j].value]);
      }
    }
    this.applyFilters();
  };

  /* Apply "#layers=0,2": exactly those layers shown; anything but indices is ignored. */
  MT.App.prototype._hashLayers = function (raw) {
    var map = this.map, all = this.all, on = Object.create(null);
    var items = raw === "" ? [] : raw.split(",");
    for (var k = 0; k < items.length; k++) {
      if (!/^\d+$/.test(items[k]) || +items[k] >= all.length) return;
      on[+items[k]] = true;
    }
    all.forEach(function (layer, i) {
      if (on[i] && !layer.active) layer.addTo(map);
      else if (!on[i] && layer.active) map.removeLayer(layer);
    });
  };

  /* Reopen the view a URL hash names; returns whether it set the map's view. */
  MT.App.prototype._readHash = function () {
    // A hash the page did not write (hand-edited, truncated) is ignored part by part:
    // a value that does not decode is dropped, and keys are looked up as own properties
    // only ("constructor" is not a site).
    // A srcdoc frame has no hash of its own: `minetrack embed --view` writes it on <html>.
    var h = (location.hash || "").replace(/^#/, "") ||
      document.documentElement.getAttribute("data-mt-view") || "";
    var parts = Object.create(null);
    var raw = Object.create(null), viewSet = false;
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i <= 0) return;
      raw[kv.slice(0, i)] = kv.slice(i + 1);
      try {
        parts[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
      } catch (e) {
        /* malformed percent-encoding: leave this part out */
      }
    });
    this._readingHash = true;
    if (raw.filters !== undefined) this._hashFilters(raw.filters);
    if (raw.layers !== undefined) this._hashLayers(raw.layers);
    if (parts.map) {
      var m = parts.map.split("/").map(Number);
      if (m.length === 3 && m.every(isFinite) && Math.abs(m[1]) <= 90 && Math.abs(m[2]) <= 540) {
        this.map.setView([m[1], m[2]], m[0], { animate: false });
        viewSet = true;
      }
    }
    var mapGiven = viewSet;
    if (parts.site) {
      if (!viewSet && this.config.view) {
        this.setView(this.config.view);
        viewSet = true;
      }
      for (var l = 0; l < this.layers.length; l++) {
        var layer = this.layers[l];
        var i = layer.index[parts.site]; // index has no prototype: "constructor" is not in it
        if (typeof i === "number") {
          if (!layer.active) layer.addTo(this.map);
          // With a #map= the view stays as given; without, the map pans to show the site.
          layer.openPopup(i, mapGiven);
          break;
        }
      }
    }
    this._readingHash = false;
    return viewSet;
  };

  /* Small fixed maps of areas outside the main view (Alaska beside the lower 48): the
   * countries and the shown points, redrawn with every filter change; a click (or Enter)
   * brings the main map there. */
  MT.App.prototype._insets = function (controlLayers) {
    var self = this, specs = this.config.insets || [];
    if (!specs.length) return;
    var base = null;
    ((controlLayers && controlLayers._layers) || []).forEach(function (o) {
      if (!base && !o.overlay && o.layer instanceof L.GeoJSON) base = o.layer;
    });
    this.insets = [];
    var Insets = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = el("div", "mt-insets leaflet-control");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      },
    });
    var holder = new Insets().addTo(this.map).getContainer();
    var size = this.map.getSize(), w = Math.round(Math.max(110, Math.min(200, size.x * 0.16)));
    specs.forEach(function (spec) {
      var bounds = L.latLngBounds(spec.bounds);
      var box = el("div", "mt-inset");
      box.setAttribute("role", "button");
      box.setAttribute("tabindex", "0");
      box.setAttribute("aria-label", "Inset map: " + spec.title + " (show it on the main map)");
      box.setAttribute("data-inset", spec.title);
      var mapDiv = el("div", "mt-inset-map");
      mapDiv.style.width = w + "px";
      mapDiv.style.height = Math.round(w * 0.62) + "px";
      box.appendChild(mapDiv);
      box.appendChild(el("span", "mt-inset-title", spec.title));
      holder.appendChild(box);
      var im = L.map(mapDiv, {
        zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false,
        doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false, zoomSnap: 0.05,
        inertia: false, fadeAnimation: false, zoomAnimation: false,
      });
      im.fitBounds(bounds, { animate: false });
      if (base) {
        var feats = [];
        base.eachLayer(function (lyr) {
          if (lyr.feature && lyr.getBounds && lyr.getBounds().intersects(bounds)) feats.push(lyr.feature);
        });
        L.geoJSON({ type: "FeatureCollection", features: feats },
                  { style: base.options.style, interactive: false }).addTo(im);
      }
      var canvas = el("canvas", "mt-inset-canvas");
      mapDiv.appendChild(canvas);
      var go = function () {
        self.map.fitBounds(bounds, { animate: false });
      };
      box.addEventListener("click", go);
      box.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          go();
        }
      });
      self.insets.push({ map: im, canvas: canvas, spec: spec });
    });
  };

  MT.App.prototype._drawInsets = function () {
    var layers = this.layers;
    (this.insets || []).forEach(function (inset) {
      var im = inset.map, size = im.getSize(), c = inset.canvas, ratio = window.devicePixelRatio || 1;
      c.width = size.x * ratio;
      c.height = size.y * ratio;
      c.style.width = size.x + "px";
      c.style.height = size.y + "px";
      var ctx = c.getContext("2d"), n = 0;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 0.8;
      ctx.strokeStyle = "rgba(30,30,30,0.9)";
      layers.forEach(function (layer) {
        if (!layer.active) return;
        for (var i = 0; i < layer.n; i++) {
          if (!layer.visible[i]) continue;
          var p = im.latLngToContainerPoint([layer.lat[i], layer.lon[i]]);
          if (p.x < 0 || p.y < 0 || p.x > size.x || p.y > size.y) continue;
          var r = Math.max(2.5, 0.6 * (layer.radius ? layer.radius[i] : layer.spec.radius || 5));
          ctx.beginPath();
          ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
          ctx.fillStyle = layer.colors[layer.colorIdx ? layer.colorIdx[i] : 0] || "#6a3d9a";
          ctx.globalAlpha = 0.85;
          ctx.fill();
          ctx.globalAlpha = 1;
          ctx.stroke();
          n++;
        }
      });
      inset.drawn = n;
    });
  };
})();

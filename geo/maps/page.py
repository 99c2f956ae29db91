"""The one page shell every minetrack map uses: a self-contained Leaflet page.

A page carries everything it needs: Leaflet and minetrack's JS/CSS inlined
(:mod:`geo.maps.assets`), the layers as JSON (:mod:`geo.specs.kinds._encode`), and
an offline basemap of simplified country polygons; online tiles are optional base
layers, loaded only if the reader picks one. Element ids are numbered, not random,
so the same inputs give byte-identical HTML.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import branca.element
import folium
import geopandas as gpd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from geo.maps import assets
from geo.maps.htmltext import esc
from geo.specs.kinds._encode import script_json

BASEMAP_TOLERANCE_DEG = 0.05  # ~5 km: enough for a world or national overview


@contextlib.contextmanager
def deterministic_ids() -> Iterator[None]:
    """Number branca/folium element ids 0, 1, 2 ... instead of drawing random ones."""
    counter = itertools.count()
    original = branca.element.Element._generate_id
    branca.element.Element._generate_id = classmethod(lambda cls: f"{next(counter):08x}")
    try:
        yield
    finally:
        branca.element.Element._generate_id = original


class OfflineMap(folium.Map):
    """A folium Map whose page inlines Leaflet and minetrack's runtime (no CDN links).

    Also drops folium's ``user-scalable=no`` so readers can zoom the page.
    """

    default_js: ClassVar[list] = []
    default_css: ClassVar[list] = []

    _template = Template("""
        {% macro header(this, kwargs) %}
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
            <style>{{ this.css }}</style>
            <script>{{ this.js }}</script>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map mt-map" id={{ this.get_name()|tojson }} role="region"
                 aria-label="{{ this.label }}" aria-describedby="mt-summary"></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({position: "bottomleft"}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
    """)

    def __init__(self, *, label: str, **kwargs):
        super().__init__(**kwargs)
        self.label = esc(label)
        self.css = assets.leaflet_css() + assets.own_css()
        self.js = assets.leaflet_js() + "\n" + assets.own_js()


class _Runtime(MacroElement):
    """The data of a map as JSON plus the call that starts minetrack's runtime."""

    _template = Template("""
        {% macro html(this, kwargs) %}
            <script type="application/json" id="{{ this.get_name() }}-data">{{ this.json }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = new minetrack.App(
                {{ this._parent.get_name() }},
                JSON.parse(document.getElementById("{{ this.get_name() }}-data").textContent),
                {{ this.control.get_name() }}
            );
        {% endmacro %}
    """)

    def __init__(self, config: dict, control: folium.LayerControl):
        super().__init__()
        self._name = "MinetrackApp"
        self.json = script_json(config)
        self.control = control


def offline_basemap(countries: gpd.GeoDataFrame) -> folium.GeoJson:
    """Simplified country polygons drawn as a tile-free base layer."""
    simple = shapely.simplify(countries.geometry.values, BASEMAP_TOLERANCE_DEG, preserve_topology=True)
    simple = shapely.set_precision(simple, 0.001)
    layer = gpd.GeoDataFrame(geometry=simple, crs=countries.crs)
    return folium.GeoJson(
        layer.to_json(drop_id=True),
        name="Countries (offline, Natural Earth)",
        style_function=lambda _: {"color": "#8c8c8c", "weight": 0.6, "fillColor": "#f4f1ea",
                                  "fillOpacity": 1.0},
        interactive=False,
        overlay=False,
        control=True,
    )


def tile_layers() -> list[folium.TileLayer]:
    """Optional online base layers (not loaded unless the reader picks one)."""
    return [
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap tiles (online)", overlay=False, show=False,
            referrerPolicy="strict-origin-when-cross-origin",
        ),
        folium.TileLayer(
            "Esri.WorldGrayCanvas", name="Esri light grey tiles (online)", overlay=False, show=False,
        ),
    ]



def page(
    *,
    title: str,
    description: str,
    summary: str,
    config: dict[str, Any],
    countries: gpd.GeoDataFrame,
    bounds: Sequence[tuple[float, float, float, float]] = (),
    padding: int = 30,
    max_zoom: int = 8,
) -> folium.Map:
    """A map page: offline basemap, optional tiles, layer control, minetrack's runtime
    with ``config`` (layers, filters, search), title block and text summary, fitted to
    the union of ``bounds`` (lon/lat boxes). Call inside :func:`deterministic_ids`."""
    m = OfflineMap(label=title, tiles=None, control_scale=True, zoom_start=2,
                   location=[20, 0], world_copy_jump=True)
    m.get_root().title = esc(title)
    offline_basemap(countries).add_to(m)
    for tiles in tile_layers():
        tiles.add_to(m)
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    # The fitted view is rendered before the runtime so that the runtime, which reads
    # the URL hash, has the last word: a #map= view is not undone by a later fitBounds.
    if len(bounds):
        x0 = min(b[0] for b in bounds)
        y0 = min(b[1] for b in bounds)
        x1 = max(b[2] for b in bounds)
        y1 = max(b[3] for b in bounds)
        m.fit_bounds([[y0, x0], [y1, x1]], padding=(padding, padding), max_zoom=max_zoom)
        # Fitted at once, not as a zoom animation: the points' first paint is at the final view.
        fit = next(c for c in reversed(m._children.values()) if isinstance(c, folium.FitBounds))
        fit.options["animate"] = False
    m.add_child(_Runtime(config, control))
    m.get_root().html.add_child(Element(
        f'<div class="mt-title"><div><h1>{esc(title)}</h1><p>{esc(description)}</p>'
        f'</div></div><p id="mt-summary" class="mt-summary">{esc(summary)}</p>'))
    m.summary = summary
    return m


def map_html(m: folium.Map) -> str:
    """The full HTML page of a map, rendered with numbered (deterministic) ids."""
    with deterministic_ids():
        return m.get_root().render()

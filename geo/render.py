"""Render map recipes to self-contained Leaflet HTML (folium + minetrack's runtime).

A page carries everything it needs: Leaflet and minetrack's JS/CSS inlined
(:mod:`geo.assets`), the data as JSON (:mod:`geo.mapdata`), and an offline
basemap of simplified country polygons; online tiles are optional base layers.
It makes no network request unless the reader picks a tile layer.

Each recipe layer becomes one canvas point layer per category of ``group_by``,
coloured by ``color_by`` through the layer spec's palette and sized by
``size_by``; the legend, filters, search and URL hash are the runtime's. Element
ids are numbered, not random, so the same inputs give byte-identical HTML.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from . import assets
from .facts import Facts
from .htmltext import esc
from .layers import LayerSpec, load_layer_spec
from .load import load_countries
from .mapdata import classify, line_layer, point_layer, polygon_layer, script_json
from .recipes import Recipe, RecipeLayer, load_recipe, recipe_names
from .select import filter_sites
from .supply import flow_lines, load_import_sources
from .tables import split_list
from .write import write_text

BASEMAP_TOLERANCE_DEG = 0.05  # ~5 km: enough for a world or national overview

LABELS = {
    "type": "Type", "stage": "Stage", "commodities": "Commodities", "country": "Country",
    "admin1": "State / region", "capacity": "Output / capacity", "start_year": "Start year",
    "location_accuracy": "Location", "notes": "Notes", "owners": "Owners",
}
FILTER_FIELDS = (("stage", "Stage"), ("type", "Type"), ("commodities", "Commodity"))


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


def _capacity_text(row: pd.Series) -> str:
    if pd.isna(row.get("capacity")):
        return ""
    figure = f"{row['capacity']:g} {row.get('capacity_unit') or ''}".strip()
    extra = ", ".join(str(v) for v in (row.get("capacity_basis"), row.get("capacity_year"))
                      if v is not None and not pd.isna(v) and v != "")
    return f"{figure} ({extra})" if extra else figure


def _owners_text(site_stakes: pd.DataFrame) -> str:
    parts = []
    for name, pct, op, as_of in site_stakes[["owner_name", "equity_pct", "operator", "as_of"]].itertuples(
            index=False):
        parts.append(f"{name} {pct:g}%{' (operator)' if op is True else ''}, as of {as_of}")
    return "; ".join(parts)


def site_table(rows: gpd.GeoDataFrame, spec: LayerSpec, facts: Facts) -> tuple[gpd.GeoDataFrame, list]:
    """Rows with display columns for popups (country name, capacity, owners) and their citations."""
    names = facts.countries.set_index("iso_a3")["name"]
    out = rows.copy()
    out["country"] = (out["country"].map(names).fillna("") + " (" + out["country"] + ")").str.strip()
    out["commodities"] = out["commodities"].str.replace(";", ", ")
    out["capacity"] = [_capacity_text(r) for _, r in rows.iterrows()]
    by_site = dict(tuple(facts.stakes.groupby("site_id")))
    out["owners"] = [_owners_text(by_site[i]) if i in by_site else "" for i in rows["id"]]
    src = facts.sources.set_index("id")
    refs = []
    for cell in rows["sources"]:
        refs.append([[str(src.at[s, "publisher"]), str(src.at[s, "title"]), str(src.at[s, "url"]),
                      str(src.at[s, "year"])] for s in split_list(cell) if s in src.index])
    out["filter_commodities"] = rows["commodities"]
    return out, refs


def _radius(rows: pd.DataFrame, size: dict, enabled: bool) -> np.ndarray:
    default = float(size.get("default_radius", 6))
    out = np.full(len(rows), default)
    if not enabled or "capacity" not in rows:
        return out
    values = pd.to_numeric(rows["capacity"], errors="coerce")
    units = rows["capacity_unit"].fillna("")
    ok = values.notna().to_numpy() & units.str.startswith(size.get("unit_prefix", "")).to_numpy()
    if ok.any():
        v = np.sqrt(values.to_numpy(dtype=float, na_value=0.0))
        vmax = v[ok].max() or 1.0
        lo, hi = float(size.get("min_radius", 4)), float(size.get("max_radius", 16))
        out[ok] = lo + (hi - lo) * v[ok] / vmax
    return out


def _layer_rows(layer: RecipeLayer, spec: LayerSpec, facts: Facts) -> gpd.GeoDataFrame:
    rows = filter_sites(facts.sites, **spec.filter)
    return filter_sites(rows, **layer.filter)


def _polygon_spec(layer: RecipeLayer, spec: LayerSpec, facts: Facts) -> dict:
    """A polygon layer of a recipe: categories from a field, or numeric classes (``bins``)."""
    rows = facts.countries
    field = layer.color_by or spec.id_field
    if field not in rows.columns:
        raise KeyError(f"layer {spec.name!r} has no field {field!r} (is its data file bundled?)")
    palette = spec.palettes.get(field, {})
    if layer.bins:
        classes, labels = classify(rows[field], layer.bins, layer.unit)
        rows = rows.assign(_class=classes)
        palette = dict(zip(labels, layer.colors or (), strict=True))
        field = "_class"
    popup_fields = layer.popup or spec.popup_fields
    popup = [(LABELS.get(f, f.replace("_", " ")), f) for f in popup_fields]
    title = layer.title or spec.title
    return polygon_layer(rows, title=title, color_by=field, palette=palette,
                         fields=[spec.label_field, *popup_fields], label=spec.label_field,
                         popup=popup, show=layer.show)


def _flow_specs(layer: RecipeLayer, spec: LayerSpec, facts: Facts) -> list[dict]:
    """Flow lines (width by share) and, with ``bins``, the exporters shaded by share."""
    known = set(facts.countries["iso_a3"])
    flows = load_import_sources(spec.source_path, known_iso=known, source_ids=set(facts.sources["id"]))
    for field, wanted in {**spec.filter, **layer.filter}.items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        flows = flows[flows[field].isin(values)]
    if flows.empty:
        raise ValueError(f"layer {spec.name!r}: no flows match {layer.filter}")
    names = facts.countries.set_index("iso_a3")["name"]
    lines = flow_lines(flows, facts.countries)
    lines["label"] = [
        f"{names[e]} to {names[i]}: {p:g}% of {i} {prod} imports ({per})"
        for e, i, p, prod, per in lines[["exporter", "importer", "share_pct", "product", "period"]]
        .itertuples(index=False)]
    title = layer.title or spec.title
    specs = []
    if layer.bins:
        share = lines.groupby("exporter")["share_pct"].sum()
        shaded = facts.countries.assign(share_pct=facts.countries["iso_a3"].map(share))
        classes, labels = classify(shaded["share_pct"], layer.bins, layer.unit)
        shaded = shaded.assign(_class=classes)
        specs.append(polygon_layer(shaded, title=f"{title}: share by source", color_by="_class",
                                   palette=dict(zip(labels, layer.colors or (), strict=True)),
                                   fields=["name", "share_pct"], label="name",
                                   popup=[("Share of imports, %", "share_pct")], show=layer.show))
    specs.append(line_layer(lines, title=title, weight_by="share_pct", label="label", show=layer.show))
    return specs


def summary_text(recipe: Recipe, shown: gpd.GeoDataFrame) -> str:
    """A plain-text description of the map for screen readers and alt text."""
    def counts(field: str) -> str:
        vc = shown[field].value_counts()
        return ", ".join(f"{n} {k}" for k, n in vc.items())

    if not len(shown):
        return f"{recipe.title}. No sites match this map's filters."
    return (f"{recipe.title}. {recipe.description} The map shows {len(shown)} sites in "
            f"{shown['country'].nunique()} countries; by type: {counts('type')}; "
            f"by stage: {counts('stage')}.")


def render_recipe(recipe: Recipe | str, facts: Facts | None = None) -> folium.Map:
    """A folium Map for a recipe (by name or parsed), from bundled data unless ``facts`` given."""
    if isinstance(recipe, str):
        recipe = load_recipe(recipe)
    facts = facts or Facts.from_dir()
    with deterministic_ids():
        return _render(recipe, facts)


def _render(recipe: Recipe, facts: Facts) -> folium.Map:
    m = OfflineMap(label=recipe.title, tiles=None, control_scale=True, zoom_start=2,
                   location=[20, 0], world_copy_jump=True)
    m.get_root().title = esc(recipe.title)
    offline_basemap(facts.countries).add_to(m)
    for tiles in tile_layers():
        tiles.add_to(m)
    config: dict = {"layers": [], "filters": [], "search": True}
    shown_parts = []
    bounds = []
    for layer in recipe.layers:
        spec = load_layer_spec(layer.layer)
        if spec.kind == "polygons":
            config["layers"].append(_polygon_spec(layer, spec, facts))
            continue
        if spec.kind == "flows":
            config["layers"].extend(_flow_specs(layer, spec, facts))
            continue
        rows = _layer_rows(layer, spec, facts)
        shown_parts.append(rows)
        if not len(rows):
            continue
        bounds.append(rows.total_bounds)
        table, refs = site_table(rows, spec, facts)
        radius = _radius(rows, spec.size, layer.size_by is not None)
        palette = spec.palettes.get(layer.color_by or "", {})
        popup = [(LABELS.get(f, f), f) for f in (*spec.popup_fields, "owners")]
        fields = sorted({"id", spec.label_field, *(f for _, f in popup), "filter_commodities",
                         *(f for f, _ in FILTER_FIELDS if f != "commodities")})
        size_note = ("Circle area: output or capacity, kt copper a year"
                     if layer.size_by else None)
        keys = table[layer.group_by] if layer.group_by else pd.Series("", index=table.index)
        order = list(spec.palettes.get(layer.group_by or "", {})) if layer.group_by else [""]
        order += sorted(set(keys) - set(order))
        present = [k for k in order if (keys == k).any()]
        for key in present:
            part = keys == key
            idx = np.flatnonzero(part.to_numpy())
            title = layer.title or spec.title
            title = f"{title}: {key} ({len(idx)})" if key else f"{title} ({len(idx)})"
            config["layers"].append(point_layer(
                table.iloc[idx], title=title, color_by=layer.color_by, palette=palette,
                radius=radius[idx], fields=fields, label=spec.label_field, popup=popup,
                refs=[refs[i] for i in idx], show=layer.show,
                size_note=size_note if key == present[-1] else None,  # once per recipe layer
            ))
    # A site drawn in two layers (owner and host sphere, say) is one site in the summary.
    shown = pd.concat(shown_parts).drop_duplicates("id") if shown_parts else facts.sites.iloc[0:0]
    for field, title in FILTER_FIELDS:
        values = sorted({v for cell in shown[field].dropna() for v in str(cell).split(";") if v})
        if len(values) > 1:
            key = "filter_commodities" if field == "commodities" else field
            config["filters"].append({"field": key, "title": title, "values": values})
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    m.add_child(_Runtime(config, control))
    summary = summary_text(recipe, shown)
    m.get_root().html.add_child(Element(
        f'<div class="mt-title"><div><h1>{esc(recipe.title)}</h1><p>{esc(recipe.description)}</p>'
        f'</div></div><p id="mt-summary" class="mt-summary">{esc(summary)}</p>'))
    if bounds:
        b = np.array(bounds)
        m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]],
                     padding=(30, 30), max_zoom=8)
    m.summary = summary
    return m


def points_map(
    gdf: gpd.GeoDataFrame,
    *,
    title: str,
    description: str = "",
    color_by: str | None = None,
    palette: dict[str, str] | None = None,
    fields: tuple[str, ...] = (),
    label: str | None = None,
    radius: float = 4.0,
    countries: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A self-contained map of any point layer (e.g. 100k facilities), one canvas layer.

    Only ``fields`` travel with the points (keep them few for large layers);
    ``label`` names the field used for tooltips and search.
    """
    with deterministic_ids():
        m = OfflineMap(label=title, tiles=None, control_scale=True, zoom_start=2,
                       location=[20, 0], world_copy_jump=True)
        m.get_root().title = esc(title)
        offline_basemap(countries if countries is not None else load_countries()).add_to(m)
        layer = point_layer(gdf, title=f"{title} ({len(gdf)})", color_by=color_by, palette=palette,
                            radius=radius, fields=fields, label=label,
                            popup=[(f, f) for f in fields if f != label])
        control = folium.LayerControl(collapsed=True, position="topright")
        control.add_to(m)
        m.add_child(_Runtime({"layers": [layer], "filters": [], "search": bool(label)}, control))
        m.get_root().html.add_child(Element(
            f'<div class="mt-title"><div><h1>{esc(title)}</h1><p>{esc(description)}</p></div></div>'
            f'<p id="mt-summary" class="mt-summary">{esc(f"{title}: {len(gdf)} points.")}</p>'))
        if len(gdf):
            x0, y0, x1, y1 = gdf.to_crs("EPSG:4326").total_bounds
            m.fit_bounds([[y0, x0], [y1, x1]], padding=(20, 20), max_zoom=7)
    return m


def map_html(m: folium.Map) -> str:
    """The full HTML page of a map, rendered with numbered (deterministic) ids."""
    with deterministic_ids():
        return m.get_root().render()


def build_maps(out_dir: Path | str, names: list[str] | None = None,
               facts: Facts | None = None) -> list[Path]:
    """Render recipes (all bundled ones by default) into ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    facts = facts or Facts.from_dir()
    written = []
    for name in names or recipe_names():
        recipe = load_recipe(name)
        html = map_html(render_recipe(recipe, facts))
        target = out_dir / recipe.file
        write_text(html, target)
        written.append(target)
    return written

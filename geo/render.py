"""Render map recipes to Leaflet HTML with folium.

Each recipe layer becomes one toggleable group per category (``group_by``),
circles coloured by ``color_by`` through the layer's palette and sized by
``size_by``; every site gets a tooltip (its name) and a popup with its facts,
owners and sources. The bundled country polygons, simplified, are drawn as an
offline basemap so a map reads without tiles; online tiles are an optional layer.

All text from data passes through :func:`geo.htmltext.esc`; element ids are
numbered, not random, so the same inputs give the same HTML.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from .htmltext import esc, link
from .layers import LayerSpec, load_layer_spec
from .load import load_countries, load_owners, load_ownership, load_sites, load_sources
from .ownership import stakes
from .recipes import Recipe, RecipeLayer, load_recipe, recipe_names
from .select import filter_sites
from .tables import split_list
from .write import write_text

FALLBACK_COLOR = "#6a3d9a"
BASEMAP_TOLERANCE_DEG = 0.05  # ~5 km: enough for a world or national overview

LABELS = {
    "type": "Type", "stage": "Stage", "commodities": "Commodities", "country": "Country",
    "admin1": "State / region", "capacity": "Output / capacity", "start_year": "Start year",
    "location_accuracy": "Location", "notes": "Notes",
}


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


@dataclass
class Facts:
    """The tables a popup draws on, loaded once per build."""

    sites: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    stakes: pd.DataFrame
    sources: pd.DataFrame

    @classmethod
    def from_dir(cls, directory: Path | str | None = None) -> Facts:
        """Facts from a data folder (sites, ownership, owners, sources CSVs); bundled by default."""
        here = Path(directory) if directory else None

        def path(name: str) -> Path | None:
            return here / name if here else None

        return cls(
            sites=load_sites(path("sites.csv")), countries=load_countries(),
            stakes=stakes(load_ownership(path("ownership.csv")), load_owners(path("owners.csv"))),
            sources=load_sources(path("sources.csv")),
        )


class _Html(MacroElement):
    """A fixed block of (already escaped) HTML on the map, with its CSS."""

    _template = Template("""
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}
    """)

    def __init__(self, body: str, css: str = ""):
        super().__init__()
        self._name = "MinetrackHtml"
        self.body = body
        self.css = css


TITLE_CSS = (
    ".mt-title{position:absolute;top:10px;left:50px;z-index:1000;background:#fff;"
    "padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
    "font:14px/1.3 system-ui,sans-serif;max-width:60%}"
    ".mt-title h1{font-size:16px;margin:0}.mt-title p{margin:2px 0 0;font-size:12px}"
)
LEGEND_CSS = (
    ".mt-legend{position:absolute;bottom:24px;right:10px;z-index:1000;background:#fff;"
    "padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
    "font:12px/1.5 system-ui,sans-serif}"
    ".mt-legend h2{font-size:13px;margin:0 0 4px}"
    ".mt-legend i{display:inline-block;width:11px;height:11px;border-radius:50%;"
    "margin-right:6px;vertical-align:middle;border:1px solid #333}"
)
POPUP_CSS = (
    ".mt-popup{font:12px/1.4 system-ui,sans-serif}.mt-popup h3{font-size:14px;margin:0 0 4px}"
    ".mt-popup th{text-align:left;padding-right:8px;vertical-align:top}"
    ".mt-popup ol{margin:2px 0;padding-left:18px}"
)


def _capacity_text(row: pd.Series) -> str:
    if pd.isna(row.get("capacity")):
        return ""
    parts = [f"{row['capacity']:g} {row.get('capacity_unit') or ''}".strip()]
    extra = ", ".join(str(v) for v in (row.get("capacity_basis"), row.get("capacity_year"))
                      if v is not None and not pd.isna(v) and v != "")
    return f"{parts[0]} ({extra})" if extra else parts[0]


def popup_html(row: pd.Series, spec: LayerSpec, facts: Facts) -> str:
    """The popup of one site: its facts, owners and sources, every value escaped."""
    cells = []
    for f in spec.popup_fields:
        value = _capacity_text(row) if f == "capacity" else row.get(f)
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
            continue
        if f == "country":
            value = f"{row.get('country_name') or ''} ({value})".strip()
        if f == "commodities":
            value = ", ".join(split_list(value))
        cells.append(f"<tr><th>{esc(LABELS.get(f, f))}</th><td>{esc(value)}</td></tr>")
    site_stakes = facts.stakes[facts.stakes["site_id"] == row["id"]]
    if len(site_stakes):
        items = []
        for _, s in site_stakes.iterrows():
            op = " (operator)" if s["operator"] is True else ""
            items.append(f"{esc(s['owner_name'])} {s['equity_pct']:g}%{op}, as of {esc(s['as_of'])}")
        cells.append(f"<tr><th>Owners</th><td>{'<br>'.join(items)}</td></tr>")
    src = facts.sources.set_index("id")
    refs = []
    for sid in split_list(row.get("sources")):
        if sid in src.index:
            s = src.loc[sid]
            refs.append(f"<li>{esc(s['publisher'])}, {link(s['url'], s['title'])} ({esc(s['year'])})</li>")
    sources = f"<p><b>Sources</b></p><ol>{''.join(refs)}</ol>" if refs else ""
    return (f'<div class="mt-popup"><h3>{esc(row["name"])}</h3>'
            f"<table>{''.join(cells)}</table>{sources}</div>")


def _radius(values: pd.Series, units: pd.Series, size: dict, enabled: bool) -> np.ndarray:
    default = float(size.get("default_radius", 6))
    out = np.full(len(values), default)
    if not enabled:
        return out
    prefix = size.get("unit_prefix", "")
    ok = values.notna().to_numpy() & units.fillna("").str.startswith(prefix).to_numpy()
    if ok.any():
        v = np.sqrt(values.to_numpy(dtype=float, na_value=0.0))
        vmax = v[ok].max() or 1.0
        lo, hi = float(size.get("min_radius", 4)), float(size.get("max_radius", 16))
        out[ok] = lo + (hi - lo) * v[ok] / vmax
    return out


def offline_basemap(countries: gpd.GeoDataFrame) -> folium.GeoJson:
    """Simplified country polygons drawn as a tile-free basemap."""
    simple = gpd.GeoDataFrame(
        {"iso_a3": countries["iso_a3"]},
        geometry=shapely.simplify(countries.geometry.values, BASEMAP_TOLERANCE_DEG,
                                  preserve_topology=True),
        crs=countries.crs,
    )
    simple["geometry"] = shapely.set_precision(simple.geometry.values, 0.001)
    return folium.GeoJson(
        simple.to_json(drop_id=True),
        name="Countries (offline basemap)",
        style_function=lambda _: {"color": "#8c8c8c", "weight": 0.6, "fillColor": "#f2efe9",
                                  "fillOpacity": 1.0},
        interactive=False,
        control=False,
    )


def _layer_rows(layer: RecipeLayer, spec: LayerSpec, facts: Facts) -> gpd.GeoDataFrame:
    rows = filter_sites(facts.sites, **spec.filter)
    rows = filter_sites(rows, **layer.filter)
    names = facts.countries.set_index("iso_a3")["name"]
    return rows.assign(country_name=rows["country"].map(names))


def render_recipe(recipe: Recipe | str, facts: Facts | None = None) -> folium.Map:
    """A folium Map for a recipe (by name or parsed), from bundled data unless ``facts`` given."""
    if isinstance(recipe, str):
        recipe = load_recipe(recipe)
    facts = facts or Facts.from_dir()
    with deterministic_ids():
        return _render(recipe, facts)


def _render(recipe: Recipe, facts: Facts) -> folium.Map:
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_start=2,
                   location=[20, 0], world_copy_jump=True)
    offline_basemap(facts.countries).add_to(m)
    folium.TileLayer("OpenStreetMap", name="Online tiles (OpenStreetMap)",
                     overlay=True, show=False).add_to(m)
    legends = []
    bounds = []
    for layer in recipe.layers:
        spec = load_layer_spec(layer.layer)
        rows = _layer_rows(layer, spec, facts)
        palette = spec.palettes.get(layer.color_by or "", {})
        radius = _radius(rows.get("capacity", pd.Series(index=rows.index, dtype=float)),
                         rows.get("capacity_unit", pd.Series(index=rows.index, dtype=str)),
                         spec.size, layer.size_by is not None)
        rows = rows.assign(_radius=radius)
        group_field = layer.group_by
        groups = [(None, rows)] if not group_field else list(rows.groupby(group_field, sort=True))
        for key, part in groups:
            label = layer.title or spec.title
            if key is not None:
                label = f"{label}: {key}"
            fg = folium.FeatureGroup(name=esc(f"{label} ({len(part)})"), show=True)
            for _, row in part.iterrows():
                color = palette.get(row.get(layer.color_by or ""), FALLBACK_COLOR)
                folium.CircleMarker(
                    location=[row["latitude"], row["longitude"]],
                    radius=float(row["_radius"]),
                    color="#222222", weight=1, fill=True, fill_color=color, fill_opacity=0.85,
                    popup=folium.Popup(popup_html(row, spec, facts), max_width=380),
                    tooltip=folium.Tooltip(esc(row[spec.label_field])),
                ).add_to(fg)
            fg.add_to(m)
        if len(rows):
            bounds.append(rows.total_bounds)
        if layer.color_by:
            counts = rows[layer.color_by].value_counts()
            legends.append((layer.color_by, palette, counts, layer.size_by))
    if bounds:
        b = np.array(bounds)
        m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]],
                     padding=(20, 20))
    title = f'<div class="mt-title"><h1>{esc(recipe.title)}</h1><p>{esc(recipe.description)}</p></div>'
    m.add_child(_Html(title, TITLE_CSS + POPUP_CSS))
    for field, palette, counts, size_by in legends:
        rows_html = "".join(
            f'<div><i style="background:{esc(color)}"></i>{esc(cat)} ({int(counts.get(cat, 0))})</div>'
            for cat, color in palette.items() if counts.get(cat, 0)
        )
        size_note = f"<div>Circle area: {esc(size_by)} (kt Cu a year)</div>" if size_by else ""
        m.add_child(_Html(
            f'<div class="mt-legend"><h2>{esc(LABELS.get(field, field))}</h2>{rows_html}{size_note}</div>',
            LEGEND_CSS,
        ))
    folium.LayerControl(collapsed=False).add_to(m)
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

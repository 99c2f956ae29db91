"""Render map recipes to self-contained Leaflet HTML pages.

Each recipe layer is drawn by its layer kind (:mod:`geo.specs.kinds`) from the
source its spec names; this module puts the kinds' layers into the page shell
(:mod:`geo.maps.page`) with the filter panel, search and a text summary.
"""

from __future__ import annotations

import json
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from geo.facts.bundle import Facts
from geo.io.write import write_tree
from geo.maps.credits import map_credits
from geo.maps.page import _Runtime, deterministic_ids, map_html, page
from geo.maps.profiles import profile_pages
from geo.specs.kinds import kind_of
from geo.specs.kinds._encode import point_layer
from geo.specs.kinds.sites import FILTER_FIELDS
from geo.specs.recipe import Recipe, load_recipe, recipe_names


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
    """A folium Map for a recipe (by name, path or parsed), from bundled data unless
    ``facts`` are given. Each layer draws what its spec's source holds."""
    if isinstance(recipe, (str, Path)):
        recipe = load_recipe(recipe)
    facts = facts or Facts.from_dir()
    with deterministic_ids():
        config: dict = {"layers": [], "filters": [], "search": True}
        shown_parts, bounds, pairs = [], [], []
        for layer in recipe.layers:
            drawn = kind_of(layer.spec.kind).draw(layer, layer.spec, facts)
            pairs.append((layer, drawn))
            config["layers"].extend(drawn.layers)
            if drawn.sites is not None:
                shown_parts.append(drawn.sites)
            if drawn.bounds is not None:
                bounds.append(drawn.bounds)
        config["credits"] = map_credits(pairs, facts)
        # A site drawn in two layers (owner and host sphere, say) is one site in the summary.
        shown = pd.concat(shown_parts).drop_duplicates("id") if shown_parts else facts.sites.iloc[0:0]
        for field, title in FILTER_FIELDS:
            values = sorted({v for cell in shown[field].dropna() for v in str(cell).split(";") if v})
            if len(values) > 1:
                key = "filter_commodities" if field == "commodities" else field
                config["filters"].append({"field": key, "title": title, "values": values})
        return page(title=recipe.title, description=recipe.description, summary=summary_text(recipe, shown),
                    config=config, countries=facts.countries, bounds=bounds, view=_view(recipe, shown))


def _view(recipe: Recipe, shown: gpd.GeoDataFrame) -> dict | None:
    """The recipe's view with only the insets that hold a site the map draws (Hawaii's
    inset appears once a Hawaiian site is in the data)."""
    if recipe.view is None:
        return None
    lon = pd.to_numeric(shown.get("longitude"), errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(shown.get("latitude"), errors="coerce").to_numpy(dtype=float)
    insets = [i for i in recipe.view.get("insets", [])
              if ((lon >= i["bounds"][0]) & (lon <= i["bounds"][2])
                  & (lat >= i["bounds"][1]) & (lat <= i["bounds"][3])).any()]
    return {**recipe.view, "insets": insets}


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
    under: list[dict] | None = None,
) -> folium.Map:
    """A self-contained map of any point layer (e.g. 100k facilities), one canvas layer.

    Only ``fields`` travel with the points (keep them few for large layers);
    ``label`` names the field used for tooltips and search. Any CRS; drawn in WGS 84.
    Without a ``palette``, the eight most frequent classes of ``color_by`` get the tested
    categorical colours (:data:`geo.maps.colours.CATEGORICAL`), the rest a fallback.
    ``under``: layers (JSON specs) drawn beneath the points.
    """
    if countries is None:
        from geo.facts.countries import load_countries

        countries = load_countries()
    if color_by and palette is None:  # the most frequent classes take the first colours
        from geo.maps.colours import CATEGORICAL

        counts = gdf[color_by].value_counts()
        ranked = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
        palette = {v: CATEGORICAL[k] for k, v in enumerate(ranked[:len(CATEGORICAL)])}
    with deterministic_ids():
        layer = point_layer(gdf, title=f"{title} ({len(gdf)})", color_by=color_by, palette=palette,
                            radius=radius, fields=fields, label=label,
                            popup=[(f, f) for f in fields if f != label])
        bounds = [tuple(gdf.to_crs("EPSG:4326").total_bounds)] if len(gdf) else []
        return page(title=title, description=description, summary=f"{title}: {len(gdf)} points.",
                    config={"layers": [*(under or []), layer], "filters": [], "search": bool(label)},
                    countries=countries, bounds=bounds, padding=20, max_zoom=7)


def build_maps(out_dir: Path | str = "site", names: list[str] | None = None,
               facts: Facts | None = None) -> list[Path]:
    """Render recipes (all bundled ones by default) into ``out_dir``; returns the files.

    Every page is rendered before any is written, and the folder is replaced all at once
    (:func:`geo.io.write.write_tree`), so a failing recipe or a full disk leaves it as it
    was.
    """
    out_dir = Path(out_dir)
    facts = facts or Facts.from_dir()
    pages, maps, drawn = {}, [], {}
    for name in names or recipe_names():
        recipe = load_recipe(name)
        fmap = render_recipe(recipe, facts)
        pages[recipe.file] = map_html(fmap)
        maps.append((recipe.file, recipe.title))
        drawn[recipe.file] = _point_ids(fmap)
    # Each profile links back to the first map that draws the site, the world map first.
    order = sorted(drawn, key=lambda f: f != _WORLD_MAP)
    back = {}
    for file in order:
        for site_id in sorted(drawn[file]):
            back.setdefault(site_id, file)
    pages.update(profile_pages(facts, maps, back))
    return write_tree(out_dir, pages)


_WORLD_MAP = "world-copper.html"


def _point_ids(fmap: folium.Map) -> set[str]:
    """Ids of the sites a rendered map draws (from the runtime's data block)."""
    ids: set[str] = set()
    for child in fmap._children.values():
        if isinstance(child, _Runtime):
            for layer in json.loads(child.json)["layers"]:
                if layer.get("kind") not in ("polygons", "lines"):
                    ids.update(str(i) for i in (layer.get("fields") or {}).get("id", []))
    return ids



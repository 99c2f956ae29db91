"""A map of any file: points, lines or polygons, offline, with legend, popups, search
and filters (``minetrack map FILE``).

What ``GeoDataFrame.explore`` gives in a notebook, but as one self-contained HTML
file on minetrack's runtime (canvas points, JSON-only data, deterministic output),
so it can be e-mailed and opened without a network.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import ArgumentError
from geo.maps import colours
from geo.maps.page import deterministic_ids, page
from geo.specs.kinds._encode import line_layer, point_layer, polygon_layer, size_references

CATEGORICAL = (*colours.CATEGORICAL, "#882255", "#999933")
"""The tested eight (:data:`geo.maps.colours.CATEGORICAL`), then wine and olive for a
ninth and tenth class (past eight, no palette stays distinct for every reader)."""
MAX_CATEGORIES = 10
MAX_FILTER_VALUES = 30
_NAME_GUESSES = ("name", "site_name", "facility_name", "featurenam", "mine_name", "title", "label")


def _label(gdf: gpd.GeoDataFrame) -> str | None:
    lower = {c.lower(): c for c in gdf.columns if c != gdf.geometry.name}
    for guess in _NAME_GUESSES:
        if guess in lower:
            return lower[guess]
    text = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == object]
    return text[0] if text else None


def _categories(values: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Text classes of a column (numbers in quantile classes), most frequent first, and
    their colours; beyond :data:`MAX_CATEGORIES` the rest are 'other'."""
    text = values.astype("string").fillna("").str.strip()
    num = pd.to_numeric(text.where(text != ""), errors="coerce")
    if text.ne("").any() and num.notna().sum() == text.ne("").sum() and num.nunique() > MAX_CATEGORIES:
        edges = np.unique(np.nanquantile(num, np.linspace(0, 1, 6)))
        cut = pd.cut(num, edges, include_lowest=True, duplicates="drop")
        labels = [f"{iv.left:g}–{iv.right:g}" for iv in cut.cat.categories]
        classes = cut.cat.rename_categories(labels).astype(object).where(cut.notna(), "")
        order = labels
    else:
        counts = text[text != ""].value_counts()
        order = list(counts.index[:MAX_CATEGORIES])
        classes = text.where(text.isin(order) | (text == ""), "other")
        if (classes == "other").any():
            order.append("other")
    return classes.astype(object), {c: CATEGORICAL[i % len(CATEGORICAL)] for i, c in enumerate(order)}


def _radius(values: pd.Series) -> tuple[np.ndarray, str, list[tuple[str, float]]]:
    num = pd.to_numeric(values, errors="coerce").to_numpy(float)
    top = np.nanmax(num) if np.isfinite(num).any() else 0.0
    if not top or top <= 0:
        raise ArgumentError(f"--size-by {values.name}: the column has no positive numbers")

    def scale(v):
        return 3.0 + 11.0 * np.sqrt(np.clip(np.nan_to_num(v, nan=0.0), 0, None) / top)

    return scale(num), f"circle area ∝ {values.name} (largest {top:g})", size_references(top, scale)


def data_map(
    gdf: gpd.GeoDataFrame,
    *,
    title: str,
    color_by: str | None = None,
    size_by: str | None = None,
    popup: Sequence[str] | None = None,
    description: str = "",
    rasters: Sequence[str] = (),
) -> folium.Map:
    """A self-contained map of any layer (any CRS; drawn in WGS 84).

    Parameters
    ----------
    gdf:
        Points, lines and polygons (mixed is fine: one map layer per kind).
    color_by:
        Column whose values colour the features (categories; numbers in five quantile
        classes); also a filter on point layers.
    size_by:
        Numeric column scaling point circles (area proportional to the value).
    popup:
        Columns shown in popups (default: the first eight).
    rasters:
        GeoTIFFs drawn under the features (colour relief over a hillshade, within 2 MB each).
    """
    if gdf.crs is None:
        raise ArgumentError("the layer has no CRS; cannot place it on a map")
    for col in (color_by, size_by, *(popup or ())):
        if col and col not in gdf.columns:
            raise ArgumentError(f"no column {col!r} (columns: {', '.join(map(str, gdf.columns))})")
    gdf = gdf.to_crs("EPSG:4326")
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    label = _label(gdf)
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    fields = list(popup) if popup else attrs[:8]
    shown = pd.DataFrame({c: gdf[c].astype("string").fillna("") for c in attrs}, index=gdf.index)
    shown = gpd.GeoDataFrame(shown, geometry=gdf.geometry, crs="EPSG:4326")
    if color_by:
        shown["_class"], palette = _categories(gdf[color_by])
    else:  # one class, so the legend reads "features (n)" under the layer's title
        shown["_class"], palette = "features", {"features": CATEGORICAL[0]}
    kind = shapely.get_type_id(shown.geometry.values)
    layers, filters = [], []
    from geo.specs.kinds._encode import raster_layer

    raster_bounds = []
    for path in rasters:
        spec = raster_layer(path, title=f"{Path(str(path)).stem} (raster)")
        layers.append(spec)
        (south, west), (north, east) = spec["bounds"]
        raster_bounds.append((west, south, east, north))
    with deterministic_ids():
        pts = shown[np.isin(kind, (0, 4))]
        if len(pts):
            radius: np.ndarray | float = 5.0
            note, refs = None, None
            if size_by:
                radius, note, refs = _radius(gdf.loc[pts.index, size_by])
            exploded = pts.copy()
            exploded["geometry"] = shapely.point_on_surface(pts.geometry.values)
            keep = [label] if label else []
            keep += [f for f in fields if f not in keep]
            keep.append("_class")
            layers.append(point_layer(
                exploded, title=f"{title}: points ({len(pts)})", color_by="_class",
                palette=palette, radius=radius, fields=keep, label=label,
                popup=[(f, f) for f in fields if f != label], size_note=note, size_refs=refs))
            if color_by and len(palette) <= MAX_FILTER_VALUES:
                filters.append({"field": "_class", "title": color_by, "values": list(palette)})
            multi = pts[shapely.get_num_geometries(pts.geometry.values) > 1]
            if len(multi):
                parts = multi.explode(index_parts=False)
                layers.append(point_layer(parts, title=f"{title}: parts of multipoints ({len(parts)})",
                                          radius=2.5, fields=[label] if label else [], label=label))
        lines = shown[np.isin(kind, (1, 2, 5))]
        if len(lines):
            lines = lines.assign(_one=1.0)
            layers.append(line_layer(lines, title=f"{title}: lines ({len(lines)})", weight_by="_one",
                                     max_weight=2.5, color=CATEGORICAL[0], label=label or "_one"))
        polys = shown[np.isin(kind, (3, 6))]
        if len(polys):
            layers.append(polygon_layer(polys, title=f"{title}: polygons ({len(polys)})", color_by="_class",
                                        palette=palette, fields=fields,
                                        label=label, popup=[(f, f) for f in fields if f != label],
                                        simplify_deg=0.0005))
        from geo.facts.countries import load_countries

        bounds = ([tuple(shown.total_bounds)] if len(shown) else []) + raster_bounds
        return page(title=title, description=description,
                    summary=f"{title}: {len(shown)} features.",
                    config={"layers": layers, "filters": filters, "search": bool(label)},
                    countries=load_countries(), bounds=bounds, padding=20, max_zoom=12)


def read_map_data(path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Any file as a layer to map: a vector file's own geometry and attributes, or a
    table's rows placed by their latitude/longitude columns (read as an import; rows
    that fail its checks are left out and listed in ``attrs["left_out"]``)."""
    from geo.core.tables import ROW
    from geo.io.foreign import read_foreign

    foreign = read_foreign(path, layer=layer)
    if foreign.geometry is not None:
        frame = foreign.frame.drop(columns=ROW)
        return gpd.GeoDataFrame(frame, geometry=foreign.geometry.values, crs="EPSG:4326")
    from geo.facts.importing import import_sites

    result = import_sites(path, layer=layer, skip_invalid=True)
    result.sites.attrs["left_out"] = result.problems
    return result.sites

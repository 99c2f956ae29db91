"""Attribute filters over the sites layer (type, country, stage, commodity)."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd

from geo.core.errors import ArgumentError
from geo.core.vocab import normalise_stage, normalise_type


def _values(v: str | Iterable[str] | None) -> list[str]:
    if v is None:
        return []
    items = [v] if isinstance(v, str) else list(v)
    out: list[str] = []
    for item in items:
        out += [p.strip() for p in item.split(",") if p.strip()]
    return out


def filter_sites(
    sites: gpd.GeoDataFrame,
    *,
    type: str | Iterable[str] | None = None,
    country: str | Iterable[str] | None = None,
    stage: str | Iterable[str] | None = None,
    commodity: str | Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Sites matching every given filter; each filter takes one value, a list, or "a,b".

    ``commodity`` matches any listed commodity of a site, not only the primary one.
    Unknown type or stage names raise ``ValueError`` (a typo should not silently
    return nothing).

    >>> filter_sites(load_sites(), type="mine", country="USA,CHL")  # doctest: +SKIP
    """
    keep = sites.index == sites.index
    types = _values(type)
    if types:
        norm = [normalise_type(t) for t in types]
        if None in norm:
            raise ArgumentError(f"unknown site type {types[norm.index(None)]!r}")
        keep &= sites["type"].isin(norm)
    countries = [c.upper() for c in _values(country)]
    if countries:
        keep &= sites["country"].isin(countries)
    stages = _values(stage)
    if stages:
        norm = [normalise_stage(s) for s in stages]
        if None in norm:
            raise ArgumentError(f"unknown stage {stages[norm.index(None)]!r}")
        keep &= sites["stage"].isin(norm)
    commodities = [c.lower() for c in _values(commodity)]
    if commodities:
        lists = sites["commodities"].str.lower().str.split(";")
        keep &= lists.map(lambda items: any(c in items for c in commodities))
    return sites[keep]



def clip_sites(
    sites: gpd.GeoDataFrame,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    within: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Sites inside ``bbox`` (west, south, east, north in degrees, WGS 84; west > east
    crosses the antimeridian) and inside any polygon of ``within`` (any CRS)."""
    import numpy as np
    import shapely

    keep = np.ones(len(sites), dtype=bool)
    wgs = sites.geometry.to_crs("EPSG:4326") if sites.crs is not None else sites.geometry
    x, y = wgs.x.to_numpy(), wgs.y.to_numpy()
    if bbox is not None:
        w, s, e, n = bbox
        in_lon = (x >= w) & (x <= e) if w <= e else (x >= w) | (x <= e)
        keep &= in_lon & (y >= s) & (y <= n)
    if within is not None:
        from geo.spatial.join import polygon_index

        if within.crs is None:
            raise ArgumentError("the --within layer has no CRS")
        shapes = within.to_crs("EPSG:4326")
        polygonal = shapely.get_type_id(shapes.geometry.values) >= 3
        index = polygon_index(shapes.geometry[polygonal & ~shapes.geometry.is_empty])
        keep &= index.locate(shapely.points(x, y)) >= 0
    return sites[keep]

"""Where sites stand against US federal land: on which unit, how far, how much nearby.

The land comes from :func:`geo.io.federal_land.read_federal_land` (one schema for
PAD-US, BLM SMA, USFS, NPS and wilderness files, EPSG:4326). Distances are geodesic
metres on WGS 84 (the arc maths of :mod:`geo.spatial.nearest`, searched as in
:mod:`geo.spatial._land_distance`); areas are square metres in an
equal-area projection.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geo.core.vocab import check_agency
from geo.spatial._land_distance import BoundaryRuns


def _select(land: gpd.GeoDataFrame, agency: str | None) -> gpd.GeoDataFrame:
    if agency is None or agency == "any":
        return land
    code = check_agency(agency)
    return land[land["agency"] == code]


def on_federal_land(
    sites: gpd.GeoDataFrame, land: gpd.GeoDataFrame, agency: str | None = None
) -> pd.DataFrame:
    """Which federal land each site is on: ``federal_agency`` and ``federal_unit``
    (``;``-joined where units overlap, e.g. a wilderness inside a national forest),
    ``on_federal_land`` (bool). A site on a boundary counts as on the land."""
    land = _select(land, agency)
    pts = sites.to_crs("EPSG:4326").geometry.values
    tree = shapely.STRtree(land.geometry.values)
    site_i, land_i = tree.query(pts, predicate="intersects")
    unit = land["unit_name"].fillna("").astype(str).to_numpy()[land_i]
    return land_hits(sites.index, site_i, land["agency"].to_numpy()[land_i], unit)


def land_hits(index: pd.Index, site_i: np.ndarray, agency: np.ndarray, unit: np.ndarray) -> pd.DataFrame:
    """The :func:`on_federal_land` frame from (site position, agency, unit name) hits,
    whoever found them (an STRtree here, ``ST_Intersects`` in a PostGIS store); unit ""
    when unnamed."""
    n = len(index)
    site_i = np.asarray(site_i, dtype=np.int64)
    agency, unit = np.asarray(agency, dtype=object), np.asarray(unit, dtype=object)
    out = pd.DataFrame(index=np.arange(n), columns=["federal_agency", "federal_unit"], dtype=object)
    # Most sites hit one polygon or none: fill those directly; join the few overlaps.
    counts = np.bincount(site_i, minlength=n)
    single = counts[site_i] == 1
    out.iloc[site_i[single], 0] = agency[single]
    out.iloc[site_i[single], 1] = np.where(unit[single] == "", None, unit[single])
    if (~single).any():
        multi = pd.DataFrame({"site": site_i[~single], "agency": agency[~single], "unit": unit[~single]})
        for col, field in ((0, "agency"), (1, "unit")):
            part = (
                multi.loc[multi[field] != "", ["site", field]].drop_duplicates().sort_values(["site", field])
            )
            # Joined per site by slicing the sorted values (a pandas groupby-join calls
            # back into pandas for every one of the many small groups).
            site, text = part["site"].to_numpy(), part[field].to_numpy(dtype=object)
            head = np.flatnonzero(np.r_[True, site[1:] != site[:-1]])
            ends = np.r_[head[1:], len(site)]
            out.iloc[site[head], col] = [";".join(text[a:b]) for a, b in zip(head, ends, strict=True)]
    out["on_federal_land"] = out["federal_agency"].notna()
    out.index = index
    return out


def distance_to_land(
    sites: gpd.GeoDataFrame,
    land: gpd.GeoDataFrame,
    agency: str | None = None,
    max_distance_m: float | None = None,
) -> pd.DataFrame:
    """Geodesic metres from each site to the nearest federal land (of ``agency``):
    0 on or inside it, else the distance to the nearest boundary; with the unit's
    name and agency. NaN when none is within ``max_distance_m``."""
    land = _select(land, agency).reset_index(drop=True)
    out = pd.DataFrame({"distance_m": np.nan, "agency": None, "unit": None}, index=sites.index)
    if not len(land):
        return out
    inside = on_federal_land(sites, land)
    on = inside["on_federal_land"].to_numpy()
    # Only sites off the land need the nearest boundary (on it the distance is 0). The
    # boundaries are searched as runs of arcs (geo.spatial._land_distance): a layer of
    # millions of arcs, each asked about by a few sites, is not worth an index per arc.
    off = np.flatnonzero(~on)
    if len(off):
        pts = sites.to_crs("EPSG:4326").geometry.values[off]
        point, feature, dist = BoundaryRuns(land.geometry.values).nearest(
            shapely.get_x(pts), shapely.get_y(pts), max_distance_m=max_distance_m
        )
        rows = off[point]
        out.iloc[rows, 0] = dist
        out.iloc[rows, 1] = land["agency"].to_numpy()[feature]
        out.iloc[rows, 2] = land["unit_name"].to_numpy()[feature]
    out.loc[on, "distance_m"] = 0.0
    out.loc[on, "agency"] = inside.loc[on, "federal_agency"]
    out.loc[on, "unit"] = inside.loc[on, "federal_unit"]
    return out


EQUAL_AREA = "EPSG:6933"
"""WGS 84 / NSIDC EASE-Grid 2.0 Global: equal-area, valid to about 86 degrees N/S."""


def geodesic_circles(lon: np.ndarray, lat: np.ndarray, radius_m: float, vertices: int = 256) -> np.ndarray:
    """Polygons (lon/lat) of the geodesic circles of ``radius_m`` about each point."""
    geod = Geod(ellps="WGS84")
    n = len(lon)
    az = np.tile(np.linspace(0, 360, vertices, endpoint=False), n)
    x, y, _ = geod.fwd(
        np.repeat(lon, vertices), np.repeat(lat, vertices), az, np.full(n * vertices, radius_m)
    )
    ring = np.stack([x, y], axis=1).reshape(n, vertices, 2)
    # Keep each ring continuous across the antimeridian (around its centre).
    ring[:, :, 0] = np.asarray(lon)[:, None] + (ring[:, :, 0] - np.asarray(lon)[:, None] + 180) % 360 - 180
    return shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))


def federal_area_within(
    sites: gpd.GeoDataFrame, land: gpd.GeoDataFrame, radius_m: float, agency: str | None = None
) -> pd.DataFrame:
    """Federal land (of ``agency``) within ``radius_m`` of each site: ``area_m2`` and
    ``share`` of the circle. Overlapping units (a wilderness inside a forest) count
    once. Areas are computed in an equal-area projection (EPSG:6933) after densifying
    edges to 0.01 degrees, on a 256-gon geodesic circle (area 0.01 % under a circle)."""
    land = _select(land, agency)
    pts = sites.to_crs("EPSG:4326").geometry.values
    circles = geodesic_circles(shapely.get_x(pts), shapely.get_y(pts), radius_m)
    site_i, land_i = shapely.STRtree(land.geometry.values).query(circles, predicate="intersects")
    circ_ea = gpd.GeoSeries(circles, crs="EPSG:4326").to_crs(EQUAL_AREA).values
    out = pd.DataFrame({"area_m2": 0.0}, index=sites.index)
    circle_area = shapely.area(circ_ea)
    if len(site_i):
        used = np.unique(land_i)
        dense = shapely.segmentize(land.geometry.values[used], 0.01)
        ea = gpd.GeoSeries(dense, crs="EPSG:4326").to_crs(EQUAL_AREA).values
        lookup = np.full(len(land), -1)
        lookup[used] = np.arange(len(used))
        pieces = shapely.intersection(ea[lookup[land_i]], circ_ea[site_i])
        merged = gpd.GeoDataFrame({"site": site_i}, geometry=pieces).dissolve(by="site")
        out.iloc[merged.index.to_numpy(), 0] = shapely.area(merged.geometry.values)
    out["share"] = out["area_m2"].to_numpy() / circle_area
    return out

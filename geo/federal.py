"""US federal land: read the real sources into one schema, and ask where sites stand.

Sources and how their fields map (matched case-insensitively):

========================  ==========================================================
PAD-US (USGS GAP) 3.x/4.x ``Mang_Name`` agency, ``Mang_Type``, ``Own_Name``, ``Own_Type``,
                          ``Unit_Nm``, ``Des_Tp``, ``GAP_Sts``; Fee, Designation,
                          Combined... layers (GeoPackage, file geodatabase, GeoJSON).
                          Reduced exports with ``MANNAME``/``MANTYPE``/``OWNNAME``/
                          ``OWNTYPE``/``NAME`` are read too.
BLM Surface Mgmt Agency   ``ADMIN_AGENCY_CODE``, ``ADMIN_UNIT_NAME``
USFS admin. boundaries    ``FORESTNAME`` (every row managed by USFS)
NPS boundaries            ``UNIT_NAME``, ``UNIT_CODE``, ``UNIT_TYPE`` (every row NPS)
National Atlas wilderness ``NAME``, ``AGBUR`` (FS/NPS/BLM/FWS), designation Wilderness
========================  ==========================================================

The normalised table has one row per polygon: ``agency`` (minetrack code, see
:data:`AGENCIES`; PAD-US's ARMY/NAVY/USAF/USMC count as DOD, USBR as BOR),
``manager_type`` (FED, STAT, LOC, TRIB, PVT, ...), ``owner``, ``unit_name``,
``designation``, ``gap_status``, ``federal`` (bool), ``source`` (the file) and
``source_row`` (1-based feature number), in EPSG:4326.

Invalid polygons are repaired with ``shapely.make_valid`` (their rows are listed in
``attrs["repaired_rows"]``); a polygon that cannot be repaired into an area is an
error naming its file and row, never silently dropped.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from .archive import read_vector
from .errors import DataError, Problem
from .nearest import FeatureIndex
from .validate import relative

AGENCIES: dict[str, str] = {
    "BLM": "Bureau of Land Management",
    "USFS": "USDA Forest Service",
    "NPS": "National Park Service",
    "FWS": "Fish and Wildlife Service",
    "DOD": "Department of Defense (incl. Army, Navy, Air Force, Marine Corps)",
    "BOR": "Bureau of Reclamation",
    "DOE": "Department of Energy",
    "USACE": "US Army Corps of Engineers",
    "TVA": "Tennessee Valley Authority",
    "NASA": "National Aeronautics and Space Administration",
    "NOAA": "National Oceanic and Atmospheric Administration",
    "NRCS": "Natural Resources Conservation Service",
    "ARS": "Agricultural Research Service",
    "BIA": "Bureau of Indian Affairs",
    "OTHF": "Other federal",
}
"""Federal land managers minetrack knows, by the code used in queries."""

AGENCY_ALIASES: dict[str, str] = {
    "FS": "USFS",
    "USDA FS": "USFS",
    "FOREST SERVICE": "USFS",
    "USBR": "BOR",
    "BUREAU OF RECLAMATION": "BOR",
    "ARMY": "DOD",
    "NAVY": "DOD",
    "USAF": "DOD",
    "USMC": "DOD",
    "AIR FORCE": "DOD",
    "DOD": "DOD",
    "USFWS": "FWS",
    "BUREAU OF LAND MANAGEMENT": "BLM",
    "NATIONAL PARK SERVICE": "NPS",
}

COLUMNS = (
    "agency",
    "manager_type",
    "owner",
    "unit_name",
    "designation",
    "gap_status",
    "federal",
    "source",
    "source_row",
)

# Each reader: the fields that identify it, and how to fill the schema.
_PADUS = {
    "agency": ("mang_name", "manname"),
    "manager_type": ("mang_type", "mantype"),
    "owner": ("own_name", "ownname"),
    "unit_name": ("unit_nm", "name"),
    "designation": ("des_tp", "d_des_tp"),
    "gap_status": ("gap_sts",),
}
_SMA = {"agency": ("admin_agency_code",), "unit_name": ("admin_unit_name", "admin_unit")}


def normalise_agency(value: object) -> str | None:
    """minetrack agency code for a PAD-US / SMA / National Atlas manager code, or None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    v = str(value).strip().upper()
    if v in AGENCIES:
        return v
    return AGENCY_ALIASES.get(v)


def check_agency(value: str) -> str:
    """The agency code for a user's spelling, or a ValueError listing the known ones."""
    code = normalise_agency(value)
    if code is None:
        raise ValueError(f"unknown agency {value!r}; one of: {', '.join(AGENCIES)}")
    return code


def _field(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    lower = {c.lower(): c for c in frame.columns}
    for n in names:
        if n in lower:
            return frame[lower[n]]
    return None


def _detect(frame: pd.DataFrame) -> str:
    cols = {c.lower() for c in frame.columns}
    if cols & {"mang_name", "manname"}:
        return "padus"
    if "admin_agency_code" in cols:
        return "sma"
    if "forestname" in cols:
        return "usfs"
    if "agbur" in cols:
        return "wilderness"
    if "unit_name" in cols or "unit_code" in cols:
        return "nps"
    return "unknown"


def read_federal_land(
    path: Path | str,
    layer: str | None = None,
    *,
    federal_only: bool = True,
    include_proclamation: bool = False,
) -> gpd.GeoDataFrame:
    """Read a federal-land file (PAD-US, BLM SMA, USFS, NPS, National Atlas wilderness).

    Any GDAL-readable format (GeoPackage, file geodatabase, shapefile, GeoJSON,
    zipped). ``layer`` picks a layer in multi-layer sources; by default PAD-US's
    Combined layer, else Fee, else Designation. Rows not managed by a federal
    agency are dropped unless ``federal_only`` is False; so are PAD-US
    Proclamation boundaries (``FeatClass``), which enclose non-federal inholdings,
    unless ``include_proclamation``. Reprojected to EPSG:4326.
    """
    path = Path(path)
    name = relative(path)
    raw = read_vector(path, layer, prefer=("combined", "fee", "designation"))
    if not len(raw):
        raise DataError([Problem(name, 0, "", "layer is empty")])
    kind = _detect(raw)
    dropped = None  # rows left out whatever federal_only says (PAD-US proclamation boundaries)
    out = pd.DataFrame(index=raw.index)
    if kind == "padus":
        for col, names in _PADUS.items():
            s = _field(raw, names)
            out[col] = s if s is not None else None
        out["agency_raw"] = out["agency"]
        out["agency"] = out["agency"].map(normalise_agency)
        federal = out["manager_type"].astype(str).str.upper().eq("FED")
        # A federal manager code with a missing or odd type still counts as federal.
        federal |= out["agency"].notna() & out["manager_type"].isna()
        # Proclamation boundaries (a national forest's proclaimed outline) enclose private
        # and state inholdings: they say where an agency may acquire land, not what it holds.
        featclass = _field(raw, ("featclass",))
        if featclass is not None and not include_proclamation:
            dropped = featclass.astype(str).str.lower().eq("proclamation").to_numpy()
    elif kind == "sma":
        for col, names in _SMA.items():
            out[col] = _field(raw, names)
        out["agency_raw"] = out["agency"]
        out["agency"] = out["agency"].map(normalise_agency)
        federal = out["agency"].notna()
        out["manager_type"] = np.where(federal, "FED", None)
    elif kind in ("usfs", "nps", "wilderness"):
        if kind == "usfs":
            out["agency"] = "USFS"
            out["unit_name"] = _field(raw, ("forestname",))
            out["designation"] = "National Forest"
        elif kind == "nps":
            out["agency"] = "NPS"
            out["unit_name"] = _field(raw, ("unit_name", "name"))
            out["designation"] = _field(raw, ("unit_type",))
        else:
            out["agency_raw"] = _field(raw, ("agbur",))
            out["agency"] = out["agency_raw"].map(normalise_agency)
            out["unit_name"] = _field(raw, ("name",))
            out["designation"] = "Wilderness"
        out["manager_type"] = "FED"
        federal = out["agency"].notna()
    else:
        raise DataError(
            [
                Problem(
                    name,
                    0,
                    "",
                    "not a federal-land layer minetrack knows: expected PAD-US "
                    "(Mang_Name...), BLM SMA (ADMIN_AGENCY_CODE), USFS (FORESTNAME), "
                    "NPS (UNIT_NAME) or National Atlas wilderness (AGBUR) fields",
                )
            ]
        )
    for col in ("owner", "gap_status", "designation", "manager_type", "unit_name"):
        if col not in out:
            out[col] = None
    out["federal"] = federal.to_numpy()
    out["source"] = name
    out["source_row"] = np.arange(1, len(raw) + 1)
    # A federal row whose manager code minetrack does not know is "other federal".
    out.loc[out["federal"] & out["agency"].isna(), "agency"] = "OTHF"
    gdf = gpd.GeoDataFrame(
        out[list(COLUMNS)], geometry=raw.geometry.to_crs("EPSG:4326").values, crs="EPSG:4326"
    )
    keep = gdf["federal"].to_numpy(copy=True) if federal_only else np.ones(len(gdf), bool)
    if kind == "padus" and dropped is not None:
        keep &= ~dropped
    gdf = gdf[keep].reset_index(drop=True)
    return repair_polygons(gdf, name)


def repair_polygons(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Repair invalid polygons in place of silently losing them; list what was fixed."""
    geoms = gdf.geometry.values
    problems = []
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for row in gdf.loc[empty, "source_row"]:
        problems.append(Problem(name, int(row), "geometry", "empty or missing geometry"))
    kinds = shapely.get_type_id(geoms)
    not_area = ~np.isin(kinds, (3, 6)) & ~empty
    for row in gdf.loc[not_area, "source_row"]:
        problems.append(Problem(name, int(row), "geometry", "not a polygon"))
    if problems:
        raise DataError(problems)
    invalid = ~shapely.is_valid(geoms)
    repaired_rows: list[int] = []
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        # make_valid may return a collection with stray lines; keep the area.
        parts, owner = shapely.get_parts(fixed, return_index=True)
        areal = np.isin(shapely.get_type_id(parts), (3, 6))
        merged = np.array([None] * len(fixed), dtype=object)
        for i in np.unique(owner[areal]):  # one call per repaired polygon (rare)
            merged[i] = shapely.union_all(parts[areal & (owner == i)])
        lost = shapely.is_missing(merged) | shapely.is_empty(merged)
        bad = [int(r) for r in gdf.loc[invalid, "source_row"].to_numpy()[lost]]
        if bad:
            raise DataError(
                [
                    Problem(name, r, "geometry", "invalid polygon that cannot be repaired into an area")
                    for r in bad
                ]
            )
        geoms = geoms.copy()
        geoms[invalid] = merged
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        repaired_rows = [int(r) for r in gdf.loc[invalid, "source_row"]]
    gdf.attrs["repaired_rows"] = repaired_rows
    return gdf


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
    agency = land["agency"].to_numpy()[land_i]
    unit = land["unit_name"].fillna("").astype(str).to_numpy()[land_i]
    out = pd.DataFrame(index=np.arange(len(sites)), columns=["federal_agency", "federal_unit"], dtype=object)
    # Most sites hit one polygon or none: fill those directly; join the few overlaps.
    counts = np.bincount(site_i, minlength=len(sites))
    single = counts[site_i] == 1
    out.iloc[site_i[single], 0] = agency[single]
    out.iloc[site_i[single], 1] = np.where(unit[single] == "", None, unit[single])
    if (~single).any():
        multi = pd.DataFrame({"site": site_i[~single], "agency": agency[~single], "unit": unit[~single]})
        for col, field in ((0, "agency"), (1, "unit")):
            part = (
                multi.loc[multi[field] != "", ["site", field]].drop_duplicates().sort_values(["site", field])
            )
            text = part.groupby("site")[field].agg(";".join)
            out.iloc[text.index.to_numpy(), col] = text.to_numpy()
    out["on_federal_land"] = out["federal_agency"].notna()
    out.index = sites.index
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
    res = FeatureIndex(land.geometry.values).query(
        sites.to_crs("EPSG:4326").geometry.values, k=1, max_distance_m=max_distance_m
    )
    idx = sites.index[res.point]
    out.loc[idx, "distance_m"] = res.distance_m
    out.loc[idx, "agency"] = land["agency"].to_numpy()[res.feature]
    out.loc[idx, "unit"] = land["unit_name"].to_numpy()[res.feature]
    on = inside["on_federal_land"].to_numpy()
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

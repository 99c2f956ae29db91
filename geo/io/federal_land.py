"""US federal land: read the real sources (PAD-US, BLM SMA, USFS, NPS, wilderness) into one schema.

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

from geo.core.errors import DataError, Problem, display_path
from geo.core.vocab import normalise_agency
from geo.io.vector import read_vector

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
    name = display_path(path)
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
        # "structure" keeps the area the rings enclose, about twice as fast as "linework"
        # on PAD-US; what it returns may still be a collection: keep its area. A valid
        # (multi)polygon is that area already (its parts do not overlap), so only the
        # collections are unioned.
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        merged = fixed.copy()
        mixed = np.flatnonzero(~np.isin(shapely.get_type_id(fixed), (3, 6)))
        merged[mixed] = None
        parts, owner = shapely.get_parts(fixed[mixed], return_index=True)
        areal = np.isin(shapely.get_type_id(parts), (3, 6))
        for i in np.unique(owner[areal]):  # one call per repaired collection (rare)
            merged[mixed[i]] = shapely.union_all(parts[areal & (owner == i)])
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

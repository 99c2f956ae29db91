"""Infrastructure layers (rail, roads, ports, power, smelters...) and distances to them.

Every loader returns one schema, in EPSG:4326: ``class`` (one of :data:`CLASSES`),
``subclass`` (e.g. the OSM highway class or the airport type), ``name``,
``source`` and ``source_row``. Readers:

- Natural Earth: railroads, roads, ports, airports, populated places (the
  ``featurecla`` field tells which), as shapefile, GeoJSON or zip;
- OpenStreetMap ``.osm.pbf`` extracts through GDAL's OSM driver: ``railway=rail``
  (and light/narrow gauge), ``highway=*`` with the class kept as subclass,
  ``power=line``/``minor_line`` and ``power=substation``;
- any user point/line file, with the class given by the caller;
- minetrack's own smelters and refineries, as infrastructure for mines.

Distances are geodesic metres on WGS 84 (:mod:`geo.nearest`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.core.errors import DataError, Problem, display_path
from geo.core.vocab import CLASSES, check_class
from geo.io.vector import read_vector

COLUMNS = ("class", "subclass", "name", "source", "source_row")

_NE_CLASSES = {
    "railroad": "rail",
    "road": "road",
    "port": "port",
    "airport": "airport",
    "populated place": "place",
    "ferry": "road",
}
_OSM_RAIL = ("rail", "light_rail", "narrow_gauge")


def infrastructure_frame(geoms, klass, subclass, names, name: str, rows) -> gpd.GeoDataFrame:
    """Rows of the common infrastructure schema (see the module docstring), EPSG:4326."""
    return gpd.GeoDataFrame(
        {"class": klass, "subclass": subclass, "name": names, "source": name, "source_row": rows},
        geometry=gpd.GeoSeries(geoms).values,
        crs="EPSG:4326",
    )


LINE_CLASSES = ("rail", "road", "power")
"""Classes whose features are lines; the others (ports, airports, places, substations,
plants) may be points or areas."""


def _check_geometry(gdf: gpd.GeoDataFrame, name: str, rows: np.ndarray) -> None:
    """Every feature present, with finite coordinates that lie on the globe (after
    reprojection to WGS 84): one problem per bad feature (the first 20)."""
    geoms = gdf.geometry.values
    problems = [Problem(name, int(r), "geometry", "empty or missing geometry")
                for r in rows[shapely.is_missing(geoms) | shapely.is_empty(geoms)]]
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy, owner = shapely.get_coordinates(geoms[present], return_index=True)
    index = np.flatnonzero(present)[owner]
    finite = np.isfinite(xy).all(axis=1)
    for r in np.unique(rows[index[~finite]]):
        problems.append(Problem(name, int(r), "geometry", "coordinates are not numbers (NaN or infinite)"))
    if gdf.crs is not None and gdf.crs.is_geographic:
        off = finite & ((np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90))
        for k in np.unique(index[off]):
            x, y = xy[off & (index == k)][0]
            problems.append(Problem(name, int(rows[k]), "geometry",
                                    f"({x:g}, {y:g}) is outside the range of longitude [-180, 180] "
                                    "and latitude [-90, 90] (swapped, or a projected file without its CRS?)"))
    if problems:
        raise DataError(sorted(problems, key=lambda p: p.row)[:20])


def _check_kind(gdf: gpd.GeoDataFrame, classes: np.ndarray, name: str, rows: np.ndarray) -> None:
    """Rail, road and power features must be lines."""
    kind = shapely.get_type_id(gdf.geometry.values)
    wrong = np.isin(classes, LINE_CLASSES) & ~np.isin(kind, (1, 2, 5))
    if wrong.any():
        raise DataError([Problem(name, int(r), "geometry",
                                 f"a {c} feature must be a line, not a {gdf.geometry.values[i].geom_type}")
                         for i, r, c in zip(np.flatnonzero(wrong), rows[wrong], classes[wrong], strict=True)
                         ][:20])


def read_infrastructure(
    path: Path | str, klass: str | None = None, layer: str | None = None, name_field: str | None = None
) -> gpd.GeoDataFrame:
    """Read an infrastructure file into the common schema.

    ``klass`` sets the class of every row (a user's file of rail lines, say);
    without it the class comes from the file: Natural Earth's ``featurecla`` or,
    for ``.osm.pbf``, the OSM tags (see :func:`read_osm`).
    """
    path = Path(path)
    if path.suffix.lower() == ".pbf":
        out = read_osm(path)
        return out[out["class"] == check_class(klass)].reset_index(drop=True) if klass else out
    name = display_path(path)
    gdf = read_vector(path, layer)
    if not len(gdf):
        raise DataError([Problem(name, 0, "", "layer is empty")])
    rows = np.arange(1, len(gdf) + 1)
    _check_geometry(gdf, name, rows)
    gdf = gdf.to_crs("EPSG:4326")
    lower = {c.lower(): c for c in gdf.columns}
    label = name_field or next((lower[c] for c in ("name", "nameascii", "unit_name") if c in lower), None)
    names = gdf[label].astype("string") if label else pd.Series(pd.NA, index=gdf.index, dtype="string")
    if klass:
        cls = pd.Series(check_class(klass), index=gdf.index)
        sub = gdf[lower["type"]] if "type" in lower else pd.Series(None, index=gdf.index)
    elif "featurecla" in lower:
        fc = gdf[lower["featurecla"]].astype(str).str.strip().str.lower()
        cls = fc.map(lambda v: next((c for k, c in _NE_CLASSES.items() if v.startswith(k)), None))
        unknown = cls.isna()
        if unknown.any():
            first = int(rows[unknown.to_numpy()][0])
            raise DataError(
                [
                    Problem(
                        name,
                        first,
                        "featurecla",
                        f"Natural Earth feature class {fc[unknown].iloc[0]!r} is not infrastructure "
                        "minetrack knows; give the class (e.g. --infrastructure FILE:rail)",
                    )
                ]
            )
        sub = gdf[lower["type"]] if "type" in lower else fc
    else:
        raise DataError(
            [
                Problem(
                    name,
                    0,
                    "class",
                    f"cannot tell what this file holds: give its class (one of {', '.join(CLASSES)})",
                )
            ]
        )
    _check_kind(gdf, cls.to_numpy(), name, rows)
    return infrastructure_frame(
        gdf.geometry.values, cls.to_numpy(), sub.astype("string").to_numpy(), names.to_numpy(), name, rows
    )


def _tag(other: pd.Series, key: str) -> pd.Series:
    """Value of one OSM tag from GDAL's hstore-style ``other_tags`` text."""
    return other.fillna("").str.extract(rf'"{key}"=>"([^"]*)"', expand=False)


def read_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Railways, highways (class kept), power lines and substations from an ``.osm.pbf``."""
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        raise DataError([Problem(name, 0, "", "file not found")])
    try:
        lines = pyogrio.read_dataframe(
            path, layer="lines", columns=["osm_id", "name", "highway", "railway", "other_tags"]
        )
        points = pyogrio.read_dataframe(path, layer="points", columns=["osm_id", "name", "other_tags"])
        areas = pyogrio.read_dataframe(
            path, layer="multipolygons", columns=["osm_id", "osm_way_id", "name", "other_tags"]
        )
    except Exception as exc:
        raise DataError([Problem(name, 0, "", f"cannot read as OSM: {str(exc).splitlines()[0]}")]) from exc
    areas["osm_id"] = areas["osm_id"].fillna(areas["osm_way_id"])
    power = _tag(lines["other_tags"], "power")
    voltage = _tag(lines["other_tags"], "voltage").fillna("")
    # (table, rows, class, subclass per row)
    picks = [
        (lines, lines["railway"].isin(_OSM_RAIL), "rail", lines["railway"]),
        (lines, lines["highway"].notna(), "road", lines["highway"]),
        (lines, power.isin(["line", "minor_line", "cable"]), "power", (power + " " + voltage).str.strip()),
        (points, _tag(points["other_tags"], "power") == "substation", "substation", None),
        (areas, _tag(areas["other_tags"], "power") == "substation", "substation", None),
    ]
    frames = [
        infrastructure_frame(table.geometry[rows].values, klass,
                             klass if sub is None else sub[rows].to_numpy(),
                             table["name"][rows].to_numpy(), name, table["osm_id"][rows].to_numpy())
        for table, rows, klass, sub in picks
    ]
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")

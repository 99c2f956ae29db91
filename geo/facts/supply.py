"""Supply dependence: import shares by source country, drawn as flow lines.

``data/import_sources.csv`` holds shares of a country's imports by source country
per product (US: USGS Mineral Commodity Summaries 2025; China: customs volumes
reported by SMM); ``OTH`` is "other countries", kept for totals but not drawn.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geo.core.columns import Column
from geo.core.errors import ArgumentError, DataError, Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import line_numbers, read_table
from geo.facts.checks import check_references

IMPORTS_FILE = "import_sources.csv"
OTHER = "OTH"
IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("commodity", "str", True),
    Column("product", "str", True),
    Column("importer", "str", True, "ISO alpha-3"),
    Column("exporter", "str", True, "ISO alpha-3, or OTH for other countries"),
    Column("share_pct", "float", True, "share of the importer's imports of the product"),
    Column("period", "str", True, "years the share covers, e.g. 2020-2023"),
    Column("sources", "list", True),
)
SUM_TOLERANCE_PCT = 1.0  # published shares are rounded to whole percent


def load_import_sources(path: Path | str | None = None, *, known_iso: set[str] | None = None,
                        source_ids: set[str] | None = None) -> pd.DataFrame:
    """Import shares by source country, validated: known codes, 0-100 %, and the shares of
    each (commodity, product, importer, period) summing to 100 % within rounding."""
    path = Path(path) if path else data_dir() / IMPORTS_FILE
    frame, problems = read_table(path, IMPORT_COLUMNS)
    name = display_path(path)
    if not problems:
        lines = line_numbers(frame)
        problems += check_references(frame, name, code_fields=("importer", "exporter"),
                                     known_iso=known_iso, extra_codes=(OTHER,), source_ids=source_ids)
        for i in frame.index[~frame["share_pct"].between(0, 100)]:
            problems.append(Problem(name, int(lines[i]), "share_pct",
                                    f"share {frame.at[i, 'share_pct']} is outside [0, 100]"))
        keys = ["commodity", "product", "importer", "period"]
        totals = frame.groupby(keys)["share_pct"].sum()
        for key, total in totals.items():
            if abs(total - 100) > SUM_TOLERANCE_PCT:
                last = frame.index[(frame[keys] == pd.Series(key, index=keys)).all(axis=1)][-1]
                problems.append(Problem(name, int(lines[last]), "share_pct",
                                        f"shares of {' / '.join(key)} sum to {total:g}%, not 100%"))
    if problems:
        raise DataError(problems)
    return frame


def anchor_points(countries: gpd.GeoDataFrame) -> pd.Series:
    """One point per country (ISO alpha-3 index) inside its largest part, for flow ends."""
    parts, owner = shapely.get_parts(countries.geometry.values, return_index=True)
    area = shapely.area(parts)
    order = np.lexsort((-area, owner))
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    points = shapely.point_on_surface(parts[first])
    return pd.Series(points, index=countries["iso_a3"].to_numpy()[owner[first]])


def flow_lines(flows: pd.DataFrame, countries: gpd.GeoDataFrame, *, vertices: int = 32) -> gpd.GeoDataFrame:
    """Geodesic lines from each exporter to its importer (``OTH`` rows left out), EPSG:4326.

    Each line follows the great circle (``vertices`` points from pyproj's Geod.npts),
    so it is the shortest path on the ellipsoid, not a straight line in degrees.
    """
    drawn = flows[flows["exporter"] != OTHER].reset_index(drop=True)
    anchors = anchor_points(countries)
    missing = sorted((set(drawn["exporter"]) | set(drawn["importer"])) - set(anchors.index))
    if missing:
        raise ArgumentError(f"no country polygon for {', '.join(missing)}")
    geod = Geod(ellps="WGS84")
    lines = []
    for src, dst in zip(anchors[drawn["exporter"]], anchors[drawn["importer"]], strict=True):
        xy = np.array([(src.x, src.y), *geod.npts(src.x, src.y, dst.x, dst.y, vertices - 2),
                       (dst.x, dst.y)])
        # Keep longitudes continuous so a line over the antimeridian is drawn the short way.
        xy[:, 0] = np.rad2deg(np.unwrap(np.deg2rad(xy[:, 0])))
        lines.append(shapely.LineString(xy))
    return gpd.GeoDataFrame(drawn, geometry=lines, crs="EPSG:4326")


NIR_FILE = "us_net_import_reliance.csv"
NIR_COLUMNS: tuple[Column, ...] = (
    Column("commodity", "str", True),
    Column("year", "int", True),
    Column("net_import_reliance_pct", "float", False, "% of apparent consumption; empty for a net exporter"),
    Column("qualifier", "str", False, "'>' or '<' when USGS gives a bound; net-exporter"),
    Column("estimated", "bool", True, "USGS marks the figure as an estimate"),
    Column("main_sources", "str", True, "USGS's main import sources, as it lists them"),
    Column("sources", "list", True),
)
NIR_QUALIFIERS = ("", ">", "<", "net-exporter")


def load_net_import_reliance(
    path: Path | str | None = None, *, source_ids: set[str] | None = None
) -> pd.DataFrame:
    """US net import reliance per commodity (USGS Mineral Commodity Summaries 2025), validated."""
    path = Path(path) if path else data_dir() / NIR_FILE
    frame, problems = read_table(path, NIR_COLUMNS)
    name = display_path(path)
    if not problems:
        lines = line_numbers(frame)
        frame["qualifier"] = frame["qualifier"].fillna("")
        for i, r in frame.iterrows():
            value = r["net_import_reliance_pct"]
            if r["qualifier"] not in NIR_QUALIFIERS:
                problems.append(Problem(name, int(lines[i]), "qualifier", f"one of {NIR_QUALIFIERS}"))
            elif r["qualifier"] == "net-exporter" and pd.notna(value):
                problems.append(
                    Problem(name, int(lines[i]), "net_import_reliance_pct", "a net exporter has none")
                )
            elif r["qualifier"] != "net-exporter" and not (pd.notna(value) and 0 <= value <= 100):
                problems.append(Problem(name, int(lines[i]), "net_import_reliance_pct", "a percentage 0-100"))
        problems += check_references(frame, name, source_ids=source_ids)
    if problems:
        raise DataError(problems)
    return frame


def supply(importer: str | None = None, *, nir: bool = False) -> pd.DataFrame:
    """``minetrack supply``: import shares by source (of ``importer`` if given), or US net
    import reliance per commodity (``nir``)."""
    if nir:
        return load_net_import_reliance()
    table = load_import_sources()
    if importer:
        table = table[table["importer"] == importer.upper()]
        if table.empty:
            raise ArgumentError(f"no import shares for importer {importer!r}")
    return table

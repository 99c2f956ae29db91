"""Sites from a user's vector file (GeoPackage, GeoJSON, Shapefile, GeoParquet...).

The file's points are reprojected to WGS 84 and turned into the text cells of a
sites CSV (``latitude``/``longitude`` included), so that one parser and one set of
checks serve every format.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.columns import SITE_COLUMNS
from geo.core.errors import Problem, display_path
from geo.core.tables import parse_table

WGS84 = "EPSG:4326"

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".parquet", ".fgb")


def read_vector_sites(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """A sites layer from a vector file (GeoPackage, GeoJSON, Shapefile, GeoParquet...).

    Point geometries give ``latitude``/``longitude`` (after reprojection to WGS84);
    attributes are parsed like the CSV columns. Rows are numbered from 1.
    """
    name = display_path(path)
    try:
        if path.suffix.lower() == ".parquet":
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # GDAL and Arrow raise many kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return pd.DataFrame(), [Problem(name, 0, "", f"unreadable: {first}")]
    if gdf.crs is None:
        return pd.DataFrame(), [Problem(name, 0, "geometry", "layer has no CRS; cannot place the points")]
    problems: list[Problem] = []
    geom = gdf.geometry
    not_point = ~(geom.geom_type == "Point")
    for i in np.flatnonzero(not_point.to_numpy()):
        kind = geom.iloc[i].geom_type if geom.iloc[i] is not None else "no geometry"
        problems.append(Problem(name, int(i) + 1, "geometry", f"expected a point, got {kind}"))
    if problems:
        return pd.DataFrame(), problems
    wgs = geom.to_crs(WGS84)
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    raw["longitude"] = wgs.x.map(lambda v: f"{v:.6f}")
    raw["latitude"] = wgs.y.map(lambda v: f"{v:.6f}")
    return parse_table(raw, SITE_COLUMNS, name, first_row=1)

"""Country and US state polygons (bundled Natural Earth 1:50m and Census 1:10M).

Read once per file (cached by path and modification time) and handed out as
shallow copies, so the spatial index built on their geometry is shared.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from geo.core.errors import DataError, Problem, display_path
from geo.core.paths import data_dir


@lru_cache(maxsize=4)
def _read_polygons(path: str, mtime: float) -> gpd.GeoDataFrame:
    return gpd.read_file(path, engine="pyogrio")


def _polygons(path: Path, required: tuple[str, ...]) -> gpd.GeoDataFrame:
    try:
        gdf = _read_polygons(str(path), path.stat().st_mtime)
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        raise DataError([Problem(display_path(path), 0, "", f"unreadable: {exc}")]) from exc
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise DataError([Problem(display_path(path), 1, c, "required field is missing") for c in missing])
    if gdf.crs is None:
        raise DataError([Problem(display_path(path), 0, "", "layer has no CRS")])
    # Shallow copy: callers may add columns without touching the cache, and the
    # geometry array (and so the cached spatial index) stays shared.
    out = gdf.copy(deep=False)
    # Lets geo.spatial.join.polygon_index build one index per file, not one per copy.
    out.attrs["layer_key"] = (str(path), path.stat().st_mtime)
    return out


def load_countries(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Country polygons (Natural Earth 1:50m, EPSG:4326).

    Columns: ``iso_a3``, ``iso_a2``, ``name``, ``continent``, ``region``,
    ``iso_official`` (False for the few features without an ISO 3166 code).
    """
    return _polygons(Path(path) if path else data_dir() / "countries.geojson",
                     ("iso_a3", "name", "continent", "region"))


def load_us_states(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """US state polygons (Census cartographic boundaries 1:10M, EPSG:4326); ``postal`` code."""
    return _polygons(Path(path) if path else data_dir() / "us_states.geojson", ("postal", "name"))


@lru_cache(maxsize=1)
def ne_to_iso() -> dict[str, str]:
    """Natural Earth's own country codes with an ISO 3166-1 equivalent (CYN → CYP, SOL → SOM),
    from ``data/ne_codes.csv``; codes with none (KAS, IOA) are left out."""
    import pandas as pd

    table = pd.read_csv(data_dir() / "ne_codes.csv", dtype=str, keep_default_na=False)
    return {r.ne_code: r.iso_a3 for r in table.itertuples() if r.iso_a3}

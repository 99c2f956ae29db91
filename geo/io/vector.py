"""Open a vector file as downloaded (PAD-US, Natural Earth, USFS, BLM...): zipped or
not, one layer or several, with a CRS, or a one-line error naming the file.

Zips are read in place through GDAL's ``/vsizip/`` virtual file system."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.core.errors import DataError, Problem, display_path

# Most specific first: a file geodatabase is a folder of many files.
_DATASET_SUFFIXES = (".gdb", ".gpkg", ".shp", ".geojson", ".json", ".fgb", ".parquet")


def dataset_path(path: Path | str) -> str:
    """A path GDAL can open: ``path`` itself, or ``/vsizip/...`` for the dataset in a zip.

    A zip holding several datasets picks the first by the order of
    ``_DATASET_SUFFIXES`` (a geodatabase before shapefiles); a ValueError names the
    archive when it holds none.
    """
    path = Path(path)
    if path.suffix.lower() != ".zip":
        return str(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    for suffix in _DATASET_SUFFIXES:
        for name in names:
            parts = name.rstrip("/").split("/")
            for depth, part in enumerate(parts):
                if part.lower().endswith(suffix):
                    return f"/vsizip/{path}/{'/'.join(parts[: depth + 1])}"
    raise DataError([Problem(display_path(path), 0, "",
                             "no GIS dataset (.gdb, .gpkg, .shp, .geojson...) inside this zip")])


def _pick_layer(source: str, prefer: tuple[str, ...]) -> str | None:
    layers = [name for name, _ in pyogrio.list_layers(source)]
    if len(layers) <= 1:
        return None
    for key in prefer:
        for name in layers:
            if key in name.lower():
                return name
    return layers[0]


def read_vector(
    path: Path | str, layer: str | None = None, *, prefer: tuple[str, ...] = ()
) -> gpd.GeoDataFrame:
    """Read ``path`` (any GDAL format, zipped or not) with its CRS.

    ``layer`` names a layer; otherwise, in a multi-layer source, the first layer
    whose name holds one of ``prefer`` (in that order), else the first. A missing
    file, an unreadable one or one without a CRS is a :class:`DataError`.
    """
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        raise DataError([Problem(name, 0, "", "file not found")])
    try:
        source = dataset_path(path)
        gdf = gpd.read_file(source, layer=layer or _pick_layer(source, prefer), engine="pyogrio")
    except DataError:
        raise
    except Exception as exc:  # GDAL says why; keep it on one line
        raise DataError([Problem(name, 0, "", f"cannot read: {str(exc).splitlines()[0]}")]) from exc
    if gdf.crs is None:
        raise DataError([Problem(name, 0, "geometry", "no CRS: say what it is (e.g. ogr2ogr -a_srs)")])
    return gdf

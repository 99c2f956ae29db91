"""Open the dataset inside a downloaded zip (PAD-US, Natural Earth, USFS, BLM...)
without unpacking it, through GDAL's ``/vsizip/`` virtual file system."""

from __future__ import annotations

import zipfile
from pathlib import Path

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
    raise ValueError(f"{path}: no GIS dataset (.gdb, .gpkg, .shp, .geojson...) inside this zip")

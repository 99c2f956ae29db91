"""Write layers to files atomically: a temporary file beside the target, then rename.

A failed or interrupted write leaves any earlier file at the target untouched and
no partial file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import ArgumentError, FileError

FORMATS = {
    "csv": ".csv",
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "parquet": ".parquet",
}

_SUFFIX_TO_FORMAT = {".csv": "csv", ".geojson": "geojson", ".json": "geojson",
                     ".gpkg": "gpkg", ".parquet": "parquet", ".geoparquet": "parquet"}


def format_for(path: Path | str) -> str:
    """Output format implied by a file name's suffix."""
    fmt = _SUFFIX_TO_FORMAT.get(Path(path).suffix.lower())
    if fmt is None:
        raise ArgumentError(f"{path}: cannot tell the format from the suffix; "
                         f"use one of {', '.join(sorted(_SUFFIX_TO_FORMAT))}")
    return fmt


_STARTED = time.time()
"""When this process started using minetrack: temp files older than this are no one's."""


def _stale_pattern(name: str) -> re.Pattern:
    """Names of minetrack's own temp files and folders for a target called ``name``: the
    ``mkstemp`` names of :func:`_temp_beside` (and their SQLite journals), and the
    build and swap folders of :func:`write_tree`."""
    stem, suffix = re.escape(name), re.escape(Path(name).suffix)
    return re.compile(rf"^\.{stem}\.(?:[a-z0-9_]{{8}}{suffix}(?:-journal|-wal|-shm)?"
                      rf"|build-[a-z0-9_]{{8}}|old-[a-z0-9_]{{8}})$")


def sweep_stale(target: Path | str) -> list[Path]:
    """Remove temp files and folders an interrupted minetrack run (``kill -9``, power
    loss) left beside ``target``: only names of minetrack's own pattern, only those
    older than this process. Returns what was removed."""
    target = Path(target)
    pattern = _stale_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not pattern.match(entry.name):
            continue
        try:
            if entry.lstat().st_mtime >= _STARTED:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue  # another process's, or not ours to remove: leave it
    return removed


def _temp_beside(target: Path) -> Path:
    """A fresh temporary name in the target's folder (created, then removed: drivers
    such as GPKG want to create the file themselves)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    except OSError as exc:
        raise FileError.wrap(exc, target, "cannot write here") from exc
    os.close(fd)
    os.unlink(tmp)
    return Path(tmp)


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
    for sidecar in (path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            sidecar.unlink()


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto target on success.

    An OSError while writing or renaming (full disk, read-only folder, a file where a
    folder should be) becomes a :class:`FileError` naming the target; the temporary
    file is removed either way.
    """
    target = Path(target)
    tmp_path = _temp_beside(target)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as exc:
        raise FileError.wrap(exc, target, "cannot write") from exc
    finally:
        if tmp_path.exists():
            _discard(tmp_path)


def write_text(text: str, target: Path | str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_tree(out_dir: Path | str, files: dict[str, str]) -> list[Path]:
    """Write a folder of UTF-8 files all or nothing: the folder's current content and the
    new files are assembled in a temporary folder beside it, which then takes its place.

    ``files`` maps paths relative to ``out_dir`` to their text. Files already in the
    folder that ``files`` does not name are kept. A failure at any point (a full disk)
    leaves the folder exactly as it was and no temporary folder behind.
    """
    out_dir = Path(out_dir)
    parent = out_dir.parent
    if out_dir.exists() and not out_dir.is_dir():
        raise FileError(f"{out_dir}: exists and is not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(out_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=parent))
    except OSError as exc:
        raise FileError.wrap(exc, out_dir, "cannot write here") from exc
    old: Path | None = None
    try:
        if out_dir.is_dir():
            # Hard links: the old files cost nothing to keep; new ones replace links, never
            # write through them.
            shutil.copytree(out_dir, tmp, dirs_exist_ok=True, copy_function=_link_or_copy)
        for rel, text in files.items():
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.unlink(missing_ok=True)
            dest.write_text(text, encoding="utf-8")
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.replace(out_dir, old / "previous")
        os.replace(tmp, out_dir)
    except OSError as exc:
        if old is not None and not out_dir.exists():
            with contextlib.suppress(OSError):
                os.replace(old / "previous", out_dir)
        raise FileError.wrap(exc, out_dir, "cannot write") from exc
    finally:
        for leftover in (tmp, old):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return [out_dir / rel for rel in files]


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return) prefixed with a single quote, as OWASP's
    CSV-injection advice says; numbers are left alone."""
    out = frame.copy()
    cols = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    if not cols or not len(out):
        return out
    # Every text cell in one column, tested at once (a few pandas calls per frame, not
    # per column: a query's output has dozens of text columns and few rows).
    text = pd.concat([out[c].astype("string") for c in cols], ignore_index=True)
    risky = text.str.startswith(_FORMULA).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return out
    hit = np.flatnonzero(risky)
    numeric = pd.to_numeric(text.iloc[hit], errors="coerce").notna().to_numpy()
    risky[hit[numeric]] = False
    n = len(out)
    for i, col in enumerate(cols):
        mask = risky[i * n:(i + 1) * n]
        if mask.any():
            s = out[col]
            out[col] = s.where(~mask, "'" + s.astype("string"))
    return out


def as_csv(gdf: gpd.GeoDataFrame, geometry: str = "lonlat", raw: bool = False) -> str:
    """CSV text: attribute columns, then the geometry as ``longitude``/``latitude``
    (points, WGS84; ``geometry="lonlat"``) or as a WKT ``geometry`` column (any shape,
    WGS84; ``geometry="wkt"``). Formula-like text is neutralised unless ``raw``."""
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    wgs = gdf.to_crs("EPSG:4326").geometry if gdf.crs is not None else gdf.geometry
    if geometry == "wkt":
        frame["geometry"] = wgs.to_wkt(rounding_precision=7).to_numpy()
    elif "longitude" not in frame.columns and len(gdf) and (gdf.geom_type == "Point").all():
        frame = frame.assign(longitude=wgs.x.to_numpy(), latitude=wgs.y.to_numpy())
    return (frame if raw else neutralise(frame)).to_csv(index=False, lineterminator="\n")


def write_table(frame: pd.DataFrame, target: Path | str) -> Path:
    """Write a plain table as CSV (formula-like text neutralised), atomically."""
    write_text(neutralise(frame).to_csv(index=False, lineterminator="\n"), target)
    return Path(target)


def _dates_as_dates(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Timestamp columns that hold whole days become date columns (GeoPackage DATE,
    Parquet date32), so that QGIS and Arrow read dates, not text or datetimes."""
    out = gdf
    for col in gdf.columns:
        s = gdf[col]
        if pd.api.types.is_datetime64_any_dtype(s) and s.dt.tz is None:
            valid = s.dropna()
            if (valid == valid.dt.normalize()).all():
                import pyarrow as pa

                dates = pd.Series(s.dt.date.where(s.notna(), None), index=s.index)
                out = out.assign(**{col: dates.astype(pd.ArrowDtype(pa.date32()))})
    return out


def write_layer(gdf: gpd.GeoDataFrame, target: Path | str, fmt: str | None = None,
                layer: str = "sites", *, csv_geometry: str = "lonlat", raw: bool = False) -> Path:
    """Write ``gdf`` as CSV, GeoJSON, GeoPackage or GeoParquet, atomically.

    ``fmt`` defaults to the one the suffix implies. GeoJSON is written in
    WGS84 (RFC 7946); the other formats keep the layer's CRS and their types
    (dates as dates, counts as integers). ``csv_geometry`` and ``raw``: see :func:`as_csv`.
    """
    fmt = fmt or format_for(target)
    if fmt not in FORMATS:
        raise ArgumentError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt in ("gpkg", "parquet"):
        gdf = _dates_as_dates(gdf)
    with atomic_path(target) as tmp:
        if fmt == "csv":
            tmp.write_text(as_csv(gdf, csv_geometry, raw), encoding="utf-8")
        elif fmt == "geojson":
            gdf.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON", engine="pyogrio",
                                            RFC7946="YES", WRITE_NAME="NO")
        elif fmt == "gpkg":
            # Arrow carries date32 and nullable integers to GDAL as DATE and INTEGER fields.
            gdf.to_file(tmp, driver="GPKG", layer=layer, engine="pyogrio", use_arrow=True)
        else:
            gdf.to_parquet(tmp, index=False)
    return Path(target)

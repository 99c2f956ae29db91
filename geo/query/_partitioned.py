"""Queries over partitioned GeoParquet: sites split in space, layers read by halo.

A partitioned GeoParquet here is a folder of ``part-NNNNN.parquet`` files written by
:func:`write_partitioned`: rows in Hilbert order (geopandas ``hilbert_distance``), cut
into equal runs so each file covers a compact patch of the map, small row groups and
the GeoParquet 1.1 ``bbox`` covering column, so a reader asking for a box
(``geopandas.read_parquet(..., bbox=...)``) skips the row groups outside it.

Sites: each dask task reads one part file (:func:`run_dask_parts`), or the local engine
streams them batch by batch (:func:`stream_parts`); either writes one result part per
input batch, so neither holds more than a batch of sites.

Infrastructure: written the same way, then each partition reads only the features in
a *halo* around its sites (:func:`halo_infrastructure`): the partition's bounding box
grown until every site's nearest feature provably lies inside it, so a nearest answer
never misses a feature across a partition edge.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import ArgumentError, FileError

ROW_ORDER = "_row"
"""Column holding a layer's original row number, so a halo keeps the layer's order
(nearest ties go to the lowest row, as on one node)."""

HALO_MIN_FEATURES = 20_000
"""Infrastructure layers this large are read by halo; smaller ones are broadcast."""

HALO_START_DEG = 2.5
"""First halo, degrees: also covers the 1-degree coverage footprint (two cells)."""

_M_PER_DEG_MIN = 110_574.0 * 0.9
"""Metres a degree of latitude spans at least (110.57 km at the equator), less 10 %
for a great circle's shortcut against a parallel and the sphere-ellipsoid difference:
a feature outside a halo of h degrees is farther than h times this from every site."""


def hilbert_sorted(frame: gpd.GeoDataFrame, bounds=None) -> gpd.GeoDataFrame:
    """``frame`` in Hilbert-curve order of its geometries' bounding-box centres
    (level 16 over ``bounds``, default the frame's own total bounds)."""
    if not len(frame):
        return frame
    keys = frame.geometry.hilbert_distance(total_bounds=bounds, level=16)
    return frame.iloc[np.argsort(keys.to_numpy(), kind="stable")]


@contextmanager
def _folder_in_place(directory: Path) -> Iterator[Path]:
    """A temporary folder beside ``directory``, renamed onto it when the block ends
    without error (a reader never sees half a dataset); removed otherwise."""
    tmp = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.mkdir(parents=True)
        yield tmp
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(tmp, directory)
    except OSError as exc:
        raise FileError.wrap(exc, directory, "cannot write") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_partitioned(frame: gpd.GeoDataFrame, directory: str | Path, *, partitions: int,
                      row_group_rows: int = 8_192, sort: bool = True) -> list[Path]:
    """``frame`` as a partitioned GeoParquet folder: Hilbert-sorted (``sort``), cut into
    ``partitions`` runs of equal length, each a ``part-NNNNN.parquet`` with row groups of
    ``row_group_rows`` and the ``bbox`` covering column. Written to a temporary folder
    beside ``directory`` and renamed onto it, so a reader never sees half a dataset."""
    directory = Path(directory)
    if sort:
        frame = hilbert_sorted(frame)
    n = max(1, min(int(partitions), len(frame) or 1))
    with _folder_in_place(directory) as tmp:
        edges = np.linspace(0, len(frame), n + 1).astype(int)
        for i in range(n):
            _write_part(frame.iloc[edges[i]:edges[i + 1]], tmp / f"part-{i:05d}.parquet", row_group_rows)
    return sorted(directory.glob("part-*.parquet"))


def _write_part(frame: gpd.GeoDataFrame, path: Path, row_group_rows: int) -> None:
    frame.to_parquet(path, index=False, write_covering_bbox=True, row_group_size=row_group_rows)


def parquet_parts(path: str | Path) -> list[Path]:
    """The GeoParquet files of ``path``: itself, or a folder's ``*.parquet`` in name order."""
    path = Path(path)
    if path.is_dir():
        parts = sorted(p for p in path.glob("*.parquet") if not p.name.startswith("."))
        if not parts:
            raise ArgumentError(f"{path}: no .parquet files in this folder")
        return parts
    return [path]


def is_geoparquet(path: str | Path) -> bool:
    """Whether ``path`` is a GeoParquet file or a folder of them (by the 'geo' metadata)."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        first = parquet_parts(path)[0] if path.is_dir() else path
        if first.suffix.lower() not in (".parquet", ".geoparquet"):
            return False
        return b"geo" in (pq.read_schema(first).metadata or {})
    except (OSError, ArgumentError, ValueError):
        return False


def part_batches(path: str | Path, batch_rows: int = 65_536) -> Iterator[gpd.GeoDataFrame]:
    """Every part of ``path`` as GeoDataFrames of at most ``batch_rows`` rows (pyarrow
    batches), numbered on from one part to the next."""
    import pyarrow.parquet as pq

    start = 0
    for part in parquet_parts(path):
        pf = pq.ParquetFile(part)
        meta = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}"))
        if not meta:
            raise ArgumentError(f"{part}: not a GeoParquet file (no 'geo' metadata)")
        col = meta["primary_column"]
        crs = meta["columns"][col].get("crs", "OGC:CRS84")
        covering = meta["columns"][col].get("covering", {}).get("bbox")
        drop = {covering["xmin"][0]} if covering else set()
        columns = [c for c in pf.schema_arrow.names if c not in drop]
        for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
            frame = batch.to_pandas()
            geom = gpd.GeoSeries.from_wkb(frame.pop(col), crs=crs)
            frame.index = pd.RangeIndex(start, start + len(frame))
            geom.index = frame.index
            start += len(frame)
            yield gpd.GeoDataFrame(frame, geometry=geom.rename(col), crs=crs)


def _halo_box(bounds, halo_deg: float) -> tuple[float, float, float, float] | None:
    """The box ``halo_deg`` beyond ``bounds`` (lon/lat) on every side, in degrees of
    latitude and the longitude that spans as many metres at the box's highest latitude;
    None once it reaches round the world (then the whole layer is needed)."""
    xmin, ymin, xmax, ymax = bounds
    top = min(max(abs(ymin), abs(ymax)) + halo_deg, 90.0)
    if top >= 89.0:
        return None
    dlon = halo_deg / np.cos(np.radians(top))
    if xmax - xmin + 2 * dlon >= 360.0:
        return None
    box = (xmin - dlon, max(ymin - halo_deg, -90.0), xmax + dlon, min(ymax + halo_deg, 90.0))
    if box[0] < -180.0 or box[2] > 180.0:
        return None  # across the antimeridian: read it all rather than two boxes
    return box


def halo_infrastructure(sites: gpd.GeoDataFrame, classes: Sequence[str], layer_path: str | Path,
                        ) -> tuple[gpd.GeoDataFrame, float]:
    """The features of the partitioned layer at ``layer_path`` that the nearest answers
    for ``sites`` can need, and the halo (degrees; inf: the whole layer) it took.

    Starting at :data:`HALO_START_DEG`, the halo grows fourfold until every site's
    nearest feature of each class in ``classes`` lies closer than the halo's width in
    metres: any feature outside the halo is farther than that (see
    :data:`_M_PER_DEG_MIN`), so the nearest found is the nearest in the whole layer.
    Rows come back in the layer's original order (column :data:`ROW_ORDER`).
    """
    from geo.spatial.infrastructure import nearest_infrastructure

    wgs = sites.to_crs("EPSG:4326") if sites.crs is not None else sites
    bounds = wgs.total_bounds
    halo = HALO_START_DEG
    while True:
        box = _halo_box(bounds, halo) if len(sites) else None
        layer = gpd.read_parquet(layer_path, bbox=box) if box is not None else gpd.read_parquet(layer_path)
        layer = layer.sort_values(ROW_ORDER, kind="stable").reset_index(drop=True)
        if box is None:
            return layer, float("inf")
        reach = halo * _M_PER_DEG_MIN
        enough = True
        for klass in classes:
            if not (layer["class"] == klass).any():
                enough = False
                break
            res = nearest_infrastructure(wgs, layer, klass, k=1)
            d = res["distance_m"].to_numpy(dtype=float)
            if len(res) < len(wgs) or not (d < reach).all():
                enough = False
                break
        if enough:
            return layer, halo
        halo *= 4.0


def write_layer_partitioned(layer: gpd.GeoDataFrame, directory: str | Path, *, partitions: int = 16,
                            row_group_rows: int = 4_096) -> Path:
    """An infrastructure layer as partitioned GeoParquet for :func:`halo_infrastructure`,
    its original row numbers in :data:`ROW_ORDER`."""
    frame = layer.reset_index(drop=True)
    frame[ROW_ORDER] = np.arange(len(frame))
    write_partitioned(frame, directory, partitions=partitions, row_group_rows=row_group_rows)
    return Path(directory)


def _classes(query) -> list[str]:
    return list(dict.fromkeys([*query.farther_than, *query.near]))


def run_part(part: gpd.GeoDataFrame, query, layers, steps, layer_path: str | None = None
             ) -> gpd.GeoDataFrame:
    """The steps over one partition; with ``layer_path``, the infrastructure its halo holds."""
    from geo.query._engines import _run

    if layer_path is not None:
        infra, _ = halo_infrastructure(part, _classes(query), layer_path)
        layers = replace(layers, infrastructure=infra.drop(columns=[ROW_ORDER]))
    return _run(part, query, layers, steps)


def _write_result(result: gpd.GeoDataFrame, out_dir: Path, i: int) -> Path:
    path = out_dir / f"part-{i:05d}.parquet"
    _write_part(result, path, 8_192)
    return path


def stream_parts(path: str | Path, query, layers, steps, out_dir: str | Path, *,
                 batch_rows: int = 65_536, layer_path: str | None = None) -> int:
    """The steps over the GeoParquet at ``path`` (file or folder) one batch at a time,
    each batch's result written as a part of ``out_dir`` (renamed into place at the end):
    memory bounded by the batch, not the file. Returns the rows written."""
    out_dir = Path(out_dir)
    rows = 0
    with _folder_in_place(out_dir) as tmp:
        for i, batch in enumerate(part_batches(path, batch_rows)):
            result = run_part(batch, query, layers, steps, layer_path)
            _write_result(result, tmp, i)
            rows += len(result)
    return rows


def _task(part_file: str, i: int, out_dir: str | None, env) -> gpd.GeoDataFrame | int:
    query, layers, steps, layer_path = env
    part = gpd.read_parquet(part_file)
    result = run_part(part, query, layers, steps, layer_path)
    if out_dir is None:
        return result
    _write_result(result, Path(out_dir), i)
    return len(result)


def run_dask_parts(path: str | Path, query, layers, steps, *, client, out_dir: str | Path | None = None,
                   layer_path: str | None = None) -> gpd.GeoDataFrame | int:
    """One dask task per part file of ``path``: the worker reads that file (and the halo
    of ``layer_path``), runs the steps and, with ``out_dir``, writes its result part
    there (the folder must be reachable by every worker); returns the rows written, or
    without ``out_dir`` the result gathered in part order."""
    parts = [str(p) for p in parquet_parts(path)]
    # Layers read by halo stay on disk; the small ones travel once to every worker.
    from geo.query._engines import share

    shared = share(client, (query, layers, tuple(steps), layer_path))
    tmp = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        tmp = out_dir.with_name(f".{out_dir.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.mkdir(parents=True)
    try:
        futures = [client.submit(_task, p, i, str(tmp) if tmp else None, shared, pure=False)
                   for i, p in enumerate(parts)]
        results = client.gather(futures)
        if tmp is None:
            frame = pd.concat(results)
            return gpd.GeoDataFrame(frame, geometry=results[0].geometry.name, crs=results[0].crs)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
        return int(sum(results))
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def run_chunked(path: str | Path, query, layers, steps: Sequence, *,
                batch_rows: int = 65_536) -> gpd.GeoDataFrame:
    """The steps over a GeoParquet of sites (file or folder), one row-group batch at a
    time, the results gathered in memory (see :func:`stream_parts` to write them out)."""
    from geo.query._engines import _run

    parts = [_run(b, query, layers, steps) for b in part_batches(path, batch_rows)]
    return gpd.GeoDataFrame(pd.concat(parts), geometry=parts[0].geometry.name, crs=parts[0].crs)

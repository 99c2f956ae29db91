"""Engines for :func:`geo.query.run.query_sites`: the steps over dask partitions, or
over a GeoParquet file streamed in row-group batches (bounded memory).

Every step reads only the rows it is given (:mod:`geo.query.steps`), so running
them per partition and concatenating in partition order gives the single-node
answer. The layers (federal land, infrastructure, stage history) are broadcast
whole to every worker: a nearest answer therefore never misses a feature across
a partition edge. Broadcasting suits layers up to a few hundred MB (Natural
Earth rail is ~10 MB, a state's PAD-US ~100 MB); beyond that each worker pays
the layer's memory once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.core.errors import ArgumentError


def _run(part: gpd.GeoDataFrame, query, layers, steps) -> gpd.GeoDataFrame:
    out = part
    for step in steps:
        out = step(out, query, layers)
    return gpd.GeoDataFrame(out, geometry=part.geometry.name, crs=part.crs)


def run_dask(sites: gpd.GeoDataFrame, query, layers, steps: Sequence, *, client=None,
             partitions: int | None = None) -> gpd.GeoDataFrame:
    """The steps on dask-geopandas partitions of ``sites``, scheduled on ``client``
    (a :class:`distributed.Client`; none: the current default client, or a local one)."""
    import dask
    import dask_geopandas
    import distributed

    if client is None:
        try:
            client = distributed.default_client()
        except ValueError as exc:
            raise ArgumentError("--engine dask needs a scheduler: give --scheduler tcp://HOST:PORT "
                                "or a distributed.Client") from exc
    n = partitions or max(1, sum(client.nthreads().values()))
    n = max(1, min(n, len(sites) or 1))
    ddf = dask_geopandas.from_geopandas(sites, npartitions=n, sort=False)
    shared = client.scatter((query, layers, tuple(steps)), broadcast=True)
    run = dask.delayed(lambda part, env: _run(part, *env))
    parts = client.compute([run(p, shared) for p in ddf.to_delayed()], sync=True)
    return gpd.GeoDataFrame(pd.concat(parts), geometry=sites.geometry.name, crs=sites.crs)


def parquet_batches(path: str | Path, batch_rows: int = 65_536) -> Iterator[gpd.GeoDataFrame]:
    """A GeoParquet file as GeoDataFrames of at most ``batch_rows`` rows, read row
    group by row group (pyarrow), so memory is bounded by the batch, not the file."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    meta = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    if not meta:
        raise ArgumentError(f"{path}: not a GeoParquet file (no 'geo' metadata)")
    col = meta["primary_column"]
    crs = meta["columns"][col].get("crs", "OGC:CRS84")
    start = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        frame = batch.to_pandas()
        geom = gpd.GeoSeries.from_wkb(frame.pop(col), crs=crs)
        frame.index = pd.RangeIndex(start, start + len(frame))
        geom.index = frame.index
        start += len(frame)
        yield gpd.GeoDataFrame(frame, geometry=geom.rename(col), crs=crs)


def run_chunked(path: str | Path, query, layers, steps: Sequence, *,
                batch_rows: int = 65_536) -> gpd.GeoDataFrame:
    """The steps over a GeoParquet of sites, one row-group batch at a time."""
    parts = [_run(b, query, layers, steps) for b in parquet_batches(path, batch_rows)]
    return gpd.GeoDataFrame(pd.concat(parts), geometry=parts[0].geometry.name, crs=parts[0].crs)


def write_partitioned(sites: gpd.GeoDataFrame, directory: str | Path, *, partitions: int,
                      row_group_rows: int = 8_192) -> None:
    """``sites`` as partitioned GeoParquet, Hilbert-sorted so each partition is compact
    in space, with small row groups and the bbox covering column."""
    import dask_geopandas

    ddf = dask_geopandas.from_geopandas(sites, npartitions=partitions)
    ddf = ddf.spatial_shuffle(by="hilbert", npartitions=partitions)
    ddf.to_parquet(directory, write_covering_bbox=True, row_group_size=row_group_rows)

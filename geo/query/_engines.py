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

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from geo.core.errors import ArgumentError


def _run(part: gpd.GeoDataFrame, query, layers, steps) -> gpd.GeoDataFrame:
    out = part
    for step in steps:
        out = step(out, query, layers)
    return gpd.GeoDataFrame(out, geometry=part.geometry.name, crs=part.crs)


def share(client, payload):
    """One future holding ``payload`` (the query, its layers and steps), which each
    worker fetches once, when its first task needs it.

    Not ``scatter(..., broadcast=True)``: with distributed's active memory manager on
    (the default) the extra copies are dropped again, and a broadcast scatter can hang
    (dask/distributed#4907; seen here as two idle workers spinning in their event loops
    on the second query of a process). A fresh key each time (``hash=False``): a second
    query with the same layers does not race the release of the first one's data.
    """
    [future] = client.scatter([payload], hash=False)
    return future


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
    shared = share(client, (query, layers, tuple(steps)))
    run = dask.delayed(lambda part, env: _run(part, *env))
    parts = client.compute([run(p, shared) for p in ddf.to_delayed()], sync=True)
    return gpd.GeoDataFrame(pd.concat(parts), geometry=sites.geometry.name, crs=sites.crs)

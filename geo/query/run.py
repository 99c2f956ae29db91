"""Run a query: gather its layers, then its steps, in order, over the sites.

:func:`query_sites` is the local engine: it runs :data:`geo.query.steps.STEPS` one
after the other on the whole sites table. Distances are geodesic metres on WGS 84
(:mod:`geo.spatial.nearest`), whatever CRS the layers come in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.core.errors import ArgumentError
from geo.query.conditions import Query, QueryLayers
from geo.query.steps import STEPS, Step


def query_sites(
    sites: gpd.GeoDataFrame,
    query: Query | None = None,
    layers: QueryLayers | None = None,
    *,
    steps: Sequence[Step] = STEPS,
    engine: str = "local",
    client=None,
    partitions: int | None = None,
) -> gpd.GeoDataFrame:
    """Sites matching every condition of ``query``, with a column for each question.

    Parameters
    ----------
    sites:
        Sites as points (any CRS), with minetrack's site columns.
    query:
        The conditions (:class:`~geo.query.conditions.Query`); none: every site.
    layers:
        What the conditions measure against (:class:`~geo.query.conditions.QueryLayers`).
    engine:
        ``"local"`` (this process) or ``"dask"``: the steps on ``partitions`` dask-geopandas
        partitions scheduled on ``client`` (a :class:`distributed.Client`), the layers
        broadcast to every worker; the answer is the local one, row for row.

    Returns
    -------
    GeoDataFrame
        The matching sites, in the input's CRS, with ``stage_on``, ``stage_since``,
        ``days_in_stage``, ``fast41_status``, ``federal_agency``, ``federal_unit``,
        ``dist_federal_land_m``, ``dist_<class>_m`` (metres) and ``nearest_<class>``
        as the conditions and layers given call for.

    Examples
    --------
    >>> query_sites(load_sites(), Query(stage="permitting", near={"smelter": 200_000}),
    ...             QueryLayers(infrastructure=plants_as_infrastructure(load_sites())))  # doctest: +SKIP
    """
    query = query or Query()
    layers = layers or QueryLayers()
    if engine == "dask":
        from geo.query._engines import run_dask

        return run_dask(sites, query, layers, steps, client=client, partitions=partitions)
    if engine != "local":
        raise ArgumentError(f"engine {engine!r}: use 'local' or 'dask'")
    out = sites
    for step in steps:
        out = step(out, query, layers)
    return gpd.GeoDataFrame(out, geometry=sites.geometry.name, crs=sites.crs)


def gather_layers(
    sites: gpd.GeoDataFrame,
    *,
    infrastructure_files: Sequence[tuple[str | Path, str | None]] = (),
    federal_files: Sequence[str | Path] = (),
    layer_names: Sequence[str] = (),
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame, dict[str, list[int]]]:
    """The layers a query measures against, in one call.

    ``infrastructure_files``: ``(path, class or None)`` pairs; ``federal_files``:
    federal-land files; ``layer_names``: infrastructure or federal-land layer specs
    read from the download cache. minetrack's own smelters and refineries (from
    ``sites``) are always infrastructure. A file read (and repaired) before is read
    back from the cache (:mod:`geo.query._layers`). Returns (federal land or None,
    infrastructure, rows repaired per federal source), all in EPSG:4326.
    """
    from geo.io.federal_land import read_federal_land
    from geo.io.infrastructure import read_infrastructure
    from geo.query._layers import read_cached
    from geo.spatial.infrastructure import plants_as_infrastructure

    infra = [plants_as_infrastructure(sites)]
    infra += [read_cached(read_infrastructure, path, klass=klass) for path, klass in infrastructure_files]
    federal, labels = [], []
    if layer_names:  # the spec machinery (TOML, kinds) only when a spec is named
        from geo.specs.layer import load_layer, load_layer_spec
    for name in layer_names:
        spec = load_layer_spec(name)
        if spec.kind == "infrastructure":
            infra.append(load_layer(spec))
        elif spec.kind == "federal-land":
            federal.append(load_layer(spec))
            labels.append(name)
        else:
            raise ArgumentError(f"layer {name!r} is {spec.kind}, not infrastructure or federal-land")
    federal += [read_cached(read_federal_land, path) for path in federal_files]
    labels += [str(path) for path in federal_files]
    repaired = {
        label: layer.attrs.get("repaired_rows", []) for label, layer in zip(labels, federal, strict=True)
    }
    infrastructure = gpd.GeoDataFrame(
        pd.concat(infra, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    land = (
        gpd.GeoDataFrame(pd.concat(federal, ignore_index=True), geometry="geometry", crs="EPSG:4326")
        if federal
        else None
    )
    return land, infrastructure, {k: v for k, v in repaired.items() if v}

"""The dask and chunked engines give the local engine's answer, row for row."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo import load_sites
from geo.facts.permits import load_stage_events
from geo.io.infrastructure import read_infrastructure
from geo.query._partitioned import run_chunked
from geo.query.conditions import Query, QueryLayers
from geo.query.run import query_sites
from geo.query.steps import STEPS
from geo.spatial.infrastructure import plants_as_infrastructure

RAIL = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "natural-earth-v4" / \
    "ne_10m_railroads_north_america.json"


@pytest.fixture(scope="module")
def case():
    sites = load_sites()
    infra = gpd.GeoDataFrame(pd.concat([read_infrastructure(RAIL), plants_as_infrastructure(sites)],
                                       ignore_index=True), crs="EPSG:4326")
    layers = QueryLayers(infrastructure=infra, events=load_stage_events())
    query = Query(farther_than={"rail": 50_000}, near={"smelter": 2_000_000})
    return sites, query, layers, query_sites(sites, query, layers)


def test_dask_engine_on_two_workers_equals_local(case):
    distributed = pytest.importorskip("distributed")
    sites, query, layers, want = case
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        # Three queries on one client (the same layers shared again each time: a
        # broadcast scatter of the same data used to hang the second or third).
        runs = [query_sites(sites, query, layers, engine="dask", client=client, partitions=5)
                for _ in range(3)]
    assert 0 < len(want) < len(sites)
    # dask carries strings as its own StringDtype flavour; the values must match exactly.
    for got in runs:
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(want), check_dtype=False)


def test_chunked_parquet_equals_whole(case, tmp_path):
    sites, query, layers, want = case
    path = tmp_path / "sites.parquet"
    sites.to_parquet(path, row_group_size=50)
    got = run_chunked(path, query, layers, STEPS, batch_rows=50)
    assert list(got.index) == list(want.index)
    assert (got["dist_rail_m"].to_numpy() == want["dist_rail_m"].to_numpy()).all()

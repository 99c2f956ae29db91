"""Partitioned GeoParquet: Hilbert parts with the bbox column, streamed or one part per
dask task, infrastructure read by halo; always the single-node answer."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from geo import load_sites
from geo.facts.permits import load_stage_events
from geo.io.infrastructure import read_infrastructure
from geo.query._partitioned import (
    ROW_ORDER,
    halo_infrastructure,
    run_dask_parts,
    stream_parts,
    write_layer_partitioned,
    write_partitioned,
)
from geo.query.conditions import Query, QueryLayers
from geo.query.run import query_sites
from geo.query.steps import STEPS
from geo.spatial.infrastructure import nearest_infrastructure, plants_as_infrastructure

RAIL = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "natural-earth-v4" / \
    "ne_10m_railroads_north_america.json"


def random_sites(n: int, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame({"id": [f"s{i}" for i in range(n)]},
                            geometry=shapely.points(rng.uniform(-125, -65, n), rng.uniform(25, 50, n)),
                            crs="EPSG:4326")


def by_id(frame) -> pd.DataFrame:
    return pd.DataFrame(frame).sort_values("id").reset_index(drop=True)


@pytest.fixture(scope="module")
def case():
    sites = load_sites()
    infra = gpd.GeoDataFrame(pd.concat([read_infrastructure(RAIL), plants_as_infrastructure(sites)],
                                       ignore_index=True), crs="EPSG:4326")
    query = Query(farther_than={"rail": 50_000}, near={"smelter": 2_000_000})
    layers = QueryLayers(infrastructure=infra, events=load_stage_events())
    return sites, query, layers, query_sites(sites, query, layers)


def test_parts_are_hilbert_sorted_with_small_row_groups_and_the_bbox_column(tmp_path):
    sites = random_sites(20_000)
    parts = write_partitioned(sites, tmp_path / "sites", partitions=4, row_group_rows=1_000)
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(4)]
    frames = [gpd.read_parquet(p) for p in parts]
    assert sum(map(len, frames)) == len(sites)
    assert set(pd.concat(frames)["id"]) == set(sites["id"])
    # Each part is a compact patch: together far less area than four copies of the whole.
    whole = shapely.box(*sites.total_bounds).area
    assert sum(shapely.box(*f.total_bounds).area for f in frames) < 2.2 * whole
    meta = pq.ParquetFile(parts[0])
    assert max(meta.metadata.row_group(i).num_rows for i in range(meta.num_row_groups)) <= 1_000
    geo = json.loads(meta.schema_arrow.metadata[b"geo"])
    assert "bbox" in geo["columns"]["geometry"]["covering"]
    # A box read skips the rest: only rows inside (by bbox) come back.
    box = (-100.0, 30.0, -95.0, 35.0)
    got = gpd.read_parquet(tmp_path / "sites", bbox=box)
    inside = sites.cx[box[0]:box[2], box[1]:box[3]]
    assert set(got["id"]) == set(inside["id"]) and len(got) < len(sites) / 10


def test_streamed_parts_equal_the_single_node_answer(case, tmp_path):
    sites, query, layers, want = case
    write_partitioned(sites, tmp_path / "in", partitions=3)
    rows = stream_parts(tmp_path / "in", query, layers, STEPS, tmp_path / "out", batch_rows=40)
    got = gpd.read_parquet(tmp_path / "out")
    assert rows == len(got) == len(want) > 0
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) > 3  # one result part per batch
    g, w = by_id(got), by_id(want)
    assert (g["id"] == w["id"]).all()
    np.testing.assert_array_equal(g["dist_rail_m"], w["dist_rail_m"])
    assert (g["nearest_smelter"] == w["nearest_smelter"]).all()


def test_halo_grows_until_the_nearest_is_certain(tmp_path):
    rail = read_infrastructure(RAIL)
    layer = write_layer_partitioned(rail, tmp_path / "rail", partitions=8, row_group_rows=500)
    # Phoenix: rail close by, so the first halo suffices and holds a fraction of the layer.
    near = gpd.GeoDataFrame(geometry=[shapely.Point(-112.07, 33.45)], crs="EPSG:4326")
    sub, halo = halo_infrastructure(near, ["rail"], layer)
    assert halo == 2.5 and 0 < len(sub) < len(rail) / 5
    assert (np.diff(sub[ROW_ORDER]) > 0).all()  # the layer's own order
    # Bermuda: 1,000 km of sea to the nearest rail line; the halo must grow to reach it.
    far = gpd.GeoDataFrame(geometry=[shapely.Point(-64.75, 32.3)], crs="EPSG:4326")
    sub, halo = halo_infrastructure(far, ["rail"], layer)
    assert halo > 2.5
    whole = nearest_infrastructure(far, rail, "rail")
    part = nearest_infrastructure(far, sub.drop(columns=[ROW_ORDER]), "rail")
    assert part["distance_m"].iloc[0] == whole["distance_m"].iloc[0] > 500_000
    assert part["source_row"].iloc[0] == whole["source_row"].iloc[0]


def test_dask_parts_with_halo_equal_single_node_at_partition_edges(tmp_path):
    """Sites in Hilbert parts on a 2-worker cluster, rail read by halo: the sites on the
    edges of each part (nearest rail often in the next part's patch) get the single
    node's nearest, row for row."""
    distributed = pytest.importorskip("distributed")
    rail = read_infrastructure(RAIL)
    sites = random_sites(600, seed=5)
    parts = write_partitioned(sites, tmp_path / "in", partitions=6)
    edge_ids = set()
    for p in parts:
        f = gpd.read_parquet(p)
        x, y = f.geometry.x.to_numpy(), f.geometry.y.to_numpy()
        edge_ids |= set(f["id"].to_numpy()[[x.argmin(), x.argmax(), y.argmin(), y.argmax()]])
    query = Query(farther_than={"rail": 0.0})
    want = by_id(query_sites(sites, query, QueryLayers(infrastructure=rail)))
    layer = write_layer_partitioned(rail, tmp_path / "rail", partitions=8, row_group_rows=500)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        got = run_dask_parts(tmp_path / "in", query, QueryLayers(), STEPS, client=client,
                             layer_path=str(layer))
    got = by_id(got)
    assert len(got) == len(want) == len(sites)
    np.testing.assert_array_equal(got["dist_rail_m"], want["dist_rail_m"])
    assert (got["nearest_rail"].fillna("") == want["nearest_rail"].fillna("")).all()
    # The coverage footprint, too, is the whole layer's (the first halo spans its cells).
    assert (got["rail_outside_coverage"] == want["rail_outside_coverage"]).all()
    assert want["rail_outside_coverage"].any() and not want["rail_outside_coverage"].all()
    edges = got["id"].isin(edge_ids)
    assert edges.sum() >= 12
    np.testing.assert_array_equal(got.loc[edges, "dist_rail_m"], want.loc[edges, "dist_rail_m"])


def test_cli_reads_and_writes_partitioned_geoparquet(case, tmp_path, runner):
    from geo.cli import main

    sites, _, _, _ = case
    write_partitioned(sites, tmp_path / "in", partitions=4)
    res = runner.invoke(main, ["query", "--sites", str(tmp_path / "in"), "--farther-than", "rail:50km",
                               "--rail", str(RAIL), "--output", str(tmp_path / "out"), "--batch-rows", "30"])
    assert res.exit_code == 0, res.output
    got = by_id(gpd.read_parquet(tmp_path / "out"))
    infra = pd.concat([read_infrastructure(RAIL), plants_as_infrastructure(sites)], ignore_index=True)
    want = by_id(query_sites(sites, Query(farther_than={"rail": 50_000}), QueryLayers(
        infrastructure=gpd.GeoDataFrame(infra, crs="EPSG:4326"), events=load_stage_events())))
    assert 0 < len(got) == len(want)
    np.testing.assert_array_equal(got["dist_rail_m"], want["dist_rail_m"])
    # A folder of parts without a folder to write to is a one-line usage error.
    res = runner.invoke(main, ["query", "--sites", str(tmp_path / "in")])
    assert res.exit_code == 2 and "needs --output FOLDER" in res.output


# Peak resident memory of this process (VmHWM, kB): unlike ru_maxrss it does not
# carry the forking parent's peak over an exec.
_PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

_RUN = """
import sys
import geopandas as gpd
mode, src, out = sys.argv[1:4]
if mode == "stream":
    from geo.cli import main
    main(["query", "--sites", src, "--type", "mine", "--output", out, "--batch-rows", "10000"],
         standalone_mode=False)
else:
    from geo.query.conditions import Query
    from geo.query.run import query_sites
    query_sites(gpd.read_parquet(src), Query(type="mine")).to_parquet(out)
print(""" + _PEAK + """)
"""


def test_streaming_a_large_geoparquet_holds_about_a_batch_in_memory(tmp_path):
    """400k sites: streamed in 10k-row batches the run's peak RSS hardly exceeds the same
    run on 1,000 rows, while reading them whole grows it by the table's size."""
    import subprocess
    import sys

    n = 400_000
    rng = np.random.default_rng(8)
    big = gpd.GeoDataFrame({
        "id": np.char.add("site-", np.arange(n).astype(str)),
        "name": np.char.add("Generated site number ", np.arange(n).astype(str)),
        "type": rng.choice(["mine", "project", "smelter"], n),
        "stage": rng.choice(["exploration", "permitting", "production"], n),
        "country": "USA", "commodity": "copper"},
        geometry=shapely.points(rng.uniform(-120, -100, n), rng.uniform(30, 45, n)), crs="EPSG:4326")
    big.to_parquet(tmp_path / "big.parquet", row_group_size=10_000)
    big.iloc[:1_000].to_parquet(tmp_path / "small.parquet")
    peak = {}
    # The same streamed run on 1,000 rows: Python, the libraries and the bundled facts.
    for mode, src in (("stream", "big"), ("whole", "big"), ("stream", "small")):
        run = subprocess.run([sys.executable, "-c", _RUN, mode, str(tmp_path / f"{src}.parquet"),
                              str(tmp_path / f"out-{mode}-{src}")], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]
        peak[mode, src] = int(run.stdout.split()[-1]) / 1024  # MB
    floor = peak["stream", "small"]
    streamed = gpd.read_parquet(tmp_path / "out-stream-big")
    assert len(streamed) == len(gpd.read_parquet(tmp_path / "out-whole-big")) > n / 4
    grown_stream, grown_whole = peak["stream", "big"] - floor, peak["whole", "big"] - floor
    assert grown_whole > 100
    assert grown_stream < grown_whole / 3, (floor, peak)

"""Federal-land benchmark: 1M points against a PAD-US-sized polygon layer.

The layer is synthetic but shaped like PAD-US: P irregular polygons of 48 vertices
(a few km to tens of km across) over the contiguous US, in two overlapping
"feature classes" (as Fee and Designation overlap), in lon/lat. Measured in one run:

- ``geo.federal.on_federal_land`` (agency and unit per point, overlaps joined) side
  by side with ``geopandas.sjoin(predicate="intersects")``, answers compared;
- ``geo.federal.distance_to_land`` for a sample of points (geodesic metres to the
  nearest boundary, 0 inside) against ``geopandas.sjoin_nearest`` in EPSG:5070, the
  projection of both layers timed with it. Each is run ``--repeat`` times, each time in
  a fresh process that makes its own data: wall and CPU time (all threads) of the call,
  and its peak resident memory (Linux VmHWM, reset just before the call) both as a
  whole and over the process's size before the call.

    python benchmarks/bench_federal.py                      # 1,000,000 points, 200,000 polygons
    python benchmarks/bench_federal.py --points 200000 --polygons 50000
    python benchmarks/bench_federal.py --distance-only      # just the distance comparison
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.spatial.federal import distance_to_land, on_federal_land


def synthetic_land(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    cx = rng.uniform(-124, -68, n)
    cy = rng.uniform(26, 48, n)
    radius = rng.lognormal(np.log(0.02), 0.6, n)[:, None]  # degrees, median ~2 km
    angle = np.linspace(0, 2 * np.pi, 48, endpoint=False)[None, :]
    wobble = rng.uniform(0.6, 1.0, (n, 48))
    x = cx[:, None] + radius * wobble * np.cos(angle)
    y = cy[:, None] + radius * wobble * np.sin(angle)
    rings = np.stack([x, y], axis=2)
    polys = shapely.polygons(np.concatenate([rings, rings[:, :1]], axis=1))
    agencies = rng.choice(["BLM", "USFS", "NPS", "FWS", "DOD"], n, p=[0.45, 0.3, 0.1, 0.1, 0.05])
    return gpd.GeoDataFrame(
        {"agency": agencies, "unit_name": [f"unit {i}" for i in range(n)]}, geometry=polys, crs="EPSG:4326"
    )


def synthetic_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    return rng.uniform(-124, -68, n), rng.uniform(26, 48, n)


def _rss_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def _distance_child(kind: str, args: argparse.Namespace, queue) -> None:
    """In a fresh process: the data, then one timed distance call, with its memory."""
    land = synthetic_land(args.polygons, args.seed)
    x, y = synthetic_points(args.points, args.seed)
    n = args.distance_points
    sample = gpd.GeoDataFrame(geometry=shapely.points(x[:n], y[:n]), crs="EPSG:4326")
    del x, y
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    before = _rss_kb("VmRSS")
    t, c = time.perf_counter(), time.process_time()
    if kind == "minetrack":
        d = distance_to_land(sample, land)["distance_m"].to_numpy()
    else:
        land_alb, sample_alb = land.to_crs("EPSG:5070"), sample.to_crs("EPSG:5070")
        near = gpd.sjoin_nearest(sample_alb, land_alb, distance_col="d")
        d = near[~near.index.duplicated()]["d"].reindex(sample.index).to_numpy()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    queue.put({"wall": wall, "cpu": cpu, "peak_mb": _rss_kb("VmHWM") / 1024,
               "added_mb": (_rss_kb("VmHWM") - before) / 1024, "distance": d})


def _run_child(kind: str, args: argparse.Namespace) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_distance_child, args=(kind, args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def _summary(runs: list[dict], key: str) -> str:
    vals = [r[key] for r in runs]
    return f"best {min(vals):.2f} / median {statistics.median(vals):.2f}"


def compare_distance(args: argparse.Namespace) -> None:
    runs: dict[str, list[dict]] = {"minetrack": [], "sjoin_nearest": []}
    for _ in range(args.repeat):  # alternated, so a noisy spell hits both
        for kind in runs:
            runs[kind].append(_run_child(kind, args))
    ours, peer = runs["minetrack"], runs["sjoin_nearest"]
    geodesic, planar = ours[0]["distance"], peer[0]["distance"]
    rel = np.abs(planar - geodesic) / np.maximum(geodesic, 1.0)
    print(f"  distance, {args.distance_points:,} points x {args.polygons:,} polygons, {args.repeat} runs "
          f"each (fresh process per run; seconds):")
    for name, r in (("distance_to_land (geodesic)", ours), ("sjoin_nearest EPSG:5070 + projection", peer)):
        print(f"    {name:38s} wall {_summary(r, 'wall')}, CPU {_summary(r, 'cpu')}; "
              f"peak RSS {max(x['peak_mb'] for x in r):.0f} MB ({max(x['added_mb'] for x in r):.0f} MB over "
              f"the data)")
    wall = min(x["wall"] for x in peer) / min(x["wall"] for x in ours)
    cpu = min(x["cpu"] for x in peer) / min(x["cpu"] for x in ours)
    wall_med = statistics.median(x["wall"] for x in peer) / statistics.median(x["wall"] for x in ours)
    print(f"    minetrack speed-up over sjoin_nearest: {wall:.2f}x wall (best), {wall_med:.2f}x (median), "
          f"{cpu:.2f}x CPU (best); planar vs geodesic median {np.median(rel):.3%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--polygons", type=int, default=200_000)
    ap.add_argument("--distance-points", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--distance-only", action="store_true", help="skip the on_federal_land comparison")
    args = ap.parse_args()

    if not args.distance_only:
        land = synthetic_land(args.polygons, args.seed)
        pts = gpd.GeoDataFrame(
            geometry=shapely.points(*synthetic_points(args.points, args.seed)), crs="EPSG:4326"
        )
        t = time.perf_counter()
        ours = on_federal_land(pts, land)
        t_ours = time.perf_counter() - t
        t = time.perf_counter()
        joined = gpd.sjoin(pts, land, how="left", predicate="intersects")
        t_sjoin = time.perf_counter() - t
        hit_sjoin = joined.groupby(level=0)["index_right"].count().reindex(pts.index).fillna(0) > 0
        agree = (ours["on_federal_land"].to_numpy() == hit_sjoin.to_numpy()).mean()
        share = ours["on_federal_land"].mean()
        print(f"{args.points:,} points x {args.polygons:,} polygons ({share:.1%} on land)")
        print(
            f"  on_federal_land (agency + unit): {t_ours:.2f} s;  geopandas.sjoin intersects: "
            f"{t_sjoin:.2f} s ({t_sjoin / t_ours:.1f}x); same answer for {agree:.4%} of points"
        )
        del land, pts, ours, joined
    compare_distance(args)


if __name__ == "__main__":
    main()

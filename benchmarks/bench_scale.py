"""Scale benchmarks: joins, nearest and the engines, each against named peers in one run.

Every figure is the best of ``--repeat`` runs, wall time (``time.perf_counter``) with
CPU time of this process (``time.process_time``) beside it; ratios are peer / minetrack
(above 1: minetrack is faster). Points are generated with a fixed seed and go through
a GeoParquet file, as large inputs would.

    python benchmarks/bench_scale.py join --n 1000000          # 1:10m countries
    python benchmarks/bench_scale.py nearest --n 10000 100000  # NE North American rail
    python benchmarks/bench_scale.py engines --n 1000000       # local vs 2 dask workers
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
TOPO_10M = REAL / "world-atlas-ne-topojson" / "countries-10m.json"
RAIL = REAL / "natural-earth-v4" / "ne_10m_railroads_north_america.json"


def best(fn, repeat: int):
    """(result, best wall s, CPU s of that run) over ``repeat`` runs."""
    runs = []
    result = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.perf_counter() - w, time.process_time() - c))
    wall, cpu = min(runs)
    return result, wall, cpu


def line(name: str, wall: float, cpu: float, ours: float | None = None) -> None:
    ratio = f"  {wall / ours:6.2f}x" if ours else ""
    print(f"  {name:<46} wall {wall:8.2f} s  cpu {cpu:8.2f} s{ratio}", flush=True)


def points_via_parquet(n: int, bounds, seed: int, folder: Path) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = bounds
    pts = shapely.points(rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n))
    path = folder / f"points-{n}.parquet"
    gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326").to_parquet(path, write_covering_bbox=True,
                                                                row_group_size=65_536)
    return np.asarray(gpd.read_parquet(path).geometry.values)


def bench_join(args, folder: Path) -> None:
    from geo.spatial.polygon_index import repair_polygons

    raw = gpd.read_file(TOPO_10M, layer="countries").geometry.values
    polys, _ = repair_polygons(raw)  # every peer gets the same valid polygons
    polys = np.asarray(polys)
    for n in args.n:
        _join_n(n, polys, args, folder)


def _join_n(n: int, polys: np.ndarray, args, folder: Path) -> None:
    from geo.spatial.polygon_index import PolygonIndex

    if True:
        pts = points_via_parquet(n, (-180, -90, 180, 90), args.seed, folder)
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        print(f"{n:,} points (uniform on the globe) x Natural Earth 1:10m countries ({len(polys)}), "
              f"best of {args.repeat}; index build included")

        def ours():
            return PolygonIndex(polys).locate(pts)

        def strtree():
            tree = shapely.STRtree(polys)
            p, q = tree.query(pts)  # bounding-box candidates
            shapely.prepare(polys)
            hit = shapely.contains_xy(polys[q], x[p], y[p])
            out = np.full(n, -1)
            order = np.lexsort((-q[hit], p[hit]))
            out[p[hit][order]] = q[hit][order]
            return out

        def sjoin():
            frame = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")
            j = gpd.sjoin(frame, gpd.GeoDataFrame(geometry=polys, crs="EPSG:4326"), predicate="within")
            low = j.groupby(level=0)["index_right"].min()
            out = np.full(n, -1)
            out[low.index.to_numpy()] = low.to_numpy()
            return out

        got, w0, c0 = best(ours, args.repeat)
        line("minetrack PolygonIndex (build + locate)", w0, c0)
        peer_repeat = args.repeat if n <= 2_000_000 else 1
        for name, fn in (("STRtree + contains_xy", strtree), ('geopandas.sjoin(predicate="within")', sjoin)):
            res, w, c = best(fn, peer_repeat)
            line(name + ("" if peer_repeat == args.repeat else " (1 run)"), w, c, w0)
            assert np.array_equal(res, got), f"{name} disagrees at {(res != got).sum()} points"
        print("  answers identical: yes")


def bench_nearest(args, folder: Path) -> None:
    from geo.io.infrastructure import read_infrastructure

    rail = read_infrastructure(RAIL)
    lines = np.asarray(rail.geometry.values)
    albers = "EPSG:5070"
    print(f"NE 1:10m North American rail: {len(lines):,} lines; points uniform in its box; "
          f"best of {args.repeat}; planar peers in EPSG:{albers[5:]} with projection time included")
    for n in args.n:
        _nearest_n(n, lines, rail.total_bounds, albers, args, folder)


def _nearest_n(n: int, lines: np.ndarray, bounds, albers: str, args, folder: Path) -> None:
    from geo.spatial.nearest import FeatureIndex

    xmin, ymin, xmax, ymax = bounds
    if True:
        pts = points_via_parquet(n, (max(xmin, -125), max(ymin, 25), min(xmax, -65), min(ymax, 55)),
                                 args.seed, folder)
        print(f" {n:,} points")

        def ours(k=1):
            return FeatureIndex(lines).query(pts, k=k)

        def strtree():
            a = gpd.GeoSeries(lines, crs="EPSG:4326").to_crs(albers).values
            p = gpd.GeoSeries(pts, crs="EPSG:4326").to_crs(albers).values
            return shapely.STRtree(np.asarray(a)).query_nearest(np.asarray(p), return_distance=True,
                                                                 all_matches=False)

        def sjoin_nearest():
            a = gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326").to_crs(albers)
            p = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326").to_crs(albers)
            return gpd.sjoin_nearest(p, a, distance_col="d")

        _, w0, c0 = best(ours, args.repeat)
        line("minetrack FeatureIndex (geodesic, build incl.)", w0, c0)
        for name, fn in (("STRtree.query_nearest (Albers)", strtree), ("geopandas.sjoin_nearest (Albers)",
                                                                      sjoin_nearest)):
            _, w, c = best(fn, args.repeat)
            line(name, w, c, w0)
        if n == 100_000:
            _, w, c = best(lambda: ours(k=3), args.repeat)
            line("minetrack FeatureIndex k=3", w, c)


def _vmhwm_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(r.split()[1]) for r in fh if r.startswith("VmHWM")) / 1024


def bench_engines(args, folder: Path) -> None:
    """The query steps (stage, nearest rail) over generated sites: one process vs a
    2-worker LocalCluster reading Hilbert parts; from the per-partition cost, 500M on 10."""
    import subprocess
    import sys

    for n in args.n:
        rng = np.random.default_rng(args.seed)
        sites = gpd.GeoDataFrame({
            "id": np.char.add("s", np.arange(n).astype(str)),
            "type": rng.choice(["mine", "project"], n),
            "stage": rng.choice(["exploration", "permitting", "production"], n)},
            geometry=shapely.points(rng.uniform(-124, -68, n), rng.uniform(26, 48, n)), crs="EPSG:4326")
        from geo.query._partitioned import write_partitioned

        parts = max(4, n // 250_000)
        src = folder / f"sites-{n}"
        write_partitioned(sites, src, partitions=parts)
        del sites
        print(f"{n:,} sites, query: stage column + nearest rail farther than 10 km; {parts} Hilbert parts")
        for engine in ("local", "dask"):
            run = subprocess.run([sys.executable, __file__, "_engine", engine, str(src), str(folder / engine),
                                  str(args.repeat)], capture_output=True, text=True)
            if run.returncode:
                print(run.stderr[-3000:])
                raise SystemExit(1)
            print(run.stdout, end="")


def _engine_child(engine: str, src: str, out: str, repeat: int) -> None:
    from geo.io.infrastructure import read_infrastructure
    from geo.query._partitioned import parquet_parts, run_dask_parts, stream_parts
    from geo.query.conditions import Query, QueryLayers
    from geo.query.steps import STEPS

    layers = QueryLayers(infrastructure=read_infrastructure(RAIL))
    query = Query(farther_than={"rail": 10_000})
    n_parts = len(parquet_parts(src))
    import warnings

    warnings.simplefilter("ignore")
    if engine == "local":
        rows, w, c = best(lambda: stream_parts(src, query, layers, STEPS, out, batch_rows=250_000), repeat)
        line(f"single node, streamed ({rows:,} rows out)", w, c)
        print(f"  peak memory {_vmhwm_mb():.0f} MB; per 250k-row batch {w / n_parts:.2f} s wall")
        Path(out + ".per_part").write_text(str(w / n_parts))
        return
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        client.run(lambda: __import__("geo.query.steps"))  # warm the workers' imports
        rows, w, c = best(lambda: run_dask_parts(src, query, layers, STEPS, client=client, out_dir=out),
                          repeat)
        peaks = client.run(_vmhwm_mb)
    line(f"2 dask workers ({rows:,} rows out)", w, c)
    print(f"  peak memory: client {_vmhwm_mb():.0f} MB, workers "
          + ", ".join(f"{v:.0f}" for v in peaks.values()) + " MB")
    single = float(Path(out).with_name("local.per_part").read_text())
    per_part = w * 2 / n_parts  # core-seconds per 250k-row part on the cluster
    parts_500m = 500_000_000 / 250_000
    est = parts_500m * per_part / (10 * 2)
    print(f"  per 250k-row part: {per_part:.2f} core-s on dask vs {single:.2f} s single node")
    print(f"  estimate, 500M sites on 10 machines x 2 cores: {parts_500m:.0f} parts -> "
          f"{est / 60:.1f} min (+ scheduling, ~10 ms a task)")


def main() -> None:
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "_engine":
        _engine_child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["join", "nearest", "engines"])
    ap.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        {"join": bench_join, "nearest": bench_nearest, "engines": bench_engines}[args.what](args, Path(tmp))


if __name__ == "__main__":
    main()

"""Country join benchmark: random points streamed from GeoParquet against a country layer.

minetrack's grid index (geo.spatial.polygon_index.PolygonIndex) against two peers, on the
same chunks, in the same run, with identical answers checked chunk by chunk:

- ``sjoin``: ``geopandas.sjoin(points, countries, predicate="within")``;
- ``strtree``: the best plain-shapely version found: an ``STRtree`` over the (prepared)
  countries, ``tree.query(points)`` for the bounding-box candidates, then
  ``shapely.contains_xy`` on them (``tree.query(points, predicate="within")`` is 6-30x
  slower: it prepares the points, not the polygons).

Every answer is the lowest country strictly containing the point, or -1. The peers run on
the repaired layer (``repair_polygons``: on Natural Earth 1:10m as world-atlas ships it,
sjoin on the raw layer puts Alaska in Russia); the repair is timed apart, and minetrack's
build is shown both without it (same input as the peers) and with it (raw layer in).

Points: uniform in longitude/latitude (about 30 % on land), generated in chunks of
``--chunk`` rows and written with ``geo.query._partitioned.write_partitioned`` (Hilbert
order within a chunk, bbox covering column), one part file per chunk. Each method runs in
its own process (so its peak RSS is its own), reads one chunk at a time and keeps only the
answers (4 bytes a point): memory stays bounded by the chunk. minetrack reads the x, y of
each point straight from its WKB with numpy; the peers read with ``geopandas.read_parquet``
(the shapely points they need). Reading is timed apart from the join.

For large N the peers may run on every k-th chunk only (``--peer-every``); their time is
then extrapolated to all chunks, and said so.

    python benchmarks/bench_join.py                        # 1M points, 1:10m and 1:50m
    python benchmarks/bench_join.py --n 10000000 50000000 --layer 10m --peer-every 1 5
    python benchmarks/bench_join.py --fallback             # 100k points at sea: assign_polygons
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's geo, not another one's
TOPO_10M = ROOT.parent / "shared" / "realdata" / "world-atlas-ne-topojson" / "countries-10m.json"
METHODS = ("minetrack", "sjoin", "strtree")


def load_layer(name: str) -> np.ndarray:
    """The raw polygons of a country layer: ``10m`` (world-atlas TopoJSON) or ``50m``
    (the bundled one)."""
    import geopandas as gpd

    if name == "10m":
        path = Path(os.environ.get("MINETRACK_NE10M", TOPO_10M))
        return np.asarray(gpd.read_file(path, layer="countries").geometry.values)
    from geo import load_countries

    return np.asarray(load_countries().geometry.values)


def write_points(folder: Path, n: int, chunk: int, seed: int) -> list[Path]:
    """``n`` uniform random points as GeoParquet under ``folder``, one part per chunk
    (kept if already there: the folder name says n, chunk and seed)."""
    import geopandas as gpd
    import shapely

    from geo.query._partitioned import parquet_parts, write_partitioned

    done = folder / "DONE"
    if not done.exists():
        rng = np.random.default_rng(seed)
        for i, start in enumerate(range(0, n, chunk)):
            m = min(chunk, n - start)
            pts = shapely.points(rng.uniform(-180, 180, m), rng.uniform(-90, 90, m))
            frame = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")
            write_partitioned(frame, folder / f"chunk-{i:05d}", partitions=1)
        done.write_text("ok\n")
    return [parquet_parts(d)[0] for d in sorted(folder.glob("chunk-*"))]


def wkb_xy(column) -> tuple[np.ndarray, np.ndarray]:
    """x, y of a pyarrow binary column of 2D WKB points, read with numpy (21 bytes each:
    byte order, type 1, x, y); any other WKB through shapely."""
    import pyarrow as pa
    import shapely

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    if arr.null_count == 0 and np.all(np.diff(offsets) == 21):
        rows = data[offsets[0]:offsets[-1]].reshape(-1, 21)
        if (rows[:, 0] == 1).all() and (rows[:, 1:5].view("<u4").ravel() == 1).all():
            xy = rows[:, 5:21].copy().view("<f8")
            return xy[:, 0], xy[:, 1]
    geoms = shapely.from_wkb(arr.to_numpy(zero_copy_only=False))
    return shapely.get_x(geoms), shapely.get_y(geoms)


def lowest(p_i: np.ndarray, poly: np.ndarray, n: int) -> np.ndarray:
    """The lowest polygon per point from (point, polygon) pairs, -1 for none."""
    out = np.full(n, -1, dtype=np.int32)
    order = np.lexsort((-poly, p_i))
    out[p_i[order]] = poly[order]
    return out


def worker(args) -> None:
    """One method over the chunks: prints one JSON line of timings and writes answers."""
    import geopandas as gpd
    import pyarrow.parquet as pq
    import shapely

    from geo.spatial.polygon_index import PolygonIndex, repair_polygons

    chunks = [Path(p) for p in args.chunks]
    out_dir = Path(args.out)
    raw = load_layer(args.layer)
    # Fresh geometries: nothing prepared or cached from an earlier run.
    t0, c0 = time.perf_counter(), time.process_time()
    polys, _ = repair_polygons(raw)
    t_repair = (time.perf_counter() - t0, time.process_time() - c0)
    polys = shapely.from_wkb(shapely.to_wkb(polys))
    rec = {"method": args.method, "repair": t_repair, "read": [0.0, 0.0], "join": [0.0, 0.0],
           "build": [0.0, 0.0], "points": 0, "chunks": len(chunks)}
    t0, c0 = time.perf_counter(), time.process_time()
    if args.method == "minetrack":
        index = PolygonIndex(polys, repair=False)
    elif args.method == "minetrack-raw":
        index = PolygonIndex(shapely.from_wkb(shapely.to_wkb(raw)))
    elif args.method == "strtree":
        tree = shapely.STRtree(polys)
        shapely.prepare(polys)
    elif args.method == "sjoin":
        layer = gpd.GeoDataFrame(geometry=polys, crs="EPSG:4326")
    rec["build"] = [time.perf_counter() - t0, time.process_time() - c0]
    rec["join"] = list(rec["build"])  # the build is part of the join
    for chunk in chunks:
        t0, c0 = time.perf_counter(), time.process_time()
        if args.method.startswith("minetrack"):
            x, y = wkb_xy(pq.read_table(chunk, columns=["geometry"]).column("geometry"))
            n = len(x)
        else:
            frame = gpd.read_parquet(chunk, columns=["geometry"])
            n = len(frame)
        t1, c1 = time.perf_counter(), time.process_time()
        if args.method.startswith("minetrack"):
            got = index.locate_xy(x, y).astype(np.int32)
        elif args.method == "strtree":
            pts = np.asarray(frame.geometry.values)
            xy = shapely.get_coordinates(pts)
            p_i, poly = tree.query(pts)
            hit = shapely.contains_xy(polys[poly], xy[p_i, 0], xy[p_i, 1])
            got = lowest(p_i[hit], poly[hit], n)
        else:
            j = gpd.sjoin(frame, layer, how="inner", predicate="within")
            got = lowest(j.index.to_numpy(), j["index_right"].to_numpy(), n)
        t2, c2 = time.perf_counter(), time.process_time()
        rec["read"][0] += t1 - t0
        rec["read"][1] += c1 - c0
        rec["join"][0] += t2 - t1
        rec["join"][1] += c2 - c1
        rec["points"] += n
        np.save(out_dir / f"{args.method}-{chunk.parent.name}.npy", got)
    rec["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(rec))


def run(method: str, layer: str, chunks: list[Path], out: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--layer", layer, "--out", str(out),
           "--chunks", *map(str, chunks)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if res.returncode:
        raise SystemExit(f"{method} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def fmt(wall_cpu) -> str:
    return f"{wall_cpu[0]:7.2f} s ({wall_cpu[1]:6.2f} s CPU)"


def scale(args) -> None:
    data = Path(args.data)
    for n, every in zip(args.n, args.peer_every + [args.peer_every[-1]] * len(args.n), strict=False):
        chunks = write_points(data / f"points-{n}-{args.chunk}-{args.seed}", n, args.chunk, args.seed)
        sample = chunks[::every]
        for layer in args.layer:
            out = data / f"answers-{layer}-{n}"
            out.mkdir(exist_ok=True)
            runs: dict[str, list[dict]] = {m: [] for m in METHODS}
            for _ in range(args.repeat):
                for m in METHODS:
                    runs[m].append(run(m, layer, chunks if m == "minetrack" else sample, out))
            raw = run("minetrack-raw", layer, chunks[:1], out) if n == args.n[0] else None
            # Identical answers on every chunk the peers ran.
            for c in sample:
                mine = np.load(out / f"minetrack-{c.parent.name}.npy")
                for m in ("sjoin", "strtree"):
                    other = np.load(out / f"{m}-{c.parent.name}.npy")
                    if not np.array_equal(mine, other):
                        bad = np.flatnonzero(mine != other)
                        raise SystemExit(f"MISMATCH {m} {c}: {len(bad)} points, e.g. {bad[:5]}")
            scale_up = len(chunks) / len(sample)
            print(f"\n{n:,} points in {len(chunks)} chunks of {args.chunk:,}; Natural Earth 1:{layer} "
                  f"countries; {args.repeat} runs each, median (best); peers on "
                  + ("every chunk" if every == 1 else
                     f"every {every}th chunk ({len(sample)} of {len(chunks)}), times x{scale_up:.0f}"))
            on_land = sum(int((np.load(out / f"minetrack-{c.parent.name}.npy") >= 0).sum()) for c in sample)
            print(f"  answers identical on {len(sample)} chunks checked "
                  f"({on_land:,} of {len(sample) * args.chunk:,} points on land)")
            print(f"  repair_polygons (shared; peers get its output): "
                  f"{fmt(runs['minetrack'][0]['repair'])}")
            med = {}
            for m in METHODS:
                k = scale_up if m != "minetrack" else 1.0
                join_w = [r["join"][0] * k for r in runs[m]]
                join_c = [r["join"][1] * k for r in runs[m]]
                read_w = [r["read"][0] * k for r in runs[m]]
                read_c = [r["read"][1] * k for r in runs[m]]
                build = [statistics.median(r["build"][j] for r in runs[m])
                         for j in (0, 1)]
                med[m] = (statistics.median(join_w), statistics.median(join_c),
                          statistics.median(read_w), statistics.median(read_c))
                rss = max(r["peak_rss_mb"] for r in runs[m])
                print(f"  {m:10s} join incl. build {med[m][0]:7.2f} s ({med[m][1]:6.2f} s CPU), "
                      f"best {min(join_w):6.2f} s ({min(join_c):6.2f} s CPU); of it build {fmt(build)}; "
                      f"read {med[m][2]:6.2f} s ({med[m][3]:5.2f} s CPU); peak RSS {rss:,.0f} MB")
            if raw is not None:
                print(f"  minetrack on the raw layer (repair in the build), first chunk: build "
                      f"{fmt(raw['build'])}, join incl. build {fmt(raw['join'])}")
            for m in ("sjoin", "strtree"):
                print(f"  speed-up vs {m:8s}: join {med[m][0] / med['minetrack'][0]:5.2f}x wall, "
                      f"{med[m][1] / med['minetrack'][1]:5.2f}x CPU; read + join "
                      f"{(med[m][0] + med[m][2]) / (med['minetrack'][0] + med['minetrack'][2]):5.2f}x wall")


def fallback(args) -> None:
    """``assign_polygons`` on 100,000 points at sea (the nearest-country fallback,
    vectorised): uniform ones (most far from land) and ones scattered round coastline
    vertices (most within the 25 km), bundled 1:50m, index already built; the first run
    also cuts the pieces the distances use."""
    import geopandas as gpd
    import shapely

    from geo import load_countries
    from geo.spatial.join import assign_polygons, polygon_index

    countries = load_countries()
    index = polygon_index(countries)
    rng = np.random.default_rng(args.seed)
    uniform = shapely.points(rng.uniform(-180, 180, 400_000), rng.uniform(-70, 80, 400_000))
    coast = shapely.get_coordinates(shapely.boundary(countries.geometry.values))
    near = shapely.points(coast[rng.integers(0, len(coast), 400_000)] + rng.normal(0, 0.1, (400_000, 2)))
    for label, pts in (("uniform", uniform), ("near coasts", near)):
        sea = pts[index.locate(pts) < 0][:100_000]
        frame = gpd.GeoSeries(sea, crs="EPSG:4326")
        walls, cpus = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            a = assign_polygons(frame, countries)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        rules = a["rule"].value_counts().to_dict()
        print(f"assign_polygons, {len(sea):,} points at sea, {label}: median "
              f"{statistics.median(walls):.2f} s ({statistics.median(cpus):.2f} s CPU), "
              f"first {walls[0]:.2f} s ({cpus[0]:.2f} s CPU); rules {rules}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--layer", nargs="+", default=["10m", "50m"], choices=["10m", "50m"])
    ap.add_argument("--chunk", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-every", type=int, nargs="+", default=[1],
                    help="peers on every k-th chunk (one k per --n, the last repeated)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--data", default="/tmp/minetrack-bench-join")
    ap.add_argument("--fallback", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--chunks", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.method = args.worker
        args.layer = args.layer[0]
        worker(args)
    elif args.fallback:
        fallback(args)
    else:
        Path(args.data).mkdir(parents=True, exist_ok=True)
        scale(args)


if __name__ == "__main__":
    main()

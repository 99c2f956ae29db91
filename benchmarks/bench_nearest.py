"""Nearest-line benchmark: N points against M line segments.

minetrack's spherical index (geo.nearest.FeatureIndex, geodesic metres on WGS 84)
side by side with ``geopandas.sjoin_nearest`` in a projected CRS (EPSG:5070, CONUS
Albers, planar metres), in one run on the same data:

- segments: M random straight segments up to ~2 km long, uniform over the
  contiguous US, each one its own LineString row; or (``--per-line K``) M segments
  as M/K random-walk polylines of K ~1 km steps, as rail and road layers come;
- points: N random points over the same box.

Both answers are compared: which segment is nearest (the share of points on which
they agree; where they differ, the geodesic distance to sjoin_nearest's pick is
checked against minetrack's, so a disagreement can only be a near-tie that the
Albers projection's scale error flips) and how far apart the distances are (Albers
scale error: up to about 1 % over CONUS).

    python benchmarks/bench_nearest.py                  # 100,000 points, 1,000,000 segments
    python benchmarks/bench_nearest.py --points 20000 --segments 200000
    python benchmarks/bench_nearest.py --per-line 100       # 10,000 polylines of 100 segments
    python benchmarks/bench_nearest.py --real               # real layers, 10k and 100k points

``--real`` measures real polyline layers: Natural Earth 1:10m North American rail
(points uniform over -125..-65 E, 25..55 N; peers in EPSG:5070) and the roads of the
2013 OSM extract of Liechtenstein (``highway`` not null; points uniform over the roads'
bounding box; peers in UTM 32N, EPSG:32632). For 10,000 and 100,000 points each:
minetrack build + query, ``shapely.STRtree.query_nearest`` and
``geopandas.sjoin_nearest`` with their ``to_crs`` included, wall and CPU, best and
median of ``--repeat``; ratio = best peer / minetrack (above 1: minetrack faster);
agreement on the nearest feature, and where they differ, how much farther (geodesic)
the peer's pick is. Then k = 3 for 100,000 points on the rail layer.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.spatial.nearest import GEOD, FeatureIndex

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
RAIL = REAL / "natural-earth-v4" / "ne_10m_railroads_north_america.json"
OSM = REAL / "osm-liechtenstein-2013" / "liechtenstein-2013-08-03.osm.pbf"


def random_walks(m: int, per_line: int, seed: int) -> np.ndarray:
    """m segments as m // per_line random-walk polylines (like real rail or road lines)."""
    rng = np.random.default_rng(seed)
    n = m // per_line
    start = np.column_stack([rng.uniform(-124, -68, n), rng.uniform(26, 48, n)])
    steps = rng.normal(0, 0.01, (n, per_line, 2))  # ~1 km steps
    coords = np.concatenate([start[:, None, :], start[:, None, :] + np.cumsum(steps, axis=1)], axis=1)
    return shapely.linestrings(coords)


def random_segments(m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-124, -68, m)
    y0 = rng.uniform(26, 48, m)
    length = rng.uniform(0.0, 0.02, m)  # degrees, up to ~2 km
    angle = rng.uniform(0, 2 * np.pi, m)
    coords = np.stack(
        [
            np.column_stack([x0, y0]),
            np.column_stack([x0 + length * np.cos(angle), y0 + length * np.sin(angle)]),
        ],
        axis=1,
    )
    return shapely.linestrings(coords)


def random_points(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    return shapely.points(rng.uniform(-124, -68, n), rng.uniform(26, 48, n))


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return result, times


def timed_cpu(fn, repeat: int):
    """(result, wall times, CPU times) of ``repeat`` runs."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return result, walls, cpus


def _figure(name: str, walls, cpus, ours: float | None = None) -> str:
    ratio = f"  {min(walls) / ours:5.2f}x" if ours else ""
    return (f"  {name:<44} wall {min(walls):6.3f} s (median {statistics.median(walls):6.3f})  "
            f"cpu {min(cpus):6.3f} s (median {statistics.median(cpus):6.3f}){ratio}")


def real_layers():
    """(name, lines in lon/lat, point box, planar CRS of the peers) per real layer."""
    import pyogrio

    rail = gpd.read_file(RAIL)
    roads = pyogrio.read_dataframe(OSM, layer="lines", where="highway IS NOT NULL")
    return [
        ("Natural Earth 1:10m North American rail", np.asarray(rail.geometry.values),
         (-125.0, 25.0, -65.0, 55.0), "EPSG:5070"),
        ("OSM Liechtenstein 2013 roads", np.asarray(roads.geometry.values),
         tuple(roads.total_bounds), "EPSG:32632"),
    ]


def bench_real(repeat: int, seed: int, sizes=(10_000, 100_000)) -> None:
    for layer, lines, (xmin, ymin, xmax, ymax), crs in real_layers():
        nseg = int(shapely.get_num_coordinates(lines).sum())
        print(f"{layer}: {len(lines):,} lines, {nseg:,} vertices; peers in {crs}, to_crs included; "
              f"best of {repeat} (median); ratio = best peer / minetrack wall", flush=True)
        for n in sizes:
            rng = np.random.default_rng(seed)
            pts = shapely.points(rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n))

            def ours(k=1, lines=lines, pts=pts):
                return FeatureIndex(lines).query(pts, k=k)

            def strtree(lines=lines, pts=pts, crs=crs):
                a = gpd.GeoSeries(lines, crs="EPSG:4326").to_crs(crs).values
                p = gpd.GeoSeries(pts, crs="EPSG:4326").to_crs(crs).values
                return shapely.STRtree(np.asarray(a)).query_nearest(np.asarray(p), return_distance=True,
                                                                     all_matches=False)

            def sjoin_nearest(lines=lines, pts=pts, crs=crs):
                a = gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326").to_crs(crs)
                p = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326").to_crs(crs)
                return gpd.sjoin_nearest(p, a, distance_col="d")

            mine, w0, c0 = timed_cpu(ours, repeat)
            tree_res, w1, c1 = timed_cpu(strtree, repeat)
            sj, w2, c2 = timed_cpu(sjoin_nearest, repeat)
            best_peer = min(min(w1), min(w2))
            best_cpu = min(min(c1), min(c2))
            print(f" {n:,} points", flush=True)
            print(_figure("minetrack FeatureIndex (build + query)", w0, c0))
            print(_figure("shapely STRtree.query_nearest", w1, c1, min(w0)))
            print(_figure("geopandas.sjoin_nearest", w2, c2, min(w0)))
            print(f"  minetrack vs best peer: {best_peer / min(w0):.2f}x wall, {best_cpu / min(c0):.2f}x CPU")
            feat = np.full(n, -1)
            feat[mine.point] = mine.feature
            dist = np.full(n, np.nan)
            dist[mine.point] = mine.distance_m
            (pi, li), _ = tree_res
            peer = np.full(n, -1)
            peer[pi] = li
            differ = np.flatnonzero(feat != peer)
            sj = sj[~sj.index.duplicated(keep="first")].sort_index()
            same_sj = float(np.mean(sj["index_right"].to_numpy() == feat))
            line = (f"  same nearest line: STRtree {1 - len(differ) / n:.4%}, sjoin_nearest {same_sj:.4%}")
            if len(differ):
                # Geodesic distance to the peer's pick: a disagreement must be a near-tie.
                res = FeatureIndex(lines[peer[differ]]).query(pts[differ], k=1)
                worse = np.full(len(differ), np.nan)
                worse[res.point] = res.distance_m - dist[differ][res.point]
                line += (f"; where STRtree differs its pick is geodesically farther by "
                         f"{np.nanmin(worse):.2f} .. {np.nanmax(worse):.2f} m")
            print(line, flush=True)
        if "rail" in layer:
            n = sizes[-1]
            rng = np.random.default_rng(seed)
            pts = shapely.points(rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n))
            _, w, c = timed_cpu(lambda lines=lines, pts=pts: FeatureIndex(lines).query(pts, k=3), repeat)
            print(_figure(f"minetrack k=3, {n:,} points (build + query)", w, c), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--per-line", type=int, default=1,
                    help="segments per line: 1 = every segment its own row; e.g. 100 = random-walk polylines")
    ap.add_argument("--real", action="store_true",
                    help="real layers (NE rail, OSM Liechtenstein roads) against STRtree and sjoin_nearest")
    args = ap.parse_args()
    if args.real:
        bench_real(args.repeat, args.seed)
        return

    segs = (random_segments(args.segments, args.seed) if args.per_line == 1
            else random_walks(args.segments, args.per_line, args.seed))
    pts = random_points(args.points, args.seed)
    seg_gdf = gpd.GeoDataFrame(geometry=segs, crs="EPSG:4326")
    pt_gdf = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")
    seg_alb = seg_gdf.to_crs("EPSG:5070")
    pt_alb = pt_gdf.to_crs("EPSG:5070")

    def ours():
        return FeatureIndex(segs).query(pts, k=1)

    def base():
        return gpd.sjoin_nearest(pt_alb, seg_alb, distance_col="distance_m")

    mine, t_ours = timed(ours, args.repeat)
    theirs, t_base = timed(base, args.repeat)
    t_index = min(timed(lambda: FeatureIndex(segs), args.repeat)[1])

    theirs = theirs[~theirs.index.duplicated(keep="first")].sort_index()
    ours_feat = np.full(len(pts), -1)
    ours_feat[mine.point] = mine.feature
    ours_dist = np.full(len(pts), np.nan)
    ours_dist[mine.point] = mine.distance_m
    base_feat = theirs["index_right"].to_numpy()
    agree = ours_feat == base_feat
    # Where they differ, how far is sjoin_nearest's pick, measured geodesically?
    differ = np.flatnonzero(~agree)
    worse = []
    if len(differ):
        picked = FeatureIndex(segs[base_feat[differ]])
        res = picked.query(pts[differ], k=1)
        d_pick = np.full(len(differ), np.nan)
        d_pick[res.point] = res.distance_m
        worse = d_pick - ours_dist[differ]
    rel = np.abs(theirs["distance_m"].to_numpy() - ours_dist) / np.maximum(ours_dist, 1.0)

    print(f"{args.points:,} points x {args.segments:,} segments in {len(segs):,} lines, "
          f"best of {args.repeat} (median)")
    print(
        f"  minetrack FeatureIndex (geodesic): {min(t_ours):.2f} s ({statistics.median(t_ours):.2f} s); "
        f"index build alone {t_index:.2f} s"
    )
    print(f"  geopandas.sjoin_nearest (EPSG:5070): {min(t_base):.2f} s ({statistics.median(t_base):.2f} s)")
    print(f"  speed-up: {min(t_base) / min(t_ours):.1f}x")
    print(f"  same nearest segment: {agree.mean():.4%} of points ({len(differ)} differ)")
    if len(differ):
        print(
            f"  where they differ, sjoin_nearest's pick is geodesically farther by "
            f"{np.nanmin(worse):.1f} .. {np.nanmax(worse):.1f} m "
            f"(never closer: {bool(np.nanmin(worse) >= -0.01)})"
        )
    print(f"  Albers planar vs geodesic distance: median {np.nanmedian(rel):.3%}, max {np.nanmax(rel):.3%}")
    _, _, check = GEOD.inv(shapely.get_x(pts[:1]), shapely.get_y(pts[:1]), mine.lon[:1], mine.lat[:1])
    assert np.allclose(check, mine.distance_m[:1])


if __name__ == "__main__":
    main()

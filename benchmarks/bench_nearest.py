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
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
import shapely

from geo.spatial.nearest import GEOD, FeatureIndex


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--per-line", type=int, default=1,
                    help="segments per line: 1 = every segment its own row; e.g. 100 = random-walk polylines")
    args = ap.parse_args()

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

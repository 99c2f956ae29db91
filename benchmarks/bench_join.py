"""Country join benchmark: N random points against the bundled countries.

Compares minetrack's subdivided index (geo.polygon_index.PolygonIndex) with plain
``geopandas.sjoin(predicate="within")`` in one run, checks that both assign every
point identically, and prints timings and the ratio.

    python benchmarks/bench_join.py            # 1,000,000 points
    python benchmarks/bench_join.py --n 200000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
import shapely

from geo import load_countries
from geo.spatial.polygon_index import PolygonIndex


def random_points(n: int, seed: int) -> np.ndarray:
    """Uniform in longitude/latitude over the whole globe (about 30 % fall on land)."""
    rng = np.random.default_rng(seed)
    return shapely.points(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n))


def baseline(points: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> np.ndarray:
    joined = gpd.sjoin(points, countries, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    out = np.full(len(points), -1, dtype=np.int64)
    hit = joined["index_right"].notna().to_numpy()
    out[joined.index.to_numpy()[hit]] = joined["index_right"].to_numpy()[hit].astype(np.int64)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-vertices", type=int, default=128)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    countries = load_countries()
    pts = random_points(args.n, args.seed)
    gdf = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")
    t_base, t_build, t_query = [], [], []
    for _ in range(args.repeat):
        c = countries.copy()  # fresh spatial index each round: sjoin builds its own
        t0 = time.perf_counter()
        expected = baseline(gdf, c)
        t_base.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        index = PolygonIndex(countries.geometry.values, max_vertices=args.max_vertices)
        t_build.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = index.locate(pts)
        t_query.append(time.perf_counter() - t0)
        if not np.array_equal(got, expected):
            diff = np.flatnonzero(got != expected)
            raise SystemExit(f"MISMATCH at {len(diff)} points, e.g. {diff[:5]}")

    base = statistics.median(t_base)
    build = statistics.median(t_build)
    query = statistics.median(t_query)
    on_land = int((got >= 0).sum())
    print(f"points: {args.n:,} ({on_land:,} on land); countries: {len(countries)}; "
          f"pieces: {len(index.pieces):,} (max {args.max_vertices} vertices)")
    print(f"geopandas.sjoin(within)      : {base:.3f} s")
    print(f"PolygonIndex build           : {build:.3f} s (once per layer)")
    print(f"PolygonIndex locate          : {query:.3f} s")
    print(f"speed-up, build + locate     : {base / (build + query):.2f}x")
    print(f"speed-up, locate (index kept): {base / query:.2f}x")
    print("assignments identical: yes")


if __name__ == "__main__":
    main()

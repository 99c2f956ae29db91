"""Federal-land benchmark: 1M points against a PAD-US-sized polygon layer.

The layer is synthetic but shaped like PAD-US: P irregular polygons of 48 vertices
(a few km to tens of km across) over the contiguous US, in two overlapping
"feature classes" (as Fee and Designation overlap), in lon/lat. Measured in one run:

- ``geo.federal.on_federal_land`` (agency and unit per point, overlaps joined) side
  by side with ``geopandas.sjoin(predicate="intersects")``, answers compared;
- ``geo.federal.distance_to_land`` for a sample of points (geodesic metres to the
  nearest boundary, 0 inside) against ``geopandas.sjoin_nearest`` in EPSG:5070.

    python benchmarks/bench_federal.py                      # 1,000,000 points, 200,000 polygons
    python benchmarks/bench_federal.py --points 200000 --polygons 50000
"""

from __future__ import annotations

import argparse
import time

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--polygons", type=int, default=200_000)
    ap.add_argument("--distance-points", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    land = synthetic_land(args.polygons, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    pts = gpd.GeoDataFrame(
        geometry=shapely.points(rng.uniform(-124, -68, args.points), rng.uniform(26, 48, args.points)),
        crs="EPSG:4326",
    )

    t = time.perf_counter()
    ours = on_federal_land(pts, land)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    joined = gpd.sjoin(pts, land, how="left", predicate="intersects")
    t_sjoin = time.perf_counter() - t
    hit_sjoin = joined.groupby(level=0)["index_right"].count().reindex(pts.index).fillna(0) > 0
    agree = (ours["on_federal_land"].to_numpy() == hit_sjoin.to_numpy()).mean()

    sample = pts.iloc[: args.distance_points]
    t = time.perf_counter()
    dist = distance_to_land(sample, land)
    t_dist = time.perf_counter() - t
    land_alb, sample_alb = land.to_crs("EPSG:5070"), sample.to_crs("EPSG:5070")
    t = time.perf_counter()
    near = gpd.sjoin_nearest(sample_alb, land_alb, distance_col="d")
    t_near = time.perf_counter() - t
    near = near[~near.index.duplicated()]
    rel = np.abs(near["d"].to_numpy() - dist["distance_m"].to_numpy()) / np.maximum(dist["distance_m"], 1.0)

    print(
        f"{args.points:,} points x {args.polygons:,} polygons ({ours['on_federal_land'].mean():.1%} on land)"
    )
    print(
        f"  on_federal_land (agency + unit): {t_ours:.2f} s;  geopandas.sjoin intersects: {t_sjoin:.2f} s "
        f"({t_sjoin / t_ours:.1f}x); same answer for {agree:.4%} of points"
    )
    print(
        f"  distance_to_land, {len(sample):,} points (geodesic): {t_dist:.2f} s;  "
        f"sjoin_nearest EPSG:5070 (planar): {t_near:.2f} s; planar vs geodesic median {np.median(rel):.3%}"
    )


if __name__ == "__main__":
    main()

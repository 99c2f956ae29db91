"""Terrain benchmark: 100,000 sites on a 10,000 x 10,000 DEM.

A synthetic DEM (int16, tiled 512 x 512, deflate; fractal-ish relief, a UTM 12N grid
of 30 m pixels) is written to a temporary GeoTIFF; sites are spread over it. Measured
in one run, best of 3 (wall and CPU):

- ``geo.spatial.terrain.terrain``: elevation, Horn slope and 5 km relief per site;
- the peer: a plain ``rasterio`` ``DatasetReader.sample`` loop over the same points,
  elevation only (the usual way to "sample a DEM at points").

    python benchmarks/bench_terrain.py                 # 100,000 sites, 10,000 x 10,000 px
    python benchmarks/bench_terrain.py --sites 20000 --size 4000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin

from geo.spatial.terrain import terrain


def timed(fn, repeat):
    best = (np.inf, np.inf, None)
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, (time.perf_counter() - w, time.process_time() - c, out), key=lambda b: b[0])
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.size
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        dem = Path(tmp) / "dem.tif"
        x0, y0 = 300_000.0, 3_700_000.0
        profile = {
            "driver": "GTiff",
            "width": n,
            "height": n,
            "count": 1,
            "dtype": "int16",
            "crs": "EPSG:32612",
            "transform": from_origin(x0, y0 + 30 * n, 30, 30),
            "tiled": True,
            "blockxsize": 512,
            "blockysize": 512,
            "compress": "deflate",
            "nodata": -32768,
        }
        t = time.perf_counter()
        with rasterio.open(dem, "w", **profile) as d:
            for r in range(0, n, 512):
                h = min(512, n - r)
                yy = np.arange(r, r + h)[:, None] / n
                xx = np.arange(n)[None, :] / n
                z = 1500 + 800 * np.sin(6 * xx) * np.cos(5 * yy) + 200 * np.sin(40 * xx + 30 * yy)
                d.write(z.astype("int16"), 1, window=rasterio.windows.Window(0, r, n, h))
        print(f"DEM {n:,} x {n:,} written in {time.perf_counter() - t:.1f} s")
        xs = x0 + rng.uniform(0, 30 * n, args.sites)
        ys = y0 + rng.uniform(0, 30 * n, args.sites)
        sites = gpd.GeoDataFrame(
            {"id": np.arange(args.sites).astype(str)}, geometry=gpd.points_from_xy(xs, ys), crs=32612
        ).to_crs(4326)
        w, c, res = timed(lambda: terrain(sites, [dem], radius_m=5_000), args.repeat)
        print(f"minetrack terrain (elevation, slope, 5 km relief): {w:.2f} s wall / {c:.2f} s CPU")

        def peer():
            with rasterio.open(dem) as src:
                return np.array([v[0] for v in src.sample(zip(xs, ys, strict=True))])

        pw, pc, values = timed(peer, args.repeat)
        print(f"rasterio .sample loop (elevation only):            {pw:.2f} s wall / {pc:.2f} s CPU")
        print(f"ratio: {pw / w:.2f}x wall, {pc / c:.2f}x CPU (peer / minetrack; >1: minetrack faster)")
        same = np.mean(res["elevation_m"].to_numpy() == values.astype(float))
        print(f"elevations identical to the peer's for {same:.4%} of sites")


if __name__ == "__main__":
    main()

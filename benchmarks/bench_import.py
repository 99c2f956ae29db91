"""Import benchmark: ``minetrack import`` plus the country join of N points, on one core.

Points are generated over the land of the world (half of them with a stated
country, half left to the join, 3 % at sea), written as CSV and as GeoPackage, then
read three ways in the same run, each repeated and timed (wall and CPU):

- ``geo.facts.importing.import_sites`` (read, map, place, join, check every row,
  split the rejects; countries from the bundled Natural Earth 1:50m polygons);
- the peer: a plain ``pandas.read_csv`` / ``geopandas.read_file`` + ``points_from_xy``
  + ``geopandas.sjoin(predicate="within")`` against the same polygons (no checks,
  no coastal fallback, no rejects);
- the join alone, ``geo.spatial.join.assign_polygons``, on points that are all at sea
  (the coastal fallback, once 3-6 ms of CPU per point).

    OMP_NUM_THREADS=1 python benchmarks/bench_import.py            # 100,000 points
    python benchmarks/bench_import.py --points 20000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.facts.countries import load_countries
from geo.facts.importing import import_sites
from geo.spatial.join import assign_polygons


def timed(fn, repeat: int):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def points_on_land(n: int, countries: gpd.GeoDataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    land = countries[countries["iso_official"].astype(bool)]
    pts = land.sample_points(size=np.maximum(1, (n * land.area / land.area.sum()).round().astype(int)),
                             rng=rng).explode(index_parts=False)
    pts = pts.iloc[rng.permutation(len(pts))[:n]]
    iso = land.loc[pts.index, "iso_a3"].to_numpy()
    frame = pd.DataFrame({"name": [f"site {i}" for i in range(len(pts))], "lat": pts.y.to_numpy(),
                          "lon": pts.x.to_numpy(), "country": np.where(np.arange(len(pts)) % 2, iso, "")})
    sea = rng.choice(len(frame), int(0.03 * len(frame)), replace=False)
    frame.loc[sea, ["lat", "lon", "country"]] = [0.5, -25.0, ""]  # mid-Atlantic
    return frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    countries = load_countries()
    frame = points_on_land(args.points, countries, args.seed)
    n = len(frame)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "points.csv"
        frame.to_csv(csv_path, index=False)
        gpkg_path = Path(tmp) / "points.gpkg"
        gpd.GeoDataFrame(frame[["name", "country"]], geometry=gpd.points_from_xy(frame.lon, frame.lat),
                         crs=4326).to_crs(3857).to_file(gpkg_path, engine="pyogrio")

        def peer_csv():
            df = pd.read_csv(csv_path, keep_default_na=False)
            g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)
            return gpd.sjoin(g, countries[["iso_a3", "geometry"]], predicate="within", how="left")

        def peer_gpkg():
            g = gpd.read_file(gpkg_path, engine="pyogrio").to_crs(4326)
            return gpd.sjoin(g, countries[["iso_a3", "geometry"]], predicate="within", how="left")

        import_sites(csv_path, skip_invalid=True, keep_offshore=True)  # warm caches (polygons, index)
        print(f"{n:,} points, {os.cpu_count()} cores visible, best of {args.repeat}; wall s / CPU s")
        for label, path in (("CSV", csv_path), ("GeoPackage (EPSG:3857)", gpkg_path)):
            res, w, c = timed(lambda p=path: import_sites(p, skip_invalid=True), args.repeat)
            peer, pw, pc = timed(peer_csv if path == csv_path else peer_gpkg, args.repeat)
            print(f"  {label}: minetrack import {w:6.2f} / {c:6.2f}  ({len(res.sites):,} kept, "
                  f"{res.rejects['row'].nunique():,} rejected)")
            print(f"  {label}: read + sjoin     {pw:6.2f} / {pc:6.2f}  -> ratio {pw / w:4.2f}x wall, "
                  f"{pc / c:4.2f}x CPU (peer / minetrack; >1 means minetrack is faster)")
            # Same answers where the join decided: rows with no stated country, inside a polygon.
            joined = res.sites[res.sites["country_rule"] == "within"].set_index("name")["country"]
            theirs = peer.drop_duplicates("name").set_index("name")["iso_a3"].reindex(joined.index)
            print(f"  {label}: countries the join found agree with sjoin for "
                  f"{(joined == theirs).mean():.4%} of {len(joined):,} sites")
        sea = gpd.GeoSeries(shapely.points(np.random.default_rng(1).uniform(-170, 170, n),
                                           np.random.default_rng(2).uniform(-60, 70, n)), crs=4326)
        _, w, c = timed(lambda: assign_polygons(sea, countries), args.repeat)
        print(f"  country join of {n:,} random points (about 70 % at sea): {w:.2f} s wall / {c:.2f} s CPU")


if __name__ == "__main__":
    main()

"""Tracker-store benchmark, both backends: import of N sites, single edits, one batch of
changes, and the diff of two releases of N sites, each beside a plain peer in the same run.

- **import**: ``Store.import_file`` (read, map, join to countries, check, log one change
  per site) of a CSV of N points on land; peer: the same points written without checks
  or history (GDAL's GeoPackage writer / PostgreSQL ``COPY``).
- **single edits**: ``Store.edit`` one field of a random site, each its own checked and
  logged transaction; peer: a bare one-row ``UPDATE`` + commit.
- **batch**: ``Store.apply`` of M changes in one transaction; peer: ``executemany``
  UPDATE in one transaction.
- **diff**: ``Store.diff`` of two releases of N sites (1 % moved, 1 % changed stage);
  peer: a pandas merge of the two frames on id, comparing every column.

Wall and CPU seconds (CPU of this process; PostgreSQL's own server time is not in it, so
the PostGIS wall time is the one to read). Import, batch and diff: best of ``--repeat``;
edits: one run of ``--edits``, with the median and 95th percentile per edit.

    python benchmarks/bench_store.py                       # 100k sites, 10k edits, 10k batch
    python benchmarks/bench_store.py --sites 20000 --edits 1000 --backend gpkg
    MINETRACK_BENCH_PG=postgresql:///bench?host=/tmp/pg python benchmarks/bench_store.py

PostGIS runs on ``$MINETRACK_BENCH_PG`` (a database it may fill), or on a throw-away cluster
it starts itself from Debian's server binaries (see tests/pg.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.facts.countries import load_countries, load_us_states
from geo.facts.store import Store
from geo.facts.store.tracker import Change

SOURCE = "minetrack benchmark, synthetic change, 2026"


def timed(fn, repeat: int = 1):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def sites_csv(n: int, path: Path, seed: int) -> pd.DataFrame:
    """N points sampled on land in proportion to area, each stating its country."""
    rng = np.random.default_rng(seed)
    countries = load_countries()
    land = countries[countries["iso_official"].astype(bool)]
    # Keep away from borders (the store refuses a point outside its stated country).
    inner = land.assign(geometry=land.to_crs("EPSG:6933").buffer(-2000).to_crs(4326))
    inner = inner[~inner.geometry.is_empty]
    share = inner.to_crs("EPSG:6933").area
    counts = np.maximum(1, np.round(1.1 * n * share / share.sum()).astype(int))
    pts = inner.sample_points(size=counts, rng=rng).explode(index_parts=False)
    pts = pts.iloc[rng.permutation(len(pts))[:n]]
    frame = pd.DataFrame({"name": [f"bench site {i}" for i in range(len(pts))],
                          "latitude": pts.y.round(6).to_numpy(), "longitude": pts.x.round(6).to_numpy(),
                          "country": inner.loc[pts.index, "iso_a3"].to_numpy(), "type": "mine",
                          "stage": "production", "commodities": "copper",
                          "citation": "minetrack benchmark, synthetic sites, 2026"})
    # US sites name their state; US points not inside one (near a state line) are dropped.
    states = load_us_states()
    us = frame["country"] == "USA"
    pts_us = gpd.GeoSeries(gpd.points_from_xy(frame.longitude[us], frame.latitude[us]), crs=4326,
                           index=frame.index[us])
    hit = gpd.sjoin(gpd.GeoDataFrame(geometry=pts_us), states.to_crs(4326), predicate="within")
    hit = hit[~hit.index.duplicated()]
    frame["admin1"] = ""
    frame.loc[hit.index, "admin1"] = hit["postal"]
    frame = frame[~us | (frame["admin1"] != "")].reset_index(drop=True)
    frame["name"] = [f"bench site {i}" for i in range(len(frame))]
    frame.to_csv(path, index=False)
    return frame


@contextlib.contextmanager
def postgis_server():
    if os.environ.get("MINETRACK_BENCH_PG"):
        yield os.environ["MINETRACK_BENCH_PG"]
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import pg

    why = pg.unavailable()
    if why:
        raise SystemExit(f"PostGIS: {why}")
    with pg.cluster() as url:
        yield url


def _fresh(backend: str, tmp: Path, server: str | None, k: int) -> str:
    if backend == "gpkg":
        return str(tmp / f"s{k}.gpkg")
    import psycopg

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import pg

    name = f"bench_{k}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return pg.database_url(server, name)


def _raw(url: str):
    if url.startswith("postgresql"):
        import psycopg

        return psycopg.connect(url)
    from geo.facts.store.backends.gpkg import register_gpkg_functions

    conn = sqlite3.connect(url)
    register_gpkg_functions(conn)  # GDAL's R-tree triggers call them
    return conn


def bench(backend: str, args, tmp: Path, server: str | None) -> None:
    csv = tmp / "sites.csv"
    frame = sites_csv(args.sites, csv, args.seed)
    n = len(frame)
    print(f"\n## {backend}: {n:,} sites", flush=True)
    k = iter(range(1000))

    def do_import():
        url = _fresh(backend, tmp, server, next(k))
        store = Store.init(url)
        assert store.import_file(csv) == n
        return store

    store, wall, cpu = timed(do_import, args.repeat)

    def peer_import():
        url = _fresh(backend, tmp, server, next(k))
        g = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.longitude, frame.latitude), crs=4326)
        if backend == "gpkg":
            g.to_file(url, layer="sites", engine="pyogrio")
            return
        with _raw(url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cols = ", ".join(f"{c} float8" if c in ("latitude", "longitude") else f"{c} text"
                             for c in frame.columns)
            conn.execute(f"CREATE TABLE sites ({cols}, geom geometry(Point, 4326))")
            with conn.cursor().copy("COPY sites FROM STDIN") as cp:
                for r in frame.itertuples(index=False):
                    cp.write_row((*r, f"SRID=4326;POINT({r.longitude} {r.latitude})"))
            conn.execute("CREATE INDEX ON sites USING GIST (geom)")

    _, pwall, pcpu = timed(peer_import, args.repeat)
    print(f"import      {wall:8.2f} s wall {cpu:8.2f} s CPU   peer (no checks, no log) {pwall:6.2f} s "
          f"wall {pcpu:6.2f} s CPU   ratio {wall / pwall:5.1f}x the peer's wall")

    ids = store.sites()["id"].to_numpy()
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(ids, args.edits)
    lat = []
    w0, c0 = time.perf_counter(), time.process_time()
    for i, site in enumerate(picks):
        t = time.perf_counter()
        store.edit(site, {"notes": f"edit {i}"}, source=SOURCE)
        lat.append(time.perf_counter() - t)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    conn = _raw(store.url)
    t = time.perf_counter(), time.process_time()
    for i, site in enumerate(picks):
        conn.execute("UPDATE sites SET notes = ? WHERE id = ?" if backend == "gpkg"
                     else "UPDATE sites SET notes = %s WHERE id = %s", (f"peer {i}", site))
        conn.commit()
    pwall, pcpu = time.perf_counter() - t[0], time.process_time() - t[1]
    conn.close()
    q = np.percentile(np.array(lat) * 1000, [50, 95])
    print(f"{args.edits:,} edits {wall:8.2f} s wall {cpu:8.2f} s CPU   per edit median {q[0]:.1f} ms, "
          f"p95 {q[1]:.1f} ms   peer (bare UPDATE+commit) {pwall:6.2f} s wall {pcpu:6.2f} s CPU")

    batch_no = iter(range(1000))

    def batch():
        b = next(batch_no)
        return store.apply([Change(s, "notes", f"batch {b} {i}", SOURCE)
                            for i, s in enumerate(rng.choice(ids, args.batch, replace=False))])

    done, wall, cpu = timed(batch, args.repeat)
    assert done == args.batch

    def peer_batch():
        b = next(batch_no)
        with contextlib.closing(_raw(store.url)) as conn:
            sql = ("UPDATE sites SET notes = ? WHERE id = ?" if backend == "gpkg"
                   else "UPDATE sites SET notes = %s WHERE id = %s")
            rows = [(f"peer {b} {i}", s) for i, s in enumerate(rng.choice(ids, args.batch, replace=False))]
            if backend == "gpkg":
                conn.executemany(sql, rows)
            else:
                conn.cursor().executemany(sql, rows)
            conn.commit()

    _, pwall, pcpu = timed(peer_batch, args.repeat)
    print(f"batch {args.batch:,}  {wall:8.2f} s wall {cpu:8.2f} s CPU   peer (executemany) {pwall:6.2f} s "
          f"wall {pcpu:6.2f} s CPU   ratio {wall / pwall:5.1f}x")

    store.release("a")
    sites = store.sites().set_index("id")
    move = rng.choice(ids, max(1, n // 100), replace=False)
    changes = [Change(s, "latitude", repr(round(float(sites.at[s, "latitude"]) + 0.00002, 6)), SOURCE)
               for s in move]
    changes += [Change(s, "stage", "care-and-maintenance", SOURCE)
                for s in rng.choice(np.setdiff1d(ids, move), max(1, n // 100), replace=False)]
    store.apply(changes)
    store.release("b")
    diff, wall, cpu = timed(lambda: store.diff("a", "b", moved_over_m=1.0), args.repeat)
    a, b = store.sites("a"), store.sites("b")

    def peer_diff():
        m = a.merge(b, on="id", how="outer", suffixes=("_a", "_b"), indicator=True)
        cols = [c for c in a.columns if c != "id"]
        return m[np.logical_or.reduce([m[f"{c}_a"] != m[f"{c}_b"] for c in cols])]

    pd_, pwall, pcpu = timed(peer_diff, args.repeat)
    print(f"diff {n:,}  {wall:8.2f} s wall {cpu:8.2f} s CPU   ({len(diff):,} rows; peer pandas merge "
          f"{pwall:6.2f} s wall {pcpu:6.2f} s CPU, {len(pd_):,} rows)   ratio {wall / pwall:5.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=100_000)
    ap.add_argument("--edits", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--backend", choices=["gpkg", "postgis", "both"], default="both")
    args = ap.parse_args()
    print(f"bench_store: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("gpkg", "both"):
            bench("gpkg", args, Path(tmp), None)
        if args.backend in ("postgis", "both"):
            with postgis_server() as server:
                bench("postgis", args, Path(tmp), server)


if __name__ == "__main__":
    main()

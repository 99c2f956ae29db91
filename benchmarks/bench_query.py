"""``minetrack query`` against a plain geopandas script that gives the same rows.

The query: bundled US sites not on New Mexico federal land (PAD-US 3.0 Combined, as
the shared real data has it) and within ``--within`` of a Natural Earth North American
rail line. The script does what an analyst would write by hand: read the sites CSV,
keep US rows, drop those intersecting a federally managed PAD-US polygon (this reduced
export's MANTYPE FED), project to CONUS Albers (EPSG:5070) and keep
those within the distance of the nearest rail line. minetrack also validates the
bundled data, repairs invalid polygons and measures geodesic metres on WGS 84, which is
what the ratio prices in.

minetrack keeps the checked, parsed bundle and each layer file as read and repaired in
its cache, keyed by the exact bytes (geo.facts._checked, geo.query._layers). Its query
runs twice over: against a cache warmed by one untimed run (what a user sees from the
second query on), and against an empty cache every time (the first query after an
install, an upgrade or a changed file). Both use their own temporary cache folders.

minetrack's modules are compiled to bytecode first (as an install does). Every run is a
fresh process (imports included), best of ``--repeat``; CPU is user +
system time of the child (``resource.getrusage``), printed beside wall time. The ids
each returns are compared.

    python benchmarks/bench_query.py --repeat 3
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
PADUS_NM = REAL / "padus3-state-subsets-potamap" / "PADUS3_0Combined_StateNM.geojson"
RAIL = REAL / "natural-earth-v4" / "ne_10m_railroads_north_america.json"
SITES = Path(__file__).resolve().parents[1] / "data" / "sites.csv"

SCRIPT = textwrap.dedent("""
    import sys
    import geopandas as gpd
    import pandas as pd
    sites_csv, padus, rail, within_m = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    s = pd.read_csv(sites_csv)
    s = s[s["country"] == "USA"]
    sites = gpd.GeoDataFrame(s, geometry=gpd.points_from_xy(s.longitude, s.latitude), crs=4326)
    land = gpd.read_file(padus, columns=["MANTYPE"])
    land = land[land["MANTYPE"] == "FED"].to_crs(4326)
    on = gpd.sjoin(sites, land[["geometry"]], predicate="intersects").index.unique()
    sites = sites.drop(on).to_crs(5070)
    lines = gpd.read_file(rail).to_crs(5070)
    near = gpd.sjoin_nearest(sites, lines[["geometry"]], distance_col="d")
    near = near[~near.index.duplicated()]
    print("\\n".join(sorted(near.loc[near["d"] <= within_m, "id"])))
""")


def run(argv: list[str], cache: Path | None = None) -> tuple[str, float, float]:
    """stdout, wall s and CPU s (user + system) of one child process (``cache``: its
    MINETRACK_CACHE)."""
    env = {**os.environ, "MINETRACK_CACHE": str(cache)} if cache else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout
    wall = time.perf_counter() - w
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--within", default="30km", help="rail distance, e.g. 30km")
    args = ap.parse_args()
    within_m = float(args.within.removesuffix("km")) * 1000
    query = [sys.executable, "-c", "from geo.cli import main; main()", "query", "--country", "USA",
             "--federal-land", str(PADUS_NM), "--off-federal-land", "--near", f"rail:{args.within}",
             "--rail", str(RAIL), "--format", "csv"]
    script = [sys.executable, "-c", SCRIPT, str(SITES), str(PADUS_NM), str(RAIL), str(within_m)]
    # Bytecode for minetrack's modules, as `pip install .` writes it: from an editable
    # install with PYTHONDONTWRITEBYTECODE set (as on CI machines) every run would
    # compile them again (35 ms of CPU) while the script's libraries come compiled.
    package = Path(__file__).resolve().parents[1] / "geo"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        warm = Path(tmp) / "warm"
        run(query, warm)  # untimed: fills the cache the timed warm runs read
        for name, argv, cache in (("minetrack query", query, lambda i: warm),
                                  ("  with an empty cache", query, lambda i: Path(tmp) / f"cold{i}"),
                                  ("plain geopandas script", script, lambda i: None)):
            runs = [run(argv, cache(i)) for i in range(args.repeat)]
            out = runs[0][0]
            walls, cpus = sorted(r[1] for r in runs), sorted(r[2] for r in runs)
            if argv is query:
                import pandas as pd

                ids = sorted(pd.read_csv(io.StringIO(out))["id"]) if out.strip() else []
            else:
                ids = out.split()
            results[name] = (ids, cpus[0])
            print(f"  {name:<24} wall {walls[0]:6.2f} s (median {walls[len(walls) // 2]:5.2f})  "
                  f"cpu {cpus[0]:6.2f} s (median {cpus[len(cpus) // 2]:5.2f})  rows {len(ids)}", flush=True)
    (a, ca), (c, cc), (b, cb) = results.values()
    print(f"  CPU ratio query / script: {ca / cb:.2f}x (empty cache: {cc / cb:.2f}x);  same rows: "
          f"{a == b == c} (only in query: {sorted(set(a) - set(b))}, only in script: "
          f"{sorted(set(b) - set(a))})")


if __name__ == "__main__":
    main()

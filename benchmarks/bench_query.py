"""``minetrack query`` against a plain geopandas script that gives the same rows.

The query: bundled US sites not on New Mexico federal land (PAD-US 3.0 Combined, as
the shared real data has it) and within ``--within`` of a Natural Earth North American
rail line. The script does what an analyst would write by hand: read the sites CSV,
keep US rows, drop those intersecting a federally managed PAD-US polygon (this reduced
export's MANTYPE FED), project to CONUS Albers (EPSG:5070) and keep
those within the distance of the nearest rail line. minetrack also validates the
bundled data, repairs invalid polygons and measures geodesic metres on WGS 84, which is
what the ratio prices in.

Both run as fresh processes (imports included), best of ``--repeat``; CPU is user +
system time of the child (``resource.getrusage``), printed beside wall time. The ids
each returns are compared.

    python benchmarks/bench_query.py --repeat 3
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
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


def run(argv: list[str]) -> tuple[str, float, float]:
    """stdout, wall s and CPU s (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
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
    results = {}
    for name, argv in (("minetrack query", query), ("plain geopandas script", script)):
        runs = [run(argv) for _ in range(args.repeat)]
        out = runs[0][0]
        wall, cpu = min(r[1] for r in runs), min(r[2] for r in runs)
        if name == "minetrack query":
            import pandas as pd

            ids = sorted(pd.read_csv(io.StringIO(out))["id"]) if out.strip() else []
        else:
            ids = out.split()
        results[name] = (ids, wall, cpu)
        print(f"  {name:<24} wall {wall:6.2f} s  cpu {cpu:6.2f} s  rows {len(ids)}", flush=True)
    (a, _, ca), (b, _, cb) = results.values()
    print(f"  CPU ratio query / script: {ca / cb:.2f}x;  same rows: {a == b} "
          f"(only in query: {sorted(set(a) - set(b))}, only in script: {sorted(set(b) - set(a))})")


if __name__ == "__main__":
    main()

"""Large-layer map benchmark: 100k points, minetrack's canvas layer vs folium's own ways.

For each approach: Python build time, HTML size, and in headless Chromium (Debian's
/usr/bin/chromium, offline) the time from navigation to the points being drawn and
the JS heap used. The points are the USGS Africa mineral facilities from
../shared/realdata, repeated with a small jitter up to N (or random if absent).

    python benchmarks/bench_map.py                 # 100k points, all approaches
    python benchmarks/bench_map.py --n 20000 --skip-folium-markers

folium's approaches load Leaflet from CDNs, which are blocked here; for them the
page is served with the same inlined Leaflet so that timings compare like with like.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import FastMarkerCluster

from geo.maps import assets
from geo.maps.page import map_html
from geo.maps.render import points_map

SHARED = Path(__file__).resolve().parents[2] / "shared" / "realdata"
FACILITIES = SHARED / "usgs-africa-mineral-industries" / "AFR_Mineral_Facilities.geojson"


def make_points(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    if FACILITIES.exists():
        base = gpd.read_file(FACILITIES)[["FeatureTyp", "geometry"]]
        reps = int(np.ceil(n / len(base)))
        x = np.tile(base.geometry.x.to_numpy(), reps)[:n] + rng.normal(0, 0.05, n)
        y = np.tile(base.geometry.y.to_numpy(), reps)[:n] + rng.normal(0, 0.05, n)
        kind = np.tile(base["FeatureTyp"].fillna("other").to_numpy(), reps)[:n]
    else:
        x, y = rng.uniform(-20, 50, n), rng.uniform(-35, 35, n)
        kind = rng.choice(["mine", "plant", "port"], n)
    return gpd.GeoDataFrame({"kind": kind}, geometry=shapely.points(x, y), crs="EPSG:4326")


def markercluster_assets(workdir: Path) -> tuple[str, str] | None:
    """leaflet.markercluster JS+CSS from the npm registry (FastMarkerCluster needs it)."""
    try:
        name = subprocess.run(["npm", "pack", "leaflet.markercluster@1.5.3", "--silent",
                               "--pack-destination", str(workdir)], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(workdir / name) as tar:
        tar.extractall(workdir, filter="data")
    dist = workdir / "package" / "dist"
    css = (dist / "MarkerCluster.css").read_text() + (dist / "MarkerCluster.Default.css").read_text()
    return (dist / "leaflet.markercluster.js").read_text(), css


def inline_assets(page: str, cluster: tuple[str, str] | None) -> str:
    """Swap folium's CDN tags for inlined Leaflet (and markercluster); drop the rest.

    Bootstrap, jQuery and font links are dropped: nothing these maps draw needs them.
    """
    head = [f"<style>{assets.leaflet_css()}</style>", f"<script>{assets.leaflet_js()}</script>"]
    if cluster:
        head += [f"<style>{cluster[1]}</style>", f"<script>{cluster[0]}</script>"]
    page = re.sub(r'<script src="https?://[^"]*"></script>\s*', "", page)
    page = re.sub(r'<link rel="stylesheet" href="https?://[^"]*"/>\s*', "", page)
    return page.replace("<head>", "<head>" + "".join(head), 1)


def build_minetrack(gdf) -> str:
    return map_html(points_map(gdf, title="Facilities", color_by="kind"))


def build_folium_markers(gdf) -> str:
    m = folium.Map(location=[0, 20], zoom_start=3, tiles=None, prefer_canvas=True)
    for x, y in zip(gdf.geometry.x, gdf.geometry.y, strict=True):
        folium.CircleMarker([y, x], radius=3).add_to(m)
    return m.get_root().render()


def build_fast_cluster(gdf) -> str:
    m = folium.Map(location=[0, 20], zoom_start=3, tiles=None)
    m.options["maxZoom"] = 18  # markercluster needs it; with no tile layer folium sets none
    # Plain markers: folium's default callback needs the Awesome Markers plugin from a CDN.
    callback = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"
    FastMarkerCluster(list(zip(gdf.geometry.y, gdf.geometry.x, strict=True)), callback=callback).add_to(m)
    return m.get_root().render()


READY = {
    "minetrack": "() => { const a = Object.values(window).find(v => v instanceof window.minetrack.App);"
                 " return a && a.layers.every(l => l.drawn !== undefined); }",
    "folium markers": "() => document.querySelectorAll('canvas').length > 0",
    "FastMarkerCluster": "() => document.querySelectorAll('.marker-cluster').length > 0",
}


def browser_time(path: Path, ready: str, repeat: int) -> tuple[float, float]:
    """Median seconds from navigation to first paint with the points, and JS heap (MB)."""
    runs = [_browser_once(path, ready) for _ in range(repeat)]
    times = sorted(r[0] for r in runs)
    return times[len(times) // 2], max(r[1] for r in runs)


def _browser_once(path: Path, ready: str) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--enable-precise-memory-info"])
        page = b.new_page(viewport={"width": 1200, "height": 800})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        t0 = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load", timeout=300_000)
        # Scripts have run by "load"; two animation frames later the first paint is done.
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        elapsed = time.perf_counter() - t0
        page.wait_for_function(ready, timeout=10_000)  # sanity: the points are really there
        heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0") / 1e6
        b.close()
    return elapsed, heap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="browser loads per approach (median)")
    ap.add_argument("--skip-folium-markers", action="store_true",
                    help="skip folium's per-marker map (about a minute to build at 100k)")
    args = ap.parse_args()
    gdf = make_points(args.n)
    builders = {"minetrack": build_minetrack, "FastMarkerCluster": build_fast_cluster}
    if not args.skip_folium_markers:
        builders["folium markers"] = build_folium_markers
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        cluster = markercluster_assets(Path(tmp))
        if cluster is None:
            print("npm unavailable: skipping FastMarkerCluster")
            builders.pop("FastMarkerCluster")
        for name, build in builders.items():
            t0 = time.perf_counter()
            page = build(gdf)
            t_build = time.perf_counter() - t0
            if name != "minetrack":
                page = inline_assets(page, cluster)
            path = Path(tmp) / f"{name.replace(' ', '_')}.html"
            path.write_text(page, encoding="utf-8")
            print(f"{name}: built in {t_build:.1f} s, {len(page) / 1e6:.1f} MB; loading ...", flush=True)
            load, heap = browser_time(path, READY[name], args.repeat)
            results[name] = (t_build, len(page.encode()) / 1e6, load, heap)
    print(f"{args.n:,} points")
    print(f"{'approach':<20}{'build s':>10}{'HTML MB':>10}{'drawn s':>10}{'heap MB':>10}")
    for name, (tb, size, load, heap) in results.items():
        print(f"{name:<20}{tb:>10.2f}{size:>10.2f}{load:>10.2f}{heap:>10.1f}")
    mt = results["minetrack"]
    for name, r in results.items():
        if name != "minetrack":
            print(f"vs {name}: build {r[0] / mt[0]:.1f}x faster, HTML {r[1] / mt[1]:.1f}x smaller, "
                  f"drawn {r[2] / mt[2]:.1f}x sooner, heap {r[3] / max(mt[3], 1e-9):.1f}x less")


if __name__ == "__main__":
    main()

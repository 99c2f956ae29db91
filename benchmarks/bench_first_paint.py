"""First-paint curve of a large point map: minetrack's runtime beside folium's
FastMarkerCluster, on the same points, at 100k, 200k, 400k and 1M points.

For each size and approach: the page's HTML size, the Python build time, and in
headless Chromium (Debian's /usr/bin/chromium, offline, a new browser per load) the
wall time from navigation to the first paint of the points (the load event, then two
animation frames, then a pixel read back from the points' canvas so that its
drawing is really done), the renderer main thread's busy time (CDP
``Performance.getMetrics`` TaskDuration) and the CPU time of all the browser's
processes over the load (from /proc via psutil). By default the browser first loads
a small warm-up map (another file), as a reader's running browser would be; with
``--cold`` each load is the browser's first page. Each figure is the median of
``--repeat`` loads; a load still running after ``--timeout`` seconds is reported
as such and not repeated.

    python benchmarks/bench_first_paint.py
    python benchmarks/bench_first_paint.py --sizes 100000,200000 --repeat 5 --skip-cluster

Run on demand; not part of the tests. FastMarkerCluster needs leaflet.markercluster,
fetched with ``npm pack`` from the npm registry (skipped when npm is unavailable);
folium's CDN links are replaced by the same inlined Leaflet minetrack uses.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_map import build_fast_cluster, inline_assets, make_points, markercluster_assets

from geo.maps.page import map_html
from geo.maps.render import points_map

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]

# Evaluated once the load event and two animation frames have passed; true when the
# points are on screen (reading a pixel back forces the canvas to finish drawing).
PAINTED = {
    "minetrack": """() => { const a = Object.values(window).find(v => v instanceof window.minetrack.App);
        if (!a || !a.layers.length) return false;
        return a.layers.every(l => { l._canvas.getContext('2d').getImageData(0, 0, 1, 1);
                                      return l.drawn > 0; }); }""",
    "FastMarkerCluster": "() => document.querySelectorAll('.marker-cluster,.leaflet-marker-icon').length > 0",
}


def _browser_cpu() -> float:
    """CPU seconds (user + system) of this process's descendants: the Playwright
    driver and the browser it started."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def load_once(path: Path, painted: str, timeout_s: float,
              warm: Path | None = None) -> dict[str, float] | None:
    """One load in a new browser (after loading ``warm``, if given): wall seconds to first
    paint, main-thread busy seconds and browser CPU seconds; None if it did not paint
    within ``timeout_s``."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            if warm is not None:
                first = b.new_page()
                first.goto(warm.as_uri(), wait_until="load")
                first.close()
            page = b.new_page(viewport={"width": 1200, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                       else r.abort())
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            busy0 = _metric(cdp, "TaskDuration")
            cpu0 = _browser_cpu()
            t0 = time.perf_counter()
            try:
                page.goto(path.as_uri(), wait_until="load", timeout=timeout_s * 1000)
                page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                left = max(1.0, timeout_s - (time.perf_counter() - t0))
                page.wait_for_function(painted, timeout=left * 1000)
            except PlaywrightError:
                return None
            wall = time.perf_counter() - t0
            cpu = _browser_cpu() - cpu0
            busy = _metric(cdp, "TaskDuration") - busy0
        finally:
            b.close()
    return {"wall": wall, "main": busy, "cpu": cpu}


def _metric(cdp, name: str) -> float:
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == name)


def measure(path: Path, painted: str, repeat: int, timeout_s: float,
            warm: Path | None) -> dict[str, float] | None:
    """Medians over ``repeat`` loads (one load only if the first times out)."""
    runs = []
    for _ in range(repeat):
        r = load_once(path, painted, timeout_s, warm)
        if r is None:
            return None
        runs.append(r)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {
        "wall_min": min(r["wall"] for r in runs), "wall_max": max(r["wall"] for r in runs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,200000,400000,1000000", help="comma-separated point counts")
    ap.add_argument("--repeat", type=int, default=3, help="browser loads per size and approach (median)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a load counts as failed")
    ap.add_argument("--skip-cluster", action="store_true", help="minetrack only")
    ap.add_argument("--cold", action="store_true", help="no warm-up page: each load is a new browser's first")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cluster = None if args.skip_cluster else markercluster_assets(Path(tmp))
        if cluster is None and not args.skip_cluster:
            print("npm unavailable: FastMarkerCluster skipped")
        warm = None
        if not args.cold:
            warm = Path(tmp) / "warm-up.html"
            warm.write_text(map_html(points_map(make_points(1000, seed=2), title="Warm-up", color_by="kind")),
                            encoding="utf-8")
        for n in sizes:
            gdf = make_points(n)
            builders = {"minetrack": lambda g: map_html(points_map(g, title="Facilities", color_by="kind"))}
            if cluster is not None:
                builders["FastMarkerCluster"] = lambda g: inline_assets(build_fast_cluster(g), cluster)
            for name, build in builders.items():
                t0 = time.perf_counter()
                html = build(gdf)
                t_build = time.perf_counter() - t0
                path = Path(tmp) / f"{name}-{n}.html"
                path.write_text(html, encoding="utf-8")
                mb = path.stat().st_size / 1e6
                print(f"{n:>9,} {name}: built in {t_build:.1f} s, {mb:.1f} MB; loading ...", flush=True)
                m = measure(path, PAINTED[name], args.repeat, args.timeout, warm)
                rows.append((n, name, t_build, mb, m))
                path.unlink()
    print(f"\nFirst paint, median of {args.repeat} loads ({'cold' if args.cold else 'warm'} browser, "
          f"{CHROMIUM}, 1200x800, no GPU; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'points':>9}  {'approach':<18}{'HTML MB':>8}{'build s':>8}{'wall s':>8}{'(min-max)':>13}"
          f"{'main s':>8}{'CPU s':>8}")
    for n, name, t_build, mb, m in rows:
        if m is None:
            print(f"{n:>9,}  {name:<18}{mb:>8.1f}{t_build:>8.1f}{'> ' + format(args.timeout, 'g'):>8}"
                  f"{'(no paint)':>13}")
            continue
        spread = f"({m['wall_min']:.2f}-{m['wall_max']:.2f})"
        print(f"{n:>9,}  {name:<18}{mb:>8.1f}{t_build:>8.1f}{m['wall']:>8.2f}{spread:>13}"
              f"{m['main']:>8.2f}{m['cpu']:>8.2f}")


if __name__ == "__main__":
    main()

"""Profile-page benchmark: ``geo.maps.profiles.profile_pages`` for the bundled sites
(index.html and one page per site) beside rendering the world map of the same facts,
in one run, wall and CPU time, repeated.

    python benchmarks/bench_profiles.py            # 5 repeats
    python benchmarks/bench_profiles.py --repeat 10
"""

from __future__ import annotations

import argparse
import time

from geo.facts.bundle import Facts
from geo.maps.page import map_html
from geo.maps.profiles import profile_pages
from geo.maps.render import render_recipe


def timed(fn, repeat: int) -> tuple[float, float, object]:
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best_wall, best_cpu, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    facts = Facts.from_dir()
    back = {i: "world-copper.html" for i in facts.sites["id"]}
    pw, pc, pages = timed(lambda: profile_pages(facts, [("world-copper.html", "World")], back), args.repeat)
    mw, mc, html = timed(lambda: map_html(render_recipe("world_copper", facts)), args.repeat)
    size = sum(len(t.encode()) for t in pages.values()) / 1e6
    print(f"profile_pages   {len(pages):4d} pages {size:6.2f} MB  wall {pw:6.3f} s  cpu {pc:6.3f} s")
    mb = len(html.encode()) / 1e6
    print(f"world-copper map    1 page  {mb:6.2f} MB  wall {mw:6.3f} s  cpu {mc:6.3f} s")
    print(f"ratio profiles / map: wall {pw / mw:.2f}x  cpu {pc / mc:.2f}x (best of {args.repeat})")


if __name__ == "__main__":
    main()

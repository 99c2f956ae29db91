"""Cartography in the page: size legends with reference circles, admin-1 lines on
country maps, and labels of the largest sites that never overlap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.specs.kinds._encode import round_values
from geo.specs.kinds.sites import radius, size_legend


def test_round_values_are_round_and_below_the_top():
    assert round_values(1300) == [1000, 200, 50]
    assert round_values(7) == [5, 1, 0.2]
    assert round_values(0) == [] and round_values(float("nan")) == []
    for top in (0.37, 3.0, 48.0, 999.0, 12_345.0):
        vals = round_values(top)
        assert vals == sorted(vals, reverse=True) and vals[0] <= top
        for v in vals:
            mantissa = v / 10 ** np.floor(np.log10(v))
            assert round(mantissa, 9) in (1, 2, 5)


def test_reference_circles_have_the_radii_the_map_draws():
    size = {"field": "capacity", "unit_prefix": "kt", "min_radius": 4, "max_radius": 16}
    rows = pd.DataFrame({"capacity": [1300.0, 40.0, 5.0, None], "capacity_unit": ["kt Cu/yr"] * 3 + [None]})
    refs = size_legend(rows, size, "capacity")
    assert [label for label, _ in refs] == ["1,000", "200", "50"]
    probe = pd.DataFrame({"capacity": [1300.0, 1000.0, 200.0, 50.0], "capacity_unit": ["kt"] * 4})
    drawn, _ = radius(probe, size, "capacity")
    assert [r for _, r in refs] == pytest.approx(list(drawn[1:]))
    assert size_legend(rows, size, None) == []


def test_interior_lines_are_the_shared_edges_once():
    import geopandas as gpd
    import shapely

    from geo.specs.kinds.boundaries import interior_lines

    boxes = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 2, 2)],
                          crs=4326)
    lines = interior_lines(boxes)
    # The edge x=1 (0..1) and the edge y=1 (0..2), minus the half-tolerance trimmed where
    # they meet the outer edge.
    assert lines.length == pytest.approx(3.0, abs=0.03)
    assert shapely.distance(lines, shapely.Point(1, 0.5)) < 1e-6
    assert shapely.distance(lines, shapely.Point(0.5, 0)) > 0.004  # no outer edge


REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
NE_ADMIN1 = "natural-earth-v4/ne_50m_admin_1_states_provinces.json"  # read in place, never copied


def test_interior_lines_of_real_states_skip_coasts_and_draw_each_border_once():
    import pyogrio
    import shapely

    from geo.specs.kinds.boundaries import SIMPLIFY_DEG, interior_lines

    path = REALDATA / NE_ADMIN1
    states = pyogrio.read_dataframe(path, where="adm0_a3 = 'AUS'", columns=["name"])
    assert len(states) >= 8
    lines = interior_lines(states.geometry)
    geoms = shapely.make_valid(states.geometry.values)
    coast = shapely.boundary(shapely.union_all(geoms))
    near_coast = shapely.intersection(lines, shapely.buffer(coast, SIMPLIFY_DEG * 0.4)).length
    assert near_coast < 1e-3 * lines.length
    # Each land border once: half of (sum of state perimeters - the outer perimeter).
    borders = (shapely.length(shapely.boundary(geoms)).sum() - coast.length) / 2
    assert lines.length == pytest.approx(borders, rel=0.05)



LABELS = """() => {
    const a = (() => Object.values(window).find(v => v instanceof window.minetrack.App))();
    const box = a.map.getContainer().getBoundingClientRect();
    const controls = [...a.map.getContainer().querySelectorAll('.leaflet-control, .mt-title > div')]
        .map(e => e.getBoundingClientRect()).filter(r => r.width && r.height)
        .map(r => ({x: r.left - box.left, y: r.top - box.top, w: r.width, h: r.height}));
    const circles = [];
    a.layers.forEach(l => { if (!l.active) return; for (let i = 0; i < l.n; i++) if (l.visible[i]) {
        const p = a.map.latLngToContainerPoint([l.lat[i], l.lon[i]]), r = l.radius ? l.radius[i] : l.r0;
        circles.push({x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r}); } });
    const ctx = a._labelCanvas.getContext('2d'), ratio = window.devicePixelRatio || 1;
    const inked = a.labels.map(b => { const d = ctx.getImageData(Math.round(b.x * ratio),
        Math.round(b.y * ratio), Math.round(b.w * ratio), Math.round(b.h * ratio)).data; let n = 0;
        for (let k = 3; k < d.length; k += 4) if (d[k] > 128) n++; return n; });
    const nameOf = b => a.layers.find(l => l.spec.title === b.layer).field('name', b.i);
    return {labels: a.labels.map(b => ({x: b.x, y: b.y, w: b.w, h: b.h, text: b.text, name: nameOf(b)})),
            controls, circles, inked, size: a.map.getSize(), zoom: a.map.getZoom()};
}"""


def overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and \
        b["y"] < a["y"] + a["h"]


@pytest.mark.parametrize("file", ["world-copper.html", "us-copper.html", "control-spheres.html"])
def test_site_labels_never_overlap_at_each_zoom(chromium, site, file):
    from browser import APP, open_page

    page, log = open_page(chromium, (site / file).as_uri(), width=1200, height=800)
    seen = set()
    for step in range(3):
        if step:
            # One zoom step in, centred on the first label's site (so that sites stay in view).
            zoom_in = ("a => { const b = a.labels[0], l = a.layers.find(x => x.spec.title === b.layer);"
                       " a.map.setView([l.lat[b.i], l.lon[b.i]], a.map.getZoom() + 1, {animate: false}); }")
            page.evaluate(f"({zoom_in})({APP})")
        got = page.evaluate(LABELS)
        labels = got["labels"]
        assert labels, f"{file} at zoom {got['zoom']}: no labels"
        for a, b in [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]]:
            assert not overlap(a, b), (got["zoom"], a, b)
        for lab, inked in zip(labels, got["inked"], strict=True):
            assert lab["text"] == lab["name"]  # the label names its own site
            assert inked > 10, lab  # and is painted where the page says it is
            assert lab["x"] >= 0 and lab["x"] + lab["w"] <= got["size"]["x"]
            assert lab["y"] >= 0 and lab["y"] + lab["h"] <= got["size"]["y"]
            assert not any(overlap(lab, c) for c in got["controls"]), lab
            assert not any(overlap(lab, c) for c in got["circles"]), lab
        seen.add((got["zoom"], len(labels)))
    assert len({z for z, _ in seen}) == 3  # three zooms, each placed anew
    assert log.errors == []
    page.close()


def test_us_map_has_dashed_state_lines_and_size_circles_match_the_page_data(chromium, site):
    import json
    import re

    from browser import open_page

    html = (site / "us-copper.html").read_text()
    config = json.loads(re.search(r'-data">(.*?)</script>', html, re.S).group(1))
    states = [la for la in config["layers"] if la.get("title") == "State lines"]
    assert len(states) == 1 and states[0]["kind"] == "lines" and states[0]["legend"] is False
    page, log = open_page(chromium, (site / "us-copper.html").as_uri())
    dashed = page.locator(".leaflet-mt-lines-pane path[stroke-dasharray='4 3']")
    assert dashed.count() >= 1
    assert "State lines" not in page.locator(".mt-legend").inner_text()
    page.close()
    world = json.loads(re.search(r'-data">(.*?)</script>', (site / "world-copper.html").read_text(),
                                 re.S).group(1))
    refs = next(la["size_refs"] for la in world["layers"] if la.get("size_refs"))
    page, log = open_page(chromium, (site / "world-copper.html").as_uri())
    circles = page.locator(".mt-legend svg.mt-size-legend circle")
    assert circles.count() == len(refs) >= 2
    assert [float(circles.nth(k).get_attribute("r")) for k in range(len(refs))] == [r for _, r in refs]
    assert page.locator(".mt-legend svg.mt-size-legend text").all_text_contents() == [t for t, _ in refs]
    assert log.errors == []
    page.close()

"""Map colours are legible: categories differ from each other, also for readers with
a colour-vision deficiency, and stand out from what they are drawn on.

Thresholds (CIEDE2000 differences, :mod:`geo.maps.colours`; about 2 is just
noticeable):

- the point colours of a map, as drawn (0.85 opacity over the land fill), differ
  pairwise by at least ``POINTS_MIN_DE`` = 15 for normal vision and at least
  ``POINTS_MIN_DE_CVD`` = 8 under simulated protanopia, deuteranopia and tritanopia
  (Machado et al. 2009, severity 1);
- each point colour differs by at least ``ON_BACKGROUND_MIN_DE`` = 15 from every
  background it can sit on (the basemap's land and sea, and each fill of the map's
  polygon layers as drawn), and the circles' dark outline has a WCAG contrast ratio
  of at least 3:1 against each of them (WCAG 2.1, 1.4.11 non-text contrast);
- categorical country fills (spheres) differ pairwise by at least 15 for normal
  vision and 5 under each simulated dichromacy (light tints cannot go much further
  apart and still leave the points on top legible).
"""

from __future__ import annotations

import itertools
import json
import re

import pytest

from geo.maps.colours import (
    BASEMAP_LAND,
    BASEMAP_SEA,
    CVD_MATRICES,
    POINT_OUTLINE,
    ciede2000,
    closest_pair,
    contrast,
    difference,
    lab,
    over,
)
from geo.maps.page import map_html
from geo.specs.layer import load_layer_spec
from geo.specs.recipe import load_recipe, recipe_names

POINTS_MIN_DE = 15.0
POINTS_MIN_DE_CVD = 8.0
ON_BACKGROUND_MIN_DE = 15.0
OUTLINE_MIN_CONTRAST = 3.0
FILLS_MIN_DE = 15.0
FILLS_MIN_DE_CVD = 5.0
POINT_ALPHA, FILL_ALPHA = 0.85, 0.75  # as minetrack.js and page.py draw them
VISIONS = (None, *CVD_MATRICES)


def test_ciede2000_matches_published_pairs():
    # Sharma, Wu and Dalal (2005), table 1 pairs 1-4, and pairs from the ICC HDR
    # working group's reference table.
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
             ((50, 3.1571, -77.2803), (50, 0, -82.7485), 2.8615),
             ((50, 2.8361, -74.0200), (50, 0, -82.7485), 3.4412),
             ((50, -1.3802, -84.2814), (50, 0, -82.7485), 1.0000),
             ((50, 2.5, 0), (73, 25, -18), 27.1492),
             ((50, 2.5, 0), (61, -5, 29), 22.8977),
             ((50, 2.5, 0), (56, -27, -3), 31.9030),
             ((50, 2.5, 0), (58, 24, 15), 19.4535)]
    for a, b, expected in pairs:
        assert ciede2000(a, b) == pytest.approx(expected, abs=1e-4)
        assert ciede2000(b, a) == pytest.approx(expected, abs=1e-4)


def test_contrast_and_dichromacy_basics():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#777777") == pytest.approx(1.0)
    assert lab("#ffffff") == pytest.approx([100, 0, 0], abs=1e-3)
    # Greys look the same to everyone; red and green do not to a deuteranope.
    for cvd in CVD_MATRICES:
        assert difference("#808080", "#808080", cvd) == pytest.approx(0, abs=0.5)
        assert lab("#808080", cvd)[0] == pytest.approx(lab("#808080")[0], abs=0.5)
    assert difference("#d62728", "#2ca02c") > 60
    assert difference("#d62728", "#2ca02c", "deuteranopia") < 30


def drawn_colours(site, name: str) -> tuple[list[str], list[str]]:
    """(point colours, polygon fills) of a built map's layers, from its page data."""
    page = (site / load_recipe(name).file).read_text()
    m = re.search(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', page, re.S)
    config = json.loads(m.group(1))
    points, fills = [], []
    for layer in config["layers"]:
        kind = layer.get("kind", "points")
        if kind == "points":
            points += [c for c in layer["colors"] if c not in points]
        elif kind == "polygons":
            fills += [c for c in layer["colors"] if c not in fills]
    return points, fills


@pytest.mark.parametrize("name", recipe_names())
def test_point_colours_of_each_map_are_distinct_for_every_reader(site, name):
    points, _ = drawn_colours(site, name)
    seen = [over(c, POINT_ALPHA, BASEMAP_LAND) for c in points]
    for cvd, (a, b) in itertools.product(VISIONS, itertools.combinations(seen, 2)):  # none if one colour
        least = difference(a, b, cvd)
        floor = POINTS_MIN_DE if cvd is None else POINTS_MIN_DE_CVD
        assert least >= floor, f"{name}: {a} and {b} differ by {least:.1f} ({cvd or 'normal vision'})"


@pytest.mark.parametrize("name", recipe_names())
def test_points_stand_out_from_the_basemap_and_the_polygons_under_them(site, name):
    points, fills = drawn_colours(site, name)
    backgrounds = [BASEMAP_LAND, BASEMAP_SEA, *(over(f, FILL_ALPHA, BASEMAP_LAND) for f in fills)]
    for colour, ground in itertools.product(points, backgrounds):
        de = difference(over(colour, POINT_ALPHA, ground), ground)
        assert de >= ON_BACKGROUND_MIN_DE, f"{name}: point {colour} on {ground}: CIEDE2000 {de:.1f}"
    for ground in backgrounds:
        ratio = contrast(POINT_OUTLINE, ground)
        assert ratio >= OUTLINE_MIN_CONTRAST, f"{name}: outline on {ground}: {ratio:.2f}:1"


def test_sphere_fills_are_distinct_tints():
    fills = load_layer_spec("countries").palettes["sphere"]
    seen = [over(c, FILL_ALPHA, BASEMAP_LAND) for c in fills.values()]
    for cvd in VISIONS:
        least, a, b = closest_pair(seen, cvd)
        assert least >= (FILLS_MIN_DE if cvd is None else FILLS_MIN_DE_CVD), (cvd, a, b, least)


def test_the_old_similar_hues_are_gone():
    """The complaint of issue 14, as numbers: construction, permitting and feasibility
    were three similar oranges, the plant types three similar blues, and Undrafted
    points grey on grey countries."""
    stage = load_layer_spec("sites").palettes["stage"]
    kinds = load_layer_spec("sites").palettes["type"]
    for palette, group in ((stage, ("construction", "permitting", "feasibility")),
                           (kinds, ("smelter", "refinery", "smelter+refinery"))):
        for a, b in itertools.combinations(group, 2):
            for cvd in VISIONS:
                seen = [over(palette[k], POINT_ALPHA, BASEMAP_LAND) for k in (a, b)]
                assert difference(*seen, cvd) >= (POINTS_MIN_DE if cvd is None else POINTS_MIN_DE_CVD)
    undrafted_point = load_layer_spec("sites").palettes["owner_sphere"]["Undrafted"]
    undrafted_fill = load_layer_spec("countries").palettes["sphere"]["Undrafted"]
    undrafted_land = over(undrafted_fill, FILL_ALPHA, BASEMAP_LAND)
    assert contrast(over(undrafted_point, POINT_ALPHA, undrafted_land), undrafted_land) >= 3.0


def test_the_categorical_palette_for_any_file_is_distinct_and_stands_out():
    from geo.maps.colours import CATEGORICAL

    seen = [over(c, POINT_ALPHA, BASEMAP_LAND) for c in CATEGORICAL]
    for cvd in VISIONS:
        least, a, b = closest_pair(seen, cvd)
        assert least >= (POINTS_MIN_DE if cvd is None else POINTS_MIN_DE_CVD), (cvd, a, b, least)
    for colour, ground in itertools.product(CATEGORICAL, (BASEMAP_LAND, BASEMAP_SEA)):
        assert difference(over(colour, POINT_ALPHA, ground), ground) >= ON_BACKGROUND_MIN_DE, colour


def test_points_map_colours_its_most_frequent_classes_from_that_palette():
    import geopandas as gpd
    import shapely

    from geo.maps.colours import CATEGORICAL
    from geo.maps.render import points_map

    kinds = ["port"] * 5 + ["mine"] * 3 + ["plant"] * 2
    gdf = gpd.GeoDataFrame({"kind": kinds}, geometry=shapely.points(range(10), range(10)), crs=4326)
    html = map_html(points_map(gdf, title="P", color_by="kind"))
    layer = json.loads(re.search(r'-data">(.*?)</script>', html, re.S).group(1))["layers"][-1]
    assert layer["categories"] == ["port", "mine", "plant"] and layer["colors"] == list(CATEGORICAL[:3])

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

"""Cartography in the page: size legends with reference circles, admin-1 lines on
country maps, and labels of the largest sites that never overlap."""

from __future__ import annotations

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

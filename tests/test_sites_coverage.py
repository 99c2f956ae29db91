"""The bundled sites table covers what issue 12 asks of it: at least 300 sites, the NATO
defence-critical materials and the Western Hemisphere assets of the second seed document,
and every approximate point says why it is approximate."""

from __future__ import annotations

import pytest

from geo import load_sites
from geo.core.tables import split_list


@pytest.fixture(scope="module")
def sites():
    return load_sites()


def _with(sites, commodity: str):
    """Ids of sites listing ``commodity`` among their commodities."""
    has = sites["commodities"].fillna("").map(lambda c: commodity in split_list(c))
    return set(sites.loc[has, "id"])


def test_at_least_300_sites(sites):
    assert len(sites) >= 300


# NATO's twelve, by minetrack commodity name. Beryllium came last: its sites (Spor Mountain,
# the Delta mill, Elmore and Ulba) rest on USGS, DoD and the producers' own documents.
NATO_SOURCED = ("aluminum", "beryllium", "cobalt", "gallium", "germanium", "graphite", "lithium",
                "manganese", "platinum group metals", "rare earths", "titanium", "tungsten")


@pytest.mark.parametrize("commodity", NATO_SOURCED)
def test_nato_material_has_sites(sites, commodity):
    assert _with(sites, commodity)


def test_platinum_now_has_producing_mines(sites):
    pgm = sites[sites["id"].isin(_with(sites, "platinum group metals"))]
    assert (pgm["stage"] == "production").sum() >= 10
    assert {"stillwater", "east-boulder", "mogalakwena"} <= set(pgm["id"])


@pytest.mark.parametrize(("commodity", "country"), [
    ("niobium", "BRA"), ("lithium", "BRA"), ("rare earths", "GRL"), ("nickel", "CAN"),
    ("lithium", "ARG"), ("germanium", "USA"),
])
def test_western_hemisphere_assets(sites, commodity, country):
    assert set(sites.loc[sites["country"] == country, "id"]) & _with(sites, commodity)


def test_approximate_points_give_a_reason(sites):
    approx = sites[sites["location_accuracy"] == "approximate"]
    notes = approx["notes"].fillna("").str.lower()
    # The reason names where the point came from or why it is not exact.
    said = notes.str.contains("point|placed|approximate|coordinate|centre|center|centroid|latitude|longitude")
    assert list(approx.loc[~said, "id"]) == []

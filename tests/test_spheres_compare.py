"""`minetrack spheres --compare-published`: the ten published figures beside computed ones."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.facts.spheres import load_spheres
from geo.facts.stats import PUBLISHED_FIGURES, compare_published, load_copper_stats


@pytest.fixture(scope="module")
def table():
    return compare_published(load_copper_stats(), load_spheres())


def test_ten_figures_with_rule_and_years(table):
    assert len(table) == len(PUBLISHED_FIGURES) == 10
    assert set(table["rule"]) == {"host"} and set(table["years"]) == {"2023-2024"}


def test_china_refinery_share_is_china_sphere_countries_over_world(table):
    stats = load_copper_stats().set_index("iso_a3")
    china = set(load_spheres().query("sphere == 'China'")["iso_a3"])
    cols = ["refinery_2023_kt", "refinery_2024_kt"]
    members = stats.index[stats.index.isin(china)]
    expected = 100 * stats.loc[members, cols].fillna(0).sum().sum() / stats.loc["WLD", cols].sum()
    row = table[(table["measure"] == "processing-capacity") & (table["sphere"] == "China")].iloc[0]
    assert row["computed_pct"] == pytest.approx(expected, abs=0.05)
    assert row["difference_pts"] == pytest.approx(row["computed_pct"] - 53.1, abs=0.05)


def test_moving_a_country_moves_the_figure(table):
    spheres = load_spheres()
    moved = spheres.assign(sphere=spheres["sphere"].where(spheres["iso_a3"] != "PER", "China"))
    after = compare_published(load_copper_stats(), moved)
    china = (after["measure"] == "mine-output") & (after["sphere"] == "China")
    assert after.loc[china, "computed_pct"].iloc[0] > table.loc[china, "computed_pct"].iloc[0] + 10


def test_cli_json_lists_published_beside_computed():
    out = CliRunner().invoke(main, ["spheres", "--compare-published", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    published = {"48.7", "29.9", "<10", "1.9", "53.1", "19", "15.6", "6.8", "5.6"}
    assert {r["published"] for r in rows} >= published
    assert all({"computed_pct", "difference_pts", "rule", "years"} <= r.keys() for r in rows)

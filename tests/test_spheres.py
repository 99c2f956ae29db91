"""Control-sphere rules on a small hand-made world, and the bundled USGS country statistics."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read, write

from geo import check_dataset
from geo.facts.bundle import Facts
from geo.facts.spheres import equity_split, normalise_sphere, site_spheres
from geo.facts.stats import WORLD, country_shares, sphere_shares


@pytest.fixture(scope="module")
def facts():
    return Facts.from_dir()


def small_world():
    """Three sites, four owners, in three spheres: the rules must tell them apart."""
    spheres = pd.DataFrame({"iso_a3": ["PER", "CHN", "USA", "CHL"],
                            "sphere": ["US-aligned", "China", "US-aligned", "Undrafted"]})
    sites = pd.DataFrame({
        "id": ["a", "b", "c"], "country": ["PER", "USA", "CHL"], "type": ["mine"] * 3,
        "capacity": [300.0, 100.0, 600.0], "capacity_unit": ["kt Cu"] * 3,
    })
    stakes = pd.DataFrame({
        "site_id": ["a", "b", "b", "c"],
        "owner_id": ["mmg", "us-co", "cn-co", "cl-co"],
        "owner_hq_country": ["CHN", "USA", "CHN", "CHL"],
        "equity_pct": [62.5, 55.0, 45.0, 100.0],
        "operator": [True, True, False, True],
    })
    stats = pd.DataFrame({"iso_a3": [WORLD], "mine_2024_kt": [2000.0], "refinery_2024_kt": [3000.0]})
    return sites, stakes, spheres, stats


def test_host_and_owner_rules_differ_like_las_bambas():
    sites, stakes, spheres, _ = small_world()
    s = site_spheres(sites, stakes, spheres).set_index("id")
    assert s.at["a", "host_sphere"] == "US-aligned" and s.at["a", "owner_sphere"] == "China"
    assert s.at["b", "owner_sphere"] == "US-aligned"  # 55 % beats 45 %


def test_equity_split_counts_joint_ventures_by_stake():
    sites, stakes, spheres, _ = small_world()
    split = equity_split(sites, stakes, spheres)
    assert split.loc["b", "US-aligned"] == pytest.approx(0.55)
    assert split.loc["b", "China"] == pytest.approx(0.45)
    assert split.loc["a", "China"] == pytest.approx(0.625)
    assert split.loc["a", "unattributed"] == pytest.approx(0.375)
    assert split.sum(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0])


@pytest.mark.parametrize("rule,expected", [
    ("host", {"US-aligned": 400.0, "Undrafted": 600.0}),
    ("owner", {"China": 300.0, "US-aligned": 100.0, "Undrafted": 600.0}),
    ("equity", {"China": 0.625 * 300 + 45.0, "US-aligned": 55.0, "Undrafted": 600.0,
                "unattributed": 0.375 * 300}),
])
def test_sphere_shares_by_rule(rule, expected):
    sites, stakes, spheres, stats = small_world()
    s = site_spheres(sites, stakes, spheres)
    table = sphere_shares(s, stakes, spheres, stats, rule=rule, measure="mine-output").set_index("sphere")
    for sphere, kt in expected.items():
        assert table.at[sphere, "value_kt"] == pytest.approx(kt)
    assert table["share_pct"].sum() == pytest.approx(100.0, abs=0.05)
    assert table["coverage_pct"].iloc[0] == pytest.approx(50.0)  # 1000 of 2000 kt


def test_undeveloped_is_an_alias():
    assert normalise_sphere("undeveloped") == "Undrafted"
    assert normalise_sphere("US aligned") == "US-aligned"
    assert normalise_sphere("Atlantis") is None






def test_usgs_seed_figures_recomputed(facts):
    stats = facts.stats.set_index("iso_a3")
    us_share = 100 * stats.at["USA", "mine_2024_kt"] / stats.at[WORLD, "mine_2024_kt"]
    assert stats.at["USA", "mine_2024_kt"] == 1100 and stats.at[WORLD, "mine_2024_kt"] == 23000
    assert us_share == pytest.approx(4.8, abs=0.05)
    shares = country_shares(facts.stats).set_index("iso_a3")
    assert shares.at["USA", "reserves_share_pct"] == pytest.approx(5, abs=1)
    assert shares.at["USA", "reserves_rank"] == 7
    # Listed countries plus "other countries" add up to the (rounded) world total.
    listed = facts.stats[facts.stats.iso_a3 != WORLD]["mine_2024_kt"].sum()
    assert listed == pytest.approx(stats.at[WORLD, "mine_2024_kt"], rel=0.02)








def test_stats_unknown_country_is_a_validation_error(data_copy):
    from geo.facts.stats import STATS_FILE

    stats = read(data_copy / STATS_FILE)
    stats.loc[0, "iso_a3"] = "QQQ"
    write(stats, data_copy / STATS_FILE)
    found = [str(p) for p in check_dataset(data_copy)]
    assert any("[iso_a3]" in p and "unknown country code 'QQQ'" in p for p in found)


def test_sphere_table_validation(tmp_path):
    from geo import DataError, load_countries
    from geo.facts.spheres import load_spheres

    path = tmp_path / "spheres.csv"
    path.write_text("iso_a3,sphere,basis,rationale,sources\n"
                    "CHL,undeveloped,minetrack-rule,non-aligned,usgs-mcs2025-copper\n"
                    "PER,US aligned,published-map,x,usgs-mcs2025-copper\n")
    ok = load_spheres(path, known_iso=set(load_countries()["iso_a3"]), source_ids={"usgs-mcs2025-copper"})
    assert ok["sphere"].tolist() == ["Undrafted", "US-aligned"]
    path.write_text("iso_a3,sphere,basis,rationale,sources\n"
                    "CHL,Atlantis,minetrack-rule,x,nope\nQQQ,China,minetrack-rule,x,usgs-mcs2025-copper\n"
                    "CHL,China,hearsay,x,usgs-mcs2025-copper\n")
    with pytest.raises(DataError) as err:
        load_spheres(path, known_iso=set(load_countries()["iso_a3"]), source_ids={"usgs-mcs2025-copper"})
    found = [str(p) for p in err.value.problems]
    assert any(":2 [sphere]" in p and "unknown sphere 'Atlantis'" in p for p in found)
    assert any(":2 [sources]" in p and "unknown source id 'nope'" in p for p in found)
    assert any(":3 [iso_a3]" in p and "unknown country code 'QQQ'" in p for p in found)
    assert any(":4 [iso_a3]" in p and "assigned twice" in p for p in found)
    assert any(":4 [basis]" in p and "unknown basis 'hearsay'" in p for p in found)


def test_bundled_spheres_reproduce_the_published_processing_shares():
    """The map's shares of processing (China 53.1, US-aligned 15.6, Russia 5.6 %) against
    USGS refinery output of the window years summed by minetrack's country table; the
    Coalition and Undrafted shares fall short by about what USGS lumps as "other countries"."""
    from geo.facts.bundle import Facts
    from geo.facts.spheres_compare import sphere_totals, window

    facts = Facts.from_dir()
    years = window(facts.usgs_years)
    totals, world, other = sphere_totals(facts.usgs_years, facts.spheres, years, "refinery")
    share = 100 * totals / world
    assert share["China"] == pytest.approx(53.1, abs=1.0)
    assert share["US-aligned"] == pytest.approx(15.6, abs=1.0)
    assert share["Russia"] == pytest.approx(5.6, abs=1.0)
    assert share["Coalition of the Willing"] + share["Undrafted"] + 100 * other / world == pytest.approx(
        19 + 6.8, abs=1.5)


def test_bundled_las_bambas_differs_by_rule():
    from geo.facts.bundle import Facts

    sites = Facts.from_dir().sites.set_index("id")
    assert sites.loc["las-bambas", "country"] == "PER"
    assert sites.loc["las-bambas", "host_sphere"] == "US-aligned"  # Peru: US free-trade partner
    assert sites.loc["las-bambas", "owner_sphere"] == "China"  # MMG, Chinese-controlled

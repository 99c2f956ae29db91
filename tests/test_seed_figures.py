"""Every figure issue 12 lists from the two seed documents is in data/seed_figures.csv."""

from __future__ import annotations

import pytest

from geo.core.errors import DataError
from geo.core.paths import data_dir
from geo.facts.seed_figures import load_seed_figures
from geo.facts.sites import load_sources

# (figure id, value, unit) as issue 12 lists them
EXPECTED = [
    ("cn-cu-import-mex", 4.65, "%"), ("cn-cu-import-chl-per", 60.84, "%"),
    ("cn-cu-import-chl", 31.26, "%"), ("cn-cu-import-per", 24.93, "%"),
    ("cn-mo-import-per", 39, "%"), ("cn-mo-import-chl", 25, "%"), ("cn-mo-import-mex", 5, "%"),
    ("cn-mo-import-usa", 3, "%"), ("cn-mo-import-can", 3, "%"),
    ("cn-sb-import-per", 12.66, "%"), ("cn-sb-import-bol", 6.66, "%"),
    ("cn-sb-import-per-bol-total", 6, "kt"), ("cn-ga-import-usa", 2.8, "%"),
    ("cn-crude-import-bra", 8.15, "%"), ("cn-fe-import-bra", 22.04, "%"),
    ("cn-mn-import-bra", 2.26, "%"), ("cn-li-import-bra", 4.30, "%"),
    ("cn-crude-import-can", 2.82, "%"), ("cn-coal-import-can", 3.68, "%"),
    ("cn-au-import-can", 11.43, "%"), ("cn-li-import-can", 2.41, "%"),
    ("cn-ree-import-usa-share", 95, "%"), ("cn-ree-import-usa-total", 10.8, "kt"),
    ("cn-b-import-bol-before-2025", 99, "%"), ("cn-b-import-bol-2025", 0, "%"),
    ("us-ree-reliance-china-doc", 56, "%"), ("us-ree-reliance-china-usgs", 70, "%"),
    ("nato-critical-count", 12, "materials"),
    ("ambler-lom-cu", 159, "Mlb"), ("ambler-lom-zn", 199, "Mlb"), ("ambler-lom-pb", 33, "Mlb"),
    ("ambler-lom-au", 30600, "oz"), ("ambler-lom-ag", 3.3, "Moz"),
    ("santa-cruz-exim-loi", 825, "MUSD"), ("santa-cruz-lom-cu", 1.6, "Mt"),
    ("resolution-output", 1, "billion lb/yr"), ("resolution-us-demand", 25, "%"),
    ("morenci-years", 154, "years"), ("morenci-leach-stockpile-cu", 10, "Mt"),
    ("morenci-sulfide-leach-cu", 100, "kt"), ("morenci-sulfide-leach-2030", 400, "kt"),
    ("us-cu-consumption", 1.8, "Mt"),
    ("us-cu-end-use-building", 42, "%"), ("us-cu-end-use-electrical", 23, "%"),
    ("us-cu-end-use-transport", 18, "%"), ("us-cu-end-use-consumer", 10, "%"),
    ("us-cu-end-use-machinery", 7, "%"),
    ("us-cu-conc-exported", 320, "kt"), ("us-cu-recycled-share", 35, "%"),
    ("us-cu-scrap-exported", 1, "Mt"), ("us-discovery-to-production", 29, "years"),
]

NATO_12 = ("aluminium", "beryllium", "cobalt", "gallium", "germanium", "graphite", "lithium",
           "manganese", "platinum", "rare earth", "titanium", "tungsten")


@pytest.fixture(scope="module")
def figures():
    sources = load_sources(data_dir() / "sources.csv")
    return load_seed_figures(source_ids=set(sources["id"])).set_index("id")


@pytest.mark.parametrize(("fid", "value", "unit"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_each_issue_figure_present(figures, fid, value, unit):
    assert fid in figures.index
    row = figures.loc[fid]
    assert row["value"] == pytest.approx(value)
    assert row["unit"] == unit


def test_end_use_split_sums_to_100(figures):
    assert figures.loc[figures.index.str.startswith("us-cu-end-use-"), "value"].sum() == pytest.approx(100)


def test_nato_list_names_all_twelve(figures):
    note = figures.loc["nato-critical-count", "note"].lower()
    assert [m for m in NATO_12 if m not in note] == []


def test_differing_figures_keep_both_and_say_which_is_used(figures):
    for fid in ("cn-cu-import-chl", "cn-cu-import-per", "us-ree-reliance-china-doc"):
        assert "use" in figures.loc[fid, "note"]
    assert figures.loc["us-ree-reliance-china-usgs", "primary_source"].startswith("mcs2025-")


def test_every_source_id_resolves(figures):
    ids = set(load_sources(data_dir() / "sources.csv")["id"])
    used = set(figures["document"]) | {v for v in figures["primary_source"] if isinstance(v, str) and v}
    assert used - ids == set()


def test_unknown_source_id_is_a_one_line_error(tmp_path):
    bad = tmp_path / "seed_figures.csv"
    bad.write_text("id,document,section,claim,value,unit,year\n"
                   "x,no-such-doc,p1,claim,1,%,2025\n")
    with pytest.raises(DataError) as e:
        load_seed_figures(bad, source_ids={"seed-us-copper-supply-2025"})
    assert "document" in str(e.value) and "no-such-doc" in str(e.value)

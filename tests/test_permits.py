"""Stage history, FAST-41, recorded land status and tracker vocabularies."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read, write

from geo import DataError, check_dataset, load_sites
from geo.facts.permits import (
    entered_between,
    fast_tracked,
    load_fast41,
    load_land_status,
    load_stage_events,
    stage_at,
)
from geo.facts.stage_vocab import load_stage_vocab, translate_stages

SEED_PROJECTS = (
    "resolution",
    "pebble",
    "northmet",
    "twin-metals",
    "hermosa",
    "santa-cruz",
    "arctic",
    "libby-exploration",
)


@pytest.fixture(scope="module")
def events():
    return load_stage_events()


def test_seed_projects_have_a_sourced_history(events):
    for site in SEED_PROJECTS:
        mine = events[events["site_id"] == site]
        assert len(mine) >= 5, site
        assert (mine["event"] == "stage").any(), site
        assert mine["sources"].map(len).gt(0).all()
    # Milestones the seed names are there, in order.
    res = events[events["site_id"] == "resolution"]
    kinds = list(res["event"])
    assert "final-eis" in kinds and "land-exchange" in kinds and "fast-41-transparency" in kinds
    assert res["date"].is_monotonic_increasing


def test_bundled_stages_agree_with_history(events):
    sites = load_sites().set_index("id")
    now = stage_at(events, pd.Timestamp.max)
    assert (sites.loc[now.index, "stage"] == now["stage"]).all()


def test_stage_at_a_date_and_time_in_stage(events):
    then = stage_at(events, "2016-06-30")
    now = stage_at(events, "2026-12-02")
    # A site whose history starts later is listed as unknown on that date, not left out.
    unknown = then[then["stage"].isna()]
    assert len(unknown) and (unknown["known_from"] > pd.Timestamp("2016-06-30")).all()
    assert (unknown["stage_note"] == "unknown before " + unknown["known_from"].dt.strftime("%Y-%m-%d")).all()
    then = then[then["stage"].notna()]
    # Every site's stage on a date is the last stage event on or before it.
    for site, row in then.iterrows():
        past = events[
            (events["site_id"] == site) & (events["event"] == "stage") & (events["date"] <= "2016-06-30")
        ]
        assert row["stage"] == past["stage"].iloc[-1]
        assert row["since"] <= pd.Timestamp("2016-06-30")
    assert set(then.index) < set(now.index)
    assert (now["days_in_stage"] == (pd.Timestamp("2026-12-02") - now["since"]).dt.days).all()
    # A restated stage does not restart the clock.
    for site, row in now.iterrows():
        st = events[(events["site_id"] == site) & (events["event"] == "stage")]
        before = st[st["date"] < row["since"]]
        assert before.empty or before["stage"].iloc[-1] != row["stage"]


def test_entered_between(events):
    hits = entered_between(events, "construction", "2023-01-01", "2026-12-31")
    assert hits["date"].between("2023-01-01", "2026-12-31").all()
    assert {"hermosa", "thacker-pass"} <= set(hits["site_id"])
    with pytest.raises(ValueError, match="unknown stage"):
        entered_between(events, "digging", "2020-01-01", "2021-01-01")


def test_fast41_list():
    f41 = load_fast41()
    first = f41[f41["batch"] == "1"]
    assert len(first) == 10 and (first["added"] == pd.Timestamp("2025-04-18")).all()  # the seed's first batch
    assert (f41["status"] == "covered").any()
    ft = fast_tracked(f41)
    assert ft.loc["resolution", "fast41_status"] == "transparency"
    assert ft.loc["hermosa", "fast41_status"] == "covered"
    sites = set(load_sites()["id"])
    assert set(ft.index) <= sites


def test_land_status_and_vocab_tables():
    land = load_land_status()
    assert land.loc[land["site_id"] == "resolution", "agency"].iloc[0] == "USFS"
    vocab = load_stage_vocab()
    assert set(vocab["vocabulary"]) >= {"gem-status", "spglobal-stage", "mrds-dev-stat"}
    stages = translate_stages(pd.Series(["Operating", " feasibility started ", "", None]), "spglobal-stage")
    assert stages.tolist()[:2] == ["production", "feasibility"]
    assert stages.isna().tolist()[2:] == [True, True]
    with pytest.raises(ValueError, match="values not in the mapping table: 'digging'"):
        translate_stages(pd.Series(["Operating", "Digging"]), "spglobal-stage")
    with pytest.raises(ValueError, match="unknown stage vocabulary"):
        translate_stages(pd.Series(["x"]), "nope")


def test_bad_history_rows_are_reported(data_copy):
    ev = read(data_copy / "stage_events.csv")
    ev.loc[0, "date"] = "2020-13-45"
    ev.loc[1, "event"] = "party"
    ev.loc[2, "site_id"] = "atlantis"
    stage_rows = ev.index[ev["event"] == "stage"]
    ev.loc[stage_rows[0], "stage"] = ""
    write(ev, data_copy / "stage_events.csv")
    with pytest.raises(DataError) as err:
        load_stage_events(data_copy / "stage_events.csv", site_ids=set(load_sites()["id"]))
    found = [str(p) for p in err.value.problems]
    assert any(":2 [date]" in p for p in found)
    assert any(":3 [event]" in p and "party" in p for p in found)
    assert any(":4 [site_id]" in p and "atlantis" in p for p in found)
    assert any(f":{stage_rows[0] + 2} [stage]" in p for p in found)


def test_site_stage_disagreeing_with_history_is_an_error(data_copy):
    sites = read(data_copy / "sites.csv")
    sites.loc[sites["id"] == "hermosa", "stage"] = "exploration"
    write(sites, data_copy / "sites.csv")
    found = [str(p) for p in check_dataset(data_copy)]
    assert any("[stage]" in p and "hermosa" in p and "'construction'" in p for p in found)


def test_land_status_needs_an_agency(data_copy):
    land = read(data_copy / "land_status.csv")
    fed = land.index[land["status"] == "federal"][0]
    land.loc[fed, "agency"] = "MOON"
    write(land, data_copy / "land_status.csv")
    found = [str(p) for p in check_dataset(data_copy)]
    assert any(f":{fed + 2} [agency]" in p for p in found)

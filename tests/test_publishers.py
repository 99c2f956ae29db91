"""publishers.csv: every publisher of sources.csv classified, and how many figures
rest only on non-primary citations (trade press, news, databases, blogs)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo.cli import main
from geo.core.errors import DataError
from geo.core.paths import data_dir
from geo.facts.publishers import (
    KINDS,
    NEVER_PRIMARY,
    citation_primacy,
    load_publishers,
    non_primary_rows,
    primary_source_ids,
)
from tests.conftest import read, write


def test_every_publisher_is_classified_once():
    sources = pd.read_csv(data_dir() / "sources.csv", dtype=str, keep_default_na=False)
    table = load_publishers()
    assert set(sources["publisher"]) <= set(table["publisher"])
    assert table["publisher"].is_unique and set(table["kind"]) <= set(KINDS)
    assert not table.loc[table["kind"].isin(list(NEVER_PRIMARY)), "primary"].any()


@pytest.mark.parametrize("publisher, primary", [
    ("U.S. Geological Survey", True), ("Freeport-McMoRan (SEC filing)", True),
    ("Federal Register (via Justia)", True), ("NS Energy", False), ("Mining Technology", False),
    ("MINING.COM", False), ("The Northern Miner", False), ("Reuters", False), ("Mindat", False),
    ("InfoMine", False), ("PorterGeo", False), ("Mining Data Online", False), ("Benzinga", False),
    ("Global Business Reports", False), ("DKL Engineering (Sulphuric Acid on the Web)", False),
])
def test_press_and_databases_are_not_primary(publisher, primary):
    table = load_publishers().set_index("publisher")
    assert bool(table.at[publisher, "primary"]) is primary


def test_validate_refuses_an_unclassified_publisher(data_copy, runner):
    path = data_copy / "sources.csv"
    frame = read(path)
    frame.loc[3, "publisher"] = "Some New Mining Blog"
    write(frame, path)
    result = runner.invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    [line] = [ln for ln in result.output.splitlines() if "sources.csv:5 [publisher]" in ln]
    assert "Some New Mining Blog" in line and "publishers.csv" in line
    assert "Traceback" not in result.output


def test_validate_refuses_an_unknown_kind_and_press_marked_primary(data_copy, runner):
    path = data_copy / "publishers.csv"
    frame = read(path)
    frame.loc[0, "kind"] = "rumour"
    press = frame.index[frame["kind"] == "news"][0]
    frame.loc[press, "primary"] = "true"
    write(frame, path)
    result = runner.invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    assert any("publishers.csv:2 [kind]" in ln and "rumour" in ln for ln in result.output.splitlines())
    assert any(f"publishers.csv:{press + 2} [primary]" in ln for ln in result.output.splitlines())
    with pytest.raises(DataError):
        load_publishers(path)


def test_a_figure_turns_primary_when_a_primary_source_is_added(data_copy):
    before = citation_primacy(data_copy).set_index("table")
    weak = non_primary_rows(data_copy)
    stake = weak[weak["table"] == "ownership.csv"].iloc[0]
    path = data_copy / "ownership.csv"
    frame = read(path)
    frame.loc[stake["line"] - 2, "sources"] += ";usgs-mcs2025-copper"
    write(frame, path)
    after = citation_primacy(data_copy).set_index("table")
    assert after.at["ownership.csv", "non_primary"] == before.at["ownership.csv", "non_primary"] - 1
    assert after.at["sites.csv", "non_primary"] == before.at["sites.csv", "non_primary"]


def test_location_datasets_do_not_make_a_figure_primary():
    sources = pd.read_csv(data_dir() / "sources.csv", dtype=str, keep_default_na=False)
    weak = non_primary_rows()
    capacity = weak[weak["table"] == "sites.csv"]
    porcu = set(sources.loc[sources["url"].str.contains("2008-1155|2008/1155"), "id"])
    assert porcu <= primary_source_ids(sources, load_publishers())
    # Some capacity rows cite the porphyry database for their point and nothing else primary.
    assert capacity["sources"].str.split(";").map(lambda ids: bool(porcu & set(ids))).any()


def test_provenance_states_the_current_counts():
    text = (data_dir() / "PROVENANCE.md").read_text(encoding="utf-8")
    section = text.split("## How primary the citations are", 1)[1].split("\n## ", 1)[0]
    stated = {m[0]: (int(m[1]), int(m[2]))
              for m in re.findall(r"^\| `([\w.]+)` \| [^|]+ \| (\d+) \| (\d+) \|", section, re.MULTILINE)}
    counts = citation_primacy()
    print("\n" + counts.to_string(index=False))
    assert stated == {r.table: (r.rows, r.non_primary) for r in counts.itertuples()}

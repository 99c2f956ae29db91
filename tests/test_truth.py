"""Truth of the bundled data: notes agree with points, citations are primary documents
that resolve, and stage histories answer for dates before 2020."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import read, write
from pyproj import Geod

from geo import check_dataset, load_sites
from geo.cli import main
from geo.core.paths import data_dir
from geo.core.tables import split_list
from geo.facts.checks import check_note_points, refused_citation
from geo.facts.permits import load_stage_events, stage_at, stages
from geo.facts.places import load_places, locate, note_phrases, parse_phrases

GEOD = Geod(ellps="WGS84")


# --- note phrases --------------------------------------------------------------------

def test_phrases_read_units_bearings_and_ranges():
    [p] = parse_phrases("Underground sub-level cave ~38 km NE of Cloncurry, open pit 1998-2011")
    assert (p.distance_m, p.bearing_deg, p.place) == (38_000, 45.0, "Cloncurry")
    [p] = parse_phrases("placed 9 mi south-east of Ely.")
    assert p.distance_m == pytest.approx(9 * 1609.344) and p.bearing_deg == 135.0 and p.place == "Ely"
    [p] = parse_phrases("about 6 km south of Tierra Amarilla")
    assert p.bearing_deg == 180.0 and p.place == "Tierra Amarilla"
    [p] = parse_phrases("24-27 km north of White Sulphur Springs per news")
    assert p.distance_m == 25_500 and p.spread_m == 1_500 and p.place == "White Sulphur Springs"
    [p] = parse_phrases("5 km NNE of Chuquicamata")
    assert p.bearing_deg == 22.5
    [p] = parse_phrases("40 kilometres northwest of Salta")
    assert p.bearing_deg == 315.0
    # Distances relative to another dataset's point, or with no place, are not phrases.
    assert parse_phrases("the USGS PorCu point is ~29 km NE and was not used") == []
    assert parse_phrases("placed 6 km south of the USGS Bor point") == []


def _site(lon: float, lat: float, note: str, country: str = "AUS") -> pd.DataFrame:
    return pd.DataFrame({"id": ["s"], "country": [country], "latitude": [lat], "longitude": [lon],
                         "notes": [note]})


def test_a_point_where_its_note_puts_it_passes_and_one_too_far_fails():
    town = locate("Cloncurry", "AUS", 140.5, -20.7)
    assert town is not None
    lon, lat, _ = GEOD.fwd(town["longitude"], town["latitude"], 45, 38_000)
    assert check_note_points(_site(lon, lat, "~38 km NE of Cloncurry"), "sites.csv") == []
    # 8 km off (within a quarter of 38 km) still agrees; 18 km from town on the right bearing does not.
    lon2, lat2, _ = GEOD.fwd(lon, lat, 135, 8_000)
    assert check_note_points(_site(lon2, lat2, "~38 km NE of Cloncurry"), "sites.csv") == []
    lon3, lat3, _ = GEOD.fwd(town["longitude"], town["latitude"], 45, 18_000)
    [p] = check_note_points(_site(lon3, lat3, "~38 km NE of Cloncurry"), "sites.csv")
    assert (p.file, p.row, p.field) == ("sites.csv", 2, "notes")
    assert "38 km NE of Cloncurry" in p.message and "18.0 km" in p.message


def test_wrong_bearing_is_flagged_and_unknown_places_are_not_checked():
    town = locate("Cloncurry", "AUS", 140.5, -20.7)
    lon, lat, _ = GEOD.fwd(town["longitude"], town["latitude"], 225, 38_000)  # SW, not NE
    assert len(check_note_points(_site(lon, lat, "38 km NE of Cloncurry"), "f.csv")) == 1
    phrases = note_phrases(_site(lon, lat, "38 km NE of Nowheresville Junction"))
    assert len(phrases) == 1 and not phrases["place_found"].iloc[0]
    assert check_note_points(_site(lon, lat, "38 km NE of Nowheresville Junction"), "f.csv") == []


def test_a_namesake_far_away_is_not_the_place_meant():
    # The gazetteer's only White Sulphur Springs is in West Virginia; a Montana mine's note
    # means the Montana town, so the phrase is left unchecked rather than flagged.
    assert locate("White Sulphur Springs", "USA", -110.9, 46.8, near_m=150_000) is None
    assert locate("White Sulphur Springs", "USA", -80.3, 37.8) is not None


def test_gazetteer_is_bundled_and_geodesic():
    places = load_places()
    assert len(places["name"].unique()) > 7000
    assert {"Cloncurry", "Kuantan", "Townsville", "Antofagasta"} <= set(places["name"])


def test_bundled_notes_agree_with_their_points():
    sites = load_sites()
    phrases = note_phrases(sites)
    checked = phrases[phrases["place_found"]]
    assert len(checked) >= 15  # most phrases name a town the gazetteer holds
    off = checked[checked["off_m"] > checked["allowed_m"]]
    assert off.empty, off[["id", "text", "off_m", "allowed_m"]].to_string()
    # Ernest Henry: the point now lies about 38 km NE of Cloncurry, as its note says.
    eh = checked[checked["id"] == "ernest-henry"]
    assert len(eh) == 1 and eh["off_m"].iloc[0] < 0.25 * 38_000


def test_validate_flags_a_point_that_contradicts_its_note(data_copy, runner):
    path = data_copy / "sites.csv"
    frame = read(path)
    row = frame.index[frame["id"] == "ernest-henry"][0]
    town = locate("Cloncurry", "AUS", 140.5, -20.7)
    lon, lat, _ = GEOD.fwd(town["longitude"], town["latitude"], 45, 18_000)  # the old point
    frame.loc[row, ["latitude", "longitude"]] = [f"{lat:.4f}", f"{lon:.4f}"]
    write(frame, path)
    result = runner.invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if "[notes]" in ln]
    assert len(lines) == 1 and f"sites.csv:{row + 2} [notes]" in lines[0] and "Cloncurry" in lines[0]


# --- citations -----------------------------------------------------------------------

@pytest.mark.parametrize("url, publisher, refused", [
    ("https://en.wikipedia.org/wiki/Morenci_mine", "Wikipedia", "encyclopedia"),
    ("https://grokipedia.com/page/Morenci_mine", "Grokipedia", "encyclopedia"),
    ("https://wikimili.com/en/Candelaria_mine", "WikiMili", "encyclopedia"),
    ("https://example.org/mirror/Chino_Mine", "Wikipedia (Kiwix mirror)", "encyclopedia"),
    ("https://www.albemarle.com/", "Albemarle", "home page"),
    ("https://www.agmk.uz/en/", "Almalyk MMC", "home page"),
    ("http://nikunjnariya.blogspot.com", "Blog", "home page"),
    ("https://miningdataonline.com/property/88/privacy-policy.aspx", "MDO", "privacy"),
    ("https://miningdataonline.com/property/669/terms-of-use-agreement.aspx", "MDO", "privacy"),
    ("https://pubs.usgs.gov/of/2008/1155/", "USGS", ""),
    ("https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=0000831259", "FCX", ""),
    ("USGS Open-File Report 2008-1155", "USGS", ""),
])
def test_refused_citations(url, publisher, refused):
    why = refused_citation(url, publisher, "a title")
    assert (refused in why) if refused else why == ""


def test_bundled_sources_cite_no_encyclopedia_home_or_privacy_page():
    sources = pd.read_csv(data_dir() / "sources.csv", dtype=str, keep_default_na=False)
    bad = [(r.id, refused_citation(r.url, r.publisher, r.title)) for r in sources.itertuples()]
    assert [b for b in bad if b[1]] == []


def test_validate_refuses_a_wikipedia_source(data_copy, runner):
    path = data_copy / "sources.csv"
    frame = read(path)
    frame.loc[3, "url"] = "https://en.wikipedia.org/wiki/Escondida_mine"
    write(frame, path)
    result = runner.invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    [line] = [ln for ln in result.output.splitlines() if "sources.csv:5 [url]" in ln]
    assert "encyclopedia" in line and "Traceback" not in result.output


def test_every_cited_source_id_resolves():
    ids = set(pd.read_csv(data_dir() / "sources.csv", dtype=str)["id"])
    cited: dict[str, set[str]] = {}
    for path in sorted(data_dir().glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column in ("sources", "document", "primary_source"):
                    for sid in split_list(row.get(column) or ""):
                        cited.setdefault(path.name, set()).add(sid)
    assert {"sites.csv", "stage_events.csv", "ownership.csv"} <= set(cited)
    missing = {name: sorted(s - ids) for name, s in cited.items() if s - ids}
    assert missing == {}


def test_the_dataset_has_no_problems_of_these_kinds():
    kinds = [p for p in check_dataset() if p.field in ("notes", "url")]
    assert kinds == []


# --- stage on a date -----------------------------------------------------------------

@pytest.fixture(scope="module")
def events():
    return load_stage_events()


@pytest.mark.parametrize("site, when, stage", [
    ("northmet", "2015-06-30", "permitting"),   # between the 2013 SDEIS and the Nov 2015 FEIS
    ("northmet", "2010-01-01", "permitting"),   # after the Nov 2009 draft EIS
    ("resolution", "2016-06-30", "permitting"),  # NOI March 2016, scoping open
    ("resolution", "2019-12-31", "permitting"),  # after the Aug 2019 draft EIS
    ("pebble", "2019-06-30", "permitting"),      # Corps EIS under way (DEIS March 2019)
])
def test_stage_on_a_date_before_2020(events, site, when, stage):
    row = stage_at(events, when).loc[site]
    assert row["stage"] == stage and row["since"] <= pd.Timestamp(when) and row["stage_note"] == ""


def test_a_history_that_starts_late_says_unknown_before(events):
    then = stage_at(events, "2016-06-30")
    pebble = then.loc["pebble"]  # its stage history starts with the Dec 2017 application
    assert pd.isna(pebble["stage"]) and pebble["stage_note"] == "unknown before 2017-12-01"
    assert then.loc["northmet", "stage_note"] == ""
    early = stage_at(events, "2004-12-31")
    assert early["stage"].isna().all()
    assert (early["stage_note"].str.startswith("unknown before ")).all()
    table = stages(on="2004-12-31")
    assert "not in permitting" not in table.to_string()
    assert table.set_index("site_id").loc["northmet", "known_from"] == "2005-07-01"


def test_histories_reach_back_to_the_first_federal_milestone(events):
    first = events.groupby("site_id")["date"].min()
    assert first["northmet"] == pd.Timestamp("2005-07-01")   # Corps NOI, 70 FR 38122
    assert first["pebble"] <= pd.Timestamp("2014-02-28")     # EPA 404(c) review opens
    res = events[events["site_id"] == "resolution"].set_index("event")
    assert pd.Timestamp("2016-03-18") in set(res.loc[["notice-of-intent"], "date"])
    feis = events[(events["site_id"] == "resolution") & (events["event"] == "final-eis")]["date"]
    assert {pd.Timestamp("2021-01-15"), pd.Timestamp("2025-06-16")} <= set(feis)
    nm = events[events["site_id"] == "northmet"]
    assert set(nm["event"]) >= {"notice-of-intent", "draft-eis", "final-eis", "record-of-decision",
                                "land-exchange", "permit-issued", "litigation"}


def test_query_on_a_date_keeps_northmet_in_permitting(runner, tmp_path):
    out = tmp_path / "q.csv"
    result = runner.invoke(main, ["query", "--stage", "permitting", "--on", "2015-06-30",
                                  "--country", "USA", "--output", str(out)])
    assert result.exit_code == 0, result.output
    ids = set(pd.read_csv(out)["id"])
    assert {"northmet", "resolution"} <= ids and "pebble" not in ids

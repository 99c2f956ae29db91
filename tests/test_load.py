"""The bundled data load as valid, typed, sourced layers."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import (
    load_countries,
    load_owners,
    load_ownership,
    load_sites,
    load_sources,
    load_us_states,
    with_owners,
)
from geo.core.tables import split_list
from geo.core.vocab import LOCATION_ACCURACY, SITE_TYPES, STAGES

# Sites the seed documents name; each must be in the bundled data.
SEED_SITES = {
    "morenci", "bingham-canyon", "chino", "robinson", "pebble", "resolution", "hermosa",
    "santa-cruz", "northmet", "twin-metals", "kennecott-smelter", "kennecott-refinery",
    "miami-smelter", "escondida", "kamoa-kakula", "bagdad", "safford", "sierrita", "ray",
    "mission", "pinto-valley", "copper-world", "florence-copper", "lisbon-valley",
    "collahuasi", "grasberg", "cerro-verde", "las-bambas", "buenavista-del-cobre", "antamina",
    "chuquicamata", "el-teniente", "oyu-tolgoi", "tenke-fungurume", "mountain-pass",
    "thacker-pass",
}


@pytest.fixture(scope="module")
def sites():
    return load_sites()


def test_sites_layer_shape(sites):
    assert len(sites) >= 150
    assert sites.crs.to_epsg() == 4326
    assert (sites.geom_type == "Point").all()
    assert sites["id"].is_unique
    assert set(sites["type"]) <= set(SITE_TYPES)
    assert set(sites["stage"]) <= set(STAGES)
    assert set(sites["location_accuracy"]) <= set(LOCATION_ACCURACY)
    assert sites["latitude"].between(-90, 90).all() and sites["longitude"].between(-180, 180).all()
    assert (sites.geometry.x == sites["longitude"]).all()


def test_seed_sites_present(sites):
    missing = SEED_SITES - set(sites["id"])
    assert not missing, missing


def test_every_type_is_represented(sites):
    counts = sites["type"].value_counts()
    for t in ("mine", "smelter", "refinery", "project", "recycling"):
        assert counts.get(t, 0) >= 1, t
    assert counts["mine"] >= 60


def test_every_row_cites_a_known_source(sites):
    known = set(load_sources()["id"])
    for sid_list in sites["sources"]:
        ids = split_list(sid_list)
        assert ids and set(ids) <= known


def test_sources_have_publisher_title_and_year():
    src = load_sources()
    assert src["publisher"].str.len().gt(0).all()
    assert src["title"].str.len().gt(0).all()
    assert src["year"].between(1900, 2026).all()


def test_stakes_never_exceed_100_percent():
    stakes = load_ownership()
    assert stakes.groupby("site_id")["equity_pct"].sum().max() <= 100.0 + 1e-9
    assert stakes["equity_pct"].gt(0).all()


def test_owners_join(sites):
    joined = with_owners(sites, load_ownership(), load_owners())
    morenci = joined.set_index("id").loc["morenci"]
    assert "Freeport-McMoRan" in morenci["owners"] and morenci["operator"] == "Freeport-McMoRan"
    # Rows taken from the USGS Africa layer alone carry its operator names in their notes
    # but no sourced stakes (and no sourced owner home countries), so the coverage bar
    # applies to the curated rows; the whole table must still be mostly owned.
    usgs_only = joined["sources"].fillna("") == "usgs-africa-gis-2021"
    assert (joined.loc[~usgs_only, "owners"] != "").mean() > 0.8
    assert (joined["owners"] != "").mean() > 0.6


def test_capacity_fields_consistent(sites):
    has_cap = sites["capacity"].notna()
    assert sites.loc[has_cap, "capacity_unit"].str.len().gt(0).all()
    assert sites.loc[has_cap, "capacity"].ge(0).all()
    assert has_cap.sum() >= 25
    basis = sites.loc[has_cap, "capacity_basis"]
    assert basis.isin(["production", "capacity"]).all()


def test_countries_layer():
    c = load_countries()
    assert len(c) > 230 and c["iso_a3"].is_unique and c.is_valid.all()
    assert c.crs.to_epsg() == 4326
    assert {"USA", "CHL", "COD", "CHN", "PER", "AUS"} <= set(c["iso_a3"])
    # No polygon spans the antimeridian (world-atlas stitches them; the build cuts them).
    widths = c.geometry.apply(lambda g: max(p.bounds[2] - p.bounds[0] for p in getattr(g, "geoms", [g])))
    assert (widths[c.iso_a3 != "ATA"] < 180).all()


def test_us_states_layer():
    s = load_us_states()
    assert {"AZ", "UT", "NM", "NV", "AK", "MN", "MT"} <= set(s["postal"])
    assert s["postal"].is_unique


def test_numbers_are_typed(sites):
    assert pd.api.types.is_float_dtype(sites["latitude"])
    assert pd.api.types.is_numeric_dtype(sites["capacity"])


def test_provenance_row_counts_match_the_files():
    """PROVENANCE's table of files states each file's row count; a stale count misleads."""
    import json
    import re

    from geo.core.paths import data_dir

    folder = data_dir()
    text = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    stated = dict(re.findall(r"^\| `([\w.]+)` \| (\d+) \|", text, re.MULTILINE))
    assert {"sites.csv", "production.csv", "sources.csv"} <= stated.keys()
    for name, count in stated.items():
        path = folder / name
        if name.endswith(".geojson"):
            rows = len(json.loads(path.read_text(encoding="utf-8"))["features"])
        else:
            rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
        assert rows == int(count), f"PROVENANCE says {name} has {count} rows; it has {rows}"

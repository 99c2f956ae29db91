"""`minetrack query` and geo.query.query_sites: composable filters on real layers."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo import load_sites
from geo.cli import main
from geo.core.units import parse_class_distance, parse_distance
from geo.facts.permits import load_fast41, load_stage_events
from geo.io.infrastructure import read_infrastructure
from geo.query.conditions import Query, QueryLayers
from geo.query.run import query_sites
from geo.spatial.infrastructure import nearest_infrastructure, plants_as_infrastructure

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
RAIL = REAL / "natural-earth-v4" / "ne_10m_railroads_north_america.json"
NM = REAL / "padus3-state-subsets-potamap" / "PADUS3_0Combined_StateNM.geojson"


def test_distances_parse():
    assert parse_distance("50km") == 50_000
    assert parse_distance(" 750 m ") == 750
    assert parse_distance("1mi") == pytest.approx(1609.344)
    assert parse_class_distance("Railway:2.5km") == ("rail", 2500)
    for bad in ("50", "km", "-3km", "5 parsecs"):
        with pytest.raises(ValueError, match="not a distance"):
            parse_distance(bad)
    with pytest.raises(ValueError, match="unknown infrastructure class 'pipeline'"):
        parse_class_distance("pipeline:5km")


def test_farther_than_rail_and_near_smelter_compose():
    sites = load_sites()
    rail = read_infrastructure(RAIL)
    infra = gpd.GeoDataFrame(
        __import__("pandas").concat([rail, plants_as_infrastructure(sites)], ignore_index=True),
        crs="EPSG:4326",
    )
    na = sites[sites["country"].isin(["USA", "CAN", "MEX"]) & (sites["type"] == "mine")]
    d_rail = nearest_infrastructure(na, infra, "rail").set_index("site")["distance_m"]
    d_smelter = nearest_infrastructure(na, infra, "smelter").set_index("site")["distance_m"]
    want = set(na.index[(d_rail.reindex(na.index) > 50_000) & (d_smelter.reindex(na.index) <= 300_000)])
    got = query_sites(
        sites,
        Query(country=["USA", "CAN", "MEX"], type="mine", farther_than={"rail": 50_000},
              near={"smelter": 300_000}),
        QueryLayers(infrastructure=infra),
    )
    assert set(got.index) == want and 0 < len(want) < len(na)
    assert (got["dist_rail_m"] > 50_000).all() and (got["dist_smelter_m"] <= 300_000).all()
    assert got["nearest_smelter"].notna().all()


def test_stage_fast41_and_history_filters():
    sites = load_sites()
    events, f41 = load_stage_events(), load_fast41()
    layers = QueryLayers(events=events, fast41=f41)
    now = query_sites(sites, Query(stage="permitting", country="USA"), layers)
    assert {"resolution", "pebble", "twin-metals"} <= set(now["id"])
    fast = query_sites(sites, Query(fast_tracked=True), layers)
    assert set(fast["fast41_status"]) <= {"covered", "transparency"} and "hermosa" in set(fast["id"])
    past = query_sites(sites, Query(stage="permitting", on="2016-06-30"), QueryLayers(events=events))
    assert set(past["id"]) < set(now["id"]) | set(past["id"])
    assert (past["stage_since"] <= "2016-06-30").all()
    entered = query_sites(sites, Query(entered=("construction", "2023-01-01", "2026-12-31")),
                          QueryLayers(events=events))
    assert entered["entered_on"].between("2023-01-01", "2026-12-31").all() and len(entered)


def _sites_file(tmp_path, rows):
    """A user sites CSV (with the bundled sources) for CLI tests."""
    header = (
        "id,name,aliases,type,commodities,country,admin1,latitude,longitude,location_accuracy,stage,"
        "capacity,capacity_unit,capacity_basis,capacity_year,start_year,notes,sources\n"
    )
    path = tmp_path / "mysites.csv"
    path.write_text(
        header
        + "".join(
            f'{i},"{name}",,project,copper,USA,NM,{lat},{lon},approximate,{stage},,,,,,test point,'
            "usgs-mcs2025-copper\n"
            for i, name, lat, lon, stage in rows
        ),
        encoding="utf-8",
    )
    return path


def test_query_cli_federal_land_and_formats(runner, tmp_path):
    gila = gpd.read_file(NM)
    inside = shapely.point_on_surface(gila[gila["NAME"] == "Gila National Forest"].geometry.values[0])
    path = _sites_file(
        tmp_path,
        [
            ("in-gila", "<img src=x onerror=alert(1)> Gila", inside.y, inside.x, "Pre-Permit"),
            ("far-away", "Plains", 34.5, -103.5, "Exploration"),
        ],
    )
    base = [
        "query",
        "--sites",
        str(path),
        "--stage-vocabulary",
        "gem-status-detail",
        "--federal-land",
        str(NM),
    ]
    table = runner.invoke(main, [*base, "--on-federal-land", "USFS"])
    assert table.exit_code == 0, table.output
    assert (
        "in-gila" in table.output
        and "far-away" not in table.output
        and "Gila National Forest" in table.output
    )
    anyfed = runner.invoke(main, [*base, "--on-federal-land"])
    assert "in-gila" in anyfed.output and "far-away" not in anyfed.output
    off = runner.invoke(main, [*base, "--off-federal-land", "--stage", "exploration"])
    assert "far-away" in off.output and "in-gila" not in off.output
    for fmt, suffix in (("gpkg", ".gpkg"), ("geojson", ".geojson"), ("parquet", ".parquet"), ("csv", ".csv")):
        out = tmp_path / f"result{suffix}"
        r = runner.invoke(
            main, [*base, "--stage", "permitting", "--output", str(out), "--map", str(tmp_path / "q.html")]
        )
        assert r.exit_code == 0, r.output
        if fmt == "csv":
            assert "in-gila" in out.read_text()
        elif fmt == "parquet":
            assert gpd.read_parquet(out)["id"].tolist() == ["in-gila"]
        else:
            got = gpd.read_file(out)
            assert got["id"].tolist() == ["in-gila"] and got["federal_agency"].iloc[0] == "USFS"
            if fmt == "gpkg":
                assert pyogrio.read_info(out)["crs"] == "EPSG:4326"
    html = (tmp_path / "q.html").read_text()
    assert "<img src=x" not in html and "minetrack query" in html


def test_query_cli_rail_distance_matches_api(runner, tmp_path):
    r = runner.invoke(
        main,
        [
            "query",
            "--country",
            "USA",
            "--type",
            "mine",
            "--farther-than",
            "rail:100km",
            "--rail",
            str(RAIL),
            "--format",
            "geojson",
        ],
    )
    assert r.exit_code == 0, r.output
    # stdout holds the GeoJSON; warnings (Alaska's Red Dog lies outside the North American
    # rail layer's extent) go to stderr.
    got = json.loads(r.stdout)
    assert "red-dog" in r.stderr
    ids = {f["properties"]["id"] for f in got["features"]}
    dists = np.array([f["properties"]["dist_rail_m"] for f in got["features"]])
    assert ids and (dists > 100_000).all()
    assert "robinson" in ids  # Ely, NV: ~170 km from the nearest Natural Earth 1:10m railroad


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_query_cli_errors(runner, tmp_path):
    r = runner.invoke(main, ["query", "--near", "power:5km"])
    assert r.exit_code == 1 and "no power features" in r.output
    r = runner.invoke(main, ["query", "--on-federal-land", "USFS"])
    assert r.exit_code == 1 and "--federal-land" in r.output
    r = runner.invoke(main, ["query", "--on-federal-land", "MOON", "--federal-land", str(NM)])
    assert r.exit_code == 1 and "unknown agency 'MOON'" in r.output
    r = runner.invoke(main, ["query", "--farther-than", "rail:50", "--rail", str(RAIL)])
    assert r.exit_code == 1 and "not a distance" in r.output
    nocrs = tmp_path / "rail.shp"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])]).to_file(nocrs)
    r = runner.invoke(main, ["query", "--farther-than", "rail:5km", "--rail", str(nocrs)])
    assert r.exit_code == 1 and "rail.shp [geometry]: no CRS" in r.output
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    r = runner.invoke(main, ["query", "--near", "rail:5km", "--rail", str(empty)])
    assert r.exit_code == 1 and "empty" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_projected_rail_file_gives_the_same_metres(runner, tmp_path):
    """A layer in a projected CRS is reprojected, never measured in its own units."""
    rail = gpd.read_file(RAIL)
    projected = tmp_path / "rail_albers.gpkg"
    rail.to_crs("EPSG:5070").to_file(projected)
    sites = load_sites()
    us = sites[(sites["country"] == "USA") & (sites["type"] == "mine")]
    a = nearest_infrastructure(us, read_infrastructure(RAIL), "rail")["distance_m"].to_numpy()
    b = nearest_infrastructure(us, read_infrastructure(projected, klass="rail"), "rail")[
        "distance_m"
    ].to_numpy()
    assert np.allclose(a, b, rtol=1e-4, atol=5.0)


def test_recorded_land_status_is_set_beside_the_spatial_answer():
    import pandas as pd

    from geo.facts.permits import load_land_status
    from geo.io.federal_land import read_federal_land

    land = read_federal_land(NM)
    gila = land[land["unit_name"] == "Gila National Forest"].geometry.values[0]
    inside = shapely.point_on_surface(gila)
    sites = gpd.GeoDataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "type": "project",
                              "country": "USA", "commodities": [["copper"]] * 3, "stage": "permitting"},
                             geometry=[inside, shapely.Point(-103.5, 34.5), shapely.Point(-103.4, 34.4)],
                             crs="EPSG:4326")
    records = pd.DataFrame({"site_id": ["a", "b"], "status": ["private", "federal"], "agency": [None, "BLM"],
                            "unit": [None, "Somewhere"], "detail": "test", "sources": [["x"], ["x"]]})
    out = query_sites(sites, Query(), QueryLayers(federal_land=land, land_status=records)).set_index("id")
    assert out.loc["a", "land_status_check"].startswith("disagrees: recorded private")
    assert out.loc["b", "land_status_check"].startswith("disagrees: recorded federal (BLM)")
    assert out.loc["c", "land_status_check"] == "no record"
    # The bundled records for Resolution (mixed, USFS) set beside the answer.
    bundled = load_land_status()
    assert {"resolution", "twin-metals", "pebble"} <= set(bundled["site_id"])


def test_unknown_tracker_stage_value_is_an_error(runner, tmp_path):
    path = _sites_file(tmp_path, [("x", "X", 34.5, -103.5, "Dreaming")])
    r = runner.invoke(main, ["query", "--sites", str(path), "--stage-vocabulary", "gem-status-detail"])
    assert r.exit_code == 1
    assert "mysites.csv:2 [stage]: unknown stage 'Dreaming' (not in vocabulary gem-status-detail" in r.output
    r = runner.invoke(main, ["query", "--sites", str(path), "--stage-vocabulary", "gem"])
    assert r.exit_code == 1 and "unknown stage vocabulary 'gem'" in r.output

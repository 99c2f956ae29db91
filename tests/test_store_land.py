"""Federal land kept in a store: `query --store` needs no --federal-land file, and on
PostGIS the same query runs as SQL (ST_Intersects) with the geopandas path's answers."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.facts.store import Store

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
NM = REAL / "padus3-state-subsets-potamap" / "PADUS3_0Combined_StateNM.geojson"
COLUMNS = ["id", "federal_agency", "federal_unit", "on_federal_land", "federal_land_outside_coverage"]


def _points(tmp_path: Path, n: int = 600) -> Path:
    """Random points over New Mexico (and a few beyond the file's coverage), fixed seed."""
    rng = np.random.default_rng(42)
    lon = np.r_[rng.uniform(-109.0, -103.1, n), -100.5, -97.2]
    lat = np.r_[rng.uniform(32.0, 36.9, n), 35.0, 33.0]
    path = tmp_path / "points.csv"
    pd.DataFrame({"id": [f"p{i}" for i in range(len(lon))], "name": "pt", "latitude": lat,
                  "longitude": lon, "type": "project", "country": "USA"}).to_csv(path, index=False)
    return path


def _query(capsys, *args: str) -> pd.DataFrame:
    main(["query", *args, "--format", "csv"], standalone_mode=False)
    return pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)


@pytest.fixture(params=["gpkg", "postgis"])
def land_store(request, tmp_path) -> Store:
    if request.param == "gpkg":
        store = Store.init(tmp_path / "t.gpkg", from_bundled=True)
    else:
        store = Store(request.getfixturevalue("pg_bundled_url"))
    assert store.load_land(NM) == 52  # the federal rows of the subset
    return store


def test_query_on_store_land_equals_the_file(land_store, tmp_path, capsys):
    points = _points(tmp_path)
    from_file = _query(capsys, "--sites", str(points), "--federal-land", str(NM))
    from_store = _query(capsys, "--sites", str(points), "--store", land_store.url)
    assert len(from_file) == len(from_store) == 602
    # The two points in Texas lie beyond what a New Mexico file covers, and both say so.
    assert (from_store["federal_land_outside_coverage"] == "True").sum() == 2
    pd.testing.assert_frame_equal(from_file[COLUMNS], from_store[COLUMNS])
    on = from_file["on_federal_land"] == "True"
    assert 50 < on.sum() < 500  # real land, real gaps: both answers are non-trivial
    a = pd.to_numeric(from_file["dist_federal_land_m"])
    b = pd.to_numeric(from_store["dist_federal_land_m"])
    assert (a[on] == 0).all() and (b[on] == 0).all()
    # Off the land: geodesic metres by two methods (minetrack's index, PostGIS geography).
    assert np.allclose(a, b, rtol=1e-4, atol=1.0), (a - b).abs().max()
    # Filters work the same: only BLM land.
    blm_file = _query(capsys, "--sites", str(points), "--federal-land", str(NM), "--on-federal-land", "BLM")
    blm_store = _query(capsys, "--sites", str(points), "--store", land_store.url, "--on-federal-land", "BLM")
    assert list(blm_file["id"]) == list(blm_store["id"]) and len(blm_file) >= 3
    off_blm = _query(capsys, "--sites", str(points), "--federal-land", str(NM), "--off-federal-land")
    assert len(off_blm) == 602 - on.sum()


def test_store_land_command_and_readonly(tmp_path, capsys):
    path = tmp_path / "t.gpkg"
    main(["store", "init", str(path)], standalone_mode=False)
    main(["store", "land", str(path), str(NM)], standalone_mode=False)
    assert "federal-land polygons" in capsys.readouterr().err
    land = Store(path).federal_land()
    assert set(land["agency"]) >= {"BLM", "USFS", "NPS"} and land.crs.to_epsg() == 4326
    with pytest.raises(Exception, match="read-only"):
        Store(path, readonly=True).load_land(NM)

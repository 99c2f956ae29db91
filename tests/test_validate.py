"""Every class of bad input gets a one-line problem naming file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read, write

from geo import DataError, check_dataset, load_sites, read_sites
from geo.cli import main


def problems_for(path: Path) -> list[str]:
    return [str(p) for p in read_sites(path).problems]


def edit(data_copy: Path, row: int, **values) -> Path:
    """Set fields of the sites table's ``row`` (0-based data row); returns the file."""
    path = data_copy / "sites.csv"
    frame = read(path)
    for k, v in values.items():
        frame.loc[row, k] = v
    write(frame, path)
    return path


def test_bundled_data_is_valid():
    assert check_dataset() == []


def test_wrong_type_in_numeric_field(data_copy):
    path = edit(data_copy, 0, latitude="north")
    [p] = problems_for(path)
    assert "sites.csv:2 [latitude]" in p and "expected a number" in p


def test_missing_required_value(data_copy):
    path = edit(data_copy, 3, name="")
    [p] = problems_for(path)
    assert "sites.csv:5 [name]" in p and "empty" in p


def test_missing_column(data_copy):
    path = data_copy / "sites.csv"
    write(read(path).drop(columns=["stage"]), path)
    [p] = problems_for(path)
    assert "[stage]" in p and "missing" in p


def test_duplicate_id(data_copy):
    path = data_copy / "sites.csv"
    frame = read(path)
    frame.loc[5, "id"] = frame.loc[4, "id"]
    write(frame, path)
    [p] = problems_for(path)
    assert "sites.csv:7 [id]" in p and "duplicate id" in p


def test_latitude_out_of_range(data_copy):
    path = edit(data_copy, 1, latitude="95.5")
    [p] = problems_for(path)
    assert "sites.csv:3 [latitude]" in p and "outside [-90, 90]" in p


def test_swapped_latitude_longitude(data_copy):
    frame = read(data_copy / "sites.csv")
    # Pick a site whose swapped coordinates are themselves valid (|lon| <= 90).
    row = frame.index[frame["longitude"].astype(float).abs() <= 90][0]
    lat, lon = frame.loc[row, "latitude"], frame.loc[row, "longitude"]
    path = edit(data_copy, row, latitude=lon, longitude=lat)
    [p] = problems_for(path)
    assert f"sites.csv:{row + 2} [latitude/longitude]" in p
    assert "look swapped" in p


def test_point_in_wrong_country(data_copy):
    frame = read(data_copy / "sites.csv")
    row = frame.index[frame["country"] == "CHL"][0]
    path = edit(data_copy, row, country="ARG", admin1="")
    [p] = problems_for(path)
    assert f"sites.csv:{row + 2} [latitude/longitude]" in p
    assert "lies in CHL, not in stated country ARG" in p


def test_point_in_wrong_us_state(data_copy):
    frame = read(data_copy / "sites.csv")
    row = frame.index[frame["admin1"] == "AZ"][0]
    path = edit(data_copy, row, admin1="NM")
    [p] = problems_for(path)
    assert "[admin1]" in p and "point lies in AZ, not in stated state NM" in p


def test_unknown_stage_and_type_and_country(data_copy):
    path = edit(data_copy, 2, stage="producing-ish", type="quarry", country="XYZ")
    found = problems_for(path)
    assert any("[stage]" in p and "unknown stage 'producing-ish'" in p for p in found)
    assert any("[type]" in p and "unknown site type 'quarry'" in p for p in found)
    assert any("[country]" in p and "unknown country code 'XYZ'" in p for p in found)


def test_loose_stage_spelling_is_normalised(data_copy):
    path = edit(data_copy, 0, stage="Care and maintenance")
    assert problems_for(path) == []
    assert load_sites(path).loc[0, "stage"] == "care-and-maintenance"


def test_unknown_source_id(data_copy):
    path = edit(data_copy, 0, sources="no-such-source")
    [p] = problems_for(path)
    assert "[sources]" in p and "unknown source id 'no-such-source'" in p


def test_stakes_over_100_percent(data_copy):
    path = data_copy / "ownership.csv"
    stakes = read(path)
    site = stakes["site_id"].iloc[0]
    stakes.loc[stakes["site_id"] == site, "equity_pct"] = "60"
    extra = stakes.iloc[[0]].copy()
    extra["owner_id"] = read(data_copy / "owners.csv")["id"].iloc[-1]
    if extra["owner_id"].iloc[0] in set(stakes.loc[stakes.site_id == site, "owner_id"]):
        extra["owner_id"] = read(data_copy / "owners.csv")["id"].iloc[-2]
    extra["operator"] = "false"
    write(__import__("pandas").concat([stakes, extra]), path)
    found = [str(p) for p in check_dataset(data_copy)]
    assert any("ownership.csv" in p and "[equity_pct]" in p and "over 100%" in p for p in found)


def test_ownership_unknown_owner(data_copy):
    path = data_copy / "ownership.csv"
    stakes = read(path)
    stakes.loc[0, "owner_id"] = "nobody-inc"
    write(stakes, path)
    found = [str(p) for p in check_dataset(data_copy)]
    assert any("ownership.csv:2 [owner_id]" in p and "unknown owner id 'nobody-inc'" in p
               for p in found)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage\x00", b""])
def test_unreadable_file(tmp_path, content):
    path = tmp_path / "sites.csv"
    path.write_bytes(content)
    [p] = problems_for(path)
    assert str(path) in p


def test_missing_file(tmp_path):
    [p] = problems_for(tmp_path / "nope.csv")
    assert "file not found" in p


def test_load_sites_raises_with_every_problem(data_copy):
    path = edit(data_copy, 0, latitude="x", stage="nope")
    with pytest.raises(DataError) as err:
        load_sites(path)
    assert len(err.value.problems) == 2


def test_cli_validate_exit_code_and_one_line_errors(data_copy, runner):
    path = edit(data_copy, 0, latitude="95", stage="nope")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("error: ") and "sites.csv:2" in line for line in lines)
    assert "Traceback" not in result.output


def test_cli_validate_bundled_ok(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output


def test_vector_sites_in_another_crs_validate(runner, tmp_path):
    out = tmp_path / "sites.gpkg"
    sites = load_sites()
    sites.to_crs("EPSG:3857").drop(columns=["latitude", "longitude"]).to_file(out, driver="GPKG")
    assert problems_for(out) == []
    back = load_sites(out)
    assert (back["longitude"] - sites["longitude"]).abs().max() < 1e-5


def test_vector_sites_without_crs_or_with_polygons(tmp_path):
    import shapely

    sites = load_sites()
    # A shapefile whose .prj is missing has no CRS.
    no_crs = tmp_path / "nocrs.shp"
    sites.head(3)[["id", "name", "geometry"]].to_file(no_crs)
    no_crs.with_suffix(".prj").unlink()
    [p] = problems_for(no_crs)
    assert "nocrs.shp" in p and "no CRS" in p
    # A footprint polygon is a site at a point inside it (the polygon drawn around Bingham
    # Canyon's pit here); an empty geometry is a problem naming the feature.
    poly = tmp_path / "poly.gpkg"
    g = sites.head(3).copy()
    pit = shapely.Point(g.geometry.iloc[0].x, g.geometry.iloc[0].y).buffer(0.02)
    g.geometry = [pit, g.geometry.iloc[1], shapely.Point()]
    g.to_file(poly, driver="GPKG")
    [p] = problems_for(poly)
    assert "poly.gpkg:3 [geometry]" in p and "empty geometry" in p
    back = load_sites(poly, validate=False)
    assert len(back) == 2 and pit.contains(back.geometry.iloc[0])


def test_a_folder_found_clean_skips_the_spatial_checks_until_it_changes(data_copy, monkeypatch, tmp_path):
    """Commands trust a folder whose exact bytes were found clean (the per-site spatial
    checks are skipped); any edit brings them back, and validate always runs them."""
    import geo.facts.checks as checks
    from geo.facts.bundle import Facts

    monkeypatch.setenv("MINETRACK_CACHE", str(tmp_path / "cache"))
    calls = []
    real = checks.check_locations
    monkeypatch.setattr(checks, "check_locations", lambda *a, **k: calls.append(1) or real(*a, **k))
    Facts.from_dir(data_copy)
    Facts.from_dir(data_copy)
    assert len(calls) == 1  # the second read trusted the first
    assert check_dataset(data_copy) == [] and len(calls) == 2  # validate never trusts
    sites = read(data_copy / "sites.csv")
    row = sites.index[sites["id"] == "morenci"][0]
    sites.loc[row, "latitude"] = str(-float(sites.loc[row, "latitude"]))  # flipped into the sea
    write(sites, data_copy / "sites.csv")
    with pytest.raises(DataError, match=r"sites.csv:\d+ \[latitude/longitude\]: latitude sign looks flipped"):
        Facts.from_dir(data_copy)
    assert len(calls) == 3

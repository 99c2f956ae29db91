"""The CLI end to end on the bundled data: build, sites in every format, join, errors."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from conftest import read, write

from geo import load_sites
from geo.cli import main
from geo.specs.recipe import load_recipe, recipe_names


def test_help_teaches(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    for cmd in ("build", "sites", "validate", "join", "spheres", "supply", "query", "fetch", "stages"):
        sub = runner.invoke(main, [cmd, "--help"])
        assert sub.exit_code == 0 and "Examples:" in sub.output, cmd


def test_build_writes_each_recipe(site):
    # ``site`` is `minetrack build --out DIR`, run once for the session.
    files = sorted(p.name for p in site.glob("*.html"))
    assert files == sorted([*(load_recipe(n).file for n in recipe_names()), "index.html"])
    assert len(list((site / "sites").glob("*.html"))) == len(load_sites())
    assert {"us-copper.html", "world-copper.html"} <= set(files)
    assert not list(site.glob(".*"))  # no temporary files left behind


def test_build_one_map(runner, tmp_path):
    result = runner.invoke(main, ["build", "--out", str(tmp_path), "--map", "us_copper"])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("*.html")) == ["index.html", "us-copper.html"]
    assert "us-copper.html" in result.output and "profile pages" in result.output


def test_build_unknown_map_fails_cleanly(runner, tmp_path):
    result = runner.invoke(main, ["build", "--out", str(tmp_path), "--map", "nope"])
    assert result.exit_code == 1
    assert "unknown map recipe 'nope'" in result.stderr


def test_sites_table_filters(runner):
    result = runner.invoke(main, ["sites", "--country", "USA", "--type", "mine"])
    assert result.exit_code == 0
    sites = load_sites()
    us_mines = sites[(sites["country"] == "USA") & (sites["type"] == "mine")]
    assert len(us_mines) >= 15
    for sid in us_mines["id"]:
        assert sid in result.output
    assert "escondida" not in result.output


def test_sites_unknown_stage_is_an_error(runner):
    result = runner.invoke(main, ["sites", "--stage", "producing"])
    assert result.exit_code == 1
    assert "unknown stage 'producing'" in result.stderr


@pytest.mark.parametrize("fmt,suffix", [("csv", ".csv"), ("geojson", ".geojson"),
                                        ("gpkg", ".gpkg"), ("parquet", ".parquet")])
def test_sites_file_formats(runner, tmp_path, fmt, suffix):
    out = tmp_path / f"copper{suffix}"
    result = runner.invoke(main, ["sites", "--commodity", "copper", "--format", fmt,
                                  "--output", str(out)])
    assert result.exit_code == 0, result.output
    sites = load_sites()
    expected = sites[sites.commodities.str.split(";").map(lambda c: "copper" in c)]
    if fmt == "csv":
        got = pd.read_csv(out)
        assert {"longitude", "latitude", "owners"} <= set(got.columns)
    elif fmt == "parquet":
        got = gpd.read_parquet(out)
        assert got.crs.to_epsg() == 4326
    else:
        info = pyogrio.read_info(out)
        assert info["geometry_type"] == "Point"
        got = gpd.read_file(out)
        assert got.crs.to_epsg() == 4326
    assert sorted(got["id"]) == sorted(expected["id"])


def test_sites_geojson_stdout(runner):
    result = runner.invoke(main, ["sites", "--type", "smelter+refinery", "--format", "geojson"])
    data = json.loads(result.stdout)
    assert data["type"] == "FeatureCollection" and len(data["features"]) > 0


def test_failed_output_leaves_previous_file_untouched(runner, tmp_path, data_copy, monkeypatch):
    out = tmp_path / "joined.gpkg"
    out.write_bytes(b"previous contents")
    sites = read(data_copy / "sites.csv")
    sites.loc[0, "latitude"] = "not a number"
    write(sites, data_copy / "sites.csv")
    result = runner.invoke(main, ["join", str(data_copy / "sites.csv"), "--output", str(out)])
    assert result.exit_code == 1
    assert "[latitude]" in result.stderr
    assert out.read_bytes() == b"previous contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "joined.gpkg"]


def test_join_table(runner):
    result = runner.invoke(main, ["join"])
    assert result.exit_code == 0
    assert "country_rule" in result.output and "within" in result.output


def test_join_user_file_to_gpkg(runner, tmp_path, data_copy):
    out = tmp_path / "j.gpkg"
    result = runner.invoke(main, ["join", str(data_copy / "sites.csv"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    got = gpd.read_file(out)
    assert {"joined_country", "country_rule", "country_distance_m"} <= set(got.columns)
    assert len(got) == len(load_sites())


def test_layers_lists_specs_and_recipes(runner):
    result = runner.invoke(main, ["layers"])
    assert result.exit_code == 0
    for name in ("sites", "mines", "plants", "projects", "countries", "us_copper", "world_copper"):
        assert name in result.output


def test_output_error_is_one_line_naming_the_path(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for args in (["sites", "--output", str(blocker / "sub" / "x.csv")],
                 ["build", "--out", str(blocker / "sub"), "--map", "us_copper"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, args
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "file" in lines[0], lines
        assert "Errno" not in lines[0] and "None" not in lines[0], lines
        assert "Traceback" not in result.output


def test_a_bug_keeps_its_traceback(runner, monkeypatch):
    import geo.facts.bundle

    def broken(**kwargs):
        raise KeyError("a programming error")

    monkeypatch.setattr(geo.facts.bundle, "list_sites", broken)
    result = runner.invoke(main, ["sites"])
    assert isinstance(result.exception, KeyError)
    assert "error: " not in result.output

"""The caches that let a second `minetrack query` skip parsing, checking and repairing:
the bundle's Facts (geo.facts._checked) and the user's layers (geo.query._layers). Each
must give what a fresh read gives, miss on any changed byte and shrug off a broken file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import read, write

from geo.cli import main
from geo.facts import _checked
from geo.facts.bundle import Facts, check_dataset
from geo.io.federal_land import read_federal_land
from geo.query._layers import read_cached


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    out = tmp_path / "cache"
    monkeypatch.setenv("MINETRACK_CACHE", str(out))
    return out


@pytest.fixture
def csv_reads(monkeypatch) -> list[str]:
    """Names of the CSV files pandas opens from here on."""
    opened: list[str] = []
    real = pd.read_csv

    def counting(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counting)
    return opened


def _same_facts(a: Facts, b: Facts) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a.sites), pd.DataFrame(b.sites))
    for name in ("events", "fast41", "land_status", "stakes", "sources"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.sites.crs == b.sites.crs


def test_facts_come_back_from_the_cache_until_a_byte_changes(data_copy, cache, csv_reads):
    first = Facts.from_dir(data_copy)
    assert "sites.csv" in csv_reads
    csv_reads.clear()
    again = Facts.from_dir(data_copy)
    assert csv_reads == [] and again.directory == data_copy  # one cache file, no table parsed
    _same_facts(first, again)
    # One byte of one table: a new key, so the tables are read (and checked) again.
    sites = read(data_copy / "sites.csv")
    row = sites.index[sites["id"] == "morenci"][0]
    sites.loc[row, "name"] = sites.loc[row, "name"][:-1] + "X"
    write(sites, data_copy / "sites.csv")
    changed = Facts.from_dir(data_copy)
    assert "sites.csv" in csv_reads
    assert changed.sites.set_index("id").at["morenci", "name"].endswith("X")
    assert not first.sites.set_index("id").at["morenci", "name"].endswith("X")


def test_validate_never_reads_the_cache(data_copy, cache, csv_reads, monkeypatch):
    Facts.from_dir(data_copy)
    csv_reads.clear()
    # A cache that claimed anything would be wrong here: validate must parse and judge.
    monkeypatch.setattr(_checked, "load", lambda *a, **k: pytest.fail("validate read the cache"))
    assert check_dataset(data_copy) == []
    assert {"sites.csv", "sources.csv", "owners.csv", "ownership.csv"} <= set(csv_reads)


@pytest.mark.parametrize("damage", ["garbage", "flipped", "truncated", "empty"])
def test_a_broken_facts_cache_is_read_afresh_and_rewritten(data_copy, cache, csv_reads, damage):
    first = Facts.from_dir(data_copy)
    [entry] = (cache / "facts").glob("*.pickle")
    blob = entry.read_bytes()
    entry.write_bytes({"garbage": b"not a cache file at all",
                       "flipped": blob[:-100] + bytes([blob[-100] ^ 1]) + blob[-99:],
                       "truncated": blob[: len(blob) // 2],
                       "empty": b""}[damage])
    csv_reads.clear()
    again = Facts.from_dir(data_copy)  # no traceback: a miss
    assert "sites.csv" in csv_reads
    _same_facts(first, again)
    assert entry.read_bytes() == blob or isinstance(_checked.load("facts", entry.stem), Facts)
    csv_reads.clear()
    Facts.from_dir(data_copy)
    assert csv_reads == []


def _land(path: Path, agency: str = "BLM") -> Path:
    """A PAD-US-like layer: a square and a bow-tie (invalid, repaired) managed by ``agency``."""
    square = shapely.box(-107.0, 33.0, -106.0, 34.0)
    bowtie = shapely.Polygon([(-105.0, 33.0), (-104.0, 34.0), (-104.0, 33.0), (-105.0, 34.0)])
    gpd.GeoDataFrame({"MANNAME": [agency, agency], "MANTYPE": ["FED", "FED"], "NAME": ["A", "B"]},
                     geometry=[square, bowtie], crs="EPSG:4326").to_file(path, engine="pyogrio")
    return path


def test_a_layer_comes_back_from_the_cache_until_a_byte_changes(tmp_path, cache):
    path = _land(tmp_path / "land.geojson")
    calls = []

    def reader(p, **kw):
        calls.append(1)
        return read_federal_land(p, **kw)

    first = read_cached(reader, path)
    again = read_cached(reader, path)
    assert len(calls) == 1 and again.attrs["repaired_rows"] == first.attrs["repaired_rows"] == [2]
    pd.testing.assert_frame_equal(pd.DataFrame(first).drop(columns="geometry"),
                                  pd.DataFrame(again).drop(columns="geometry"))
    assert shapely.equals_exact(first.geometry.values, again.geometry.values, 0).all()
    assert read_cached(reader, path, federal_only=False) is not None and len(calls) == 2  # other args
    # Same size, same modification time, one byte changed: the SHA-256 still tells.
    stat = path.stat()
    text = path.read_text()
    assert text.count("BLM") == 2
    path.write_text(text.replace("BLM", "NPS"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    changed = read_cached(reader, path)
    assert len(calls) == 3 and set(changed["agency"]) == {"NPS"} and set(first["agency"]) == {"BLM"}


def test_a_broken_layer_cache_is_read_afresh(tmp_path, cache):
    path = _land(tmp_path / "land.geojson")
    first = read_cached(read_federal_land, path)
    for entry in (cache / "layers").glob("*.pickle"):
        blob = entry.read_bytes()
        entry.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    again = read_cached(read_federal_land, path)
    assert list(again["source_row"]) == list(first["source_row"]) and again.attrs["repaired_rows"] == [2]
    assert shapely.equals_exact(first.geometry.values, again.geometry.values, 0).all()


def test_a_reader_error_is_not_cached(tmp_path, cache):
    from geo.core.errors import DataError

    path = tmp_path / "empty.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    for _ in range(2):
        with pytest.raises(DataError, match="empty"):
            read_cached(read_federal_land, path)
    assert not list((cache / "layers").glob("*.pickle")) if (cache / "layers").exists() else True


def test_query_cli_answers_the_same_from_a_warm_cache(runner, tmp_path, cache):
    land = _land(tmp_path / "land.geojson")
    sites = tmp_path / "sites.csv"
    sites.write_text("id,name,latitude,longitude,country,type,stage\n"
                     "on,On,33.5,-106.5,USA,mine,exploration\noff,Off,36.0,-100.0,USA,mine,exploration\n")
    args = ["query", "--sites", str(sites), "--federal-land", str(land), "--off-federal-land",
            "--format", "csv"]
    cold = runner.invoke(main, args)
    warm = runner.invoke(main, args)
    assert cold.exit_code == 0 and warm.exit_code == 0, cold.output + warm.output
    assert cold.output == warm.output and "repaired 1 invalid polygon" in warm.output
    assert "off," in warm.output and "\non," not in warm.output


def test_a_repair_that_comes_back_as_a_collection_keeps_its_area(monkeypatch):
    """Most repairs are (multi)polygons and kept as they are; a collection keeps only its
    areal parts, unioned; one with no area left is an error naming its row."""
    from geo.core.errors import DataError
    from geo.io.federal_land import repair_polygons

    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    other = shapely.Polygon([(5, 5), (6, 6), (6, 5), (5, 6)])
    land = gpd.GeoDataFrame({"source_row": [1, 2, 3]}, geometry=[shapely.box(2, 2, 3, 3), bowtie, other],
                            crs="EPSG:4326")
    real = shapely.make_valid
    area = shapely.union_all([shapely.box(0, 0, 0.5, 0.5), shapely.box(0.5, 0, 1, 0.5)])

    def collection_for_the_first(geoms, **kw):
        out = real(geoms, **kw)
        out[0] = shapely.GeometryCollection([shapely.box(0, 0, 0.5, 0.5), shapely.box(0.5, 0, 1, 0.5),
                                             shapely.LineString([(0, 0), (3, 3)])])
        return out

    monkeypatch.setattr(shapely, "make_valid", collection_for_the_first)
    fixed = repair_polygons(land, "land.geojson")
    assert fixed.attrs["repaired_rows"] == [2, 3]
    assert fixed.geometry.values[0].equals(shapely.box(2, 2, 3, 3))
    assert fixed.geometry.values[1].equals(area) and fixed.geometry.values[1].geom_type == "Polygon"
    assert fixed.geometry.values[2].equals(real(other, method="structure", keep_collapsed=False))
    def only_lines(geoms, **kw):
        return np.array([shapely.GeometryCollection([shapely.LineString([(0, 0), (1, 1)])])] * len(geoms))

    monkeypatch.setattr(shapely, "make_valid", only_lines)
    with pytest.raises(DataError, match=r"land.geojson:2 \[geometry\]: invalid polygon that cannot be"):
        repair_polygons(land, "land.geojson")

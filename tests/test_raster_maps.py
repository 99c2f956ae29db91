"""DEM tiles fetched on loopback, raster layers on maps (budget, legend, offline in
Chromium), and a recipe whose DEM is not downloaded yet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from browser import browser, chromium_available, open_page
from click.testing import CliRunner
from test_fetch import Server

from geo.cli import main
from geo.io.dem import tile_stems
from geo.specs.kinds._encode import raster_layer

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
SRTM = REAL / "zion-srtm-dem-nps-boundary" / "srtm.tif"
ZION_BBOX = "-113.2,37.2,-112.9,37.5"


def test_tile_names_follow_the_publishers():
    assert tile_stems((-113.2, 37.2, -112.9, 37.5), "copernicus-glo90") == [
        "Copernicus_DSM_COG_30_N37_00_W114_00_DEM",
        "Copernicus_DSM_COG_30_N37_00_W113_00_DEM",
    ]
    assert (
        tile_stems((10.5, -1.5, 11.5, 0.5), "copernicus-glo30")[0]
        == "Copernicus_DSM_COG_10_S02_00_E010_00_DEM"
    )
    assert tile_stems((-113.2, 37.2, -112.9, 37.5), "srtm") == ["N37W114", "N37W113"]


@pytest.fixture
def dem_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    # The real SRTM tile stands in for the one Copernicus tile the box needs; the other
    # name is absent (404), as the buckets have no tiles over open ocean.
    shutil.copy(SRTM, root / "Copernicus_DSM_COG_30_N37_00_W113_00_DEM.tif")
    with Server(root) as server:
        yield server, tmp_path / "cache"


def test_fetch_dem_on_loopback_verifies_and_skips_missing_tiles(dem_server):
    server, cache = dem_server
    r = CliRunner().invoke(
        main, ["fetch", "dem", "--bbox", ZION_BBOX, "--mirror", server.url, "--cache", str(cache), "--quiet"]
    )
    assert r.exit_code == 0, r.output
    [path] = [Path(p) for p in r.output.split()]
    assert (
        path.name == "Copernicus_DSM_COG_30_N37_00_W113_00_DEM.tif" and path.read_bytes() == SRTM.read_bytes()
    )
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    assert manifest["verified_by"] == "GeoTIFF opened and every block decoded"
    # A truncated tile is discarded.
    data = SRTM.read_bytes()
    (server.root / "Copernicus_DSM_COG_30_N37_00_W113_00_DEM.tif").write_bytes(data[: len(data) // 2])
    r = CliRunner().invoke(
        main,
        [
            "fetch",
            "dem",
            "--bbox",
            ZION_BBOX,
            "--mirror",
            server.url,
            "--cache",
            str(tmp := cache.parent / "cache2"),
            "--quiet",
        ],
    )
    assert r.exit_code == 1 and "not a readable GeoTIFF" in r.output and "discarded" in r.output
    assert not list(tmp.rglob("*.tif"))


def test_raster_layer_keeps_within_its_budget():
    big = raster_layer(SRTM, title="t", max_bytes=2_000_000)
    small = raster_layer(SRTM, title="t", max_bytes=60_000)
    assert len(big["image"]) <= 2_000_000 and len(small["image"]) <= 60_000
    assert small["pixels"][0] < big["pixels"][0]
    (s, w), (n, e) = big["bounds"]
    assert (w, s, e, n) == pytest.approx((-113.2396, 37.1321, -112.8521, 37.5129), abs=1e-3)
    # The range of what is drawn: the DEM's 1,024-2,892 m after resampling to Web Mercator.
    lo, hi = big["range"]
    assert 1024 <= lo < 1100 and 2800 < hi <= 2892 and big["categories"][0] == f"{lo:,.0f}"


def test_bundled_relief_recipe_builds_without_its_dem(tmp_path, monkeypatch):
    monkeypatch.setenv("MINETRACK_CACHE", str(tmp_path / "empty-cache"))
    r = CliRunner().invoke(main, ["build", "--map", "arizona_relief", "--out", str(tmp_path / "site")])
    assert r.exit_code == 0, r.output
    assert (
        "skipped layer 'relief_arizona'" in r.output
        and "minetrack fetch dem --bbox -113,31,-109,35" in r.output
    )
    html = (tmp_path / "site" / "arizona-relief.html").read_text()
    assert '"kind":"raster"' not in html
    assert "Arizona copper district" in html


def _recipe_with_zion_relief(tmp_path: Path) -> Path:
    (tmp_path / "layers").mkdir()
    (tmp_path / "maps").mkdir()
    (tmp_path / "layers" / "zion_relief.toml").write_text(
        'name = "zion_relief"\ntitle = "Relief around Zion"\nkind = "raster"\n'
        '[dem]\nsource = "copernicus-glo90"\nbbox = [-113.2, 37.2, -112.9, 37.5]\n'
        '[raster]\nstyle = "relief"\nattribution = "SRTM (NASA) test tile"\n'
    )
    (tmp_path / "maps" / "zion.toml").write_text(
        'title = "Zion"\n[[layers]]\nlayer = "zion_relief"\n[[layers]]\nlayer = "sites"\n'
    )
    return tmp_path / "maps" / "zion.toml"


@pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed (.ci/run installs it)")
def test_a_recipe_draws_fetched_dem_tiles_offline_in_chromium(dem_server, tmp_path, monkeypatch):
    server, cache = dem_server
    assert (
        CliRunner()
        .invoke(
            main,
            ["fetch", "dem", "--bbox", ZION_BBOX, "--mirror", server.url, "--cache", str(cache), "--quiet"],
        )
        .exit_code
        == 0
    )
    monkeypatch.setenv("MINETRACK_CACHE", str(cache))
    recipe = _recipe_with_zion_relief(tmp_path)
    r = CliRunner().invoke(main, ["build", "--map", str(recipe), "--out", str(tmp_path / "site")])
    assert r.exit_code == 0, r.output
    page_path = tmp_path / "site" / "zion.html"
    assert "data:image/png;base64," in page_path.read_text()
    with browser() as b:
        page, log = open_page(b, page_path.as_uri())
        img = page.locator("img.leaflet-image-layer")
        assert img.count() == 1
        assert page.evaluate("document.querySelector('img.leaflet-image-layer').naturalWidth") > 100
        legend = page.locator(".mt-legend").inner_text()
        assert "Relief around Zion" in legend and "1,0" in legend and "2,8" in legend
        assert "SRTM (NASA) test tile" in page.locator(".leaflet-control-attribution").inner_text()
        assert log.errors == [] and log.failed == [] and log.blocked == []
        page.close()


def test_raster_spec_keys_are_checked(tmp_path):
    (tmp_path / "layers").mkdir()
    (tmp_path / "maps").mkdir()
    (tmp_path / "layers" / "r.toml").write_text(
        'name = "r"\nkind = "raster"\nsource = "x.tif"\n[raster]\nstyle = "fancy"\ncolour = "red"\n'
    )
    (tmp_path / "maps" / "m.toml").write_text('title = "m"\n[[layers]]\nlayer = "r"\n')
    r = CliRunner().invoke(
        main, ["build", "--map", str(tmp_path / "maps" / "m.toml"), "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 1
    assert "raster.colour" in r.output and "'fancy' is not one of" in r.output

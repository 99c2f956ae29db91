"""Proximity rasters checked pixel by pixel against exact geodesic distances, masks,
COG structure, and zonal statistics against direct pixel sums."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from pyproj import Geod

from geo.cli import main
from geo.spatial.proximity import cell_centres, grid_for, proximity
from geo.spatial.zonal import zonal_stats

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
SRTM = REAL / "zion-srtm-dem-nps-boundary" / "srtm.tif"
BBOX = (-115.0, 31.0, -105.0, 37.0)


def test_proximity_matches_exact_geodesic_distances_at_cell_centres():
    rng = np.random.default_rng(5)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(-116, -104, 25), rng.uniform(30, 38, 25)), crs=4326
    )
    surface = proximity(pts, BBOX, 20_000)
    crs, transform, w, h = grid_for(BBOX, 20_000)
    lon, lat = cell_centres(crs, transform, w, h)
    geod = Geod(ellps="WGS84")
    exact = np.min(
        [geod.inv(lon, lat, np.full_like(lon, p.x), np.full_like(lat, p.y))[2] for p in pts.geometry], axis=0
    )
    got = surface.values.ravel().astype(float)
    err = np.abs(got - exact)
    # Stated accuracy: within 1 m + 0.01 % of the distance at every cell centre (float32 included).
    assert (err <= 1.0 + 1e-4 * exact).all(), float(err.max())
    assert surface.values.shape == (h, w) and h > 10 and w > 10


def test_cells_are_squares_of_the_resolution_on_the_ground():
    crs, transform, w, h = grid_for(BBOX, 10_000)
    lon, lat = cell_centres(crs, transform, w, h)
    geod = Geod(ellps="WGS84")
    row = slice(w * (h // 2), w * (h // 2) + w)
    steps = geod.inv(lon[row][:-1], lat[row][:-1], lon[row][1:], lat[row][1:])[2]
    assert np.allclose(steps, 10_000, rtol=0.01)  # an equidistant grid: 1 % across 10 degrees


def _proximity(*args: str) -> None:
    r = CliRunner().invoke(main, ["proximity", *map(str, args)])
    assert r.exit_code == 0, r.output


def test_proximity_cli_writes_a_cog_and_a_mask(tmp_path):
    rail = REAL / "natural-earth-v4" / "ne_10m_railroads_north_america.json"
    area = ("--to", rail, "--bbox", "-112,32,-110,34", "--resolution", "2km")
    _proximity(*area, "--output", tmp_path / "rail.tif")
    with rasterio.open(tmp_path / "rail.tif") as src:
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.profile["compress"] == "deflate" and src.profile["tiled"]
        assert "Azimuthal_Equidistant" in src.crs.to_wkt() and src.res == (2000.0, 2000.0)
        dist = src.read(1)
    _proximity(*area, "--max", "20km", "--output", tmp_path / "near.tif")
    with rasterio.open(tmp_path / "near.tif") as src:
        mask = src.read(1)
        assert src.colormap(1)[1][:3] == (215, 48, 39)
    assert ((mask == 1) == (dist <= 20_000)).all()
    assert 0 < mask.mean() < 1


def test_proximity_refuses_what_it_cannot_do(tmp_path):
    out = tmp_path / "x.tif"
    for args, message in (
        (["--bbox", "-180,-90,180,90", "--resolution", "1km"], "spans more than 40"),
        (["--bbox", "-115,0,-80,35", "--resolution", "100m"], "too large"),
        ([], "--bbox"),
    ):
        r = CliRunner().invoke(main, ["proximity", "--to", "smelter", *args, "--output", str(out)])
        assert r.exit_code == 1 and message in r.output and not out.exists(), r.output


def test_zonal_stats_against_direct_pixel_arithmetic(tmp_path):
    with rasterio.open(SRTM) as src:
        z = src.read(1, masked=True)
        t = src.transform
    # A zone made of whole pixels: rows 100-149, columns 200-279.
    x0, y0 = t * (200, 100)
    x1, y1 = t * (280, 150)
    box = gpd.GeoSeries([shapely.box(x0, y1, x1, y0)], crs=4326)
    stats = zonal_stats(SRTM, box).iloc[0]
    block = z[100:150, 200:280].astype(float)
    lat = t.f + t.e * (np.arange(100, 150) + 0.5)
    from geo.spatial.join import metres_per_degree

    weights = np.prod(metres_per_degree(lat), axis=0)[:, None] * np.ones((1, 80))
    assert stats["count"] == block.count() == 4000
    assert stats["min"] == block.min() and stats["max"] == block.max()
    assert stats["mean"] == pytest.approx(
        np.average(block.filled(0), weights=weights * ~block.mask), rel=1e-9
    )
    # Area weighting matters only a little over 50 rows, but it is not the plain mean.
    assert stats["mean"] != pytest.approx(block.mean(), rel=1e-7)


def test_zonal_cli_on_the_real_park_polygon(tmp_path):
    zion = REAL / "zion-srtm-dem-nps-boundary" / "zion.gpkg"
    out = tmp_path / "z.csv"
    r = CliRunner().invoke(main, ["zonal", str(SRTM), "--zones", str(zion), "--output", str(out)])
    assert r.exit_code == 0, r.output
    import pandas as pd

    row = pd.read_csv(out).iloc[0]
    assert row["UNIT_CODE"] == "ZION" and 1100 < row["min"] < row["mean"] < row["max"] <= 2892
    assert row["count"] > 50_000
    r = CliRunner().invoke(main, ["zonal", str(SRTM)])
    assert r.exit_code == 1 and "--radius" in r.output


def test_a_larger_proximity_grid_has_overviews(tmp_path):
    out = tmp_path / "sm.tif"
    r = CliRunner().invoke(
        main,
        [
            "proximity",
            "--to",
            "smelter",
            "--bbox",
            "-115,31,-109,37",
            "--resolution",
            "1km",
            "--output",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    with rasterio.open(out) as src:
        assert src.width > 512 and src.overviews(1)  # COG: overviews for the zoomed-out views
        assert src.descriptions[0].startswith("geodesic metres to the nearest smelter")

"""Terrain at sites: a synthetic plane of known gradient, the same plane in two CRSs,
tiles across a seam, nodata, and the real SRTM tile around Zion."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from rasterio.transform import from_origin

from geo.cli import main
from geo.core.errors import MinetrackWarning
from geo.spatial.terrain import terrain

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "zion-srtm-dem-nps-boundary"
X0, Y0, RES, N = 500_000.0, 4_100_000.0, 30.0, 400  # UTM 12N, a 12 km square near 37 N
GX, GY = 0.1, 0.05  # the plane rises 10 % eastward and 5 % northward
SLOPE = np.degrees(np.arctan(np.hypot(GX, GY)))


def plane(x, y):
    return 1000.0 + GX * (x - X0) + GY * (y - Y0)


def write_plane(path: Path, *, cols=slice(0, N), nodata_box=None) -> Path:
    xs = X0 + RES * (np.arange(N) + 0.5)
    ys = Y0 + N * RES - RES * (np.arange(N) + 0.5)
    z = plane(*np.meshgrid(xs, ys)).astype("float32")
    if nodata_box is not None:
        r0, r1, c0, c1 = nodata_box
        z[r0:r1, c0:c1] = -9999
    z = z[:, cols]
    left = X0 + RES * (cols.start or 0)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=z.shape[1],
        height=N,
        count=1,
        dtype="float32",
        crs="EPSG:32612",
        transform=from_origin(left, Y0 + N * RES, RES, RES),
        nodata=-9999,
    ) as d:
        d.write(z, 1)
    return path


def sites_at(xy, crs="EPSG:32612"):
    pts = gpd.GeoSeries([shapely.Point(x, y) for x, y in xy], crs=crs)
    return gpd.GeoDataFrame({"id": [f"s{i}" for i in range(len(xy))]}, geometry=pts).to_crs(4326)


# Pixel centres well inside the square.
INSIDE = [(X0 + 6015, Y0 + 6015), (X0 + 3015, Y0 + 9015), (X0 + 8415, Y0 + 2415)]


def test_plane_gives_the_known_elevation_slope_and_relief(tmp_path):
    dem = write_plane(tmp_path / "plane.tif")
    r = terrain(sites_at(INSIDE), [dem], radius_m=1000)
    assert np.allclose(r["elevation_m"], [plane(x, y) for x, y in INSIDE], atol=0.01)
    assert np.allclose(r["slope_deg"], SLOPE, atol=0.01)
    # A plane's relief within radius R is 2 R |gradient|; the reduced cells may add one cell.
    exact = 2 * 1000 * np.hypot(GX, GY)
    assert ((r["relief_m"] >= exact - 1) & (r["relief_m"] <= exact * 1.05)).all()
    assert (r["dem_source"] == str(dem)).all()


def test_projected_and_geographic_dems_agree(tmp_path):
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    dem = write_plane(tmp_path / "plane.tif")
    geo = tmp_path / "plane4326.tif"
    with rasterio.open(dem) as src:
        t, w, h = calculate_default_transform(src.crs, "EPSG:4326", src.width, src.height, *src.bounds)
        out = np.full((h, w), -9999, "float32")
        reproject(
            src.read(1),
            out,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=t,
            dst_crs="EPSG:4326",
            resampling=Resampling.bilinear,
            src_nodata=-9999,
            dst_nodata=-9999,
        )
        with rasterio.open(
            geo,
            "w",
            driver="GTiff",
            width=w,
            height=h,
            count=1,
            dtype="float32",
            crs="EPSG:4326",
            transform=t,
            nodata=-9999,
        ) as d:
            d.write(out, 1)
    a = terrain(sites_at(INSIDE), [dem], radius_m=1000)
    b = terrain(sites_at(INSIDE), [geo], radius_m=1000)
    assert np.allclose(a["elevation_m"], b["elevation_m"], atol=2.0)  # one pixel of 10 % grade: 3 m
    assert np.allclose(a["slope_deg"], b["slope_deg"], rtol=0.02)  # ground metres, not degrees
    assert np.allclose(a["relief_m"], b["relief_m"], rtol=0.05)


def test_tiles_across_a_seam_answer_like_one_file(tmp_path):
    whole = write_plane(tmp_path / "whole.tif")
    west = write_plane(tmp_path / "west.tif", cols=slice(0, 200))
    east = write_plane(tmp_path / "east.tif", cols=slice(200, N))
    seam = [(X0 + 200 * RES - 15, Y0 + 6015), (X0 + 200 * RES + 15, Y0 + 6015), *INSIDE]
    one = terrain(sites_at(seam), [whole], radius_m=1000)
    two = terrain(sites_at(seam), [west, east], radius_m=1000)
    assert np.allclose(one["elevation_m"], two["elevation_m"])
    # The tiles are read as one mosaic: slope and relief windows cross the seam.
    assert np.allclose(one["slope_deg"], two["slope_deg"]) and np.allclose(one["relief_m"], two["relief_m"])
    assert set(two["dem_source"]) == {str(west), str(east)}


def test_nodata_and_sites_outside(tmp_path):
    dem = write_plane(tmp_path / "holes.tif", nodata_box=(50, 70, 50, 70))
    hole = (X0 + 60 * RES + 15, Y0 + N * RES - 60 * RES - 15)  # the centre of the hole
    far = (X0 + 50_000, Y0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = terrain(sites_at([hole, INSIDE[0], far]), [dem], radius_m=1000)
    assert np.isnan(r["elevation_m"].iloc[0]) and np.isnan(r["slope_deg"].iloc[0])
    assert np.isfinite(r["relief_m"].iloc[0])  # the nodata pixels are left out, the rest count
    assert np.isfinite(r["elevation_m"].iloc[1])
    assert np.isnan(r["elevation_m"].iloc[2]) and pd.isna(r["dem_source"].iloc[2])
    msgs = [str(w.message) for w in caught if issubclass(w.category, MinetrackWarning)]
    assert len(msgs) == 1 and "s2" in msgs[0]


def test_real_srtm_tile_and_cli(tmp_path):
    dem = REAL / "srtm.tif"
    with rasterio.open(dem) as src:
        z = src.read(1, masked=True)
        r, c = np.unravel_index(np.argmax(z), z.shape)
        x, y = src.xy(r, c)
        top = float(z.max())
    src_csv = tmp_path / "zion.csv"
    src_csv.write_text(f"name,lat,lon\nHighest,{y},{x}\nSpringdale,37.19,-112.99\nFar away,40,-100\n")
    out = tmp_path / "t.gpkg"
    res = CliRunner().invoke(
        main, ["terrain", "--dem", str(dem), "--sites", str(src_csv), "--radius", "2km", "--output", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "warning: 1 site(s) lie outside every DEM given: far-away-usa" in res.output
    t = gpd.read_file(out).set_index("id")
    assert t.loc["highest-usa", "elevation_m"] == top == 2892
    assert 1100 < t.loc["springdale-usa", "elevation_m"] < 1400  # the canyon floor town
    assert t.loc["springdale-usa", "relief_m"] > 500  # canyon walls within 2 km
    assert np.isnan(t.loc["far-away-usa", "elevation_m"])


def test_bad_dem_is_one_line(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_text("not a tiff")
    r = CliRunner().invoke(main, ["terrain", "--dem", str(bad)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().startswith("error:") and "bad.tif" in r.output
    r = CliRunner().invoke(main, ["terrain", "--dem", str(tmp_path / "none.tif")])
    assert r.exit_code == 1 and "none.tif: file not found" in r.output


@pytest.mark.parametrize("radius", ["0km", "abc"])
def test_bad_radius(radius, tmp_path):
    r = CliRunner().invoke(main, ["terrain", "--dem", str(REAL / "srtm.tif"), "--radius", radius])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_a_dem_inside_a_zip_via_vsizip(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "dem.zip", "w") as zf:
        zf.write(REAL / "srtm.tif", "tiles/srtm.tif")
    src = tmp_path / "s.csv"
    src.write_text("name,lat,lon\nSpringdale,37.19,-112.99\n")
    plain = CliRunner().invoke(
        main, ["terrain", "--dem", str(REAL / "srtm.tif"), "--sites", str(src), "--format", "csv"]
    )
    zipped = CliRunner().invoke(
        main,
        [
            "terrain",
            "--dem",
            f"/vsizip/{tmp_path / 'dem.zip'}/tiles/srtm.tif",
            "--sites",
            str(src),
            "--format",
            "csv",
        ],
    )
    assert plain.exit_code == zipped.exit_code == 0, zipped.output
    import io

    a = pd.read_csv(io.StringIO(plain.output))
    b = pd.read_csv(io.StringIO(zipped.output))
    assert (
        (a[["elevation_m", "slope_deg", "relief_m"]] == b[["elevation_m", "slope_deg", "relief_m"]])
        .all()
        .all()
    )
    assert b["dem_source"].iloc[0].startswith("/vsizip/")

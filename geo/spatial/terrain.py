"""Terrain at sites from a DEM: elevation, slope and local relief.

Per site (EPSG:4326 or any CRS in; the DEM in any CRS, one file or several tiles):

- ``elevation_m``: the value of the DEM pixel the site falls in (no interpolation);
- ``slope_deg``: Horn's (1981) 3 x 3 finite-difference slope at that pixel, with the
  pixel size in metres on the ground: the CRS's linear unit for projected DEMs, the
  WGS 84 ellipsoid's metres per degree at the site's latitude for geographic ones;
- ``relief_m``: highest minus lowest elevation within ``radius_m`` of the site. The
  DEM is first reduced to cells of at most ``radius / 25`` (each cell keeps the
  maximum and the minimum of its pixels), then the cells whose centres lie within
  the radius of the site's cell are searched, so relief can include up to about one
  cell (4 % of the radius) beyond it;
- ``dem_source``: the DEM file that answered.

The points are reprojected to the DEM (the DEM never is). Reads are windowed: the
sites are grouped by 1,024 x 1,024 blocks of the DEM and each block is read once,
with a halo for the slope and the relief radius; all arithmetic over the sites of a
block is vectorised. Nodata pixels are NaN; a site outside every DEM gets empty
values and one warning naming it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from geo.core.errors import ArgumentError, FileError, MinetrackWarning
from geo.io.raster import mosaic_groups, open_raster, vrt_xml
from geo.spatial.join import metres_per_degree

BLOCK = 1024
RELIEF_CELLS = 25
"""The relief radius spans at most this many reduced cells."""
COLUMNS = ("elevation_m", "slope_deg", "relief_m", "dem_source")


def terrain(sites: gpd.GeoDataFrame, dems: Sequence[str | Path], *, radius_m: float = 5_000.0,
            band: int = 1) -> gpd.GeoDataFrame:
    """``sites`` with ``elevation_m``, ``slope_deg``, ``relief_m`` (metres, degrees) and
    ``dem_source`` from the DEM tiles ``dems`` (see the module docstring).

    Parameters
    ----------
    sites:
        Points in any CRS.
    dems:
        One DEM file or several tiles (GeoTIFF, VRT, a ``/vsizip/`` member...), any CRS;
        where tiles overlap the first listed answers.
    radius_m:
        Radius of the relief search, metres.
    """
    if not dems:
        raise ArgumentError("give at least one DEM (--dem FILE)")
    if radius_m <= 0:
        raise ArgumentError("the relief radius must be positive")
    if sites.crs is None:
        raise ArgumentError("the sites have no CRS")
    n = len(sites)
    out = {c: np.full(n, np.nan) for c in COLUMNS[:3]}
    source = np.full(n, None, dtype=object)
    wgs = sites.geometry.to_crs("EPSG:4326")
    lon, lat = wgs.x.to_numpy(), wgs.y.to_numpy()
    todo = np.isfinite(lon) & np.isfinite(lat)
    from rasterio.io import MemoryFile

    for group in mosaic_groups(dems):
        if not todo.any():
            break
        if len(group) == 1:
            with open_raster(group[0]) as src:
                hit = _sample(src, lon, lat, todo, radius_m, band, out)
        else:  # tiles of one grid: one mosaic, so seams read like the inside of a file
            with MemoryFile(vrt_xml(group).encode(), ext=".vrt") as mem, mem.open() as src:
                hit = _sample(src, lon, lat, todo, radius_m, band, out)
        source[hit] = _tile_of(group, lon[hit], lat[hit])
        todo &= ~hit
    missing = np.flatnonzero(todo | (source == None))  # noqa: E711 (object array)
    if len(missing):
        ids = sites["id"].to_numpy()[missing] if "id" in sites.columns else missing
        more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        warnings.warn(MinetrackWarning(f"{len(ids)} site(s) lie outside every DEM given: "
                                       f"{', '.join(map(str, ids[:5]))}{more}"), stacklevel=2)
    result = sites.copy()
    for c in COLUMNS[:3]:
        result[c] = np.round(out[c], 2)
    result["dem_source"] = source
    return result


def _tile_of(group: list[str], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The tile of ``group`` each point falls in (the first listed where tiles overlap)."""
    from pyproj import Transformer

    out = np.full(len(lon), None, dtype=object)
    for path in reversed(group):
        with open_raster(path) as src:
            x, y = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True).transform(lon, lat)
            b = src.bounds
            inside = (np.asarray(x) >= b.left) & (np.asarray(x) < b.right) & (np.asarray(y) > b.bottom) & (
                np.asarray(y) <= b.top)
            out[inside] = path
    return out


def _pixel_metres(src, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, e = abs(src.transform.a), abs(src.transform.e)
    if src.crs is None:
        raise FileError(f"{src.name}: the DEM has no CRS")
    if src.crs.is_geographic:
        per_lon, per_lat = metres_per_degree(lat)
        return a * per_lon, e * per_lat
    factor = src.crs.linear_units_factor[1] if src.crs.linear_units_factor else 1.0
    return np.full(len(lat), a * factor), np.full(len(lat), e * factor)


def _sample(src, lon, lat, todo, radius_m, band, out) -> np.ndarray:
    """Fill ``out`` for the sites ``src`` covers; returns which sites it answered."""
    from pyproj import Transformer

    if src.transform.b or src.transform.d:
        raise FileError(f"{src.name}: rotated rasters are not supported; warp it north-up first")
    tr = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
    x, y = tr.transform(lon, lat)
    col, row = ~src.transform * (np.asarray(x), np.asarray(y))
    col, row = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
    inside = todo & (col >= 0) & (row >= 0) & (col < src.width) & (row < src.height)
    answered = np.zeros(len(lon), dtype=bool)
    idx = np.flatnonzero(inside)
    if not len(idx):
        return answered
    dx, dy = _pixel_metres(src, lat[idx])
    # Relief: cells of f x f pixels so that the radius spans at most RELIEF_CELLS cells.
    rad_px = max(float(np.max(radius_m / dx)), float(np.max(radius_m / dy)))
    f = max(1, int(np.ceil(rad_px / RELIEF_CELLS)))
    halo = int(np.ceil(rad_px)) + f + 1
    block = (row[idx] // BLOCK) * ((src.width // BLOCK) + 1) + col[idx] // BLOCK
    for b in np.unique(block):
        pick = idx[block == b]
        sel = block == b
        r0, c0 = (row[pick].min() // BLOCK) * BLOCK, (col[pick].min() // BLOCK) * BLOCK
        wr0, wc0 = max(0, r0 - halo), max(0, c0 - halo)
        wr1, wc1 = min(src.height, r0 + BLOCK + halo), min(src.width, c0 + BLOCK + halo)
        from rasterio.windows import Window

        z = src.read(band, window=Window(wc0, wr0, wc1 - wc0, wr1 - wr0), masked=True)
        z = z.astype("float64").filled(np.nan)
        rr, cc = row[pick] - wr0, col[pick] - wc0
        out["elevation_m"][pick] = z[rr, cc]
        out["slope_deg"][pick] = _horn(z, rr, cc, dx[sel], dy[sel])
        out["relief_m"][pick] = _relief(z, rr, cc, f, radius_m, dx[sel], dy[sel])
        answered[pick] = True
    return answered


def _horn(z, rr, cc, dx, dy) -> np.ndarray:
    """Horn's slope in degrees at pixels (rr, cc) of ``z``; NaN at edges and nodata."""
    h, w = z.shape
    ok = (rr >= 1) & (cc >= 1) & (rr < h - 1) & (cc < w - 1)
    res = np.full(len(rr), np.nan)
    r, c = rr[ok], cc[ok]

    def at(di, dj):
        return z[r + di, c + dj]

    a, b, cc_, d, f, g, hh, i = (at(-1, -1), at(-1, 0), at(-1, 1), at(0, -1), at(0, 1), at(1, -1),
                                 at(1, 0), at(1, 1))
    dzdx = ((cc_ + 2 * f + i) - (a + 2 * d + g)) / (8 * dx[ok])
    dzdy = ((g + 2 * hh + i) - (a + 2 * b + cc_)) / (8 * dy[ok])
    res[ok] = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    return res


def _relief(z, rr, cc, f, radius_m, dx, dy) -> np.ndarray:
    """Max minus min within the radius, on cells of f x f pixels (see the module docstring)."""
    h, w = z.shape
    ch, cw = -(-h // f), -(-w // f)
    pad = np.full((ch * f, cw * f), np.nan)
    pad[:h, :w] = z
    cells = pad.reshape(ch, f, cw, f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nodata cells
        hi = np.nanmax(cells, axis=(1, 3))
        lo = np.nanmin(cells, axis=(1, 3))
    # One footprint for the block: its sites share a latitude within a degree or so. The
    # ellipse of cells is a stack of row runs: a running max (min) along rows of each
    # run's width, then, per site, the max (min) of one value per row of the footprint.
    ry = radius_m / (float(np.median(dy)) * f)
    rx = radius_m / (float(np.median(dx)) * f)
    ny = int(np.floor(ry))
    top_grid = np.where(np.isnan(hi), -np.inf, hi)
    bottom_grid = np.where(np.isnan(lo), np.inf, lo)
    runs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    r0, c0 = rr // f, cc // f
    top = np.full(len(rr), -np.inf)
    bottom = np.full(len(rr), np.inf)
    for d in range(-ny, ny + 1):
        half = int(np.floor(rx * np.sqrt(max(0.0, 1.0 - (d / max(ry, 1e-9)) ** 2))))
        if half not in runs:
            width = 2 * half + 1
            runs[half] = (ndimage.maximum_filter1d(top_grid, width, axis=1, mode="constant", cval=-np.inf),
                          ndimage.minimum_filter1d(bottom_grid, width, axis=1, mode="constant", cval=np.inf))
        row = r0 + d
        ok = (row >= 0) & (row < ch)
        t_grid, b_grid = runs[half]
        top[ok] = np.maximum(top[ok], t_grid[row[ok], c0[ok]])
        bottom[ok] = np.minimum(bottom[ok], b_grid[row[ok], c0[ok]])
    val = top - bottom
    return np.where(np.isfinite(val), val, np.nan)


def terrain_table(result: gpd.GeoDataFrame) -> pd.DataFrame:
    """The columns a terrain run adds, for a table on stdout."""
    cols = [c for c in ("id", "name") if c in result.columns] + list(COLUMNS)
    return pd.DataFrame(result[cols])

"""Distance surfaces: a raster of geodesic metres to the nearest feature.

The grid lies on an azimuthal equidistant projection centred on the area's middle
(``+proj=aeqd``), at the resolution asked, so cells are squares of that many metres
on the ground across the area. Each cell's value is the geodesic distance (WGS 84
ellipsoid) from the cell's centre to the nearest feature, computed with minetrack's
geodesic nearest index (:class:`geo.spatial.nearest.FeatureIndex`) for every cell
centre: the value is exact at cell centres (no rasterize-and-distance-transform
approximation), to within the index's stated geodesic accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.core.errors import ArgumentError
from geo.spatial.nearest import FeatureIndex

MAX_SPAN_DEG = 40.0
"""Widest box a local equidistant grid covers (its scale error reaches about 4 % at the
edges of a 40-degree box)."""
MAX_CELLS = 25_000_000
"""Largest grid :func:`proximity` makes (5,000 x 5,000 cells)."""


@dataclass
class Surface:
    """A distance (or mask) grid: ``values`` (rows north to south), its CRS (WKT) and the
    GDAL-style affine ``transform`` (a tuple of 6), ``nodata``."""

    values: np.ndarray
    crs: str
    transform: tuple
    nodata: float | None = None


def grid_for(bbox: tuple[float, float, float, float], resolution_m: float) -> tuple[CRS, tuple, int, int]:
    """The local AEQD CRS, affine transform, width and height of a grid covering ``bbox``
    (west, south, east, north degrees) at ``resolution_m``."""
    w, s, e, n = bbox
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise ArgumentError("--bbox must be west,south,east,north with west < east and south < north")
    if resolution_m <= 0:
        raise ArgumentError("--resolution must be positive")
    if e - w > MAX_SPAN_DEG or n - s > MAX_SPAN_DEG:
        raise ArgumentError(f"--bbox spans more than {MAX_SPAN_DEG:g} degrees: a local grid grows too large "
                            "and too distorted; split the area")
    lon0, lat0 = (w + e) / 2, (s + n) / 2
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    # The box's outline, densified, bounds the grid (its edges curve in the projection).
    t = np.linspace(0, 1, 101)
    xs = np.concatenate([w + (e - w) * t, np.full(101, e), e - (e - w) * t, np.full(101, w)])
    ys = np.concatenate([np.full(101, s), s + (n - s) * t, np.full(101, n), n - (n - s) * t])
    x, y = tr.transform(xs, ys)
    x0, x1, y0, y1 = np.min(x), np.max(x), np.min(y), np.max(y)
    width = int(np.ceil((x1 - x0) / resolution_m))
    height = int(np.ceil((y1 - y0) / resolution_m))
    if width * height > MAX_CELLS:
        raise ArgumentError(f"a grid of {width:,} x {height:,} cells is too large (at most {MAX_CELLS:,}); "
                            "use a coarser --resolution or a smaller --bbox")
    transform = (x0, resolution_m, 0.0, y1, 0.0, -resolution_m)
    return crs, transform, width, height


def cell_centres(crs: CRS, transform: tuple, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of every cell centre, row by row from the north."""
    x0, dx, _, y1, _, dy = transform
    cx = x0 + dx * (np.arange(width) + 0.5)
    cy = y1 + dy * (np.arange(height) + 0.5)
    gx, gy = np.meshgrid(cx, cy)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(gx.ravel(), gy.ravel())
    return np.asarray(lon), np.asarray(lat)


def proximity(features: gpd.GeoDataFrame, bbox: tuple[float, float, float, float], resolution_m: float, *,
              max_m: float | None = None, chunk: int = 500_000) -> Surface:
    """Geodesic metres from each cell of a grid over ``bbox`` to the nearest of
    ``features`` (any CRS: lines, points, polygons' boundaries), float32; with
    ``max_m``, a mask instead: 1 where the nearest feature is within ``max_m``, else 0."""
    if features.crs is None:
        raise ArgumentError("the features have no CRS")
    geoms = features.to_crs("EPSG:4326").geometry.values
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        raise ArgumentError("no features to measure against")
    crs, transform, width, height = grid_for(bbox, resolution_m)
    lon, lat = cell_centres(crs, transform, width, height)
    index = FeatureIndex(geoms)
    dist = np.full(len(lon), np.nan, dtype=np.float64)
    for start in range(0, len(lon), chunk):
        stop = min(start + chunk, len(lon))
        # A mask needs only what lies within max_m: the index stops searching there.
        res = index.query(shapely.points(lon[start:stop], lat[start:stop]), k=1, max_distance_m=max_m)
        dist[start + res.point] = res.distance_m
    values = dist.reshape(height, width)
    if max_m is not None:
        return Surface((np.nan_to_num(values, nan=np.inf) <= max_m).astype(np.uint8), crs.to_wkt(), transform,
                       None)
    return Surface(values.astype(np.float32), crs.to_wkt(), transform, None)


def write_cog(surface: Surface, target, *, description: str = "") -> None:
    """Write a :class:`Surface` as a Cloud-Optimized GeoTIFF (deflate, 512 px tiles,
    overviews), atomically."""
    import rasterio
    from rasterio.io import MemoryFile
    from rasterio.shutil import copy as rio_copy
    from rasterio.transform import Affine

    from geo.io.write import atomic_path

    h, w = surface.values.shape
    profile = {"driver": "GTiff", "width": w, "height": h, "count": 1, "dtype": str(surface.values.dtype),
               "crs": rasterio.crs.CRS.from_wkt(surface.crs),
               "transform": Affine.from_gdal(*surface.transform), "nodata": surface.nodata}
    with MemoryFile() as mem:
        with mem.open(**profile) as ds:
            ds.write(surface.values, 1)
            if description:
                ds.set_band_description(1, description)
            if surface.values.dtype == np.uint8:
                ds.write_colormap(1, {0: (255, 255, 255, 0), 1: (215, 48, 39, 255)})
        with mem.open() as src, atomic_path(target) as tmp:
            rio_copy(src, str(tmp), driver="COG", compress="DEFLATE", blocksize=512, overviews="AUTO",
                     resampling="nearest")

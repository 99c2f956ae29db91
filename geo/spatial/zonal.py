"""Zonal statistics of a raster: per zone (a polygon, or a circle of a radius about
each site) the mean, minimum, maximum and count of the pixels whose centres fall in
it, nodata left out.

Where the raster is geographic (degrees), pixels shrink towards the poles, so the
mean is weighted by each pixel's area on the WGS 84 ellipsoid (metres per degree of
longitude times latitude at the pixel's row); on a projected raster all pixels weigh
the same. Each zone reads only its window of the raster.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import ArgumentError
from geo.io.raster import open_raster
from geo.spatial.join import metres_per_degree

STATS = ("mean", "min", "max", "count")


def zonal_stats(raster: str | Path, zones: gpd.GeoSeries | Sequence, *, band: int = 1) -> pd.DataFrame:
    """One row per zone (in the zones' order): ``mean``, ``min``, ``max``, ``count``
    (pixels), NaN and 0 where no valid pixel falls in the zone. ``zones``: polygons in
    any CRS (a GeoSeries)."""
    from rasterio.features import geometry_mask
    from rasterio.windows import Window, from_bounds

    zones = gpd.GeoSeries(zones)
    if zones.crs is None:
        raise ArgumentError("the zones have no CRS")
    out = np.full((len(zones), 4), np.nan)
    out[:, 3] = 0
    with open_raster(raster) as src:
        shapes = zones.to_crs(src.crs).values
        full = Window(0, 0, src.width, src.height)
        for i, shape in enumerate(shapes):  # one windowed read per zone
            if shape is None or shape.is_empty:
                continue
            w = from_bounds(*shape.bounds, transform=src.transform)
            col0, row0 = int(np.floor(w.col_off)), int(np.floor(w.row_off))
            col1, row1 = int(np.ceil(w.col_off + w.width)), int(np.ceil(w.row_off + w.height))
            col0, row0 = max(col0, 0), max(row0, 0)
            col1, row1 = min(col1, full.width), min(row1, full.height)
            if col1 <= col0 or row1 <= row0:  # the zone lies off the raster
                continue
            win = Window(col0, row0, col1 - col0, row1 - row0)
            if win.width < 1 or win.height < 1:
                continue
            data = src.read(band, window=win, masked=True)
            t = src.window_transform(win)
            inside = ~geometry_mask([shape], out_shape=data.shape, transform=t, all_touched=False)
            valid = inside & ~np.ma.getmaskarray(data)
            if not valid.any():
                continue
            values = np.ma.getdata(data).astype("float64")[valid]
            if src.crs.is_geographic:
                rows = np.nonzero(valid)[0]
                lat = t.f + t.e * (rows + 0.5)
                per_lon, per_lat = metres_per_degree(lat)
                weights = per_lon * per_lat
            else:
                weights = np.ones(len(values))
            out[i] = (np.average(values, weights=weights), values.min(), values.max(), len(values))
    frame = pd.DataFrame(out, columns=list(STATS), index=zones.index)
    frame["count"] = frame["count"].astype(np.int64)
    return frame

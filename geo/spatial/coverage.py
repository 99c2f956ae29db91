"""Does a layer cover a site? The footprint of a layer on a coarse grid.

A one-state PAD-US file answers "off federal land" for a site in Alaska, and an
OSM extract without railways makes "nearest rail" a line in another country: the
answers are right for the layer and wrong for the question. :func:`outside_coverage`
flags the sites that lie beyond what a layer covers, so queries can say so.

The footprint is the set of 1° cells (about 111 km) that any feature's bounding
box touches, grown by ``margin_cells`` in every direction. It is a statement about
where the layer has data, not a distance: a site one cell beyond the last rail line
of an extract is flagged; a site inside a state-wide file is not.
"""

from __future__ import annotations

import numpy as np
import shapely

CELL_DEG = 1.0
"""Side of a footprint cell in degrees."""


def _key(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (np.asarray(x, dtype=np.int64) + 1000) * 10_000 + (np.asarray(y, dtype=np.int64) + 1000)


def footprint(geoms: np.ndarray, margin_cells: int = 1) -> np.ndarray:
    """Cells of the 1° grid that the features' bounding boxes touch, grown by
    ``margin_cells`` (WGS 84 geometries), as sorted integer cell keys."""
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    return footprint_of_bounds(shapely.bounds(geoms), margin_cells)


def footprint_of_bounds(b: np.ndarray, margin_cells: int = 1) -> np.ndarray:
    """:func:`footprint` from the features' bounding boxes (n x 4: minx, miny, maxx, maxy,
    degrees), for layers whose geometries stay in a database."""
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    if not len(b):
        return np.empty(0, dtype=np.int64)
    x0 = np.floor(b[:, 0] / CELL_DEG).astype(int) - margin_cells
    y0 = np.floor(b[:, 1] / CELL_DEG).astype(int) - margin_cells
    x1 = np.floor(b[:, 2] / CELL_DEG).astype(int) + margin_cells
    y1 = np.floor(b[:, 3] / CELL_DEG).astype(int) + margin_cells
    # Features of one size class at a time: their cell ranges expand into one array.
    cells: list[np.ndarray] = []
    w, h = x1 - x0 + 1, y1 - y0 + 1
    for ww, hh in set(zip(w.tolist(), h.tolist(), strict=True)):
        pick = (w == ww) & (h == hh)
        gx, gy = np.meshgrid(np.arange(ww), np.arange(hh))
        xs = (x0[pick][:, None] + gx.ravel()[None, :]).ravel()
        ys = (y0[pick][:, None] + gy.ravel()[None, :]).ravel()
        cells.append(_key(xs, ys))
    return np.unique(np.concatenate(cells))


def outside_coverage(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray,
                     margin_cells: int = 1, *, cells: np.ndarray | None = None) -> np.ndarray:
    """True for each point (degrees, WGS 84) outside the :func:`footprint` of ``geoms``
    (or of the given footprint ``cells``)."""
    cells = footprint(geoms, margin_cells) if cells is None else cells
    cx = np.floor(np.asarray(lon, dtype=float) / CELL_DEG).astype(int)
    cy = np.floor(np.asarray(lat, dtype=float) / CELL_DEG).astype(int)
    return ~np.isin(_key(cx, cy), cells)

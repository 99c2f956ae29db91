"""Fast point-in-polygon assignment against a fixed polygon layer.

Large country polygons (thousands of vertices) make every containment test
expensive. ``PolygonIndex`` cuts each polygon into pieces of at most
``max_vertices`` vertices (the idea behind PostGIS ``ST_Subdivide``), puts the
pieces in a shapely STRtree and answers "which polygon holds this point" with
one vectorised tree query. Most points then meet only small pieces, or none.

The answer is the same as ``geopandas.sjoin(points, polygons, predicate="within")``:
a point strictly inside a polygon is inside exactly one of its pieces, except when
it lies on one of the cut lines; those few points (found exactly, since cuts are
axis-parallel at recorded coordinates) are tested against the original polygons.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray


class PolygonIndex:
    """Subdivided spatial index over polygons (any CRS; no distances involved).

    Parameters
    ----------
    polygons:
        Array-like of shapely Polygon/MultiPolygon geometries.
    max_vertices:
        Pieces with more vertices than this are cut in two across their bounding
        box's longer side, repeatedly.
    """

    def __init__(self, polygons, max_vertices: int = 64):
        self.polygons = np.asarray(polygons, dtype=object)
        parts, owner = shapely.get_parts(self.polygons, return_index=True)
        cut_x: list[float] = []
        cut_y: list[float] = []
        done_parts: list[NDArray] = []
        done_owner: list[NDArray] = []
        while len(parts):
            small = shapely.get_num_coordinates(parts) <= max_vertices
            done_parts.append(parts[small])
            done_owner.append(owner[small])
            parts, owner = parts[~small], owner[~small]
            if not len(parts):
                break
            xmin, ymin, xmax, ymax = shapely.bounds(parts).T
            wide = (xmax - xmin) >= (ymax - ymin)
            xmid = (xmin + xmax) / 2
            ymid = (ymin + ymax) / 2
            cut_x.extend(xmid[wide].tolist())
            cut_y.extend(ymid[~wide].tolist())
            # The two halves of each piece, as boxes slightly larger than the piece
            # so that nothing on its outer edge is clipped away.
            pad = 1.0
            lo = shapely.box(xmin - pad, ymin - pad,
                             np.where(wide, xmid, xmax + pad), np.where(wide, ymax + pad, ymid))
            hi = shapely.box(np.where(wide, xmid, xmin - pad), np.where(wide, ymin - pad, ymid),
                             xmax + pad, ymax + pad)
            halves = np.concatenate([shapely.intersection(parts, lo),
                                     shapely.intersection(parts, hi)])
            owners = np.concatenate([owner, owner])
            halves, idx = shapely.get_parts(halves, return_index=True)
            owners = owners[idx]
            keep = shapely.get_type_id(halves) == 3  # polygons only; drop slivers' lines/points
            parts, owner = halves[keep], owners[keep]
        self.pieces = np.concatenate(done_parts)
        self.piece_owner = np.concatenate(done_owner)
        self.cut_x = np.unique(np.asarray(cut_x, dtype=float))
        self.cut_y = np.unique(np.asarray(cut_y, dtype=float))
        self.tree = shapely.STRtree(self.pieces)
        shapely.prepare(self.pieces)

    def __len__(self) -> int:
        return len(self.polygons)

    def locate(self, points) -> NDArray[np.int64]:
        """Index of the polygon strictly containing each point, or -1.

        Where polygons overlap, the lowest polygon index wins (sjoin would return
        one row per match).
        """
        points = np.asarray(points, dtype=object)
        result = np.full(len(points), -1, dtype=np.int64)
        if not len(points) or not len(self.pieces):
            return result
        usable = ~(shapely.is_missing(points) | shapely.is_empty(points))
        if not usable.all():
            result[usable] = self.locate(points[usable])
            return result
        x = shapely.get_x(points)
        y = shapely.get_y(points)
        # Bounding-box candidates from the tree, then one vectorised exact test on
        # the (prepared, small) pieces: cheaper than the tree's own predicate.
        pt_idx, piece_idx = self.tree.query(points)
        inside = shapely.contains_xy(self.pieces[piece_idx], x[pt_idx], y[pt_idx])
        pt_idx, piece_idx = pt_idx[inside], piece_idx[inside]
        owners = self.piece_owner[piece_idx]
        # Lowest owner per point: write in descending owner order, last write wins.
        order = np.lexsort((-owners, pt_idx))
        result[pt_idx[order]] = owners[order]
        missing = np.flatnonzero(result < 0)
        if len(missing):
            on_cut = np.isin(x[missing], self.cut_x) | np.isin(y[missing], self.cut_y)
            recheck = missing[on_cut]
            if len(recheck):
                whole = shapely.STRtree(self.polygons)
                r_pt, r_poly = whole.query(points[recheck], predicate="within")
                order = np.lexsort((-r_poly, r_pt))
                result[recheck[r_pt[order]]] = r_poly[order]
        return result

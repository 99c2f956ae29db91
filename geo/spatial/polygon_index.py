"""Fast point-in-polygon assignment against a fixed polygon layer.

Large country polygons (thousands of vertices) make every containment test
expensive. ``PolygonIndex`` cuts each polygon into pieces of at most
``max_vertices`` vertices (the idea behind PostGIS ``ST_Subdivide``) and lays a
coarse grid over the layer. A point in a cell that no polygon boundary crosses is
answered by lookup (open sea, or wholly inside one polygon); the others are tested,
in one vectorised call, against the few small pieces that meet their cell.

The answer is the same as ``geopandas.sjoin(points, polygons, predicate="within")``:
a point strictly inside a polygon is inside exactly one of its pieces, except when
it lies on one of the cut lines; those few points (found exactly, since cuts are
axis-parallel at recorded coordinates) are tested against the original polygons.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray


def polygonal(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygons fit to index: invalid ones repaired with ``make_valid``, and of what that
    returns (often a GeometryCollection of polygons and stray lines) only the polygonal
    parts kept, so no area is lost and nothing but area is indexed. Returns the
    polygons and the positions that were repaired."""
    geoms = np.asarray(geoms, dtype=object).copy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = np.flatnonzero(present & ~shapely.is_valid(np.where(present, geoms, None)))
    if len(bad):
        fixed = shapely.make_valid(geoms[bad])
        parts, owner = shapely.get_parts(fixed, return_index=True)
        # make_valid may nest collections one level: take their parts too.
        nested = shapely.get_type_id(parts) == 7
        if nested.any():
            sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
            parts = np.concatenate([parts[~nested], sub])
            owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])
        keep = np.isin(shapely.get_type_id(parts), (3, 6))
        # The polygonal parts of one feature, dissolved (they may touch or overlap).
        merged = np.array([shapely.union_all(parts[keep][owner[keep] == k]) if (owner[keep] == k).any()
                           else shapely.Polygon() for k in range(len(bad))], dtype=object)
        geoms[bad] = merged
    return geoms, bad


class PolygonIndex:
    """Subdivided spatial index over polygons (any CRS; no distances involved).

    Parameters
    ----------
    polygons:
        Array-like of shapely Polygon/MultiPolygon geometries.
    max_vertices:
        Pieces with more vertices than this are cut in two across their bounding
        box's longer side, repeatedly.
    grid_cells:
        Cells along the longer side of a coarse grid that answers most points by
        lookup (cells in open sea, or wholly inside one polygon).
    """

    def __init__(self, polygons, max_vertices: int = 128, grid_cells: int = 180):
        self.polygons, self.repaired = polygonal(np.asarray(polygons, dtype=object))
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
        self._build_grid(grid_cells)

    def _build_grid(self, cells: int) -> None:
        """Classify a regular grid over the layer: cells touching no polygon (points there
        are in none), cells crossed by no polygon boundary but inside one (points there
        are in it), and the rest, whose points take the exact test."""
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.polygons)
        size = max(xmax - xmin, ymax - ymin) / cells or 1.0
        nx = max(1, int(np.ceil((xmax - xmin) / size)))
        ny = max(1, int(np.ceil((ymax - ymin) / size)))
        gx, gy = np.meshgrid(xmin + size * np.arange(nx), ymin + size * np.arange(ny))
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size, gy.ravel() + size)
        # Every boundary segment of the original polygons, as two-point lines.
        rings = shapely.get_rings(shapely.get_parts(self.polygons))
        xy, ring_i = shapely.get_coordinates(rings, return_index=True)
        same = ring_i[:-1] == ring_i[1:]
        seg = np.stack([xy[:-1][same], xy[1:][same]], axis=1)
        segments = shapely.linestrings(seg)
        touched = np.zeros(len(boxes), dtype=bool)
        touched[shapely.STRtree(segments).query(boxes, predicate="intersects")[0]] = True
        state = np.full(len(boxes), -2, dtype=np.int64)  # -2: test the points exactly
        # A cell no boundary crosses lies wholly inside one polygon or wholly outside all:
        # its centre tells which.
        calm = np.flatnonzero(~touched)
        centres = shapely.points(gx.ravel()[calm] + size / 2, gy.ravel()[calm] + size / 2)
        c_i, piece_i = self.tree.query(centres)
        hit = shapely.contains_xy(self.pieces[piece_i], shapely.get_x(centres)[c_i],
                                  shapely.get_y(centres)[c_i])
        state[calm] = -1
        state[calm[c_i[hit]]] = self.piece_owner[piece_i[hit]]
        # For the other cells, the pieces each one meets, as a CSR table (cell -> pieces).
        busy = np.flatnonzero(state == -2)
        b_i, b_piece = self.tree.query(boxes[busy], predicate="intersects")
        order = np.argsort(b_i, kind="stable")
        self.cell_pieces = b_piece[order]
        counts = np.zeros(len(boxes), dtype=np.int64)
        np.add.at(counts, busy[b_i], 1)
        self.cell_count = counts
        self.cell_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.grid = (xmin, ymin, size, nx, ny, state)

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
        gx0, gy0, size, nx, ny, state = self.grid
        cx = np.floor((x - gx0) / size)
        cy = np.floor((y - gy0) / size)
        outside = (cx < 0) | (cx >= nx) | (cy < 0) | (cy >= ny)
        cell = (np.clip(cy, 0, ny - 1) * nx + np.clip(cx, 0, nx - 1)).astype(np.int64)
        known = np.where(outside, -1, state[cell])
        result[:] = np.where(known >= -1, known, -1)
        todo = np.flatnonzero(known == -2)
        # Candidate pieces from the point's grid cell, then one vectorised exact test on
        # the (prepared, small) pieces.
        n_cand = self.cell_count[cell[todo]]
        pt_idx = np.repeat(todo, n_cand)
        first = np.repeat(self.cell_start[cell[todo]], n_cand)
        rank = np.arange(len(pt_idx)) - np.repeat(np.cumsum(n_cand) - n_cand, n_cand)
        piece_idx = self.cell_pieces[first + rank]
        inside = shapely.contains_xy(self.pieces[piece_idx], x[pt_idx], y[pt_idx])
        pt_idx, piece_idx = pt_idx[inside], piece_idx[inside]
        owners = self.piece_owner[piece_idx]
        # Lowest owner per point: write in descending owner order, last write wins.
        order = np.lexsort((-owners, pt_idx))
        result[pt_idx[order]] = owners[order]
        missing = todo[result[todo] < 0]
        if len(missing):
            on_cut = np.isin(x[missing], self.cut_x) | np.isin(y[missing], self.cut_y)
            recheck = missing[on_cut]
            if len(recheck):
                whole = shapely.STRtree(self.polygons)
                r_pt, r_poly = whole.query(points[recheck], predicate="within")
                order = np.lexsort((-r_poly, r_pt))
                result[recheck[r_pt[order]]] = r_poly[order]
        return result

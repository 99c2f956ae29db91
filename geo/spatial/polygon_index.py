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
Where polygons overlap, the lowest-numbered one is the answer.

The polygons are first made fit to index (:func:`repair_polygons`): collections keep
their polygonal parts, invalid polygons are repaired (rings drawn across the
antimeridian redrawn first), points and lines refused. The answer is then sjoin's on
the repaired layer (``PolygonIndex.polygons``); on a layer already valid, on the layer
itself. GEOS predicates on invalid polygons are undefined, so sjoin on the raw layer
is no reference there: on Natural Earth 1:10m as world-atlas ships it, it puts Alaska
in Russia.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.core.errors import DataError, Problem

_AREA_TYPES = (3, 6)  # shapely type ids of Polygon, MultiPolygon
_MULTI_TYPES = (4, 5, 6, 7)  # MultiPoint, MultiLineString, MultiPolygon, GeometryCollection


def _polygon_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every non-empty Polygon inside ``geoms`` (collections opened to any depth), with
    the position of the geometry it came from."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while True:
        nested = np.isin(shapely.get_type_id(parts), _MULTI_TYPES)
        if not nested.any():
            break
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    return parts[keep], owner[keep]


def _dissolve(parts: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """One polygonal geometry per owner 0..n-1 from its polygon parts: a Polygon, a
    MultiPolygon where the parts are disjoint, their union where they touch or overlap;
    an empty Polygon for an owner with none."""
    out = np.array([shapely.Polygon()] * n, dtype=object)
    if not len(parts):
        return out
    order = np.argsort(owner, kind="stable")
    parts, owner = parts[order], owner[order]
    counts = np.bincount(owner, minlength=n)
    single = counts[owner] == 1
    out[owner[single]] = parts[single]
    many = np.flatnonzero(counts > 1)
    if len(many):
        multi = shapely.multipolygons(parts[~single], indices=np.searchsorted(many, owner[~single]))
        out[many] = multi
        # Parts that overlap or share an edge make an invalid MultiPolygon: union those
        # (one call each; only rows being repaired get here).
        for k in many[~shapely.is_valid(multi)]:
            out[k] = shapely.union_all(parts[owner == k])
    return out


def _unwrap_antimeridian(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygons whose rings jump across the antimeridian (an edge spanning more than
    180 degrees of longitude, as in TopoJSON cut by d3, or shapefiles drawn on a sphere)
    redrawn as planar polygons: each ring made continuous in longitude, a ring that then
    fails to close (it circles a pole) closed through the pole its side of the equator,
    and the result cut at +-180 degrees and folded back into [-180, 180].

    Planar GEOS reads such a ring as an edge sweeping the globe the wrong way round:
    ``make_valid`` of Natural Earth 1:10m's Russia (as world-atlas ships it) then
    covers much of Alaska. Returns the polygonal pieces and their owners.
    """
    parts, owner = _polygon_parts(geoms)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_i = shapely.get_coordinates(rings, return_index=True)
    x, y = xy[:, 0].copy(), xy[:, 1]
    same = np.concatenate([[False], ring_i[1:] == ring_i[:-1]])
    dx = np.concatenate([[0.0], np.diff(x)])
    step = np.where(same & (np.abs(dx) > 180.0), -360.0 * np.round(dx / 360.0), 0.0)
    shift = np.cumsum(step)
    first = np.flatnonzero(~same)
    shift -= shift[first][ring_i]
    x += shift
    last = np.concatenate([first[1:] - 1, [len(x) - 1]])
    open_by = x[last] - x[first]  # 0, or +-360 for a ring around a pole
    polar = np.flatnonzero(np.abs(open_by) > 180.0)
    coords = np.column_stack([x, y])
    if len(polar):
        # Close each polar ring through its pole: a few rings, so a loop is fine.
        pieces, idx = [], []
        bounds = np.concatenate([first, [len(x)]])
        is_polar = np.zeros(len(rings), dtype=bool)
        is_polar[polar] = True
        for r in range(len(rings)):
            ring = coords[bounds[r]:bounds[r + 1]]
            if is_polar[r]:
                pole = -90.0 if ring[:, 1].mean() < 0 else 90.0
                ring = np.vstack([ring, [[ring[-1, 0], pole], [ring[0, 0], pole]], ring[:1]])
            pieces.append(ring)
            idx.append(np.full(len(ring), r))
        coords, ring_i = np.vstack(pieces), np.concatenate(idx)
    unwrapped = shapely.polygons(shapely.linearrings(coords, indices=ring_i), indices=ring_part)
    unwrapped = shapely.make_valid(unwrapped, method="structure", keep_collapsed=False)
    # Cut into the three 360-degree windows the longitudes now span and fold them back.
    folded, folded_owner = [], []
    for k in (-1, 0, 1):
        window = shapely.box(-180.0 + 360.0 * k, -91.0, 180.0 + 360.0 * k, 91.0)
        piece = shapely.intersection(unwrapped, window)
        piece = shapely.transform(piece, lambda c, k=k: c - [360.0 * k, 0.0])
        sub, sub_owner = _polygon_parts(piece)
        folded.append(sub)
        folded_owner.append(owner[sub_owner])
    return np.concatenate(folded), np.concatenate(folded_owner)


def _crosses_antimeridian(geoms: np.ndarray) -> np.ndarray:
    """Which geometries have an edge spanning more than 180 degrees of longitude."""
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    jump = (np.abs(np.diff(xy[:, 0])) > 180.0) & (owner[1:] == owner[:-1])
    return np.bincount(owner[1:][jump], minlength=len(geoms)) > 0


def repair_polygons(geoms, *, lonlat: bool | None = None, source: str = "polygon layer"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Polygons fit to index, and the positions that had to be changed.

    - a valid Polygon or MultiPolygon is kept as it is;
    - a GeometryCollection keeps its polygonal parts (dissolved), so no area is lost
      and nothing but area is indexed;
    - an invalid polygon is repaired with ``make_valid`` and its polygonal parts kept;
      in longitude/latitude (``lonlat``; None: guessed from the layer's bounds) one whose
      rings jump across the antimeridian is first redrawn (:func:`_unwrap_antimeridian`);
    - a point or line, or a collection without area, is refused: :class:`DataError`
      naming ``source``, the 1-based row and the geometry type.

    Missing and empty geometries stay as they are (they contain nothing).
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    kinds = np.where(present, shapely.get_type_id(geoms), -1)
    valid = np.zeros(len(geoms), dtype=bool)
    valid[present] = shapely.is_valid(geoms[present])
    fix = np.flatnonzero(present & ~(valid & np.isin(kinds, _AREA_TYPES)))
    if not len(fix):
        return geoms, fix
    if lonlat is None:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[present])
        lonlat = xmin >= -180.0 and xmax <= 180.0 and ymin >= -90.0 and ymax <= 90.0
    todo = geoms[fix]
    wrapped = np.zeros(len(fix), dtype=bool)
    if lonlat:
        wrapped = ~valid[fix] & _crosses_antimeridian(todo)
    rest = np.flatnonzero(~wrapped)
    fixed = todo.copy()
    broken = np.flatnonzero(~wrapped & ~valid[fix])
    # "structure" keeps the area the rings enclose (and is ~3x faster than "linework").
    fixed[broken] = shapely.make_valid(todo[broken], method="structure", keep_collapsed=False)
    parts, owner = _polygon_parts(fixed[rest])
    owner = rest[owner]
    if wrapped.any():
        w = np.flatnonzero(wrapped)
        w_parts, w_owner = _unwrap_antimeridian(todo[w])
        parts, owner = np.concatenate([parts, w_parts]), np.concatenate([owner, w[w_owner]])
    lost = np.bincount(owner, minlength=len(fix)) == 0
    refused = lost & ~np.isin(kinds[fix], _AREA_TYPES)
    if refused.any():
        raise DataError([Problem(source, int(fix[i]) + 1, "geometry",
                                 f"a {todo[i].geom_type} is not a polygon; "
                                 "a polygon layer holds only polygons")
                         for i in np.flatnonzero(refused)])
    geoms[fix] = _dissolve(parts, owner, len(fix))
    return geoms, fix


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

    def __init__(self, polygons, max_vertices: int = 128, grid_cells: int = 180, *,
                 lonlat: bool | None = None, source: str = "polygon layer"):
        self.polygons, self.repaired = repair_polygons(polygons, lonlat=lonlat, source=source)
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
            # Polygons only: a cut may leave slivers' lines and points beside them.
            parts, idx = _polygon_parts(halves)
            owner = owners[idx]
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
        # A cell no boundary crosses lies wholly inside one polygon or wholly outside all,
        # so any one point of it tells which: not the centre, since centres fall on cut
        # lines (both are round fractions of the layer's extent); a point still on a cut
        # line is tested against the whole polygons.
        calm = np.flatnonzero(~touched)
        cx = gx.ravel()[calm] + size * 0.4142
        cy = gy.ravel()[calm] + size * 0.5773
        centres = shapely.points(cx, cy)
        c_i, piece_i = self.tree.query(centres)
        hit = shapely.contains_xy(self.pieces[piece_i], cx[c_i], cy[c_i])
        c_i, owners = c_i[hit], self.piece_owner[piece_i[hit]]
        on_cut = np.flatnonzero(np.isin(cx, self.cut_x) | np.isin(cy, self.cut_y))
        if len(on_cut):
            w_i, w_poly = shapely.STRtree(self.polygons).query(centres[on_cut], predicate="within")
            c_i, owners = np.concatenate([c_i, on_cut[w_i]]), np.concatenate([owners, w_poly])
        state[calm] = -1
        # Where polygons overlap, the lowest owner wins (as in locate): write the owners
        # in descending order so the last write is the lowest.
        order = np.argsort(-owners, kind="stable")
        state[calm[c_i[order]]] = owners[order]
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

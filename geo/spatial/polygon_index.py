"""Fast point-in-polygon assignment against a fixed polygon layer.

Large country polygons (thousands of vertices) make every containment test
expensive. ``PolygonIndex`` lays a fine grid over the layer (0.25-degree cells on the
world) and classifies every cell in numpy, from the polygons' boundary segments: a cell
that no segment meets lies wholly in one polygon or in none, and which one is read off a
line through its row (winding number and XOR of the owners of the segments crossing it
to the left). A point in such a cell is answered by lookup; the few in cells a boundary
crosses take GEOS's exact test (``contains_xy``, prepared) against the polygons of
their cell only.

The answer is the same as ``geopandas.sjoin(points, polygons, predicate="within")``
(lookup only where no boundary comes within a millionth of a cell, the rest GEOS's own
test); where polygons overlap, the lowest-numbered one is the answer.

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


def _segments(polygons: np.ndarray) -> tuple[NDArray, ...]:
    """Every boundary segment of ``polygons``: x and y of its start and end (four
    contiguous arrays), the owner polygon, and the winding a crossing adds (see
    ``_build_grid``): +1 on a counter-clockwise shell or a clockwise hole, -1 on the
    others."""
    parts, owner = shapely.get_parts(polygons, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_i = shapely.get_coordinates(rings, return_index=True)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    start = np.flatnonzero(ring_i[:-1] == ring_i[1:])
    ax, ay, bx, by = x[start], y[start], x[start + 1], y[start + 1]
    seg_ring = ring_i[start]
    # Twice the signed area of each ring (shoelace), for its orientation.
    area2 = np.bincount(seg_ring, weights=ax * by - bx * ay, minlength=len(rings))
    shell = np.concatenate([[True], ring_part[1:] != ring_part[:-1]])
    turn = np.where((area2 > 0) == shell, 1, -1).astype(np.int32)
    return ax, ay, bx, by, owner[ring_part[seg_ring]], turn[seg_ring]


def _split_segments(ax, ay, bx, by, most: float, *rest: NDArray) -> tuple[NDArray, ...]:
    """Segments longer than ``most`` in x or in y cut into equal parts no longer: the
    first part takes the segment's place, the others are appended (the last ends at the
    segment's own end); the per-segment arrays ``rest`` follow."""
    k = np.ceil(np.maximum(np.abs(bx - ax), np.abs(by - ay)) / most)
    long = np.flatnonzero(k > 1)
    if not len(long):
        return (ax, ay, bx, by, *rest)
    k = k[long].astype(np.int64)
    rep = np.repeat(long, k)
    kk = np.repeat(k, k).astype(float)
    rank = np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k)
    last = rank + 1 == kk
    head = rank == 0

    def cut(a0, b0):
        a_r, d_r = a0[rep], b0[rep] - a0[rep]
        return a_r + d_r * (rank / kk), np.where(last, b0[rep], a_r + d_r * ((rank + 1) / kk))

    out = []
    for a0, b0 in ((ax, bx), (ay, by)):
        s_, e_ = cut(a0, b0)
        a1, b1 = a0.copy(), b0.copy()
        a1[long], b1[long] = s_[head], e_[head]
        out.append((np.concatenate([a1, s_[~head]]), np.concatenate([b1, e_[~head]])))
    (ax, bx), (ay, by) = out
    return (ax, ay, bx, by, *(np.concatenate([r, r[rep[~head]]]) for r in rest))


def _clip(geoms: NDArray, xmin, ymin, xmax, ymax) -> NDArray:
    """``shapely.clip_by_rect`` with one rectangle per geometry (the public function takes
    one rectangle for all; the ufunc under it broadcasts)."""
    return shapely.lib.clip_by_rect(geoms, xmin, ymin, xmax, ymax)


class PolygonIndex:
    """Grid index over polygons answering point-in-polygon (any CRS; no distances).

    A regular grid of ``grid_cells`` cells along the layer's longer side is laid over
    the polygons. Cells that no boundary segment meets (found in numpy from the
    segments, each cut to at most half a cell) lie wholly in one polygon or in none:
    which, is read off one horizontal line through each row of cells, from the
    winding number and the XOR of the owners of the segments crossing it to the left
    of the cell (one cumulative sum and one cumulative XOR along the rows). Points
    there are answered by lookup. Points in the other cells, a few per cent of the
    area, take GEOS's exact test (``contains_xy`` on the prepared polygons) against the
    polygons whose boundary meets their cell and the one the cell lies in.

    Parameters
    ----------
    polygons:
        Array-like of shapely Polygon/MultiPolygon geometries, repaired first
        (:func:`repair_polygons`).
    max_vertices:
        Vertices per piece in :attr:`pieces` (the polygons cut small, for distances;
        built when first asked for).
    grid_cells:
        Cells along the longer side of the layer's bounding box (1440 on the world in
        degrees: 0.25-degree cells).
    lonlat:
        Whether x, y are longitude, latitude (antimeridian repair); None: guessed.
    source:
        Name of the layer, in errors.
    repair:
        False: the polygons are known valid Polygons/MultiPolygons (the ``polygons`` of
        an earlier index, or :func:`repair_polygons`' output) and are indexed as they
        are, without the validity check (a third of the build on Natural Earth 1:10m).
    """

    def __init__(self, polygons, max_vertices: int = 128, grid_cells: int = 1440, *,
                 lonlat: bool | None = None, source: str = "polygon layer", repair: bool = True):
        if repair:
            self.polygons, self.repaired = repair_polygons(polygons, lonlat=lonlat, source=source)
        else:
            self.polygons = np.asarray(polygons, dtype=object)
            self.repaired = np.zeros(0, dtype=np.int64)
        self.max_vertices = max_vertices
        self._pieces: tuple[NDArray, NDArray, shapely.STRtree] | None = None
        shapely.prepare(self.polygons)
        self._build_grid(max(1, int(grid_cells)))

    def _build_grid(self, cells: int) -> None:
        """Classify the grid's cells (see the class docstring) and list, per cell that
        needs the exact test, the polygons to test (a CSR table: cell -> polygons)."""
        n_poly = len(self.polygons)
        ax, ay, bx, by, owner, turn = _segments(self.polygons)
        if not len(ax):
            self.grid = (0.0, 0.0, 1.0, 1, 1, np.full(1, -1, dtype=np.int32))
            self.cell_start = self.cell_count = np.zeros(1, dtype=np.int64)
            self.cell_polygons = np.zeros(0, dtype=np.int64)
            return
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.polygons)
        size = max(xmax - xmin, ymax - ymin) / cells or 1.0
        nx = int((xmax - xmin) / size) + 1
        ny = int((ymax - ymin) / size) + 1
        n_cell = nx * ny
        # Half a cell at most in x and in y: a part then meets at most 2 x 2 cells and
        # crosses at most one row's line.
        ax, ay, bx, by, owner, turn = _split_segments(ax, ay, bx, by, size / 2, owner, turn)
        # Cells each part's bounding box meets, widened by a millionth of a cell so that
        # a point rounded into a neighbouring cell (locate divides differently) is still
        # only ever looked up in a cell that the boundary provably misses.
        eps = 1e-6
        # Coordinates in cells from the grid's corner (the crossings below, too).
        ua, ub = (ax - xmin) / size, (bx - xmin) / size
        va, vb = (ay - ymin) / size, (by - ymin) / size

        def cell_range(a, b, n):
            lo = np.floor(np.minimum(a, b) - eps).astype(np.int64)
            hi = np.floor(np.maximum(a, b) + eps).astype(np.int64)
            return np.clip(lo, 0, n - 1, out=lo), np.clip(hi, 0, n - 1, out=hi)

        x0, x1 = cell_range(ua, ub, nx)
        y0, y1 = cell_range(va, vb, ny)
        met = [y0 * nx + x0, y0 * nx + x1, y1 * nx + x0, y1 * nx + x1]
        touched = np.zeros(n_cell, dtype=bool)
        for m in met:
            touched[m] = True
        # Row k's line is k + 0.5 cells up. A part crossing it (half-open in y, so a
        # vertex on the line counts once) adds its winding and its owner to every cell
        # whose centre lies to the right of the crossing.
        upper = np.floor(np.maximum(va, vb) - 0.5).astype(np.int64)
        flat_l, wind_l, own_l = [], [], []
        for k in (upper, upper + 1):  # rounding may put the one line crossed in either
            yl = k + 0.5
            c = np.flatnonzero(((va > yl) != (vb > yl)) & (k >= 0) & (k < ny))
            xc = ua[c] + (yl[c] - va[c]) * (ub[c] - ua[c]) / (vb[c] - va[c])
            i = np.floor(xc - 0.5).astype(np.int64) + 1
            keep = i < nx
            c, i = c[keep], np.maximum(i[keep], 0)
            flat_l.append(k[c] * nx + i)
            # A counter-clockwise shell has its points to the right of where it goes down.
            wind_l.append(np.where(vb[c] > va[c], -1, 1) * turn[c])
            own_l.append(owner[c])
        flat, wind, own = np.concatenate(flat_l), np.concatenate(wind_l), np.concatenate(own_l)
        winding = np.bincount(flat, weights=wind, minlength=n_cell).astype(np.int32)
        winding = np.cumsum(winding.reshape(ny, nx), axis=1, dtype=np.int32).ravel()
        xor = np.zeros(n_cell, dtype=np.int64)
        if len(flat):
            order = np.argsort(flat, kind="stable")
            flat, own = flat[order], own[order]
            first = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]]))
            xor[flat[first]] = np.bitwise_xor.reduceat(own, first)
        xor = np.bitwise_xor.accumulate(xor.reshape(ny, nx), axis=1).ravel()
        # A cell no boundary meets is in the one polygon of winding 1 there (the XOR of
        # the owners names it), or in none; winding 2 or more: overlapping polygons.
        state = np.where(winding == 0, -1, np.where(winding == 1, xor, -2)).astype(np.int32)
        state[touched] = -2
        # Polygons to test per exact cell: those whose boundary meets it (most parts
        # meet one cell; consecutive parts of a ring mostly the same one) ...
        keys = [met[0] * n_poly + owner]
        for m, extra in ((met[1], x1 != x0), (met[2], y1 != y0), (met[3], (x1 != x0) & (y1 != y0))):
            keys.append(m[extra] * n_poly + owner[extra])
        keys = [k[np.concatenate([[True], k[1:] != k[:-1]])] for k in keys]
        # ... and the one it lies in, if the line through it says which ...
        one = np.flatnonzero(touched & (winding == 1))
        keys.append(one * n_poly + xor[one])
        # ... or, where it does not (overlaps), every polygon whose bounding box meets it.
        unsure = np.flatnonzero((state == -2) & (winding != 0) & (winding != 1))
        if len(unsure):
            uy, ux = np.divmod(unsure, nx)
            boxes = shapely.box(xmin + ux * size, ymin + uy * size,
                                xmin + (ux + 1) * size, ymin + (uy + 1) * size)
            u_i, u_poly = shapely.STRtree(shapely.envelope(self.polygons)).query(boxes)
            keys.append(unsure[u_i] * n_poly + u_poly)
        # Sorted, duplicates dropped (np.unique hashes: several times slower here).
        keys = np.sort(np.concatenate(keys))
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        cell, self.cell_polygons = np.divmod(keys, n_poly)
        self.cell_count = np.bincount(cell, minlength=n_cell)
        self.cell_start = np.cumsum(self.cell_count) - self.cell_count
        self.grid = (xmin, ymin, size, nx, ny, state)

    @property
    def pieces(self) -> NDArray:
        """The polygons cut into pieces of at most ``max_vertices`` vertices (for
        distances: a point's distance to a polygon is its least distance to a piece).
        Built when first asked for."""
        return self._cut()[0]

    @property
    def piece_owner(self) -> NDArray[np.int64]:
        """Position in :attr:`polygons` of each of :attr:`pieces`."""
        return self._cut()[1]

    @property
    def tree(self) -> shapely.STRtree:
        """STRtree over :attr:`pieces`."""
        return self._cut()[2]

    @property
    def piece_segments(self) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
        """Every boundary segment of :attr:`pieces` as x, y of its start and end, piece by
        piece, and where each piece's segments start (len(pieces) + 1 offsets)."""
        if getattr(self, "_piece_segments", None) is None:
            pieces = self.pieces
            rings, ring_piece = shapely.get_rings(pieces, return_index=True)
            xy, ring_i = shapely.get_coordinates(rings, return_index=True)
            start = np.flatnonzero(ring_i[:-1] == ring_i[1:])
            x, y = xy[:, 0], xy[:, 1]
            seg_piece = ring_piece[ring_i[start]]
            offsets = np.searchsorted(seg_piece, np.arange(len(pieces) + 1))
            self._piece_segments = (x[start], y[start], x[start + 1], y[start + 1], offsets)
        return self._piece_segments

    def _cut(self) -> tuple[NDArray, NDArray, shapely.STRtree]:
        """Cut each polygon across its bounding box's longer side, repeatedly, until every
        piece has at most ``max_vertices`` vertices (the idea of PostGIS
        ``ST_Subdivide``). ``clip_by_rect`` is the fast rectangle clip; it may leave a
        piece not valid in GEOS's sense, which distances do not mind."""
        if self._pieces is not None:
            return self._pieces
        parts, owner = shapely.get_parts(self.polygons, return_index=True)
        done_parts: list[NDArray] = []
        done_owner: list[NDArray] = []
        while len(parts):
            small = shapely.get_num_coordinates(parts) <= self.max_vertices
            done_parts.append(parts[small])
            done_owner.append(owner[small])
            parts, owner = parts[~small], owner[~small]
            if not len(parts):
                break
            xmin, ymin, xmax, ymax = shapely.bounds(parts).T
            wide = (xmax - xmin) >= (ymax - ymin)
            xmid, ymid = (xmin + xmax) / 2, (ymin + ymax) / 2
            # The two halves, as boxes a little larger than the piece so that nothing on
            # its outer edge is clipped away.
            pad = 1.0 + 0.01 * np.maximum(xmax - xmin, ymax - ymin)
            lo = _clip(parts[wide], xmin[wide] - pad[wide], ymin[wide] - pad[wide],
                                      xmid[wide], ymax[wide] + pad[wide])
            hi = _clip(parts[wide], xmid[wide], ymin[wide] - pad[wide],
                                      xmax[wide] + pad[wide], ymax[wide] + pad[wide])
            t = ~wide
            bot = _clip(parts[t], xmin[t] - pad[t], ymin[t] - pad[t],
                                       xmax[t] + pad[t], ymid[t])
            top = _clip(parts[t], xmin[t] - pad[t], ymid[t],
                                       xmax[t] + pad[t], ymax[t] + pad[t])
            halves = np.concatenate([lo, hi, bot, top])
            owners = np.concatenate([owner[wide], owner[wide], owner[t], owner[t]])
            # Polygons only: a cut may leave slivers' lines and points beside them.
            parts, idx = _polygon_parts(halves)
            owner = owners[idx]
        pieces = np.concatenate(done_parts) if done_parts else np.zeros(0, dtype=object)
        piece_owner = (np.concatenate(done_owner) if done_owner
                       else np.zeros(0, dtype=np.int64)).astype(np.int64)
        self._pieces = (pieces, piece_owner, shapely.STRtree(pieces))
        return self._pieces

    def __len__(self) -> int:
        return len(self.polygons)

    def locate_xy(self, x, y) -> NDArray[np.int64]:
        """Index of the polygon strictly containing each point (x[i], y[i]), or -1 (NaN
        coordinates: -1). Where polygons overlap, the lowest polygon index wins (sjoin
        would return one row per match)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        gx0, gy0, size, nx, ny, state = self.grid
        fx = (x - gx0) * (1.0 / size)
        fy = (y - gy0) * (1.0 / size)
        inside = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)  # False for NaN
        cell = np.where(inside, fy.astype(np.int64) * nx + fx.astype(np.int64), 0)
        known = np.where(inside, state[cell], -1)
        result = known.astype(np.int64)
        todo = np.flatnonzero(known == -2)
        result[todo] = -1
        if not len(todo):
            return result
        # The cell's candidate polygons, then one vectorised exact test (prepared).
        c = cell[todo]
        n_cand = self.cell_count[c]
        pt = np.repeat(todo, n_cand)
        first = np.repeat(self.cell_start[c] - (np.cumsum(n_cand) - n_cand), n_cand)
        poly = self.cell_polygons[first + np.arange(len(pt))]
        hit = shapely.contains_xy(self.polygons[poly], x[pt], y[pt])
        pt, poly = pt[hit], poly[hit]
        # Lowest polygon per point: write in descending order, the last write wins.
        order = np.lexsort((-poly, pt))
        result[pt[order]] = poly[order]
        return result

    def locate(self, points) -> NDArray[np.int64]:
        """Index of the polygon strictly containing each point, or -1 (missing and
        empty points too).

        Where polygons overlap, the lowest polygon index wins (sjoin would return
        one row per match).
        """
        points = np.asarray(points, dtype=object)
        if not len(points) or not len(self.polygons):
            return np.full(len(points), -1, dtype=np.int64)
        # get_x/get_y give NaN for empty points, and locate_xy -1 for NaN.
        usable = ~shapely.is_missing(points)
        if not usable.all():
            result = np.full(len(points), -1, dtype=np.int64)
            result[usable] = self.locate(points[usable])
            return result
        return self.locate_xy(shapely.get_x(points), shapely.get_y(points))

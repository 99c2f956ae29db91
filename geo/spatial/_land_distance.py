"""Nearest polygon boundary for many points without indexing every boundary arc.

:class:`geo.spatial.nearest.FeatureIndex` puts every arc of every boundary into a
KD-tree: right for rail lines queried many times, but for ``distance_to_land`` (a
PAD-US-sized layer of millions of arcs, each asked about by a few points) building
that tree costs more than the search. Here each ring is cut into runs of consecutive
arcs, each within about ``radius_m`` of its representative, and only the runs go
into a KD-tree (of unit vectors):

- a run's *representative* is one of its own vertices, so the angle from a point to
  it bounds the point's distance to the boundary from above;
- a run's *radius* bounds the angle from the representative to any point of its
  arcs (the far corner of the run's lon/lat box; see :meth:`BoundaryRuns._radii`),
  so ``angle(point, representative) - radius`` bounds the distance to the run from
  below.

Per point: the run of the nearest representative is measured first, and its arc
nearest on the sphere measured on the ellipsoid, ``E``; spherical metres exceed
ellipsoidal ones by under ``SPHERE_SLACK``, so only runs whose lower bound is within
``theta = E (1 + SPHERE_SLACK) / R`` can hold a nearer arc, and only they are opened.
Inside a run a vertex bound, ``(angle(a) + angle(b) - length) / 2`` for arc
``a``-``b``, skips most arcs before the exact arc distance
(:class:`geo.spatial.nearest.Arcs`). As in ``FeatureIndex.query(k=1)``, the candidate
arcs are measured on the WGS 84 ellipsoid at the closest point found on the sphere,
ties going to the lower feature, after the same bound from the arc nearest on the
sphere of all has dropped those that cannot come nearer. The arcs are the same (edges
densified in lon/lat at ``densify_deg`` as there), and any arc nearer on the
ellipsoid than the answer here would have been measured, so the answer is that of
measuring every arc. ``FeatureIndex`` also cuts a layer's longest arcs into pieces,
whose feet on the sphere can come a little nearer the ellipsoidal optimum: the two
agree to 1e-5 of the distance (2 m in 256 km on PAD-US, the arc index nearer).
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.spatial._arcs import EARTH_RADIUS_M, GEOD, Arcs, arc_chord_lower, ecef, lonlat, unit_vectors
from geo.spatial._kdtree import KDTree

SPHERE_SLACK = 0.0068
"""Largest relative difference between a spherical distance (geodetic latitudes on
a sphere of the mean radius) and the WGS 84 geodesic, with margin (the ellipsoid's
meridian and prime-vertical radii differ from the mean radius by under 0.34 %). The
nearest-feature index bounds distances in ECEF metres instead; this search keeps the
spherical bound, proved for it in the docstrings below."""

KEEP = (1.0 + SPHERE_SLACK) ** 2
"""Arcs beyond this factor of a point's best spherical angle (or of its nearest vertex)
are dropped unmeasured on the ellipsoid. Spherical and ellipsoidal metres differ by
under SPHERE_SLACK, so such an arc is at least ``S_best R (1 + SPHERE_SLACK)`` away on
the ellipsoid, which the best arc is not beyond. (``FeatureIndex.query(k=1)`` keeps the
arcs up to ``best * KEEP`` it has found; it measures no arc that is dropped here.)"""

EPS = 1e-12
"""Angle (radians, ~6 micrometres) added to every bound against rounding."""

CHUNK_ARCS = 1_000_000
"""Point-arc pairs measured at once (a few hundred bytes each)."""

CHUNK_VERTICES = 1_000_000
"""Vertices converted to unit vectors at once (bounds the temporaries)."""

CONVERT_ALL_MAX = 10_000_000
"""Largest layer (vertices) held as unit vectors (24 bytes each) when a search would
convert more vertices than that one at a time."""


def _chord_angle(chord: NDArray) -> NDArray:
    """Angle (radians) on the unit sphere of a chord length."""
    return 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))


def _angle_to_chord(angle: NDArray) -> NDArray:
    return 2.0 * np.sin(np.minimum(angle, np.pi) / 2.0)


def _rings(geometries) -> tuple[NDArray, NDArray, NDArray]:
    """Vertices (lon, lat) of every polygon ring, ring by ring: ``coords``,
    ``start`` (ring ``r`` is ``coords[start[r]:start[r + 1]]``) and the feature of each
    ring. A polygon without holes is its exterior ring, so only multi-part polygons and
    polygons with holes are split into rings (splitting is slow in shapely)."""
    geoms = np.asarray(geometries, dtype=object)
    kinds = shapely.get_type_id(geoms)  # -1 for None; an empty polygon has no vertices
    simple = (kinds == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    parts = [geoms[simple]]
    owner = [np.flatnonzero(simple)]
    rest = np.flatnonzero(~simple & (kinds >= 0))
    if len(rest):
        polys, of = shapely.get_parts(geoms[rest], return_index=True)
        rings, ring_of = shapely.get_rings(polys, return_index=True)
        parts.append(rings)
        owner.append(rest[of[ring_of]])
    ring_geoms, feature = np.concatenate(parts), np.concatenate(owner)
    size = shapely.get_num_coordinates(ring_geoms)
    start = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    return shapely.get_coordinates(ring_geoms), start, feature


def _densify(x: NDArray, y: NDArray, start: NDArray, densify_deg: float) -> tuple[NDArray, NDArray, NDArray]:
    """Cut edges longer than ``densify_deg`` in lon or lat into equal pieces in lon/lat,
    as ``FeatureIndex`` does, so the arcs are the same. Columns in, columns out (masked
    copies of one column are many times faster than of (n, 2) rows)."""
    n = len(x)
    if n < 2:
        return x, y, start
    span = np.abs(np.diff(x))
    np.maximum(span, np.abs(np.diff(y)), out=span)
    cross = start[1:-1][(start[1:-1] >= 1) & (start[1:-1] < n)] - 1
    span[cross] = 0.0  # no edge from one ring's last vertex to the next ring
    long = np.flatnonzero(span > densify_deg)
    if not len(long):
        return x, y, start
    # Only the long edges get new vertices: ``extra[k]`` after vertex ``long[k]``, at
    # t = step / pieces along the edge; every other vertex moves up by the extras before it.
    pieces = np.ceil(span[long] / densify_deg).astype(np.int64)
    del span
    extra = pieces - 1
    shift = np.concatenate([[0], np.cumsum(extra)])
    edge = np.repeat(np.arange(len(long)), extra)
    step = np.arange(1, len(edge) + 1) - np.repeat(shift[:-1], extra)
    new = long[edge] + shift[edge] + step
    kept = np.ones(n + int(shift[-1]), bool)
    kept[new] = False
    e0 = long[edge]
    t = step / pieces[edge]
    out = []
    for col in (x, y):
        c = np.empty(len(kept))
        c[kept] = col
        c[new] = col[e0] + t * (col[e0 + 1] - col[e0])
        out.append(c)
    return out[0], out[1], start + shift[np.searchsorted(long, start)]


class BoundaryRuns:
    """Polygon boundaries (lon/lat degrees, EPSG:4326) as runs of great-circle arcs,
    for nearest-boundary searches in geodesic metres.

    Parameters
    ----------
    geometries:
        Shapely polygons or multi-polygons in lon/lat.
    densify_deg:
        Edges longer than this (degrees) are cut before being treated as
        great-circle arcs (as in :class:`geo.spatial.nearest.FeatureIndex`).
    radius_m:
        Rings are halved until each run lies within about this many metres of its
        representative: smaller runs make a bigger tree but fewer runs to open.
    """

    def __init__(self, geometries, densify_deg: float = 0.02, radius_m: float = 3_000.0):
        coords, start, ring_feature = _rings(geometries)
        # Contiguous columns: reduceat over a strided column is many times slower.
        x, y = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
        del coords
        self.x, self.y, start = _densify(x, y, start, densify_deg)
        del x, y
        # Every ring with an arc starts as one run, vertices first .. last; a run wider
        # than radius_m is cut into about radius / radius_m runs of equal vertex counts.
        has = np.flatnonzero(np.diff(start) > 1)
        first, last, feature = start[:-1][has], start[1:][has] - 1, ring_feature[has]
        done_l: list[tuple[NDArray, ...]] = []
        cap = radius_m / EARTH_RADIUS_M
        while len(first):
            rep = (first + last) // 2
            radius = self._radii(first, last, rep)
            cut = (radius > cap) & (last - first > 1)
            ok = ~cut
            done_l.append((first[ok], last[ok], feature[ok], rep[ok], radius[ok]))
            f, n_arcs = first[cut], last[cut] - first[cut]
            m = np.clip(np.ceil(radius[cut] / cap), 2, n_arcs).astype(np.int64)
            k = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)
            feature = np.repeat(feature[cut], m)
            f, n_arcs, m = np.repeat(f, m), np.repeat(n_arcs, m), np.repeat(m, m)
            first, last = f + k * n_arcs // m, f + (k + 1) * n_arcs // m  # still in order
        parts = [np.concatenate(x) for x in zip(*done_l, strict=True)]
        if not done_l:
            parts = [np.zeros(0, np.int64)] * 4 + [np.zeros(0)]
        self.first, self.last, self.feature, self.rep, self.radius = parts
        self.widest = float(self.radius.max()) if len(self.radius) else 0.0
        rep_v = unit_vectors(self.x[self.rep], self.y[self.rep])
        self.tree = KDTree(rep_v.reshape(-1, 3))
        self._v: NDArray | None = None  # every vertex as a unit vector, once worth it

    def _vectors(self, vert: NDArray) -> NDArray:
        """Unit vectors of vertices: converted as asked, or gathered once every vertex
        has been converted (:meth:`nearest` does that when a search would convert more
        vertices than the layer has)."""
        if self._v is not None:
            return self._v[vert]
        return unit_vectors(self.x[vert], self.y[vert])

    def _convert_all(self) -> None:
        if self._v is None:
            n = len(self.x)
            self._v = np.empty((n, 3))
            for s in range(0, n, CHUNK_VERTICES):
                e = min(s + CHUNK_VERTICES, n)
                self._v[s:e] = unit_vectors(self.x[s:e], self.y[s:e])

    def _radii(self, first: NDArray, last: NDArray, rep: NDArray) -> NDArray:
        """Per run (vertices ``first`` .. ``last``), an angle from its representative
        (vertex ``rep``) that holds all its arcs.

        The run's vertices lie in their lon/lat box. Along a parallel the angle from a
        point grows with the longitude difference (up to 180 degrees), and a meridian
        segment is a great-circle arc, along which the angle from a point away from its
        antipode is largest at an end: so for a box under 90 degrees wide and tall the
        farthest point of the box from the representative (inside it) is a corner. A cap
        under 90 degrees holds the minor arc between any two of its points, so a cap
        through the farthest corner holds every arc of the run.

        The corner is found with the haversine, ``hav = sin^2(dlat / 2) + cos(lat_r)
        cos(lat) sin^2(dlon / 2)``: at either latitude of the box the larger longitude
        difference is the farther, so two latitudes and one longitude term suffice.
        """
        if not len(first):
            return np.zeros(0)
        box = []
        size = last - first + 1
        if size.sum() < len(self.x) // 2:  # few runs: gather their vertices, then reduce
            off = np.cumsum(size) - size
            vert = np.repeat(first - off, size) + np.arange(int(size.sum()))
            for col in (self.x, self.y):
                c = col[vert]
                box += [np.minimum.reduceat(c, off), np.maximum.reduceat(c, off)]
        else:  # reduceat over (first, last + 1) pairs (in order): the even results
            at = np.stack([first, last + 1], axis=1).ravel()
            at = at[:-1] if at[-1] >= len(self.x) else at
            for col in (self.x, self.y):
                box += [np.minimum.reduceat(col, at)[::2], np.maximum.reduceat(col, at)[::2]]
        x0, x1, y0, y1 = box
        lon_r, lat_r = np.radians(self.x[rep]), np.radians(self.y[rep])
        dlon = np.maximum(np.abs(np.radians(x0) - lon_r), np.abs(np.radians(x1) - lon_r))
        s_lon = np.sin(dlon / 2) ** 2 * np.cos(lat_r)
        hav = np.zeros(len(x0))
        for lat in (np.radians(y0), np.radians(y1)):
            hav = np.maximum(hav, np.sin((lat - lat_r) / 2) ** 2 + s_lon * np.cos(lat))
        r = 2.0 * np.arcsin(np.minimum(np.sqrt(hav), 1.0)) + EPS
        small = (x1 - x0 < 90) & (y1 - y0 < 90) & (r < np.pi / 2)
        return np.where(small, r, np.pi)  # a run that big never prunes

    def _candidate_runs(self, p: NDArray, theta: NDArray, start_k: int = 16) -> tuple[NDArray, NDArray]:
        """The (point, run) pairs whose run may hold an arc within ``theta`` (angle, per
        point) of the point.

        A run's arcs lie within its radius of its representative, so every such run is
        among the representatives within ``theta + widest``: they are fetched nearest
        first, ``K`` at a time, until the ``K``-th is beyond that (else the point is
        asked again with ``4K``); of those, runs with ``angle - radius > theta`` are
        dropped."""
        n_runs = len(self.rep)
        reach = theta + self.widest
        rows_l, runs_l = [], []
        # Points in order of reach, in chunks: each chunk's search stops at its own
        # largest reach (a few far points do not widen everyone's search).
        todo, kk = np.argsort(reach, kind="stable"), min(start_k, n_runs)
        while len(todo):
            later = []
            n_chunks = min(len(todo), max(8, len(todo) * kk // CHUNK_ARCS))
            for sel in np.array_split(todo, n_chunks):
                bound = float(_angle_to_chord(reach[sel].max())) * (1 + 1e-9)
                d, c = self.tree.query(p[sel], k=kk, distance_upper_bound=bound)
                d, c = d.reshape(len(sel), -1), c.reshape(len(sel), -1)
                ang = _chord_angle(np.minimum(d, 2.0))
                done = (kk >= n_runs) | (ang[:, -1] > reach[sel])
                later.append(sel[~done])
                keep = (c < n_runs) & done[:, None]
                keep[keep] = ang[keep] - self.radius[c[keep]] <= theta[sel][np.nonzero(keep)[0]] + EPS
                rows_l.append(np.broadcast_to(sel[:, None], keep.shape)[keep])
                runs_l.append(c[keep])
            todo, kk = np.concatenate(later), min(kk * 4, n_runs)
        return np.concatenate(rows_l), np.concatenate(runs_l)

    def _measure(self, p: NDArray, rows: NDArray, runs: NDArray, limit: float):
        """For (point, run) pairs grouped by point, the arcs whose spherical angle is
        within KEEP of the point's best (and within ``limit``): their points, runs and
        end points (unit vectors), with the closest point on each.

        Each vertex is converted once per pair, and its angle from the point taken. The
        nearest vertex bounds the best arc from above; an arc ``a``-``b`` of length
        ``L`` is at least ``(angle(a) + angle(b) - L) / 2`` away (triangle inequality),
        so only arcs with that under the bound times KEEP are measured in full."""
        size = self.last[runs] - self.first[runs]  # arcs; vertices are size + 1
        nv = size + 1
        off = np.cumsum(nv) - nv
        vert = np.repeat(self.first[runs] - off, nv) + np.arange(int(nv.sum()))
        r_vert = np.repeat(rows, nv)
        v = self._vectors(vert)
        gap = v - p[r_vert]
        alpha = _chord_angle(np.sqrt(np.einsum("ij,ij->i", gap, gap)))
        # Each point's vertices are contiguous: the nearest of them, spread back.
        heads = off[np.flatnonzero(np.diff(rows, prepend=-1))]
        upper = np.repeat(np.minimum.reduceat(alpha, heads), np.diff(heads, append=len(alpha)))
        # The arc from vertex i to i + 1 (not across two runs): lower bound, then filter.
        gap = v[1:] - v[:-1]
        lower = (alpha[:-1] + alpha[1:] - _chord_angle(np.sqrt(np.einsum("ij,ij->i", gap, gap)))) / 2
        del gap
        worth = lower <= np.minimum(upper[:-1] * KEEP, limit) + EPS
        worth[(off + size)[:-1]] = False  # a run's last vertex starts no arc
        ia = np.flatnonzero(worth)
        pt = r_vert[ia]
        a, b = v[ia], v[ia + 1]
        ang = Arcs(a, b).distance(p[pt], np.arange(len(ia)))[0]
        heads = np.flatnonzero(np.diff(pt, prepend=-1))
        best = np.repeat(np.minimum.reduceat(ang, heads), np.diff(heads, append=len(ang)))
        keep = np.flatnonzero((ang <= best * KEEP + EPS) & (ang <= limit))
        run_of = runs[np.searchsorted(off, ia[keep], side="right") - 1]
        return pt[keep], run_of, ang[keep], a[keep], b[keep]

    def _measure_all(self, p: NDArray, rows: NDArray, runs: NDArray, limit: float) -> list[NDArray]:
        """:meth:`_measure` in chunks of whole points, about CHUNK_ARCS vertices each."""
        size = self.last[runs] - self.first[runs] + 1
        csize = np.concatenate([[0], np.cumsum(size)])
        group = np.r_[np.flatnonzero(np.diff(rows, prepend=-1)), len(rows)]
        parts = []
        lo = 0
        while lo < len(runs):
            hi = len(runs)
            if csize[-1] - csize[lo] > CHUNK_ARCS:
                hi = int(group[np.searchsorted(csize[group], csize[lo] + CHUNK_ARCS)].clip(lo + 1))
                hi = int(group[np.searchsorted(group, hi)])
            parts.append(self._measure(p, rows[lo:hi], runs[lo:hi], limit))
            lo = hi
        if not parts:
            return [np.zeros(0, np.int64)] * 2 + [np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3))]
        return [np.concatenate(x) for x in zip(*parts, strict=True)]

    @staticmethod
    def _ellipsoid_bound(lon, lat, p, pt, run_of, ang, a, b) -> NDArray:
        """Per point, geodesic metres to the closest point of its arc nearest on the
        sphere (among arcs ``a``-``b`` of points ``pt``): an upper bound on the answer
        (inf for points without arcs)."""
        star = np.lexsort((ang, pt))
        star = star[np.diff(pt[star], prepend=-1) != 0]
        clon, clat = lonlat(Arcs(a[star], b[star]).closest(p[pt[star]], np.arange(len(star))))
        out = np.full(len(lon), np.inf)
        out[pt[star]] = GEOD.inv(lon[pt[star]], lat[pt[star]], clon, clat)[2]
        return out

    def nearest(self, lon: NDArray, lat: NDArray, max_distance_m: float | None = None):
        """The nearest boundary of each point (lon/lat degrees): ``(point, feature,
        distance_m)``, one row per point with a boundary within ``max_distance_m``;
        distances in WGS 84 geodesic metres. Ties go to the lower feature number."""
        lon, lat = np.asarray(lon, "f8"), np.asarray(lat, "f8")
        n = len(lon)
        if not n or not len(self.rep):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        limit = np.inf if max_distance_m is None else max_distance_m / EARTH_RADIUS_M * (1 + SPHERE_SLACK)
        p = unit_vectors(lon, lat)
        # First the run of each point's nearest representative (a boundary vertex, so its
        # angle bounds the best arc). Its arc nearest on the sphere, measured on the
        # ellipsoid, bounds the answer, E. Spherical metres are at most SPHERE_SLACK over
        # ellipsoidal ones, so an arc that could be nearer than E is within
        # E * (1 + SPHERE_SLACK) / R on the sphere: only runs that may hold one are then
        # fetched and measured.
        _, j1 = self.tree.query(p, k=1)
        near = self._measure_all(p, np.arange(n), j1, limit)
        reach = (1 + SPHERE_SLACK) / EARTH_RADIUS_M * (1 + 1e-9)
        theta = np.minimum(self._ellipsoid_bound(lon, lat, p, *near) * reach + EPS, limit)
        rows, runs = self._candidate_runs(p, theta)
        other = runs != j1[rows]
        # Far from dense boundaries many long runs are opened: convert the layer once
        # (unless it is too big to hold as vectors).
        asked = int((self.last[runs[other]] - self.first[runs[other]] + 1).sum())
        if len(self.x) < asked and len(self.x) <= CONVERT_ALL_MAX:
            self._convert_all()
        rest = self._measure_all(p, rows[other], runs[other], limit)
        pt, run_of, ang, a, b = (np.concatenate(x) for x in zip(near, rest, strict=True))
        # The same bound from the arc nearest on the sphere of all: arcs that cannot come
        # nearer than it on the ellipsoid are not measured there.
        bound = self._ellipsoid_bound(lon, lat, p, pt, run_of, ang, a, b)
        keep = (ang * (EARTH_RADIUS_M / (1 + SPHERE_SLACK)) <= bound[pt] * (1 + 1e-9) + 1e-6) & (ang <= limit)
        pt, run_of, a, b = pt[keep], run_of[keep], a[keep], b[keep]
        # Far from the layer that band is wide (0.7 % of 1,000 km holds thousands of
        # PAD-US arcs); the ECEF chord to an arc, also below its geodesic, is within
        # 0.1 % of it there: the tighter of the two cuts.
        keep = arc_chord_lower(ecef(p[pt]), a, b) <= bound[pt] * (1 + 1e-9) + 1e-3
        pt, ft, a, b = pt[keep], self.feature[run_of[keep]], a[keep], b[keep]
        clon, clat = lonlat(Arcs(a, b).closest(p[pt], np.arange(len(pt))))
        dist = GEOD.inv(lon[pt], lat[pt], clon, clat)[2]
        # Per point the smallest distance, ties to the lower feature (as FeatureIndex).
        order = np.lexsort((ft, dist, pt))
        pt, ft, dist = pt[order], ft[order], dist[order]
        first = np.ones(len(pt), bool)
        first[1:] = pt[1:] != pt[:-1]
        pt, ft, dist = pt[first], ft[first], dist[first]
        if max_distance_m is not None:
            ok = dist <= max_distance_m
            pt, ft, dist = pt[ok], ft[ok], dist[ok]
        return pt, ft, dist

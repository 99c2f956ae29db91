"""Nearest features in metres, anywhere on Earth.

Sites are compared with infrastructure (rail lines, power lines, ports, smelters)
and with federal-land boundaries. A single projected CRS cannot do that for the
whole world (and a projected CRS in the wrong place is wrong by a lot), so the
search works on the sphere and the answer is measured on the ellipsoid:

1. Every vertex becomes a unit vector in 3-D. Line and ring edges are first
   densified in longitude/latitude (``densify_deg``), so each short piece follows
   the edge as drawn on a lon/lat map, then treated as a great-circle arc. The
   pieces' midpoints go into a KD-tree (``scipy.spatial.cKDTree``), which has no
   trouble with the antimeridian or the poles.
2. For the nearest feature (``k = 1``), the ``K`` nearest midpoints of each point
   are fetched and the exact spherical distance to each of those arcs is computed in
   closed form (numpy, no Python loop over geometries). An arc whose midpoint is at
   angle ``a`` from the point is at least ``a - h`` away, ``h`` being the largest
   half-length of any arc, so once the ``K``-th midpoint is farther than the best
   distance plus ``h`` the answer is complete. The other points, and every point
   when ``k > 1``, search runs of consecutive arcs (about 10 km of one part each,
   with a representative midpoint and a radius holding the run) nearest first: a
   run's representative bounds its feature from above, its radius bounds all its
   arcs from below, and only runs (then arcs) that could still beat their feature's
   and the ``k``-th feature's upper bounds are measured.
3. The chosen closest point on each arc is measured with ``pyproj.Geod.inv`` on the
   WGS 84 ellipsoid. Reported distances are ellipsoidal geodesic metres. The only
   approximation left is where on the arc the closest point lies (found on the
   sphere); the effect on the distance is second order, well under 0.1 %, which
   the tests check against brute-force ellipsoidal sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Geod
from scipy.spatial import cKDTree

CHUNK_PAIRS = 4_000_000
"""Point-arc pairs handled at once (bounds memory at a few hundred MB)."""

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), used only to turn search radii into angles."""

GEOD = Geod(ellps="WGS84")

SPHERE_SLACK = 0.0068
"""Largest relative difference between a spherical distance (geodetic latitudes on
a sphere of the mean radius) and the WGS 84 geodesic, with margin (the ellipsoid's
meridian and prime-vertical radii differ from the mean radius by under 0.34 %)."""


def unit_vectors(lon: NDArray, lat: NDArray) -> NDArray:
    """(n, 3) unit vectors for longitudes/latitudes in degrees."""
    lon = np.radians(np.asarray(lon, dtype="f8"))
    lat = np.radians(np.asarray(lat, dtype="f8"))
    c = np.cos(lat)
    out = np.empty((len(lon), 3))
    np.multiply(c, np.cos(lon), out=out[:, 0])
    np.multiply(c, np.sin(lon), out=out[:, 1])
    np.sin(lat, out=out[:, 2])
    return out


def lonlat(v: NDArray) -> tuple[NDArray, NDArray]:
    """Longitudes and latitudes (degrees) of (n, 3) vectors, which need not be unit."""
    lon = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    lat = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    return lon, lat


def _normalise(v: NDArray) -> NDArray:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(n == 0, 1.0, n)


def _chord(angle: NDArray | float) -> NDArray:
    """Chord length on the unit sphere for an angle in radians (capped at pi)."""
    return 2.0 * np.sin(np.minimum(angle, np.pi) / 2.0)


def _cross(u: NDArray, v: NDArray) -> NDArray:
    """Row-wise cross product (column arithmetic into one array: faster than np.cross
    or stacking columns on big arrays)."""
    out = np.empty((len(u), 3))
    out[:, 0] = u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1]
    out[:, 1] = u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2]
    out[:, 2] = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return out


def _dot(u: NDArray, v: NDArray) -> NDArray:
    return u[:, 0] * v[:, 0] + u[:, 1] * v[:, 1] + u[:, 2] * v[:, 2]


def _normals(a: NDArray, b: NDArray) -> NDArray:
    n = _cross(a, b)
    nn = np.sqrt(_dot(n, n))
    n /= np.where(nn > 1e-15, nn, np.inf)[:, None]
    return n


class Arcs:
    """Great-circle arcs ``a``-``b`` (unit vectors) and the unit normal of each arc's
    great circle (zero for a zero-length arc, which behaves as its end point).

    Normals are worked out per measured pair until the pairs asked for outnumber the
    arcs; then once for every arc (a k-nearest search measures each arc many times, a
    nearest search on a big layer only a few of them)."""

    def __init__(self, a: NDArray, b: NDArray):
        self.a, self.b = a, b
        self._n: NDArray | None = None
        self._asked = 0

    @classmethod
    def between(cls, a: NDArray, b: NDArray) -> Arcs:
        return cls(a, b)

    def __len__(self) -> int:
        return len(self.a)

    def _normal(self, j: NDArray) -> NDArray:
        if self._n is None:
            self._asked += len(j)
            if self._asked <= len(self.a):
                return _normals(self.a[j], self.b[j])
            self._n = _normals(self.a, self.b)
        return self._n[j]

    def distance(self, p: NDArray, j: NDArray) -> tuple[NDArray, NDArray]:
        """Angle (radians) from points ``p`` to arcs ``j``, row by row, and whether the
        closest point lies inside the arc (else it is the nearer end).

        With unit vectors, ``p`` projects between ``a`` and ``b`` on their great circle
        exactly when ``p.b - (p.a)(a.b) >= 0`` and ``p.a - (a.b)(p.b) >= 0``; the
        angle to the circle is then ``asin |p.n|``, ``n`` the circle's unit normal.
        """
        a, b, n = self.a[j], self.b[j], self._normal(j)
        ab = _dot(a, b)
        ap, bp = _dot(p, a), _dot(p, b)
        s = np.abs(_dot(p, n))
        has_length = n[:, 0] ** 2 + n[:, 1] ** 2 + n[:, 2] ** 2 > 0.5
        inside = (bp - ap * ab >= 0) & (ap - ab * bp >= 0) & has_length
        near_end = np.maximum(ap, bp)  # cosine of the angle to the nearer end
        ends = 2.0 * np.arcsin(np.minimum(np.sqrt(np.maximum(2.0 - 2.0 * near_end, 0.0)) / 2.0, 1.0))
        return np.where(inside, np.arcsin(np.minimum(s, 1.0)), ends), inside

    def closest(self, p: NDArray, j: NDArray) -> NDArray:
        """The closest point (unit vector) on arcs ``j`` to points ``p``."""
        _, inside = self.distance(p, j)
        a, b, n = self.a[j], self.b[j], self._normal(j)
        foot = _normalise(p - _dot(p, n)[:, None] * n)
        end = np.where((_dot(p, a) >= _dot(p, b))[:, None], a, b)
        return np.where(inside[:, None], foot, end)


@dataclass
class Nearest:
    """Answer of a nearest-feature search: one row per (point, rank)."""

    point: NDArray  # index into the query points
    rank: NDArray  # 0 = nearest
    feature: NDArray  # index into the features
    distance_m: NDArray  # ellipsoidal geodesic metres
    lon: NDArray  # closest location on the feature
    lat: NDArray

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "point": self.point,
                "rank": self.rank,
                "feature": self.feature,
                "distance_m": self.distance_m,
                "near_lon": self.lon,
                "near_lat": self.lat,
            }
        )


@dataclass
class _Clusters:
    """Runs of consecutive arcs of one part: a KD-tree of each run's representative
    midpoint, its feature, its radius (angle within which all its arcs lie), and the
    arcs of run ``c`` as ``arcs[start[c]:start[c + 1]]``."""

    tree: cKDTree
    feature: NDArray
    radius: NDArray
    start: NDArray
    arcs: NDArray


def _bound_of(bound: NDArray, members: NDArray, n: int) -> NDArray:
    """``bound`` (one per member point) spread to all ``n`` points (inf elsewhere)."""
    out = np.full(n, np.inf)
    out[members] = bound
    return out


def _lonlat_arrays(points) -> tuple[NDArray, NDArray]:
    geoms = np.asarray(points, dtype=object)
    return shapely.get_x(geoms), shapely.get_y(geoms)


class FeatureIndex:
    """Spherical index over line, polygon-boundary or point features (lon/lat degrees).

    Parameters
    ----------
    geometries:
        Shapely geometries in longitude/latitude (EPSG:4326 axis order x=lon).
        Polygons are indexed by their boundary (the distance from outside a
        polygon to it); see :func:`geo.federal.distance_to_land` for "inside is 0".
    densify_deg:
        Edges longer than this (degrees) are cut before being treated as
        great-circle arcs, so the index follows the edges as drawn on a lon/lat map.
    """

    def __init__(self, geometries, densify_deg: float = 0.02):
        geoms = np.asarray(geometries, dtype=object)
        self.n_features = len(geoms)
        kinds = shapely.get_type_id(geoms)
        polys = np.isin(kinds, (3, 6))
        if polys.any():
            geoms = geoms.copy()
            geoms[polys] = shapely.boundary(geoms[polys])
        # Split multi-part geometries (and polygon boundaries with holes) into parts,
        # so no edge joins the end of one part to the start of the next.
        multi = shapely.get_num_geometries(geoms) > 1
        if multi.any():
            parts, owner = shapely.get_parts(geoms, return_index=True)
        else:
            parts, owner = geoms, np.arange(len(geoms))
        coords, part_of = shapely.get_coordinates(parts, return_index=True)
        self._part = part_of  # per arc (set below): clusters never join two parts
        self.is_points = bool(len(parts)) and bool(np.all(np.isin(shapely.get_type_id(parts), (0, 4))))
        if self.is_points:
            v = unit_vectors(coords[:, 0], coords[:, 1])
            a = b = v
            self.feature = owner[part_of]
            self._part = np.arange(len(v))
        else:
            same = part_of[:-1] == part_of[1:]
            x0, y0 = coords[:-1][same].T
            x1, y1 = coords[1:][same].T
            self.feature = owner[part_of[:-1][same]]
            self._part = part_of[:-1][same]
            # Densify long edges in lon/lat: each piece then follows the edge as drawn.
            pieces = np.maximum(np.ceil(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0)) / densify_deg), 1)
            pieces = pieces.astype(np.int64)
            if (pieces > 1).any():
                edge = np.repeat(np.arange(len(x0)), pieces)
                step = np.arange(len(edge)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
                t0 = step / pieces[edge]
                t1 = (step + 1) / pieces[edge]
                dx, dy = x1 - x0, y1 - y0
                x0, y0, x1, y1 = (
                    x0[edge] + t0 * dx[edge],
                    y0[edge] + t0 * dy[edge],
                    x0[edge] + t1 * dx[edge],
                    y0[edge] + t1 * dy[edge],
                )
                self.feature = self.feature[edge]
                self._part = self._part[edge]
                a = unit_vectors(x0, y0)
                b = unit_vectors(x1, y1)
            else:  # each vertex converted once, then shared by the arcs on either side
                v = unit_vectors(coords[:, 0], coords[:, 1])
                a, b = v[:-1][same], v[1:][same]
        mid = a + b
        norm = np.linalg.norm(mid, axis=1, keepdims=True)
        # An arc between antipodes has no midpoint; its first end stands in.
        mid = np.where(norm > 1e-12, mid / np.where(norm == 0, 1.0, norm), a)
        # Half the longest arc's angle, from its chord (one arcsin, not one per arc).
        d = a - b
        self._chord2 = d[:, 0] ** 2 + d[:, 1] ** 2 + d[:, 2] ** 2
        self._half_arc = np.arcsin(np.minimum(np.sqrt(self._chord2) / 2.0, 1.0))
        self.half = float(np.arcsin(min(np.sqrt(self._chord2.max()) / 2.0, 1.0))) if len(mid) else 0.0
        self.mids = mid
        self._clusters: _Clusters | None = None
        self.arcs = Arcs.between(a, b)
        # Unbalanced, uncompacted trees build several times faster and query about as fast.
        self.tree = cKDTree(mid, balanced_tree=False, compact_nodes=False)

    @property
    def n_segments(self) -> int:
        return len(self.arcs)

    def _per_feature(self, rows: NDArray, feature: NDArray, ang: NDArray, n: int, k: int):
        """Per candidate pair, its (point, feature) group and that group's best angle;
        per point, the k-th best feature angle (inf when fewer than k features)."""
        if k == 1:
            # The nearest feature only: the point's best arc bounds everything, and an arc
            # within slack of it is kept whatever its feature (a superset, settled later
            # on the ellipsoid), so no grouping by feature is needed.
            kth = np.full(n, np.inf)
            np.minimum.at(kth, rows, ang)
            return kth[rows] * (1 + SPHERE_SLACK), kth
        width = self.n_features + 1
        codes, uniq = pd.factorize(rows.astype(np.int64) * width + feature)
        best = np.full(len(uniq), np.inf)
        np.minimum.at(best, codes, ang)
        pair_row = uniq // width
        kth = np.full(n, np.inf)
        order = np.lexsort((best, pair_row))
        r1, b1 = pair_row[order], best[order]
        rank = np.arange(len(r1)) - np.searchsorted(r1, np.arange(n))[r1]
        kth[r1[rank == k - 1]] = b1[rank == k - 1]
        return best[codes], kth

    def _reduce(
        self,
        p: NDArray,
        rows: NDArray,
        flat: NDArray,
        n: int,
        k: int,
        limit: float,
        ang: NDArray | None = None,
    ):
        """Arc distances for candidate pairs (holding every candidate of their points),
        cut to the pairs worth measuring on the ellipsoid: arcs within SPHERE_SLACK of
        their feature's best, for features within SPHERE_SLACK of the k-th best (the
        sphere and the ellipsoid can disagree by that much)."""
        if ang is None:
            ang = self.arcs.distance(p[rows], flat)[0]
        best, kth = self._per_feature(rows, self.feature[flat], ang, n, k)
        slack = 1 + SPHERE_SLACK
        keep = (ang <= best * slack + 1e-12) & (best <= kth[rows] * slack + 1e-12) & (ang <= limit)
        return rows[keep], flat[keep]

    def _cluster_index(self, spacing_m: float = 10_000.0) -> _Clusters:
        """Arcs grouped in runs along each part, about ``spacing_m`` long, each run
        with a representative midpoint and a radius that holds all its arcs."""
        if self._clusters is None:
            order = np.argsort(self._part, kind="stable")  # arcs in drawing order, by part
            part = self._part[order]
            n_parts = int(part.max()) + 1
            rank = np.arange(len(part)) - np.searchsorted(part, np.arange(n_parts))[part]
            n_arcs = np.bincount(part, minlength=n_parts)
            arc = 2.0 * np.arcsin(np.minimum(np.sqrt(self._chord2[order]) / 2.0, 1.0))
            length = np.bincount(part, weights=arc, minlength=n_parts)
            stride = np.maximum(np.ceil(n_arcs / (np.ceil(length * EARTH_RADIUS_M / spacing_m) + 1)), 1)
            stride = stride.astype(np.int64)
            per_part = -(-n_arcs // stride)
            cluster = (np.cumsum(per_part) - per_part)[part] + rank // stride[part]
            start = np.searchsorted(cluster, np.arange(int(per_part.sum()) + 1))
            size = np.diff(start)
            rep = order[start[:-1] + size // 2]  # the middle arc stands for its run
            gap = self.mids[order] - self.mids[rep][cluster]
            reach = 2.0 * np.arcsin(np.minimum(np.sqrt(_dot(gap, gap)) / 2.0, 1.0)) + arc / 2.0
            radius = np.maximum.reduceat(reach, start[:-1]) if len(size) else np.zeros(0)
            self._clusters = _Clusters(cKDTree(self.mids[rep]), self.feature[rep], radius,
                                       start, order)
        return self._clusters

    def _candidates(self, p: NDArray, members: NDArray, bound: NDArray, k: int, limit: float):
        """Arcs that may hold one of the ``k`` nearest features of each member point,
        given ``bound`` (angle) on its k-th feature distance.

        Runs of arcs (:meth:`_cluster_index`) are fetched nearest first, ``K`` at a
        time: a run's representative bounds its feature's distance from above, and the
        run's radius bounds every arc in it from below. A point is complete once its
        ``K``-th run is farther than its k-th feature's upper bound plus the largest
        radius; the others are asked again with ``4K``. Only runs whose nearest possible
        arc could beat both their feature's and the k-th feature's upper bounds are
        opened, and their arcs measured (:meth:`_reduce`).
        """
        cl = self._cluster_index()
        slack = 1 + SPHERE_SLACK
        n_cl = len(cl.radius)
        widest = float(cl.radius.max())
        cap_all = _bound_of(np.minimum(bound, limit), members, len(p))
        rows_l, flat_l = [], []
        todo, kk = members, min(16 * k, n_cl)
        while len(todo):
            later = []
            for sel in np.array_split(todo, max(1, len(todo) * kk // CHUNK_PAIRS)):
                reach = _chord(np.minimum(cap_all[sel], np.pi) + widest)
                md, c = cl.tree.query(p[sel], k=kk, distance_upper_bound=float(reach.max()), workers=-1)
                md, c = md.reshape(len(sel), -1), c.reshape(len(sel), -1)
                found = (c < n_cl) & (md <= reach[:, None])
                rows = np.repeat(sel, kk)[found.ravel()]
                cc = c[found]
                upper = 2.0 * np.arcsin(np.minimum(md[found], 2.0) / 2.0)  # the rep lies on an arc
                best, kth = self._per_feature(rows, cl.feature[cc], upper, len(p), k)
                cap = np.minimum(kth * slack, cap_all)
                last = 2.0 * np.arcsin(np.minimum(md[:, -1], 2.0) / 2.0)
                done = (kk >= n_cl) | ~found[:, -1] | (last - widest > cap[sel])
                later.append(sel[~done])
                keep = done[np.repeat(np.arange(len(sel)), kk)[found.ravel()]]
                lower = upper - cl.radius[cc]
                keep &= (lower <= best * slack + 1e-12) & (lower <= cap[rows] + 1e-12)
                rows, cc, best = rows[keep], cc[keep], best[keep]
                size = cl.start[cc + 1] - cl.start[cc]
                offset = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
                arcs = cl.arcs[np.repeat(cl.start[cc], size) + offset]
                r_arc = np.repeat(rows, size)
                # Within an opened run, an arc is measured only if its midpoint bound
                # (midpoint angle less half the arc) could beat the run's nearest
                # midpoint, its feature's bound and the k-th feature's bound.
                gap = p[r_arc] - self.mids[arcs]
                mid = 2.0 * np.arcsin(np.minimum(np.sqrt(_dot(gap, gap)) / 2.0, 1.0))
                first = np.cumsum(size) - size
                run_best = np.minimum(np.minimum.reduceat(mid, first), best) if len(first) else best
                near = (mid - self._half_arc[arcs] <= np.repeat(run_best, size) * slack + 1e-12) & \
                    (mid - self._half_arc[arcs] <= cap[r_arc] + 1e-12)
                r, f = self._reduce(p, r_arc[near], arcs[near], len(p), k, limit)
                rows_l.append(r)
                flat_l.append(f)
            todo, kk = np.concatenate(later), min(kk * 4, n_cl)
        if not rows_l:
            return np.zeros(0, int), np.zeros(0, int)
        return np.concatenate(rows_l), np.concatenate(flat_l)

    def query(self, points, k: int = 1, max_distance_m: float | None = None, start_k: int = 8) -> Nearest:
        """The ``k`` nearest distinct features of each point, within ``max_distance_m``.

        ``points`` are shapely Points in lon/lat. Points with fewer than ``k``
        features in range get fewer rows (none when nothing is in range).
        """
        lon, lat = _lonlat_arrays(points)
        p = unit_vectors(lon, lat)
        n = len(p)
        nseg = self.n_segments
        limit = np.inf if max_distance_m is None else max_distance_m / EARTH_RADIUS_M * (1 + SPHERE_SLACK)
        if not nseg or not n:
            return Nearest(*(np.zeros(0, int),) * 3, *(np.zeros(0),) * 3)
        slack = 1 + SPHERE_SLACK
        bound = np.full(n, limit)
        rows = flat = np.zeros(0, np.int64)
        pending = np.arange(n)
        if k == 1:
            # Pass 1, the nearest feature: the arcs with the nearest few midpoints. The
            # best of them bounds the answer; if the last midpoint fetched is beyond that
            # bound plus the longest half-arc, no other arc can matter and the point is
            # settled (most are). With k > 1 the nearest midpoints mostly belong to one
            # feature, so every point goes straight to the runs of arcs (pass 2).
            big_k = min(start_k, nseg)
            mid_d, j = self.tree.query(p, k=big_k, workers=-1)
            mid_d, j = mid_d.reshape(n, -1), j.reshape(n, -1)
            rows, flat = np.repeat(np.arange(n), big_k), j.ravel()
            ang = self.arcs.distance(p[rows], flat)[0]
            _, kth = self._per_feature(rows, self.feature[flat], ang, n, k)
            bound = np.minimum(kth * slack, limit)
            last = 2.0 * np.arcsin(np.minimum(mid_d[:, -1], 2.0) / 2.0)
            settled = (big_k >= nseg) | (last > bound + self.half)
            keep = settled[rows]
            rows, flat = self._reduce(p, rows[keep], flat[keep], n, k, limit, ang[keep])
            pending = np.flatnonzero(~settled)
        if len(pending):
            # Pass 2: runs of arcs, nearest first, until no farther run can matter.
            r2, f2 = self._candidates(p, pending, bound[pending], k, limit)
            rows, flat = np.concatenate([rows, r2]), np.concatenate([flat, f2])
        pt, ft, cl = rows, self.feature[flat], self.arcs.closest(p[rows], flat)
        clon, clat = lonlat(cl)
        _, _, dist = GEOD.inv(lon[pt], lat[pt], clon, clat)
        # Ellipsoidal minimum per (point, feature), then the k nearest features.
        order = np.lexsort((dist, ft, pt))
        pt, ft, dist, clon, clat = pt[order], ft[order], dist[order], clon[order], clat[order]
        first = np.ones(len(pt), bool)
        first[1:] = (pt[1:] != pt[:-1]) | (ft[1:] != ft[:-1])
        pt, ft, dist, clon, clat = pt[first], ft[first], dist[first], clon[first], clat[first]
        order = np.lexsort((dist, pt))
        pt, ft, dist, clon, clat = pt[order], ft[order], dist[order], clon[order], clat[order]
        starts = np.searchsorted(pt, np.arange(n))
        rk = np.arange(len(pt)) - starts[pt]
        keep = rk < k
        if max_distance_m is not None:
            keep &= dist <= max_distance_m
        pt, rk, ft, dist, clon, clat = (x[keep] for x in (pt, rk, ft, dist, clon, clat))
        return Nearest(pt, rk, ft, dist, clon, clat)


def nearest_distance(points, geometries, max_distance_m: float | None = None) -> NDArray:
    """Geodesic metres from each point to the nearest geometry (NaN when none in range)."""
    res = FeatureIndex(geometries).query(points, k=1, max_distance_m=max_distance_m)
    out = np.full(len(points), np.nan)
    out[res.point] = res.distance_m
    return out

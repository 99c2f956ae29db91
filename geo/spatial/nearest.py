"""Nearest features in metres, anywhere on Earth.

Sites are compared with infrastructure (rail lines, power lines, ports, smelters)
and with federal-land boundaries. A single projected CRS cannot do that for the
whole world (and a projected CRS in the wrong place is wrong by a lot), so the
search works on the sphere and the ellipsoid and the answer is measured on the
ellipsoid:

1. Every vertex becomes a unit vector in 3-D. Line and ring edges are first
   densified in longitude/latitude (``densify_deg``), so each short piece follows
   the edge as drawn on a lon/lat map, then treated as a great-circle arc. The
   closest point of an arc to a point is found on the sphere, in closed form (numpy,
   no Python loop over geometries); the answer is the WGS 84 geodesic
   (``pyproj.Geod.inv``, Karney) from the point to that closest point, least over
   the arcs of each feature.
2. The search is bounded in ECEF metres on the ellipsoid, where bounds are tight:
   the straight chord between two points is below their geodesic, and a geodesic
   (curving no more than the ellipsoid's tightest circle, radius b^2/a) is at most
   that circle's arc over the same chord (1e-5 over 100 km). An arc, as an ECEF
   curve, lies within a computed sagitta of its chord and within a radius of its
   midpoint; so does a run of up to 16 consecutive arcs of one part (about 10 km
   at most) of its centre and of the segment between its ends. k-d trees in 3-D
   (``geo.spatial._kdtree``; no trouble with the antimeridian or the poles) hold
   the midpoints and the runs' centres.
3. ``k = 1``: the arcs with the nearest few midpoints are bounded, the most
   promising measured, then those that could beat it; if no arc beyond them can
   (the last midpoint is farther than the bound plus the largest arc radius), the
   point is settled. So that a few long edges do not set that radius for everyone,
   arcs over twice the layer's 90th-percentile length are cut into pieces of their
   own great circle. A few points left are fetched wider; the rest, and all when
   ``k > 1``, search runs: the nearest runs
   bound the k-th feature from above, every run in reach is fetched (runs grouped
   by radius, so a few wide runs do not widen every search), runs and then arcs
   that cannot beat their feature's and the k-th feature's bounds are dropped, and
   the rest measured, most promising first.
4. The arithmetic runs on (3, n) columns (each coordinate contiguous), and blocks of
   neighbouring points go to threads (numpy, pykdtree and pyproj release the GIL).
5. Only pairs whose chord (lower bound) is within the best upper bound go to
   ``Geod.inv``: every pair cut is strictly farther than the answer, so answers are
   those of measuring every arc. The only approximation is where on the arc the
   closest point lies (found on the sphere); its effect on the distance is second
   order, well under 0.1 %, which the tests check against brute-force ellipsoidal
   sampling.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.spatial._arcs import (
    EARTH_RADIUS_M,
    GEOD,
    LARGEST_RADIUS_M,
    Arcs,
    _cdot,
    _cecef,
    _cgap,
    _cols,
    _cseg,
    _ecef,
    _sagitta,
    _seg_inv,
    _tol,
    _unit_cols,
    _upper,
    lonlat,
    unit_vectors,
)
from geo.spatial._kdtree import KDTree

CHUNK_POINTS = 16_384
"""Points searched at once in the runs (pass 2): small enough that a chunk's pairs stay
in cache, which matters more than the per-chunk overhead."""

RUN_START_K = 4
"""Nearest runs of each class fetched first per wanted feature (then four times as many
for the points whose last one is still in reach)."""

REACH_GROUPS = 4
"""Groups of points, by reach, queried apart in each class of runs."""

RUN_MAX_ARCS = 16
"""Arcs per run at most (runs are also at most about 10 km long)."""

RUN_CLASS_BASE_M = 50.0
RUN_CLASS_STEP = 2.0
"""Runs are searched in classes by radius: up to 100 m, 200 m, 400 m, ... (each class's
search is widened only by its own widest run)."""

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
class _Runs:
    """Runs of consecutive arcs of one part (at most ``max_arcs`` arcs, about
    ``spacing_m`` long), grouped in classes by radius, each class with a KD-tree of
    its runs' centres (ECEF metres; a run's centre is its middle arc's midpoint), so
    that a search in a class of small runs is not widened by the layer's widest run.
    The arcs of run ``c`` are ``arcs[start[c]:start[c + 1]]``."""

    tree: KDTree  # every run's centre
    sparse: NDArray  # every 8th run of each part (the first included)
    sparse_tree: KDTree
    classes: list[tuple[KDTree, NDArray, float]]  # (tree, run ids, widest radius in m)
    centre: NDArray
    radius: NDArray  # m: every point of every arc of the run lies within it of the centre
    rep_r: NDArray  # m: the same for the middle arc alone
    spine: tuple[NDArray, NDArray, NDArray]  # ECEF segment from the run's first arc's start to
    # its last arc's end: start and direction (columns) and 1 / |direction|^2
    width: NDArray  # m: every point of the run lies within it of the spine segment
    feature: NDArray
    start: NDArray
    arcs: NDArray


def _lonlat_arrays(points) -> tuple[NDArray, NDArray]:
    geoms = np.asarray(points, dtype=object)
    return shapely.get_x(geoms), shapely.get_y(geoms)


def _spatial_order(lon: NDArray, lat: NDArray) -> NDArray:
    """Points in Morton (Z-order) order of a 65,536-square lon/lat grid: neighbours
    then query the KD-trees and gather arcs one after the other (several times fewer
    cache misses than random order)."""
    def spread(v: NDArray) -> NDArray:
        v = v.astype(np.uint64)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            v = (v | (v << np.uint64(shift))) & np.uint64(mask)
        return v

    gx = np.clip((np.nan_to_num(lon) + 180.0) / 360.0 * 65535.0, 0, 65535)
    gy = np.clip((np.nan_to_num(lat) + 90.0) / 180.0 * 65535.0, 0, 65535)
    return np.argsort(spread(gx) | (spread(gy) << np.uint64(1)), kind="stable")


SPLIT_QUANTILE = 0.9
"""Arcs longer than this quantile of the layer's arc lengths are cut into pieces no
longer than it (see :func:`_split_long`)."""


def _split_long(a: NDArray, b: NDArray) -> tuple[NDArray, NDArray, NDArray | None]:
    """Arcs ``a``-``b`` (unit vectors, columns) with the longest cut into pieces of at
    most the ``SPLIT_QUANTILE`` length, and the arc each piece comes from (None if none
    was cut).

    The first pass bounds every arc not fetched by the largest arc radius, so a few long
    edges among short ones (a road layer's long straight segments) would leave most
    points unsettled. A piece ends at ``normalise((1 - t) a + t b)``, a point of the same
    great circle between the two ends, so the pieces together are the arc itself and
    every distance is unchanged."""
    d = a - b
    length = np.sqrt(_cdot(d, d))
    cap = float(np.quantile(length, SPLIT_QUANTILE)) if len(length) else 0.0
    if cap <= 0 or not (length > 2 * cap).any():
        return a, b, None
    pieces = np.where(length > 2 * cap, np.ceil(length / cap), 1).astype(np.int64)
    arc = np.repeat(np.arange(len(length)), pieces)
    step = np.arange(len(arc)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    frac = pieces[arc].astype("f8")

    def at(t: NDArray) -> NDArray:
        v = a[:, arc] * (1.0 - t) + b[:, arc] * t
        return v / np.sqrt(_cdot(v, v))

    a2, b2 = at(step / frac), at((step + 1) / frac)
    first, last = step == 0, step == pieces[arc] - 1
    a2[:, first], b2[:, last] = a[:, arc[first]], b[:, arc[last]]  # the original ends, exactly
    return a2, b2, arc


MIN_BLOCK_POINTS = 4_096
"""Fewest points a thread is given (below that the threads cost more than they save)."""

MAX_THREADS = 8
"""Most threads by default: each k-d tree query also runs its own OpenMP team
(pykdtree), so one thread per core on a big machine would oversubscribe it."""


def _thread_count(n: int, threads: int | None) -> int:
    """Threads for a search of ``n`` points (see :meth:`FeatureIndex.query`)."""
    if threads is None:
        if threading.current_thread() is not threading.main_thread():
            return 1  # a worker of someone else's pool: it already keeps the cores busy
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        threads = min(cores, MAX_THREADS)
    return max(1, min(int(threads), n // MIN_BLOCK_POINTS))


def _expand(start: NDArray, size: NDArray) -> NDArray:
    """``start[i] + 0 .. size[i] - 1`` for every i, concatenated."""
    first = np.cumsum(size) - size
    return np.repeat(start - first, size) + np.arange(int(size.sum()))


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
        self._part = part_of  # per arc (set below): runs never join two parts
        self.is_points = bool(len(parts)) and bool(np.all(np.isin(shapely.get_type_id(parts), (0, 4))))
        # Arc ends as columns (see ``_cols``) from here on.
        if self.is_points:
            a = b = _unit_cols(coords[:, 0], coords[:, 1])
            self.feature = owner[part_of]
            self._part = np.arange(a.shape[1])
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
                self.feature = self.feature[edge]
                self._part = self._part[edge]
                a = _unit_cols(x0[edge] + t0 * (x1 - x0)[edge], y0[edge] + t0 * (y1 - y0)[edge])
                # A piece ends where the next begins, but at the end of a part: there,
                # at the part's last vertex.
                last = np.r_[self._part[1:] != self._part[:-1], True]
                b = np.empty_like(a)
                b[:, :-1] = a[:, 1:]
                b[:, last] = _unit_cols(x1[edge[last]], y1[edge[last]])
            else:  # each vertex converted once, then shared by the arcs on either side
                v = _unit_cols(coords[:, 0], coords[:, 1])
                a, b = v[:, :-1][:, same], v[:, 1:][:, same]
            a, b, piece_of = _split_long(a, b)
            if piece_of is not None:
                self.feature, self._part = self.feature[piece_of], self._part[piece_of]
        mid = a + b
        norm = np.sqrt(_cdot(mid, mid))
        # An arc between antipodes has no midpoint; its first end stands in.
        mid = np.where(norm > 1e-12, mid / np.where(norm == 0, 1.0, norm), a)
        # Half of each arc's angle, from its chord.
        d = a - b
        self._half_arc = np.arcsin(np.minimum(np.sqrt(_cdot(d, d)) / 2.0, 1.0))
        # The search runs in ECEF metres on the ellipsoid: every point of an arc lies
        # within ``_r`` of its midpoint's ECEF position (the arc's angle from its
        # midpoint times the largest radius of curvature). The midpoints are rows (the
        # k-d trees take rows).
        self._emid = np.ascontiguousarray(_cecef(mid).T)
        self._r = self._half_arc * (LARGEST_RADIUS_M * (1 + 1e-12))
        self._rmax = float(self._r.max()) if len(self._r) else 0.0
        # The same arc, as a curve in ECEF, stays within ``_sag`` of the chord between
        # its ends: a unit-speed great circle carried to the ellipsoid has acceleration
        # under 1.031 a (the ellipsoid's metric factor and its first two derivatives in
        # z), and a curve strays from its chord by at most max|x''| t^2 / 8.
        self._ea = _cecef(a)
        self._ed = _cecef(b) - self._ea
        self._einv = _seg_inv(self._ed)
        self._sag = _sagitta(self._half_arc)
        self._runs: _Runs | None = None
        self._lock = threading.Lock()
        self.arcs = Arcs.of_columns(a, b)
        # Pass 1 searches the arcs' midpoints (every arc within ``_rmax`` of its own).
        self.tree = KDTree(self._emid)

    @property
    def n_segments(self) -> int:
        return len(self.arcs)

    def _per_feature(self, rows: NDArray, feature: NDArray, upper: NDArray, n: int, k: int):
        """Per candidate pair, the best upper bound of its (point, feature) group; per
        point, the k-th best feature's upper bound (inf when fewer than k features)."""
        if k == 1:
            # The nearest feature only: the point's best bound bounds every feature.
            kth = np.full(n, np.inf)
            np.minimum.at(kth, rows, upper)
            return kth[rows], kth
        width = self.n_features + 1
        codes, uniq = pd.factorize(rows.astype(np.int64) * width + feature)
        best = np.full(len(uniq), np.inf)
        np.minimum.at(best, codes, upper)
        pair_row = uniq // width
        kth = np.full(n, np.inf)
        order = np.lexsort((best, pair_row))
        r1, b1 = pair_row[order], best[order]
        rank = np.arange(len(r1)) - np.searchsorted(r1, np.arange(n))[r1]
        kth[r1[rank == k - 1]] = b1[rank == k - 1]
        return best[codes], kth

    def _closest(self, p: NDArray, xyz: NDArray, rows: NDArray, flat: NDArray) -> tuple[NDArray, NDArray]:
        """Closest points (unit vectors, columns) of arcs ``flat`` to points ``rows`` (of
        ``p`` and their ECEF positions ``xyz``, columns) and the chord (m) to each, which
        bounds that pair's geodesic from below (and :func:`_upper` of it from above)."""
        c = self.arcs.closest_cols(p[:, rows], flat)
        return c, _cgap(xyz[:, rows], _cecef(c))

    def _cut(self, rows: NDArray, flat: NDArray, c: NDArray, low: NDArray, n: int, k: int, limit: float):
        """Measured pairs cut to those that may hold a point's nearest distance to one
        of its ``k`` nearest features."""
        best, kth = self._per_feature(rows, self.feature[flat], _upper(low), n, k)
        keep = (low <= _tol(np.minimum(best, kth[rows]))) & (low <= limit)
        return rows[keep], flat[keep], c[:, keep]

    def _lower(self, xs: NDArray, flat: NDArray) -> NDArray:
        """Lower bounds (m) on the chord from points ``xs`` (ECEF, columns) to any point
        of arcs ``flat``: the distance to the arc's ECEF chord less its sagitta bound."""
        return _cseg(xs, self._ea[:, flat], self._ed[:, flat], self._einv[flat]) - self._sag[flat]

    def _run_index(self, spacing_m: float = 10_000.0, max_arcs: int = RUN_MAX_ARCS) -> _Runs:
        """Arcs grouped in runs along each part (see :class:`_Runs`), built once (the
        first thread to need them builds them; the others wait)."""
        with self._lock:
            return self._build_runs(spacing_m, max_arcs)

    def _build_runs(self, spacing_m: float, max_arcs: int) -> _Runs:
        if self._runs is None:
            # Arcs in drawing order, by part (as the layer gives them, unless a caller
            # built the arrays otherwise): then every per-arc array is used as it is.
            in_order = bool(np.all(self._part[1:] >= self._part[:-1]))
            order = np.arange(len(self._part)) if in_order else np.argsort(self._part, kind="stable")

            def by_run(v: NDArray) -> NDArray:
                return v if in_order else v[..., order]
            part = by_run(self._part)
            n_parts = int(part.max()) + 1
            rank = np.arange(len(part)) - np.searchsorted(part, np.arange(n_parts))[part]
            n_arcs = np.bincount(part, minlength=n_parts)
            length = np.bincount(part, weights=2.0 * by_run(self._half_arc), minlength=n_parts)
            stride = np.ceil(n_arcs / (np.ceil(length * EARTH_RADIUS_M / spacing_m) + 1))
            stride = np.clip(stride, 1, max_arcs).astype(np.int64)
            per_part = -(-n_arcs // stride)
            run = (np.cumsum(per_part) - per_part)[part] + rank // stride[part]
            start = np.searchsorted(run, np.arange(int(per_part.sum()) + 1))
            size = np.diff(start)
            rep = order[start[:-1] + size // 2]  # the middle arc stands for its run
            centre = self._emid[rep]
            reach = _cgap(by_run(self._emid.T), centre[run].T) + by_run(self._r)
            radius = np.maximum.reduceat(reach, start[:-1]) * (1 + 1e-12) if len(size) else np.zeros(0)
            # A run also lies within ``width`` of the segment between its ends (distance
            # to a segment is convex: along each arc's chord it peaks at an end).
            s0 = self._ea[:, order[start[:-1]]]
            s1 = self._ea[:, order[start[1:] - 1]] + self._ed[:, order[start[1:] - 1]]
            d, ea = s1 - s0, by_run(self._ea)
            inv = _seg_inv(d)
            s0r, dr, invr = s0[:, run], d[:, run], inv[run]
            dev = np.maximum(_cseg(ea, s0r, dr, invr), _cseg(ea + by_run(self._ed), s0r, dr, invr))
            dev += by_run(self._sag)
            width = np.maximum.reduceat(dev, start[:-1]) * (1 + 1e-12) + 1e-3 if len(size) else np.zeros(0)
            # Classes of runs by radius (RUN_CLASS_BASE_M, RUN_CLASS_STEP).
            cls = np.log(np.maximum(radius, RUN_CLASS_BASE_M) / RUN_CLASS_BASE_M) / np.log(RUN_CLASS_STEP)
            cls = np.floor(cls).astype(np.int64)
            # A class of under 2 % of the runs joins the next wider one (its own search
            # would cost a query per point for little): widening a few runs' reach is cheap.
            have, count = np.unique(cls, return_counts=True)
            small = count < 0.02 * len(cls)
            for c in have[small][::-1]:
                wider = have[(have > c) & ~small]
                if len(wider):
                    cls[cls == c] = wider[0]
            for c in have[small]:  # small classes with no wider one: into the next narrower
                narrower = have[(have < c) & ~small]
                if len(narrower) and (cls == c).any():
                    cls[cls == c] = narrower[-1]
            classes = []
            for c in np.unique(cls):
                ids = np.flatnonzero(cls == c)
                classes.append((KDTree(centre[ids]), ids, float(radius[ids].max())))
            part_of_run = part[start[:-1]]
            in_part = np.arange(len(size)) - np.searchsorted(part_of_run, part_of_run)
            sparse = np.flatnonzero(in_part % 8 == 0)
            self._runs = _Runs(KDTree(centre), sparse, KDTree(centre[sparse]), classes, centre, radius,
                               self._r[rep], (s0, d, inv), width, self.feature[rep], start, order)
        return self._runs

    def _nearest_runs(self, runs: _Runs, xs: NDArray, k: int, kk: int = 0):
        """Upper bounds from the ``4k`` nearest runs of points ``xs`` and the ``4k``
        nearest of the sparse runs (more of those for a point still short of ``k``
        features): per point a row of (feature, bound) sorted by bound, a feature's
        repeats set to inf (each feature appears once, with its best bound), and the
        k-th feature's bound."""
        m = len(xs)
        got = []
        if not kk:
            kk = min(4 * k, len(runs.radius))
            got.append(runs.tree.query(xs, k=kk))
            kk = min(4 * k, len(runs.sparse))
        kk = min(kk, len(runs.sparse))
        d, c = runs.sparse_tree.query(xs, k=kk)
        got.append((d, runs.sparse[c]))
        d = np.concatenate([g[0].reshape(m, -1) for g in got], axis=1)
        c = np.concatenate([g[1].reshape(m, -1) for g in got], axis=1)
        ub = _upper(d + runs.rep_r[c])
        order = np.argsort(ub, axis=1)
        ub = np.take_along_axis(ub, order, axis=1)
        fb = np.take_along_axis(runs.feature[c], order, axis=1)
        # A feature's later columns (worse bounds) are repeats: a stable sort by feature
        # keeps each feature's best column first.
        by_feature = np.argsort(fb, axis=1, kind="stable")
        sorted_fb = np.take_along_axis(fb, by_feature, axis=1)
        repeat = np.zeros(fb.shape, bool)
        repeat[:, 1:] = sorted_fb[:, 1:] == sorted_fb[:, :-1]
        again = np.empty_like(repeat)
        np.put_along_axis(again, by_feature, repeat, axis=1)
        ub[again] = np.inf
        kth = np.sort(ub, axis=1)[:, k - 1] if ub.shape[1] >= k else np.full(m, np.inf)
        few = np.flatnonzero(np.isinf(kth))
        if len(few) and kk < len(runs.sparse):
            fb2, ub2, kth[few] = self._nearest_runs(runs, xs[few], k, kk * 4)
            # Keep the row's width: the best features of the wider search.
            best = np.argsort(ub2, axis=1)[:, :ub.shape[1]]
            fb[few], ub[few] = np.take_along_axis(fb2, best, axis=1), np.take_along_axis(ub2, best, axis=1)
        return fb, ub, kth

    def _candidates(self, pc: NDArray, xyz: NDArray, xc: NDArray, members: NDArray, bound: NDArray, k: int,
                    limit: float):
        """Arcs that may hold one of the ``k`` nearest features of each member point,
        given ``bound`` (m) on its k-th feature distance, with their closest points
        (columns). The points are given as unit vectors ``pc`` (columns) and ECEF
        metres, ``xyz`` (rows, for the trees) and ``xc`` (columns).

        The nearest few runs (:meth:`_run_index`) bound the k-th feature's distance from
        above (a run's centre lies within ``rep_r`` of its middle arc). In each class of
        runs, every run whose centre is within that bound plus the class's widest
        radius is fetched (in rounds, nearest first), and only runs whose radius lets
        them beat their feature's and the k-th feature's bounds are opened. In an
        opened run, an arc is measured only if its midpoint, less the arc's radius,
        could too.
        """
        runs = self._run_index()
        rows_l, flat_l, c_l = [], [], []
        per_chunk = max(1, CHUNK_POINTS // k)
        for part in np.array_split(np.arange(len(members)), max(1, -(-len(members) // per_chunk))):
            sel = members[part]
            m = len(sel)
            xs = xyz[sel]
            cap = np.minimum(bound[part], limit)
            if k > 1:
                fb, ub, kth = self._nearest_runs(runs, xs, k)
                cap = np.minimum(cap, _tol(kth))
            # Every run of each class that could matter.
            rows_c, run_c, d_c = [], [], []
            for tree, ids, widest in runs.classes:
                reach = cap + widest
                todo, kk, kk_old = np.arange(m), min(RUN_START_K * k, len(ids)), 0
                while len(todo):
                    # In groups of similar reach, each cut off at its own widest: a few far
                    # points do not lift the cut-off of the rest.
                    todo = todo[np.argsort(reach[todo], kind="stable")]
                    more = []
                    for grp in np.array_split(todo, max(1, min(REACH_GROUPS, len(todo) // 256))):
                        d, c = tree.query(xs[grp], k=kk, distance_upper_bound=float(reach[grp[-1]]))
                        d, c = d.reshape(len(grp), -1)[:, kk_old:], c.reshape(len(grp), -1)[:, kk_old:]
                        ok = (c < len(ids)) & (d <= reach[grp][:, None])
                        rows_c.append(np.repeat(grp, d.shape[1])[ok.ravel()])
                        run_c.append(ids[c[ok]])
                        d_c.append(d[ok])
                        more.append(grp[ok[:, -1]])
                    todo = np.concatenate(more) if kk < len(ids) else todo[:0]
                    kk_old, kk = kk, min(kk * 4, len(ids))
            rr, run, dd = np.concatenate(rows_c), np.concatenate(run_c), np.concatenate(d_c)
            goal = cap[rr]
            keep = np.flatnonzero(dd - runs.radius[run] <= goal)
            rr, run, dd, goal = rr[keep], run[keep], dd[keep], goal[keep]
            # The tighter of the two lower bounds: the ball about the centre, the band
            # about the spine.
            dd = np.maximum(dd - runs.radius[run],
                            _cseg(xc[:, sel[rr]], runs.spine[0][:, run], runs.spine[1][:, run],
                                  runs.spine[2][run]) - runs.width[run])
            keep = dd <= goal
            rr, run, dd, goal = rr[keep], run[keep], dd[keep], goal[keep]
            if k > 1:
                # A feature among a point's nearest runs: its own bound is tighter.
                width = self.n_features + 1
                key = (np.arange(m)[:, None] * width + fb).ravel()
                order = np.argsort(key, kind="stable")
                key, val = key[order], ub.ravel()[order]
                want = rr.astype(np.int64) * width + runs.feature[run]
                at = np.minimum(np.searchsorted(key, want), len(key) - 1)
                goal = np.where(key[at] == want, np.minimum(goal, _tol(val[at])), goal)
                keep = dd <= goal
                rr, run, goal = rr[keep], run[keep], goal[keep]
            size = runs.start[run + 1] - runs.start[run]
            arcs = runs.arcs[_expand(runs.start[run], size)]
            r_arc = np.repeat(rr, size)
            low = self._lower(xc[:, sel[r_arc]], arcs)
            goal = np.repeat(goal, size)
            # Stage 1: each opened run's most promising arc, measured, bounds its feature
            # (and, for k = 1, the point) tightly; stage 2: the arcs that can beat that.
            grp = np.repeat(np.arange(len(run)), size)
            gmin = np.minimum.reduceat(low, np.cumsum(size) - size)
            s1 = np.flatnonzero((low == gmin[grp]) & (low <= goal))
            c1, l1 = self._closest(pc, xc, sel[r_arc[s1]], arcs[s1])
            u1 = _tol(_upper(l1))
            if k == 1:
                ur = np.full(m, np.inf)
                np.minimum.at(ur, r_arc[s1], u1)
                goal = np.minimum(goal, ur[r_arc])
            else:
                ug = np.full(len(run), np.inf)
                np.minimum.at(ug, grp[s1], u1)
                goal = np.minimum(goal, ug[grp])
            later = low <= goal
            later[s1] = False
            s2 = np.flatnonzero(later)
            c2, l2 = self._closest(pc, xc, sel[r_arc[s2]], arcs[s2])
            both = np.concatenate([s1, s2])
            r, f, c = self._cut(sel[r_arc[both]], arcs[both], np.concatenate([c1, c2], axis=1),
                                np.concatenate([l1, l2]), pc.shape[1], k, limit)
            rows_l.append(r)
            flat_l.append(f)
            c_l.append(c)
        if not rows_l:
            return np.zeros(0, int), np.zeros(0, int), np.zeros((3, 0))
        return np.concatenate(rows_l), np.concatenate(flat_l), np.concatenate(c_l, axis=1)

    def query(self, points, k: int = 1, max_distance_m: float | None = None, start_k: int = 16,
              threads: int | None = None) -> Nearest:
        """The ``k`` nearest distinct features of each point, within ``max_distance_m``.

        ``points`` are shapely Points in lon/lat. Points with fewer than ``k``
        features in range get fewer rows (none when nothing is in range). The points
        are searched in blocks of neighbouring points on up to ``threads`` threads
        (default: one per core, at most ``MAX_THREADS``, at least ``MIN_BLOCK_POINTS``
        points each, and one when called from a thread other than the main one, as a
        dask worker does); the answer does not depend on it.
        """
        lon, lat = _lonlat_arrays(points)
        n = len(lon)
        if not self.n_segments or not n:
            return Nearest(*(np.zeros(0, int),) * 3, *(np.zeros(0),) * 3)
        # Work in Z-order (answers are mapped back to the caller's order at the end).
        by_place = _spatial_order(lon, lat)
        lon, lat = lon[by_place], lat[by_place]
        blocks = np.array_split(np.arange(n), _thread_count(n, threads))
        if len(blocks) == 1:
            parts = [self._query_block(lon, lat, k, max_distance_m, start_k)]
        else:
            with ThreadPoolExecutor(len(blocks)) as pool:
                parts = list(pool.map(
                    lambda b: self._query_block(lon[b], lat[b], k, max_distance_m, start_k), blocks))
        pt = by_place[np.concatenate([b[part[0]] for b, part in zip(blocks, parts, strict=True)])]
        rk, ft, dist, clon, clat = (np.concatenate([part[i] for part in parts]) for i in range(1, 6))
        order = np.lexsort((rk, pt))
        return Nearest(pt[order], rk[order], ft[order], dist[order], clon[order], clat[order])

    def _settle(self, pc: NDArray, xc: NDArray, xyz: NDArray, idx: NDArray, bound: NDArray, k_fetch: int):
        """Pass 1 for points ``idx``: the arcs with the nearest ``k_fetch`` midpoints,
        fetched within each point's ``bound`` (m; inf for none) plus the largest arc
        radius.

        The most promising of them, measured, bounds the answer; those that can beat it
        are measured too. If the last midpoint fetched is beyond the bound plus the
        largest arc radius (or fewer than ``k_fetch`` lie within the cut-off), no arc
        left can matter and the point is settled (most near a line are). Returns the
        measured pairs that may hold a settled point's answer (rows numbering ``pc``),
        the points' new bounds and which are settled.
        """
        n, nseg = len(idx), self.n_segments
        big_k = min(k_fetch, nseg)
        cut = float(np.max(bound)) + self._rmax
        mid_d, j = self.tree.query(xyz[idx], k=big_k, distance_upper_bound=cut)
        mid_d, j = mid_d.reshape(n, -1), j.reshape(n, -1)
        found = j < nseg
        # The nearest any arc not fetched can be (chord, m).
        unseen = np.full(n, np.inf)
        if big_k < nseg:
            unseen[found[:, -1]] = mid_d[found[:, -1], -1] - self._rmax
        j = np.where(found, j, 0)
        low = self._lower(np.repeat(xc[:, idx], big_k, axis=1), j.ravel()).reshape(n, -1)
        low[~found] = np.inf
        one = np.argmin(low, axis=1)
        r1 = np.flatnonzero(found[np.arange(n), one])
        c1, l1 = self._closest(pc, xc, idx[r1], j[r1, one[r1]])
        bound = bound.copy()
        bound[r1] = np.minimum(_tol(_upper(l1)), bound[r1])
        later = low <= bound[:, None]
        later[r1, one[r1]] = False
        r2, f2 = np.nonzero(later)
        f2 = j[r2, f2]
        c2, l2 = self._closest(pc, xc, idx[r2], f2)
        rows = np.concatenate([r1, r2])
        flat = np.concatenate([j[r1, one[r1]], f2])
        cl, low = np.concatenate([c1, c2], axis=1), np.concatenate([l1, l2])
        best = np.full(n, np.inf)
        np.minimum.at(best, rows, _upper(low))
        bound = np.minimum(bound, _tol(best))
        settled = unseen > bound
        keep = settled[rows] & (low <= bound[rows])
        return idx[rows[keep]], flat[keep], cl[:, keep], bound, settled

    def _query_block(self, lon: NDArray, lat: NDArray, k: int, max_distance_m: float | None, start_k: int):
        """:meth:`query` for points already in Z-order: (point, rank, feature, distance,
        lon, lat) of the answers, points numbered within the block."""
        p = unit_vectors(lon, lat)
        n = len(p)
        nseg = self.n_segments
        limit = np.inf if max_distance_m is None else _tol(max_distance_m)
        xyz = _ecef(p)  # rows for the trees; the kernels read columns
        pc, xc = _cols(p), _cols(xyz)
        bound = np.full(n, limit)
        rows = flat = np.zeros(0, np.int64)
        cl = np.zeros((3, 0))
        pending = np.arange(n)
        if k == 1:
            # Pass 1, the nearest feature (:meth:`_settle`). With k > 1 the nearest
            # midpoints mostly belong to one feature, so every point goes straight to
            # the runs (pass 2).
            rows, flat, cl, bound, settled = self._settle(pc, xc, xyz, np.arange(n), bound, start_k)
            pending = np.flatnonzero(~settled)
            # A few points left (sites far from a layer of short arcs, whose first
            # midpoints all lie along the nearest line): a wider fetch is cheaper than
            # building the runs, while it asks for fewer pairs than the layer has arcs.
            kk = start_k * 8
            while len(pending) and self._runs is None and len(pending) * kk <= nseg // 4:
                r1, f1, c1, bound[pending], s1 = self._settle(pc, xc, xyz, pending, bound[pending], kk)
                rows, flat = np.concatenate([rows, r1]), np.concatenate([flat, f1])
                cl = np.concatenate([cl, c1], axis=1)
                pending, kk = pending[~s1], kk * 8
        if len(pending):
            # Pass 2: runs of arcs, nearest first, until no farther run can matter.
            r2, f2, c2 = self._candidates(pc, xyz, xc, pending, bound[pending], k, limit)
            rows, flat = np.concatenate([rows, r2]), np.concatenate([flat, f2])
            cl = np.concatenate([cl, c2], axis=1)
        # Arcs meeting at the closest vertex give the same point twice: measure it once.
        ft = self.feature[flat]
        order = np.lexsort((cl[0], ft, rows))
        rows, ft, cl = rows[order], ft[order], cl[:, order]
        again = np.zeros(len(rows), bool)
        again[1:] = (rows[1:] == rows[:-1]) & (ft[1:] == ft[:-1]) & (cl[:, 1:] == cl[:, :-1]).all(axis=0)
        rows, flat, cl = rows[~again], flat[order][~again], cl[:, ~again]
        clon, clat = lonlat(cl.T)
        _, _, dist = GEOD.inv(lon[rows], lat[rows], clon, clat)
        pt, ft = rows, self.feature[flat]
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
        return tuple(x[keep] for x in (pt, rk, ft, dist, clon, clat))


def nearest_distance(points, geometries, max_distance_m: float | None = None) -> NDArray:
    """Geodesic metres from each point to the nearest geometry (NaN when none in range)."""
    res = FeatureIndex(geometries).query(points, k=1, max_distance_m=max_distance_m)
    out = np.full(len(points), np.nan)
    out[res.point] = res.distance_m
    return out

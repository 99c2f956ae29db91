"""Points and arcs on the sphere and the WGS 84 ellipsoid, and the bounds the nearest
searches prune with (:mod:`geo.spatial.nearest`, :mod:`geo.spatial._land_distance`).

Points are unit vectors (geodetic latitude and longitude read on the unit sphere); an
arc is the great-circle arc between two of them, carried to the ellipsoid at the same
longitudes and latitudes. Two layouts: (n, 3) rows, as the k-d trees take them, and
(3, n) *columns* (each coordinate contiguous), which the arithmetic kernels (``_c*``)
stream through about twice as fast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), used only to cut parts into runs of about 10 km."""

GEOD = Geod(ellps="WGS84")

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
WGS84_E2 = WGS84_F * (2 - WGS84_F)

LARGEST_RADIUS_M = WGS84_A**2 / WGS84_B
"""The ellipsoid's largest radius of curvature (at the poles): a path of angle ``t``
on the unit sphere, carried to the ellipsoid at the same longitudes and geodetic
latitudes, is at most ``t`` times this long."""

SMALLEST_RADIUS_M = WGS84_B**2 / WGS84_A
"""The smallest radius of curvature (meridian at the equator): a geodesic, curving in
space no more than a circle of this radius, is at most that circle's arc over its chord."""

_CHORD_SAFE_M = 2 * WGS84_B * np.sin(0.6)
"""Chords up to this are between points at most 1.21 rad apart as unit vectors, whose
geodesic (under 7,800 km) is shorter than half that circle, where the arc bound holds."""


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


def _ecef(u: NDArray) -> NDArray:
    """Earth-centred (ECEF) metres on the WGS 84 ellipsoid of unit vectors read as
    geodetic latitude and longitude (as :func:`lonlat` reads them); no trigonometry."""
    z = u[:, 2]
    out = u * (WGS84_A / np.sqrt(1.0 - WGS84_E2 * z * z))[:, None]
    out[:, 2] *= 1.0 - WGS84_E2
    return out


ecef = _ecef  # public name for the other searches built on these bounds


def arc_chord_lower(xs: NDArray, a: NDArray, b: NDArray) -> NDArray:
    """Lower bounds (m) on the chord, hence the geodesic, from ECEF points ``xs`` to any
    point of the arcs ``a``-``b`` (unit vectors) as carried to the ellipsoid: the distance
    to the ECEF segment between the arc's ends less its sagitta bound (see
    :class:`FeatureIndex`), row by row."""
    a, b = _cols(a), _cols(b)
    ea = _cecef(a)
    step = _cecef(b) - ea
    d = a - b
    half = np.arcsin(np.minimum(np.sqrt(_cdot(d, d)) / 2.0, 1.0))
    return _cseg(_cols(xs), ea, step, _seg_inv(step)) - _sagitta(half)


def _sagitta(half_arc: NDArray) -> NDArray:
    """How far (m) an arc of half-angle ``half_arc``, carried to the ellipsoid, may stray
    from the chord between its ends (see ``FeatureIndex.__init__``)."""
    return (1.04 * WGS84_A / 8.0) * (2.0 * half_arc) ** 2 + 1e-6


def _geodesic_upper(chord: NDArray) -> NDArray:
    """Upper bound (m) on the geodesic between ellipsoid points ``chord`` metres apart.

    Under ``_CHORD_SAFE_M``, the arc of the smallest curvature circle over the chord;
    at any length, the central plane section through both points (an ellipse of
    semi-axes ``a`` and at least ``b``, whose radius changes by under 22 km a radian):
    at most ``a (1 + 1e-5)`` a radian of the central angle, which is at most
    ``2 asin(chord / 2b)``.
    """
    arc = 2.0 * SMALLEST_RADIUS_M * np.arcsin(np.minimum(chord / (2.0 * SMALLEST_RADIUS_M), 1.0))
    section = 2.0 * np.arcsin(np.minimum(chord / (2.0 * WGS84_B), 1.0)) * WGS84_A * (1.0 + 1e-5)
    return np.where(chord <= _CHORD_SAFE_M, np.minimum(arc, section), section)


def _reach(geodesic: NDArray) -> NDArray:
    """The longest chord (m) of two ellipsoid points at most ``geodesic`` metres apart:
    that geodesic spans a central angle of at most ``geodesic / b`` (projected radially
    onto the sphere of radius ``b``, a path only shortens), so between radii in [b, a]
    the chord is at most ``hypot(a - b, 2 a sin(geodesic / 2b))``; and never more than
    the geodesic itself."""
    half = np.minimum(geodesic / (2.0 * WGS84_B), np.pi / 2)
    return np.minimum(geodesic, np.hypot(WGS84_A - WGS84_B, 2.0 * WGS84_A * np.sin(half)))


def _upper(chord: NDArray) -> NDArray:
    """The longest chord (m) a pair may have and still be no farther on the ellipsoid
    than a pair ``chord`` metres apart. The search compares chords with this, so a pair
    beyond it is strictly farther than the answer; bounding by the geodesic alone
    (chords are far shorter than geodesics across a continent) made a point thousands
    of km from a layer measure nearly every arc."""
    return _reach(_geodesic_upper(chord))


def _tol(bound: NDArray | float) -> NDArray:
    """A bound widened by rounding (1e-9 relative and 1 mm): the pairs a bound cuts are
    then strictly farther than the answer, never ties with it."""
    return bound * (1 + 1e-9) + 1e-3


# The hot kernels work on columns: (3, n) arrays whose rows x, y, z are each contiguous,
# so every arithmetic step streams through memory (about twice as fast as the same steps
# on the strided columns of (n, 3) arrays). ``_cols`` turns (n, 3) vectors into columns;
# gathering columns is ``c[:, idx]``.


def _unit_cols(lon: NDArray, lat: NDArray) -> NDArray:
    """(3, n) columns of the unit vectors of longitudes/latitudes in degrees."""
    lon = np.radians(np.asarray(lon, dtype="f8"))
    lat = np.radians(np.asarray(lat, dtype="f8"))
    out = np.empty((3, len(lon)))
    c = np.cos(lat)
    np.multiply(c, np.cos(lon), out=out[0])
    np.multiply(c, np.sin(lon), out=out[1])
    np.sin(lat, out=out[2])
    return out


def _cols(v: NDArray) -> NDArray:
    """(3, n) contiguous columns of (n, 3) vectors."""
    return np.ascontiguousarray(np.asarray(v, dtype="f8").T)


def _cdot(u: NDArray, v: NDArray) -> NDArray:
    out = u[0] * v[0]
    out += u[1] * v[1]
    out += u[2] * v[2]
    return out


def _cnormals(a: NDArray, b: NDArray) -> NDArray:
    """Unit normals (columns) of the great circles through ``a`` and ``b`` (columns);
    zero where the two coincide."""
    n = np.empty_like(a)
    np.multiply(a[1], b[2], out=n[0])
    n[0] -= a[2] * b[1]
    np.multiply(a[2], b[0], out=n[1])
    n[1] -= a[0] * b[2]
    np.multiply(a[0], b[1], out=n[2])
    n[2] -= a[1] * b[0]
    nn = np.sqrt(_cdot(n, n))
    n /= np.where(nn > 1e-15, nn, np.inf)
    return n


def _cecef(u: NDArray) -> NDArray:
    """:func:`_ecef` on columns."""
    out = u * (WGS84_A / np.sqrt(1.0 - WGS84_E2 * u[2] * u[2]))
    out[2] *= 1.0 - WGS84_E2
    return out


def _cgap(u: NDArray, v: NDArray) -> NDArray:
    """Euclidean distances (m) between columns."""
    d = u - v
    return np.sqrt(_cdot(d, d))


def _cseg(x: NDArray, s0: NDArray, d: NDArray, inv: NDArray) -> NDArray:
    """Distances (m) from points ``x`` to segments from ``s0`` along ``d`` (columns),
    ``inv`` being ``1 / |d|^2`` (see :func:`_seg_inv`)."""
    w = x - s0
    t = _cdot(w, d)
    t *= inv
    np.clip(t, 0.0, 1.0, out=t)
    w -= t * d
    return np.sqrt(_cdot(w, w))


def _seg_inv(d: NDArray) -> NDArray:
    """``1 / |d|^2`` of segment directions ``d`` (columns), finite for a zero segment."""
    return 1.0 / np.maximum(_cdot(d, d), 1e-300)


class Arcs:
    """Great-circle arcs ``a``-``b`` (unit vectors) and the unit normal of each arc's
    great circle (zero for a zero-length arc, which behaves as its end point).

    Normals are worked out per measured pair until the pairs asked for outnumber the
    arcs; then once for every arc (a k-nearest search measures each arc many times, a
    nearest search on a big layer only a few of them)."""

    def __init__(self, a: NDArray, b: NDArray):
        self._a, self._b = _cols(a), _cols(b)
        self._n: NDArray | None = None
        self._asked = 0

    @classmethod
    def of_columns(cls, a: NDArray, b: NDArray) -> Arcs:
        """Arcs whose ends are given as (3, n) columns (kept, not copied)."""
        arcs = cls.__new__(cls)
        arcs._a, arcs._b, arcs._n, arcs._asked = a, b, None, 0
        return arcs

    @property
    def a(self) -> NDArray:
        """Start of each arc, (n, 3) unit vectors."""
        return self._a.T

    @property
    def b(self) -> NDArray:
        """End of each arc, (n, 3) unit vectors."""
        return self._b.T

    def __len__(self) -> int:
        return self._a.shape[1]

    def _normal(self, j: NDArray) -> NDArray:
        n = self._n
        if n is None:
            self._asked += len(j)  # a count to decide by, not a total: threads may race on it
            if self._asked <= len(self):
                return _cnormals(self._a[:, j], self._b[:, j])
            n = self._n = _cnormals(self._a, self._b)  # a whole array, set at once
        return n[:, j]

    def _parts(self, p: NDArray, j: NDArray):
        """Ends, normal, ``p.a``, ``p.b`` and whether the foot falls inside the arc, for
        points ``p`` (columns) against arcs ``j``: with unit vectors, ``p`` projects
        between ``a`` and ``b`` on their great circle exactly when
        ``p.b - (p.a)(a.b) >= 0`` and ``p.a - (a.b)(p.b) >= 0``."""
        a, b, n = self._a[:, j], self._b[:, j], self._normal(j)
        ab = _cdot(a, b)
        ap, bp = _cdot(p, a), _cdot(p, b)
        inside = (bp - ap * ab >= 0) & (ap - ab * bp >= 0) & (_cdot(n, n) > 0.5)
        return a, b, n, ap, bp, inside

    def distance_cols(self, p: NDArray, j: NDArray) -> tuple[NDArray, NDArray]:
        """:meth:`distance` for points given as columns."""
        _, _, n, ap, bp, inside = self._parts(p, j)
        s = np.abs(_cdot(p, n))
        near_end = np.maximum(ap, bp)  # cosine of the angle to the nearer end
        ends = 2.0 * np.arcsin(np.minimum(np.sqrt(np.maximum(2.0 - 2.0 * near_end, 0.0)) / 2.0, 1.0))
        return np.where(inside, np.arcsin(np.minimum(s, 1.0)), ends), inside

    def distance(self, p: NDArray, j: NDArray) -> tuple[NDArray, NDArray]:
        """Angle (radians) from points ``p`` ((n, 3) unit vectors) to arcs ``j``, row by
        row, and whether the closest point lies inside the arc (else it is the nearer
        end): ``asin |p.n|`` to the great circle, ``n`` its unit normal, when inside."""
        return self.distance_cols(_cols(p), j)

    def closest_cols(self, p: NDArray, j: NDArray) -> NDArray:
        """:meth:`closest` for points given as columns; the answer as columns."""
        a, b, n, ap, bp, inside = self._parts(p, j)
        foot = p - _cdot(p, n) * n
        norm = np.sqrt(_cdot(foot, foot))
        foot /= np.where(norm == 0, 1.0, norm)
        return np.where(inside, foot, np.where(ap >= bp, a, b))

    def closest(self, p: NDArray, j: NDArray) -> NDArray:
        """The closest point ((n, 3) unit vectors) on arcs ``j`` to points ``p`` ((n, 3)
        unit vectors): the foot on the great circle when it falls inside the arc, as in
        :meth:`distance`, else the nearer end."""
        return self.closest_cols(_cols(p), j).T

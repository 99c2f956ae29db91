"""Join sites to the country (or US state) polygon they lie in.

Rules, reported per site in ``country_rule``:

- ``within``: the point lies strictly inside one polygon (fast grid index,
  :mod:`geo.spatial.polygon_index`; invalid polygons repaired first, so the answer is
  ``sjoin(predicate="within")`` on the repaired layer).
- ``boundary``: the point lies on a shared border (within 1 m of two or more
  polygons); the site's stated country wins if it is one of them.
- ``nearest``: the point lies in no polygon (a coastal plant, an island the
  1:50m coastline leaves out) but within ``max_distance_m`` of one; the nearest
  one is taken.
- ``none``: nothing within ``max_distance_m``.

Distances are metres on a local tangent plane of each fallback point (within
about 0.1 % of the geodesic distance out to 25 km), computed for all the points
that miss every polygon at once against the index's small pieces.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from geo.core.errors import ArgumentError
from geo.spatial.polygon_index import PolygonIndex

DEFAULT_MAX_DISTANCE_M = 25_000.0
"""How far off the coastline a site may be and still be assigned a country.

Natural Earth 1:50m drops small islands and smooths coastlines by up to a few km;
25 km covers plants on such islands (e.g. Naoshima) without reaching across seas.
"""

BOUNDARY_TOLERANCE_M = 1.0

_INDEX_CACHE: dict[object, tuple[object, PolygonIndex]] = {}

_PIECE_VERTICES = 32
"""Vertices per piece for the coastal fallback's distances: a point's search box (25 km)
meets a few small pieces rather than long runs of coast (measured: 100,000 points off
the 1:50m coasts 2.5x faster than with 128-vertex pieces; distances the same to 1e-8 m)."""


def polygon_index(polygons: gpd.GeoDataFrame | gpd.GeoSeries) -> PolygonIndex:
    """The :class:`PolygonIndex` of a polygon layer, built once per layer object."""
    geoms = polygons.geometry.values if hasattr(polygons, "geometry") else polygons.values
    # A layer read from a file (load_countries) names it in attrs["layer_key"]: one index
    # per file, however many copies are handed out. Otherwise one per geometry array.
    layer_key = polygons.attrs.get("layer_key")
    shapes = getattr(geoms, "_data", geoms)
    key = (layer_key, len(geoms)) if layer_key is not None else id(shapes)
    hit = _INDEX_CACHE.get(key)
    if hit is not None and (layer_key is not None or hit[0] is shapes):
        return hit[1]
    if len(_INDEX_CACHE) > 8:
        _INDEX_CACHE.clear()
    crs = getattr(polygons, "crs", None)
    # Antimeridian repair only where x is longitude; the file's name, if known, in errors.
    index = PolygonIndex(np.asarray(geoms), max_vertices=_PIECE_VERTICES,
                         lonlat=crs.is_geographic if crs is not None else None,
                         source=str(polygons.attrs.get("layer_key", ("polygon layer",))[0]))
    _INDEX_CACHE[key] = (shapes, index)
    return index


def aeqd(lon: float, lat: float) -> Transformer:
    """Transformer from WGS84 to an azimuthal equidistant projection centred on a point."""
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def distances_from_point(lon: float, lat: float, geoms: np.ndarray) -> np.ndarray:
    """Distance in metres from (lon, lat) to each geometry (WGS84 in, metres out).

    Exact (azimuthal equidistant on the point) but one projection per call: for many
    points use :func:`distances_to` instead.
    """
    if not len(geoms):
        return np.empty(0)
    tr = aeqd(lon, lat)
    projected = shapely.transform(
        geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
    )
    return shapely.distance(shapely.Point(0, 0), projected)


_A, _E2 = 6_378_137.0, 0.006_694_379_990_14  # WGS84 semi-major axis (m), eccentricity squared
_GEOD = Geod(ellps="WGS84")


def metres_per_degree(lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres per degree of longitude and of latitude at ``lat`` on the WGS84 ellipsoid."""
    phi = np.radians(lat)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    per_lat = np.radians(_A * (1.0 - _E2) / w**1.5)
    per_lon = np.radians(_A / np.sqrt(w) * np.cos(phi))
    return per_lon, per_lat


def local_distances(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Metres from each point (lon[i], lat[i]) to geoms[i], all pairs in one call.

    Each geometry is laid on a local tangent plane of its point (metres per degree
    of the ellipsoid at that latitude), so the answer is within about 0.1 % of the
    geodesic distance out to a few tens of kilometres; use it for nearby geometries
    (the coastal fallback, border tolerances), not across oceans.
    """
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return np.empty(0)
    _, owner = shapely.get_coordinates(geoms, return_index=True)
    per_lon, per_lat = metres_per_degree(np.asarray(lat, dtype=float))
    x0, y0 = np.asarray(lon, dtype=float)[owner], np.asarray(lat, dtype=float)[owner]
    kx, ky = per_lon[owner], per_lat[owner]

    def to_plane(xy: np.ndarray) -> np.ndarray:
        # Written column by column into one array (np.column_stack copies twice more:
        # the fallback transforms millions of coordinates).
        out = np.empty_like(xy)
        dx = out[:, 0]
        np.subtract(xy[:, 0], x0, out=dx)
        dx += 180.0
        np.mod(dx, 360.0, out=dx)  # across the antimeridian too
        dx -= 180.0
        dx *= kx
        np.subtract(xy[:, 1], y0, out=out[:, 1])
        out[:, 1] *= ky
        return out

    return shapely.distance(shapely.points(np.zeros((len(geoms), 2))), shapely.transform(geoms, to_plane))


def distances_to(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Metres from each point to geoms[i]: :func:`local_distances` for what is near,
    the geodesic length of the planar shortest line for what is far (> 50 km, good to
    a few per cent there: enough to say how far off a point is)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    line = shapely.shortest_line(shapely.points(lon, lat), np.asarray(geoms, dtype=object))
    xy = shapely.get_coordinates(line).reshape(-1, 2, 2)
    far = np.asarray(_GEOD.inv(xy[:, 0, 0], xy[:, 0, 1], xy[:, 1, 0], xy[:, 1, 1])[2], dtype=float)
    near = far < 50_000.0
    if near.any():
        far[near] = local_distances(lon[near], lat[near], np.asarray(geoms, dtype=object)[near])
    return far


_PAIR_SEGMENTS = 2_000_000
"""Segments measured at once by :func:`_piece_distances` (about 200 MB of temporaries)."""


def _piece_distances(lon: np.ndarray, lat: np.ndarray, index: PolygonIndex, piece: np.ndarray
                     ) -> np.ndarray:
    """:func:`local_distances` from each point (lon[i], lat[i]) to ``index.pieces[piece[i]]``
    for points in no piece, in numpy: the least distance to the piece's boundary segments
    on the point's tangent plane (the same plane and wrap; equal to GEOS's to about 1e-8 m).
    No geometry is copied or transformed, which is most of the time for millions of
    coordinates."""
    ax, ay, bx, by, offsets = index.piece_segments
    out = np.empty(len(piece))
    count = offsets[piece + 1] - offsets[piece]
    ends = np.cumsum(count)
    cuts = np.searchsorted(ends, np.arange(_PAIR_SEGMENTS, ends[-1] if len(ends) else 0,
                                           _PAIR_SEGMENTS))
    for lo, hi in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(piece)]]), strict=True):
        if lo == hi:
            continue
        n = count[lo:hi]
        rep = np.repeat(np.arange(lo, hi), n)
        first = np.cumsum(n) - n
        seg = np.repeat(offsets[piece[lo:hi]] - first, n) + np.arange(len(rep))
        per_lon, per_lat = metres_per_degree(lat[lo:hi])
        kx, ky = np.repeat(per_lon, n), np.repeat(per_lat, n)
        x0, y0 = lon[rep], lat[rep]
        px = ((ax[seg] - x0 + 180.0) % 360.0 - 180.0) * kx
        qx = ((bx[seg] - x0 + 180.0) % 360.0 - 180.0) * kx
        py = (ay[seg] - y0) * ky
        qy = (by[seg] - y0) * ky
        dx, dy = qx - px, qy - py
        length2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(length2 > 0, -(px * dx + py * dy) / length2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(px + t * dx, py + t * dy)
        out[lo:hi] = np.minimum.reduceat(d, first)
    return out


def _lower_bounds(lon: np.ndarray, lat: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """A lower bound of :func:`local_distances` from each point to a geometry with the
    given bounding box (n, 4): the distance to the box on the same tangent plane; 0 for
    boxes wider than 90 degrees (whose vertices the plane may wrap apart)."""
    per_lon, per_lat = metres_per_degree(lat)
    gap_x = np.full(len(lon), np.inf)
    for shift in (-360.0, 0.0, 360.0):  # the plane wraps longitudes into +-180 of the point
        x = lon + shift
        gap_x = np.minimum(gap_x, np.maximum(np.maximum(bounds[:, 0] - x, x - bounds[:, 2]), 0.0))
    gap_x[bounds[:, 2] - bounds[:, 0] > 90.0] = 0.0
    gap_y = np.maximum(np.maximum(bounds[:, 1] - lat, lat - bounds[:, 3]), 0.0)
    return np.hypot(gap_x * per_lon, gap_y * per_lat)


def near_pieces(lon: np.ndarray, lat: np.ndarray, index: PolygonIndex, max_distance_m: float,
                *, nearest_only: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (point, polygon, metres) with the polygon within ``max_distance_m`` of the
    point, nearest piece per pair, vectorised over the index's small pieces.

    ``nearest_only``: only the pairs that may be the point's nearest or lie within
    ``BOUNDARY_TOLERANCE_M`` of it (all :func:`assign_polygons` needs). Each point's piece
    with the nearest bounding box is measured first; the others are measured only where
    their box is no farther than that (or than the tolerance).
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlat = max_distance_m / 110_000.0 + 0.01
    dlon = np.minimum(180.0, dlat / np.maximum(np.cos(np.radians(np.minimum(np.abs(lat), 89.0))), 0.01))
    boxes = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    p_i, piece = index.tree.query(boxes)
    if nearest_only and len(p_i):
        low = _lower_bounds(lon[p_i], lat[p_i], shapely.bounds(index.pieces[piece]))
        order = np.lexsort((low, p_i))
        head = order[np.concatenate([[True], p_i[order][1:] != p_i[order][:-1]])]
        d_head = _piece_distances(lon[p_i[head]], lat[p_i[head]], index, piece[head])
        bound = np.full(len(lon), np.inf)
        bound[p_i[head]] = d_head
        # A margin for rounding: the bound is exact arithmetic, the distances are not.
        limit = np.maximum(bound, BOUNDARY_TOLERANCE_M) * (1.0 + 1e-9) + 1e-6
        rest = low <= limit[p_i]
        rest[head] = False
        rest = np.flatnonzero(rest)
        d = np.concatenate([d_head, _piece_distances(lon[p_i[rest]], lat[p_i[rest]], index,
                                                     piece[rest])])
        p_i, piece = np.concatenate([p_i[head], p_i[rest]]), np.concatenate([piece[head], piece[rest]])
    else:
        d = local_distances(lon[p_i], lat[p_i], index.pieces[piece])
    poly = index.piece_owner[piece]
    keep = d <= max_distance_m
    p_i, poly, d = p_i[keep], poly[keep], d[keep]
    # The nearest piece of each (point, polygon) pair.
    order = np.lexsort((d, poly, p_i))
    p_i, poly, d = p_i[order], poly[order], d[order]
    first = np.ones(len(p_i), dtype=bool)
    first[1:] = (p_i[1:] != p_i[:-1]) | (poly[1:] != poly[:-1])
    return p_i[first], poly[first], d[first]


def assign_polygons(
    points: gpd.GeoSeries,
    polygons: gpd.GeoDataFrame,
    *,
    preferred: pd.Series | None = None,
    key: str = "iso_a3",
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> pd.DataFrame:
    """Assign each point a polygon of ``polygons`` by the rules in the module docstring.

    Returns a frame aligned with ``points`` with columns ``position`` (row position
    in ``polygons`` or -1), ``rule`` and ``distance_m`` (0 for ``within``).
    ``preferred`` (the stated key per point) breaks ties on borders. Points in no
    polygon are answered together, in one vectorised pass (no per-point projection).
    """
    if points.crs is None or polygons.crs is None:
        raise ArgumentError("points and polygons need a CRS")
    if not points.crs.equals(polygons.crs):
        points = points.to_crs(polygons.crs)
    index = polygon_index(polygons)
    geoms = points.values
    pos = index.locate(geoms)
    rule = np.where(pos >= 0, "within", "none").astype(object)
    dist = np.where(pos >= 0, 0.0, np.nan)
    usable = ~(shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms)))
    miss = np.flatnonzero((pos < 0) & usable)
    if not len(miss):
        return pd.DataFrame({"position": pos, "rule": rule, "distance_m": dist}, index=points.index)
    lon = shapely.get_x(np.asarray(geoms)[miss])
    lat = shapely.get_y(np.asarray(geoms)[miss])
    p_i, poly, d = near_pieces(lon, lat, index, max_distance_m, nearest_only=True)
    keys = polygons[key].to_numpy()
    want = (np.full(len(miss), None, dtype=object) if preferred is None
            else preferred.to_numpy()[miss])
    # Per point: nearest polygon; on a border (two or more within 1 m) the stated one wins.
    border = d <= BOUNDARY_TOLERANCE_M
    n_border = np.bincount(p_i[border], minlength=len(miss))
    wanted = border & (keys[poly] == want[p_i])
    # Distances to the micrometre, so that two polygons equally near (a border meeting
    # the coast at the nearest vertex) go to the lower row whatever the last bit says.
    score = np.where(wanted & (n_border[p_i] >= 2), -1.0, np.round(d, 6))  # stated one first
    order = np.lexsort((poly, score, p_i))
    p_i, poly, d = p_i[order], poly[order], d[order]
    first = np.ones(len(p_i), dtype=bool)
    first[1:] = p_i[1:] != p_i[:-1]
    p_i, poly, d = p_i[first], poly[first], d[first]
    on_border = n_border[p_i] >= 2
    target = miss[p_i]
    pos[target] = poly
    rule[target] = np.where(on_border, "boundary", "nearest")
    dist[target] = np.where(on_border, 0.0, d)
    return pd.DataFrame({"position": pos, "rule": rule, "distance_m": dist}, index=points.index)


def join_countries(
    sites: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> gpd.GeoDataFrame:
    """Join each site to its country polygon.

    Adds ``joined_country`` (ISO alpha-3), ``country_name``, ``continent``,
    ``region``, ``country_rule`` (within / boundary / nearest / none) and
    ``country_distance_m`` (metres from the polygon; 0 inside). The site's own
    ``country`` column, if present, breaks ties on borders.

    >>> joined = join_countries(load_sites(), load_countries())  # doctest: +SKIP
    """
    stated = sites["country"] if "country" in sites.columns else None
    a = assign_polygons(sites.geometry, countries, preferred=stated, max_distance_m=max_distance_m)
    hit = a["position"].to_numpy() >= 0
    out = sites.copy()
    for src, dst in (("iso_a3", "joined_country"), ("name", "country_name"),
                     ("continent", "continent"), ("region", "region")):
        values = np.full(len(out), None, dtype=object)
        values[hit] = countries[src].to_numpy()[a["position"].to_numpy()[hit]]
        out[dst] = values
    out["country_rule"] = a["rule"].to_numpy()
    out["country_distance_m"] = a["distance_m"].round(1).to_numpy()
    return out

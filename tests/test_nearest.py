"""Nearest-feature distances against independent geodesic computations.

The reference is brute force: every feature densified to ~100 m in lon/lat and the
WGS 84 geodesic (pyproj.Geod, Karney) from the point to every vertex, minimum per
feature. It overestimates by at most a few centimetres at these spacings, so
minetrack's answer must be no larger than it (beyond rounding) and within a
small tolerance below it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.spatial.nearest import FeatureIndex, nearest_distance

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "natural-earth-v4"
GEOD = Geod(ellps="WGS84")


def brute(point, geoms, step_deg=0.001):
    """Per-feature minimum geodesic distance from ``point`` to densified ``geoms``."""
    geoms = np.asarray(geoms, dtype=object)
    polys = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms = np.where(polys, shapely.boundary(geoms), geoms)
    coords, owner = shapely.get_coordinates(shapely.segmentize(geoms, step_deg), return_index=True)
    _, _, d = GEOD.inv(
        np.full(len(coords), point.x), np.full(len(coords), point.y), coords[:, 0], coords[:, 1]
    )
    best = np.full(len(geoms), np.inf)
    np.minimum.at(best, owner, d)
    return best


@pytest.fixture(scope="module")
def railroads():
    return gpd.read_file(REAL / "ne_10m_railroads_north_america.json")


def test_railroad_distances_match_brute_force(railroads):
    rng = np.random.default_rng(7)
    pts = shapely.points(rng.uniform(-125, -70, 6), rng.uniform(25, 55, 6))
    res = FeatureIndex(railroads.geometry.values).query(pts, k=3)
    frame = res.frame()
    assert (frame.groupby("point").size() == 3).all()
    for i, p in enumerate(pts):
        ref = brute(p, railroads.geometry.values)
        order = np.argsort(ref)[:3]
        mine = frame[frame["point"] == i].sort_values("rank")
        # The same features (ties, e.g. lines meeting at a junction, in either order)...
        for feature, dist in zip(mine["feature"], mine["distance_m"], strict=True):
            assert abs(ref[feature] - dist) <= max(1.0, 5e-4 * dist)
        # ...never farther than the sampled reference, and within 0.05 % + 1 m of it.
        assert np.all(mine["distance_m"].to_numpy() <= ref[order] + 1.0)
        assert np.allclose(mine["distance_m"], ref[order], rtol=5e-4, atol=1.0)


def test_closest_point_is_on_the_feature_and_measured(railroads):
    pts = shapely.points([-105.0, -90.2], [40.0, 38.6])
    res = FeatureIndex(railroads.geometry.values).query(pts)
    _, _, d = GEOD.inv(shapely.get_x(pts), shapely.get_y(pts), res.lon, res.lat)
    assert np.allclose(d, res.distance_m)
    on_line = shapely.distance(shapely.points(res.lon, res.lat), railroads.geometry.values[res.feature])
    # The reported point lies on the chosen line (to ~1 m: pieces are arcs, the data's edges
    # are straight in lon/lat).
    assert np.all(on_line < 1e-5)


def test_ports_point_features_match_brute_force():
    ports = gpd.read_file(REAL / "ne_10m_ports.json")
    pts = shapely.points([-70.4, 151.2, 4.9, 179.9], [-23.65, -33.85, 52.37, -16.0])
    res = FeatureIndex(ports.geometry.values).query(pts, k=2)
    for i, p in enumerate(pts):
        _, _, d = GEOD.inv(
            np.full(len(ports), p.x), np.full(len(ports), p.y), ports.geometry.x, ports.geometry.y
        )
        want = np.sort(d)[:2]
        got = np.sort(res.distance_m[res.point == i])
        assert np.allclose(got, want, atol=1e-3)


def test_antimeridian():
    west = shapely.LineString([(179.0, 0.0), (180.0, 0.0)])
    east = shapely.LineString([(-180.0, 0.0), (-179.0, 0.0)])
    pts = shapely.points([-179.95, 179.95, 180.0], [0.1, -0.1, 0.5])
    res = FeatureIndex([west, east]).query(pts, k=2)
    f = res.frame()
    first = f[f["rank"] == 0].set_index("point")
    assert first.loc[0, "feature"] == 1 and first.loc[1, "feature"] == 0
    _, _, d0 = GEOD.inv(-179.95, 0.1, -179.95, 0.0)
    assert first.loc[0, "distance_m"] == pytest.approx(d0, abs=1.0)
    # On the antimeridian itself both lines meet at the same distance.
    both = f[f["point"] == 2]["distance_m"].to_numpy()
    _, _, d2 = GEOD.inv(180.0, 0.5, 180.0, 0.0)
    assert np.allclose(both, d2, atol=1.0)


def test_poles():
    parallel = shapely.LineString([(lon, 89.5) for lon in range(-180, 181, 10)])
    meridian = shapely.LineString([(0.0, -89.0), (0.0, -80.0)])
    pts = shapely.points([0.0, 123.0, 45.0], [90.0, 89.9, -90.0])
    res = FeatureIndex([parallel, meridian]).query(pts)
    d = dict(zip(res.point, res.distance_m, strict=True))
    assert d[0] == pytest.approx(GEOD.inv(0, 90, 0, 89.5)[2], rel=1e-4)
    assert d[1] == pytest.approx(GEOD.inv(123, 89.9, 123, 89.5)[2], rel=1e-3)
    assert d[2] == pytest.approx(GEOD.inv(0, -90, 0, -89)[2], rel=1e-4)
    assert list(res.feature) == [0, 0, 1]


def test_point_on_a_line_is_at_zero_and_empty_results():
    line = shapely.LineString([(10.0, 45.0), (11.0, 46.0)])
    on = shapely.Point(10.5, 45.5)
    assert nearest_distance([on], [line])[0] == pytest.approx(0.0, abs=0.01)
    far = shapely.Point(20.0, 45.0)
    assert np.isnan(nearest_distance([far], [line], max_distance_m=1000.0)[0])
    res = FeatureIndex([]).query([on])
    assert len(res.point) == 0
    res = FeatureIndex([line]).query([])
    assert len(res.point) == 0


def test_max_distance_and_k_larger_than_features():
    a = shapely.LineString([(0, 0), (0, 1)])
    b = shapely.LineString([(1, 0), (1, 1)])
    p = shapely.points([0.1], [0.5])
    res = FeatureIndex([a, b]).query(p, k=5)
    assert list(res.feature) == [0, 1]
    res = FeatureIndex([a, b]).query(p, k=5, max_distance_m=20_000)
    assert list(res.feature) == [0]
    assert res.distance_m[0] == pytest.approx(GEOD.inv(0.1, 0.5, 0.0, 0.5)[2], rel=1e-4)


def test_k_nearest_far_from_the_layer_match_brute_force(railroads):
    """Far from every line (open ocean, the Arctic) the third-nearest line is hundreds of
    kilometres beyond the first: the search must widen until no farther line can matter
    (an earlier version returned a 4th-nearest line as 3rd here)."""
    pts = shapely.points([-53.523, -113.441, -150.0, -95.0], [25.807, 17.414, 15.0, 72.0])
    res = FeatureIndex(railroads.geometry.values).query(pts, k=3).frame()
    for i, p in enumerate(pts):
        ref = brute(p, railroads.geometry.values)
        mine = res[res["point"] == i].sort_values("rank")
        assert np.allclose(mine["distance_m"], np.sort(ref)[:3], rtol=5e-4, atol=1.0)


OSM = REAL.parent / "osm-liechtenstein-2013" / "liechtenstein-2013-08-03.osm.pbf"


@pytest.fixture(scope="module")
def roads():
    import pyogrio

    return pyogrio.read_dataframe(OSM, layer="lines", where="highway IS NOT NULL")


def brute_near(point, geoms, k, step_deg=0.00002):
    """:func:`brute` at ~2 m spacing, on the features that can be among the ``k`` nearest
    (planar distance with longitudes scaled by cos(latitude), kept with a wide margin)."""
    scale = np.cos(np.radians(point.y))
    shrunk = shapely.transform(geoms, lambda xy: xy * [scale, 1.0])
    approx = shapely.distance(shapely.Point(point.x * scale, point.y), shrunk) * 111_000.0
    near = np.flatnonzero(approx <= 1.3 * np.sort(approx)[k - 1] + 100.0)
    ref = np.full(len(geoms), np.inf)
    ref[near] = brute(point, geoms[near], step_deg)
    return ref


def test_osm_roads_match_brute_force(roads):
    """Dense real roads (OSM, Liechtenstein 2013): short edges, a few long ones, junctions
    everywhere; points in villages, in the hills and outside the road network's box."""
    geoms = roads.geometry.values
    xmin, ymin, xmax, ymax = roads.total_bounds
    rng = np.random.default_rng(11)
    pts = shapely.points(rng.uniform(xmin - 0.05, xmax + 0.05, 10), rng.uniform(ymin - 0.05, ymax + 0.05, 10))
    for k in (1, 3):
        res = FeatureIndex(geoms).query(pts, k=k).frame()
        assert (res.groupby("point").size() == k).all()
        for i, p in enumerate(pts):
            ref = brute_near(p, geoms, k)
            mine = res[res["point"] == i].sort_values("rank")
            want = np.sort(ref)[:k]
            assert np.all(mine["distance_m"].to_numpy() <= want + 0.5)
            assert np.allclose(mine["distance_m"], want, rtol=5e-4, atol=0.5)
            # The same features, up to ties (roads meeting at a junction).
            assert np.allclose(ref[mine["feature"].to_numpy()], mine["distance_m"], rtol=5e-4, atol=0.5)


def test_railroad_nearest_near_and_far_match_brute_force(railroads):
    """k = 1 on real rail: points close to lines (settled by the nearest arcs) and far out
    (searched by runs), each against the brute-force reference."""
    geoms = railroads.geometry.values
    rng = np.random.default_rng(3)
    pts = shapely.points(rng.uniform(-125, -65, 12), rng.uniform(25, 55, 12))
    res = FeatureIndex(geoms).query(pts).frame().set_index("point")
    assert len(res) == len(pts)
    for i, p in enumerate(pts):
        ref = brute(p, geoms)
        d = res.loc[i, "distance_m"]
        assert d <= ref.min() + 1.0
        assert d == pytest.approx(ref.min(), rel=5e-4, abs=1.0)
        assert ref[res.loc[i, "feature"]] == pytest.approx(d, rel=5e-4, abs=1.0)


def test_ellipsoid_bounds_hold():
    """The search's bounds: the ECEF chord is below the WGS 84 geodesic and the arc bound
    above it, from metres to antipodes; an arc stays within its sagitta of its chord."""
    from geo.spatial._arcs import _ecef, _geodesic_upper, _reach, _upper, unit_vectors

    rng = np.random.default_rng(5)
    n = 20_000
    lon0, lat0 = rng.uniform(-180, 180, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    az, dist = rng.uniform(0, 360, n), 10 ** rng.uniform(0, 7.3, n)
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, az, dist)
    _, _, s = GEOD.inv(lon0, lat0, lon1, lat1)
    chord = np.linalg.norm(_ecef(unit_vectors(lon0, lat0)) - _ecef(unit_vectors(lon1, lat1)), axis=1)
    assert np.all(chord <= s * (1 + 1e-12) + 1e-6)
    assert np.all(_geodesic_upper(chord) >= s * (1 - 1e-12) - 1e-6)
    # A pair whose chord is beyond _reach(s) is farther than s: no pair of geodesic s has one.
    assert np.all(chord <= _reach(s) * (1 + 1e-12) + 1e-6)
    assert np.all(_upper(chord) >= chord)
    far = s > 5_000_000  # and the reach is tight there too (under 1 %), so far points stay cheap
    assert np.all(_upper(chord[far]) <= chord[far] * 1.01)
    # Tight where it matters: under 100 km the two bounds differ by less than 2e-5.
    short = s < 100_000
    assert np.all(_upper(chord[short]) - chord[short] <= 2e-5 * s[short] + 1e-6)
    idx = FeatureIndex([shapely.LineString([(x, y), (x + 0.02, y + 0.015)])
                        for x, y in zip(lon0[:200], lat0[:200] * 0.98, strict=True)])
    t = np.linspace(0, 1, 101)
    a, b = idx.arcs.a, idx.arcs.b
    for j in range(0, len(a), 7):
        along = a[j][None, :] * (1 - t)[:, None] + b[j][None, :] * t[:, None]
        along /= np.linalg.norm(along, axis=1, keepdims=True)
        x = _ecef(along)
        e0, e1 = x[0], x[-1]
        w = x - e0
        u = np.clip(w @ (e1 - e0) / ((e1 - e0) @ (e1 - e0)), 0, 1)
        off = np.linalg.norm(w - u[:, None] * (e1 - e0), axis=1)
        assert off.max() <= idx._sag[j]


def test_kdtree_answers_as_brute_force_with_cut_off_and_short_trees():
    from geo.spatial._kdtree import KDTree

    rng = np.random.default_rng(7)
    data, xs = rng.normal(size=(400, 3)), rng.normal(size=(50, 3))
    full = np.linalg.norm(xs[:, None, :] - data[None, :, :], axis=2)
    order = np.argsort(full, axis=1)
    d, i = KDTree(data).query(xs, k=5)
    assert (i == order[:, :5]).all() and np.allclose(d, np.take_along_axis(full, order[:, :5], axis=1))
    d, i = KDTree(data).query(xs, k=5, distance_upper_bound=0.3)
    beyond = np.take_along_axis(full, order[:, :5], axis=1) >= 0.3
    assert (i[beyond] == 400).all() and np.isinf(d[beyond]).all()
    assert (i[~beyond] == order[:, :5][~beyond]).all()
    d, i = KDTree(data[:3]).query(xs, k=4)  # more neighbours asked than the tree holds
    assert (i[:, 3] == 3).all() and np.isinf(d[:, 3]).all()
    d, i = KDTree(np.zeros((0, 3))).query(xs, k=1)
    assert (i == 0).all() and np.isinf(d).all()


def test_nearest_search_does_not_import_scipy():
    import subprocess
    import sys

    code = ("import sys; from geo.spatial import nearest, _land_distance\n"
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_threads_and_blocks_do_not_change_the_answer(roads):
    """Blocks of neighbouring points searched on several threads give the one-thread
    answer row for row, k = 1 and 3, with and without a distance cut-off; a call from a
    worker thread (a dask task) searches on one."""
    from concurrent.futures import ThreadPoolExecutor

    from geo.spatial import nearest

    lines = roads.geometry.values
    xmin, ymin, xmax, ymax = roads.total_bounds
    rng = np.random.default_rng(3)
    pts = shapely.points(rng.uniform(xmin, xmax, 20_000), rng.uniform(ymin, ymax, 20_000))
    for k, cut in ((1, None), (3, None), (1, 150.0)):
        one = FeatureIndex(lines).query(pts, k=k, max_distance_m=cut, threads=1)
        four = FeatureIndex(lines).query(pts, k=k, max_distance_m=cut, threads=4)
        for field in ("point", "rank", "feature", "distance_m", "lon", "lat"):
            assert np.array_equal(getattr(one, field), getattr(four, field)), (k, cut, field)
    assert nearest._thread_count(20_000, 4) == 4 and nearest._thread_count(5_000, 4) == 1
    assert 1 <= nearest._thread_count(10**8, None) <= nearest.MAX_THREADS
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(nearest._thread_count, 20_000, None).result() == 1


def test_long_arcs_are_cut_into_pieces_of_the_same_great_circle():
    """A layer of short edges with a few long ones: the long ones (over twice the
    layer's 90th-percentile edge) become pieces no longer than it, each end on the original great circle
    and the original ends kept exactly; distances are those of the whole arc."""
    from geo.spatial._arcs import unit_vectors
    from geo.spatial.nearest import _split_long

    rng = np.random.default_rng(9)
    x0, y0 = rng.uniform(-10, 10, 200), rng.uniform(40, 50, 200)
    step = np.where(np.arange(200) % 20 == 0, 0.5, 0.001)  # every 20th edge 500 times longer
    a, b = unit_vectors(x0, y0).T.copy(), unit_vectors(x0 + step, y0 + step / 2).T.copy()  # columns
    a2, b2, arc = _split_long(a, b)
    a, b, a2, b2 = a.T, b.T, a2.T, b2.T  # rows from here on
    assert arc is not None and len(a2) > len(a)
    length, cap = np.linalg.norm(a2 - b2, axis=1), np.quantile(np.linalg.norm(a - b, axis=1), 0.9)
    cut = np.bincount(arc)[arc] > 1
    assert cut.sum() > 10 * 10 and length[cut].max() <= cap * (1 + 1e-6)
    assert length.max() <= 2 * cap  # an edge under twice the cap is left whole
    normal = np.cross(a, b)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    # On the plane of the great circle to 1e-10 rad (0.6 mm; the normal of a short arc
    # from a cross product carries rounding of about 1e-16 / its angle).
    assert np.abs(np.einsum("ij,ij->i", a2, normal[arc])).max() < 1e-10
    assert np.abs(np.einsum("ij,ij->i", b2, normal[arc])).max() < 1e-10
    starts = np.r_[True, arc[1:] != arc[:-1]]
    ends = np.r_[arc[1:] != arc[:-1], True]
    assert np.array_equal(a2[starts], a) and np.array_equal(b2[ends], b)
    assert np.array_equal(b2[:-1][~ends[:-1]], a2[1:][~starts[1:]])  # pieces join up
    lines = [shapely.LineString([(x, y), (x + s, y + s / 2)]) for x, y, s in zip(x0, y0, step, strict=True)]
    pts = shapely.points(rng.uniform(-10, 10, 300), rng.uniform(40, 50, 300))
    res = FeatureIndex(lines).query(pts, k=1)
    for i in rng.choice(300, 12, replace=False):
        ref = brute(pts[i], lines, step_deg=0.0005).min()
        assert res.distance_m[res.point == i][0] == pytest.approx(ref, rel=5e-4, abs=1.0)


def test_few_far_points_widen_the_first_pass_and_agree_with_the_runs(railroads):
    """Sites far from a layer of short arcs (Alaska, Greenland, Hawaii against North
    American rail): the first pass, widened, settles them without building the runs, and
    the answer is the one the runs give."""
    rng = np.random.default_rng(21)
    lon = np.r_[rng.uniform(-165, -141, 20), rng.uniform(-50, -25, 10), rng.uniform(-160, -155, 10)]
    lat = np.r_[rng.uniform(60, 70, 20), rng.uniform(65, 80, 10), rng.uniform(19, 22, 10)]
    pts = shapely.points(lon, lat)
    widened = FeatureIndex(railroads.geometry.values)
    a = widened.query(pts, k=1)
    assert widened._runs is None and len(a.point) == len(pts)
    by_runs = FeatureIndex(railroads.geometry.values)
    by_runs._run_index()  # built already: pending points go to the runs
    b = by_runs.query(pts, k=1)
    for field in ("point", "feature", "distance_m", "lon", "lat"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    for i in rng.choice(len(pts), 3, replace=False):
        ref = brute(pts[i], railroads.geometry.values, step_deg=0.01)
        assert a.distance_m[i] <= ref.min() + 1.0 and a.distance_m[i] == pytest.approx(ref.min(), rel=1e-3)

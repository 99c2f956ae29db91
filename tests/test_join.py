"""Country join: point in polygon, borders, coastal fallback, and the fast index."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.ops import nearest_points

from geo import join_countries, load_countries, load_sites
from geo.spatial.polygon_index import PolygonIndex


@pytest.fixture(scope="module")
def countries() -> gpd.GeoDataFrame:
    return load_countries()


def points(coords, stated=None):
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in coords], crs="EPSG:4326")
    if stated is not None:
        gdf["country"] = stated
    return gdf


def test_every_bundled_site_joins_to_its_country(countries):
    sites = load_sites()
    joined = join_countries(sites, countries)
    assert (joined["country_rule"] != "none").all()
    inside = joined[joined["country_rule"] == "within"]
    assert len(inside) / len(joined) > 0.9
    # A site in another polygon is allowed only within the border tolerance, and
    # is then reported as such by validation; nearly all must agree outright.
    assert (joined["joined_country"] == joined["country"]).mean() > 0.97


def test_inland_points(countries):
    got = join_countries(points([(-109.36, 33.07), (-69.07, -24.27), (25.48, -10.82)]), countries)
    assert got["joined_country"].tolist() == ["USA", "CHL", "COD"]
    assert got["country_rule"].tolist() == ["within"] * 3
    assert (got["country_distance_m"] == 0).all()
    assert got.loc[1, "continent"] == "America" and got.loc[1, "region"] == "South America"


def test_coastal_point_falls_back_to_nearest_with_true_distance(countries):
    pt = (-70.45, -23.65)  # in the Pacific just off Antofagasta
    got = join_countries(points([pt]), countries)
    assert got.loc[0, "joined_country"] == "CHL"
    assert got.loc[0, "country_rule"] == "nearest"
    d = got.loc[0, "country_distance_m"]
    # Independent check: geodesic distance to the nearest point of Chile's polygon
    # found in degrees (close enough this near the coast to pick the same point).
    chile = countries.set_index("iso_a3").loc["CHL"].geometry
    near = nearest_points(shapely.Point(pt), chile)[1]
    _, _, geodesic = Geod(ellps="WGS84").inv(pt[0], pt[1], near.x, near.y)
    assert 0 < d < 25_000
    assert d == pytest.approx(geodesic, rel=0.05)


def test_far_at_sea_gets_no_country(countries):
    got = join_countries(points([(-140.0, -30.0)]), countries)
    assert got.loc[0, "country_rule"] == "none"
    assert got.loc[0, "joined_country"] is None


def test_max_distance_limits_fallback(countries):
    got = join_countries(points([(-70.45, -23.65)]), countries, max_distance_m=100)
    assert got.loc[0, "country_rule"] == "none"


def test_point_on_a_border_prefers_stated_country(countries):
    c = countries.set_index("iso_a3")
    shared = shapely.intersection(c.loc["USA"].geometry.boundary, c.loc["CAN"].geometry.boundary)
    x, y = shapely.get_coordinates(shared)[len(shapely.get_coordinates(shared)) // 2]
    for stated in ("USA", "CAN"):
        got = join_countries(points([(x, y)], [stated]), countries)
        assert got.loc[0, "country_rule"] == "boundary"
        assert got.loc[0, "joined_country"] == stated


def test_polygon_index_matches_sjoin(countries):
    rng = np.random.default_rng(7)
    n = 50_000
    pts = shapely.points(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n))
    index = PolygonIndex(countries.geometry.values, grid_cells=720)
    # The hard cases for the grid: points on the lines each row of cells is classified
    # along, on cell edges (where locate's rounding may pick the neighbouring cell) and
    # on polygon vertices (on a boundary: in no polygon).
    x0, y0, size, nx, ny, state = index.grid
    assert (state == -2).mean() < 0.2  # most cells answered by lookup
    k = rng.integers(0, ny, 20_000)
    on_rows = shapely.points(rng.uniform(-180, 180, len(k)), y0 + (k + 0.5) * size)
    i = rng.integers(0, nx, 20_000)
    on_edges = shapely.points(x0 + i * size, rng.uniform(-90, 90, len(i)))
    corners = shapely.points(x0 + i * size, y0 + k * size)
    vertices = shapely.points(shapely.get_coordinates(countries.geometry.values)[::7])
    pts = np.concatenate([pts, on_rows, on_edges, corners, vertices])
    frame = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")
    j = gpd.sjoin(frame, countries, how="left", predicate="within")
    j = j[~j.index.duplicated()]
    expected = j["index_right"].fillna(-1).astype(int).to_numpy()
    got = index.locate(pts)
    assert (got >= 0).sum() > 10_000
    assert (got[n:n + len(k)] >= 0).sum() > 3_000
    assert np.array_equal(got, expected)
    # The same from coordinates, without point objects.
    assert np.array_equal(index.locate_xy(shapely.get_x(pts), shapely.get_y(pts)), expected)


def test_polygon_index_pieces_cover_their_polygons(countries):
    """The small pieces (for coastal distances) are each at most ``max_vertices`` vertices
    and together cover their polygon: same area, and distances from points at sea equal
    the distance to the whole polygon."""
    index = PolygonIndex(countries.geometry.values, max_vertices=64)
    pieces, owner = index.pieces, index.piece_owner
    assert len(pieces) > len(countries)
    assert shapely.get_num_coordinates(pieces).max() <= 64
    area = np.bincount(owner, weights=shapely.area(pieces), minlength=len(countries))
    np.testing.assert_allclose(area, shapely.area(index.polygons), rtol=1e-9, atol=1e-9)
    rng = np.random.default_rng(3)
    sea = shapely.points(rng.uniform(-180, 180, 3_000), rng.uniform(-60, 75, 3_000))
    sea = sea[index.locate(sea) < 0][:1_000]
    chl = int(np.flatnonzero(countries["iso_a3"].to_numpy() == "CHL")[0])
    mine = pieces[owner == chl]
    d_pieces = shapely.distance(sea[:, None], mine[None, :]).min(axis=1)
    np.testing.assert_allclose(d_pieces, shapely.distance(sea, index.polygons[chl]), rtol=1e-9)


def test_polygon_index_repairs_invalid_polygons_instead_of_failing():
    """A self-intersecting ring (a bow tie) and a polygon whose repair gives a collection
    with a stray line: both are indexed by their polygonal parts, and points answer as
    ``sjoin(predicate="within")`` does on the repaired layer."""
    import numpy as np
    import shapely

    from geo.spatial.polygon_index import PolygonIndex

    bow = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    spike = shapely.Polygon([(3, 0), (5, 0), (5, 2), (3, 2), (3, 0), (6, 1), (3, 0)])
    ok = shapely.box(10, 10, 11, 11)
    assert not shapely.is_valid(bow) and not shapely.is_valid(spike)
    index = PolygonIndex([bow, spike, ok])
    assert sorted(index.repaired.tolist()) == [0, 1]
    assert shapely.is_valid(index.polygons).all()
    assert set(shapely.get_type_id(index.polygons)) <= {3, 6}
    rng = np.random.default_rng(2)
    pts = shapely.points(rng.uniform(-1, 12, 20_000), rng.uniform(-1, 12, 20_000))
    got = index.locate(pts)
    layer = gpd.GeoDataFrame(geometry=index.polygons)
    hits = (
        gpd.sjoin(gpd.GeoDataFrame(geometry=pts), layer, predicate="within")
        .groupby(level=0)["index_right"]
        .min()
    )
    expected = np.full(len(pts), -1)
    expected[hits.index] = hits.to_numpy()
    assert (got == expected).all()
    assert (got == 0).any() and (got == 1).any() and (got == 2).any()


def test_fallback_at_sea_matches_a_per_point_reference(countries):
    """The vectorised coastal fallback (all points at sea in one pass over the small
    pieces, local tangent planes) against a per-point reference: each point projected
    azimuthal-equidistant on itself, distances to every whole country polygon."""
    from geo.spatial.join import assign_polygons, distances_from_point, polygon_index

    index = polygon_index(countries)
    rng = np.random.default_rng(5)
    # Points scattered around coastline vertices: most at sea, many within 25 km of land.
    coast = shapely.get_coordinates(shapely.boundary(countries.geometry.values))
    base = coast[rng.integers(0, len(coast), 4_000)]
    xy = base + rng.normal(0, 0.15, base.shape)
    pts = shapely.points(xy)
    sea = pts[index.locate(pts) < 0][:150]
    got = assign_polygons(gpd.GeoSeries(sea, crs="EPSG:4326"), countries)
    polys = np.asarray(countries.geometry.values)
    tree = shapely.STRtree(polys)
    want_pos, want_d, second = [], [], []
    for p in sea:
        # Countries within about a degree (azimuthal equidistant is only good nearby).
        near = tree.query(shapely.box(p.x - 1.5, p.y - 1, p.x + 1.5, p.y + 1))
        d = np.sort(distances_from_point(p.x, p.y, polys[near]))
        k = near[np.argmin(distances_from_point(p.x, p.y, polys[near]))] if len(near) else -1
        want_pos.append(k if len(near) and d[0] <= 25_000 else -1)
        want_d.append(d[0] if len(near) else np.inf)
        second.append(d[1] if len(near) > 1 else np.inf)
    want_pos, want_d, second = np.array(want_pos), np.array(want_d), np.array(second)
    pos, rule = got["position"].to_numpy(), got["rule"].to_numpy()
    assert (rule == "nearest").sum() > 75 and (rule == "none").sum() > 3
    # Same country, except where two are all but equally near (0.5 % apart).
    nearest = rule == "nearest"
    clear = second[nearest] > want_d[nearest] * 1.005
    assert clear.mean() > 0.9
    assert np.array_equal(pos[nearest][clear], want_pos[nearest][clear])
    # Metres: straight edges in degrees against straight edges in the projection differ
    # a little on long edges (4 % at most here); the tangent plane itself is good to
    # about 0.1 %.
    d_got, d_want = got["distance_m"].to_numpy()[nearest], want_d[nearest]
    assert np.median(np.abs(d_got - d_want) / d_want) < 0.003
    np.testing.assert_allclose(d_got, d_want, rtol=0.05, atol=50.0)
    # Beyond 25 km (with the 1 % margin the tangent plane may be off): nothing.
    far = want_d > 25_000 * 1.01
    assert (rule[far] == "none").all()


def test_near_pieces_nearest_only_keeps_the_nearest_and_the_border(countries):
    """The pruned search (boxes against the first measured piece) finds, per point, the
    same nearest polygon and distance, and every polygon within the border tolerance, as
    measuring every piece in reach."""
    from geo.spatial.join import BOUNDARY_TOLERANCE_M, near_pieces, polygon_index

    index = polygon_index(countries)
    rng = np.random.default_rng(8)
    coast = shapely.get_coordinates(shapely.boundary(countries.geometry.values))
    xy = coast[rng.integers(0, len(coast), 20_000)] + rng.normal(0, 0.1, (20_000, 2))
    # Some exactly on borders and coasts, and some across the antimeridian and near poles.
    xy = np.concatenate([xy, coast[::50], [[179.99, -16.5], [-179.99, 65.0], [0.0, -89.0]]])
    # In no polygon, as assign_polygons asks (on a boundary counts: distance 0).
    xy = xy[index.locate_xy(xy[:, 0], xy[:, 1]) < 0]
    lon, lat = xy[:, 0], xy[:, 1]

    def per_point(p_i, poly, d):
        order = np.lexsort((poly, d, p_i))
        p_i, poly, d = p_i[order], poly[order], d[order]
        first = np.concatenate([[True], p_i[1:] != p_i[:-1]])
        border = {(a, b) for a, b, m in zip(p_i, poly, d, strict=True) if m <= BOUNDARY_TOLERANCE_M}
        return dict(zip(p_i[first], zip(poly[first], d[first], strict=True), strict=True)), border

    full_hits = near_pieces(lon, lat, index, 25_000.0)
    full, border_full = per_point(*full_hits)
    pruned, border_pruned = per_point(*near_pieces(lon, lat, index, 25_000.0, nearest_only=True))
    assert len(full) > 6_000 and len(border_full) > 50
    assert pruned.keys() == full.keys()
    # The pruned search measures in numpy, the full one through GEOS: equal to 1e-8 m.
    gap = np.array([abs(pruned[k][1] - full[k][1]) for k in full])
    assert gap.max() < 1e-6
    # The same nearest polygon but for ties (a border meeting the coast at the nearest
    # vertex), which assign_polygons settles by the row.
    pairs = {(a, b): m for a, b, m in zip(*full_hits, strict=True)}
    other = [k for k in full if pruned[k][0] != full[k][0]]
    assert len(other) < 0.001 * len(full)
    assert all(abs(pairs[(k, pruned[k][0])] - full[k][1]) < 1e-6 for k in other)
    assert border_pruned == border_full

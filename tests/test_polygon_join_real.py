"""The polygon index against ``sjoin(predicate="within")`` on real polygon layers.

Natural Earth 1:10m countries as world-atlas ships them (TopoJSON: 52 of 255 invalid,
rings drawn across the antimeridian), the same after ``make_valid`` (36 collections),
PAD-US state subsets (overlapping units) and the bundled 1:50m layer; random points
from fixed seeds, the oracle run on the same polygons the index holds.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import load_countries
from geo.core.errors import DataError
from geo.spatial.polygon_index import PolygonIndex, repair_polygons

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
TOPO_10M = REAL / "world-atlas-ne-topojson" / "countries-10m.json"
PADUS = REAL / "padus3-state-subsets-potamap"


def sjoin_lowest(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """``sjoin(points, polygons, predicate="within")``, the lowest polygon per point, -1
    for none (the index's rule where polygons overlap)."""
    frame = gpd.GeoDataFrame(geometry=points)
    hits = gpd.sjoin(frame, gpd.GeoDataFrame(geometry=polygons), predicate="within")
    lowest = hits.groupby(level=0)["index_right"].min()
    out = np.full(len(points), -1)
    out[lowest.index.to_numpy()] = lowest.to_numpy()
    return out


def random_points(seed: int, n: int, bounds) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = bounds
    return shapely.points(rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n))


@pytest.fixture(scope="module")
def ne10m() -> gpd.GeoDataFrame:
    return gpd.read_file(TOPO_10M, layer="countries")


@pytest.fixture(scope="module")
def ne10m_index(ne10m) -> PolygonIndex:
    return PolygonIndex(ne10m.geometry.values)


def test_ne10m_raw_is_repaired_and_answers_as_sjoin_on_the_repair(ne10m, ne10m_index):
    raw = ne10m.geometry.values
    invalid = ~shapely.is_valid(raw)
    assert invalid.sum() > 40  # the layer as shipped, not a cleaned copy
    index = ne10m_index
    assert sorted(index.repaired.tolist()) == np.flatnonzero(invalid).tolist()
    assert shapely.is_valid(index.polygons).all()
    assert set(shapely.get_type_id(index.polygons).tolist()) <= {3, 6}
    pts = random_points(10, 30_000, (-180, -90, 180, 90))
    got = index.locate(pts)
    assert (got >= 0).sum() > 7_000
    assert np.array_equal(got, sjoin_lowest(pts, index.polygons))
    # Where the raw polygon is valid and the only one sjoin finds, the raw answer holds.
    raw_hits = sjoin_lowest(pts, raw)
    plain = (raw_hits >= 0) & ~invalid[np.maximum(raw_hits, 0)]
    assert plain.sum() > 1_500
    assert np.array_equal(got[plain], raw_hits[plain])


def test_ne10m_antimeridian_rings_do_not_sweep_the_globe(ne10m, ne10m_index):
    """make_valid alone reads Russia's rings that cross 180 degrees as bands round the
    world (Alaska in Russia); the repair redraws them."""
    names = ne10m["name"].to_numpy()
    places = {
        (-150.0, 65.0): "United States of America",  # Alaska
        (-100.0, 60.0): "Canada",
        (-40.0, 75.0): "Greenland",
        (175.0, 66.0): "Russia",  # Chukotka east of 180
        (-175.0, 66.5): "Russia",  # Chukotka west of 180
        (178.0, -17.8): "Fiji",
        (73.35, 29.69): "India",  # wrong (Pakistan) when collections were skipped
        (82.51, 46.73): "Kazakhstan",  # wrong (China) likewise
        (0.0, -89.5): "Antarctica",  # inside the ring that circles the pole
        (100.0, -80.0): "Antarctica",
    }
    got = ne10m_index.locate(shapely.points(list(places)))
    assert [names[g] if g >= 0 else None for g in got] == list(places.values())
    russia = ne10m_index.polygons[np.flatnonzero(names == "Russia")[0]]
    naive = shapely.make_valid(ne10m.geometry.values[np.flatnonzero(names == "Russia")[0]])
    alaska = shapely.Point(-148.5, 67.4)
    assert naive.contains(alaska) and not russia.contains(alaska)
    assert names[ne10m_index.locate(np.array([alaska]))[0]] == "United States of America"


def test_ne10m_made_valid_collections_answer_as_sjoin(ne10m):
    made_valid = shapely.make_valid(ne10m.geometry.values)
    assert (shapely.get_type_id(made_valid) == 7).sum() > 30
    index = PolygonIndex(made_valid)
    pts = random_points(11, 10_000, (-180, -90, 180, 90))
    got = index.locate(pts)
    # Against sjoin on the collections themselves, not on the index's polygons.
    assert np.array_equal(got, sjoin_lowest(pts, made_valid))
    assert (got >= 0).sum() > 2_500


@pytest.mark.parametrize("name", sorted(p.name for p in PADUS.glob("*.geojson")))
def test_padus_answers_as_sjoin(name):
    land = gpd.read_file(PADUS / name)
    index = PolygonIndex(land.geometry.values)
    xmin, ymin, xmax, ymax = land.total_bounds
    pts = random_points(12, 30_000, (xmin, ymin, xmax, ymax))
    # Points on vertices too: on a boundary, in no polygon (as sjoin within says).
    xy = shapely.get_coordinates(land.geometry.values)[::97]
    pts = np.concatenate([pts, shapely.points(xy)])
    got = index.locate(pts)
    assert (got >= 0).sum() > 300
    assert np.array_equal(got, sjoin_lowest(pts, index.polygons))


def test_bundled_50m_answers_as_sjoin():
    countries = load_countries()
    index = PolygonIndex(countries.geometry.values, max_vertices=64)
    pts = random_points(13, 60_000, (-180, -90, 180, 90))
    got = index.locate(pts)
    assert (got >= 0).sum() > 15_000
    assert np.array_equal(got, sjoin_lowest(pts, countries.geometry.values))


def test_a_line_in_a_polygon_layer_is_refused_naming_its_row():
    layer = [shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)])]
    with pytest.raises(DataError) as err:
        repair_polygons(layer, source="lakes.gpkg")
    assert str(err.value).startswith("lakes.gpkg:2 [geometry]: a LineString is not a polygon")
    assert "\n" not in str(err.value)


def test_a_collection_keeps_its_polygonal_parts_dissolved():
    touching = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
                                           shapely.LineString([(5, 5), (6, 6)])])
    fixed, changed = repair_polygons([touching])
    assert changed.tolist() == [0]
    assert fixed[0].geom_type == "Polygon" and fixed[0].area == pytest.approx(2.0)


def test_ne10m_points_on_grid_lines_answer_as_sjoin(ne10m_index):
    """Points on the lines the grid's rows are classified along and on cell edges, for
    the default grid and an odd one built on the repaired polygons as they are."""
    rng = np.random.default_rng(14)
    again = PolygonIndex(ne10m_index.polygons, grid_cells=977, repair=False)
    pts = []
    for index in (ne10m_index, again):
        x0, y0, size, nx, ny, _ = index.grid
        k, i = rng.integers(0, ny, 8_000), rng.integers(0, nx, 8_000)
        pts += [shapely.points(rng.uniform(-180, 180, len(k)), y0 + (k + 0.5) * size),
                shapely.points(x0 + i * size, rng.uniform(-90, 90, len(i))),
                shapely.points(x0 + i * size, y0 + k * size)]
    pts = np.concatenate(pts)
    expected = sjoin_lowest(pts, ne10m_index.polygons)
    assert (expected >= 0).sum() > 10_000
    assert np.array_equal(ne10m_index.locate(pts), expected)
    assert np.array_equal(again.locate(pts), expected)

"""Federal land on real PAD-US, NPS and National Atlas files, plus synthetic edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo import DataError, load_sites
from geo.io.federal_land import read_federal_land
from geo.spatial import _land_distance
from geo.spatial._land_distance import BoundaryRuns
from geo.spatial.federal import distance_to_land, federal_area_within, on_federal_land
from geo.spatial.nearest import FeatureIndex

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
PADUS = REAL / "padus3-state-subsets-potamap"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def nm():
    return read_federal_land(PADUS / "PADUS3_0Combined_StateNM.geojson")


@pytest.fixture(scope="module")
def nv():
    return read_federal_land(PADUS / "PADUS3_0Fee_StateNV.geojson")


def boundary_distance(lon, lat, polygon, step=0.001):
    """Independent check: geodesic distance to a densified polygon boundary."""
    coords = shapely.get_coordinates(shapely.segmentize(shapely.boundary(polygon), step))
    _, _, d = GEOD.inv(np.full(len(coords), lon), np.full(len(coords), lat), coords[:, 0], coords[:, 1])
    return d.min()


def test_padus_subsets_normalise(nm, nv):
    assert set(nm["agency"]) == {"USFS", "NPS", "FWS", "BLM"}
    assert nm["federal"].all() and (nm["manager_type"] == "FED").all()
    assert nm.crs.to_epsg() == 4326
    assert {"agency", "owner", "unit_name", "designation", "source", "source_row"} <= set(nm.columns)
    # The potamap export has self-intersecting rings: repaired, listed, none dropped.
    raw = gpd.read_file(PADUS / "PADUS3_0Combined_StateNM.geojson")
    fed = (raw["MANTYPE"] == "FED").sum()
    assert len(nm) == fed
    assert nm.attrs["repaired_rows"] and shapely.is_valid(nm.geometry.values).all()
    assert "Gila National Forest" in set(nm["unit_name"])
    nonfed = read_federal_land(PADUS / "PADUS3_0Combined_StateNM.geojson", federal_only=False)
    assert len(nonfed) == len(raw) and (~nonfed["federal"]).sum() == len(raw) - fed


def test_chino_and_robinson_against_padus(nm, nv):
    sites = load_sites()
    pick = sites[sites["id"].isin(["chino", "robinson"])].set_index("id")
    land = gpd.GeoDataFrame(pd.concat([nm, nv], ignore_index=True), crs="EPSG:4326")
    on = on_federal_land(pick, land)
    # Neither mine point falls inside a unit of these subsets (forests, parks, refuges; not
    # the plain BLM public domain, which the subsets omit).
    assert not on["on_federal_land"].any()
    near = distance_to_land(pick, land, "USFS")
    gila = nm[nm["unit_name"] == "Gila National Forest"].geometry.union_all()
    humboldt = nv[nv["unit_name"] == "Humboldt National Forest"].geometry.union_all()
    for site, unit, poly in (
        ("chino", "Gila National Forest", gila),
        ("robinson", "Humboldt National Forest", humboldt),
    ):
        p = pick.geometry[site]
        assert near.loc[site, "unit"] == unit
        ref = boundary_distance(p.x, p.y, poly)
        assert near.loc[site, "distance_m"] == pytest.approx(ref, rel=1e-3, abs=2.0)
        assert 500 < near.loc[site, "distance_m"] < 20_000


def test_inside_and_on_the_boundary(nm):
    gila = nm[nm["unit_name"] == "Gila National Forest"]
    inside = shapely.point_on_surface(gila.geometry.values[0])
    vertex = shapely.Point(shapely.get_coordinates(gila.geometry.values[0])[5])
    sites = gpd.GeoDataFrame({"id": ["in", "edge"]}, geometry=[inside, vertex], crs="EPSG:4326")
    on = on_federal_land(sites, nm)
    assert on["on_federal_land"].all()
    assert all("USFS" in a.split(";") for a in on["federal_agency"])
    assert "Gila National Forest" in on["federal_unit"].iloc[0]
    assert (distance_to_land(sites, nm)["distance_m"] == 0).all()
    assert not on_federal_land(sites, nm, "NPS")["on_federal_land"].any()


def test_other_sources_normalise():
    wild = read_federal_land(REAL / "national-atlas-wilderness-co-ut" / "coutwildrnp.shp")
    assert set(wild["agency"]) == {"USFS", "NPS", "BLM", "FWS"}
    assert (wild["designation"] == "Wilderness").all()
    nps = read_federal_land(REAL / "natural-earth-v4" / "ne_10m_parks_and_protected_lands_area.json")
    assert (nps["agency"] == "NPS").all() and len(nps) == 61
    zion = read_federal_land(REAL / "zion-srtm-dem-nps-boundary" / "zion.gpkg")  # UTM 12N on disk
    assert zion.crs.to_epsg() == 4326 and zion["unit_name"].iloc[0].startswith("Zion")
    springdale = gpd.GeoDataFrame(geometry=[shapely.Point(-113.0, 37.3)], crs="EPSG:4326")
    assert on_federal_land(springdale, zion)["on_federal_land"].iloc[0]


def _padus_file(tmp_path, geometries, crs="EPSG:4326", name="land.geojson"):
    gdf = gpd.GeoDataFrame(
        {
            "Mang_Name": ["BLM"] * len(geometries),
            "Mang_Type": ["FED"] * len(geometries),
            "Own_Name": ["BLM"] * len(geometries),
            "Unit_Nm": [f"unit {i}" for i in range(len(geometries))],
            "Des_Tp": ["PUB"] * len(geometries),
            "GAP_Sts": ["3"] * len(geometries),
        },
        geometry=geometries,
        crs=crs,
    )
    path = tmp_path / name
    gdf.to_file(path)
    return path


def test_invalid_polygon_repaired_and_reported(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    square = shapely.box(2, 0, 3, 1)
    land = read_federal_land(_padus_file(tmp_path, [square, bowtie]))
    assert land.attrs["repaired_rows"] == [2]
    assert len(land) == 2 and shapely.is_valid(land.geometry.values).all()
    assert land.geometry.values[1].area == pytest.approx(0.5)


def test_bad_inputs_name_file_row_field(tmp_path):
    path = _padus_file(tmp_path, [shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)])])
    with pytest.raises(DataError, match=r"land.geojson:2 \[geometry\]: not a polygon"):
        read_federal_land(path)
    shp = _padus_file(tmp_path, [shapely.box(0, 0, 1, 1)], name="nocrs.shp")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(DataError, match=r"nocrs.shp \[geometry\]: no CRS"):
        read_federal_land(shp)
    other = tmp_path / "other.geojson"
    other.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"foo": 1},
                        "geometry": {"type": "Point", "coordinates": [0, 0]},
                    }
                ],
            }
        )
    )
    with pytest.raises(DataError, match="not a federal-land layer"):
        read_federal_land(other)
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"SQLite format 3\x00 but not really")
    with pytest.raises(DataError, match=r"broken\.gpkg: cannot read"):
        read_federal_land(broken)
    ok = read_federal_land(_padus_file(tmp_path, [shapely.box(0, 0, 1, 1)], name="ok.geojson"))
    with pytest.raises(ValueError, match="unknown agency 'NASAX'"):
        on_federal_land(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4326), ok, "NASAX")


def test_projected_input_is_reprojected(tmp_path):
    square = gpd.GeoSeries([shapely.box(-111.0, 33.0, -110.0, 34.0)], crs="EPSG:4326").to_crs("EPSG:26912")
    land = read_federal_land(_padus_file(tmp_path, list(square.values), crs="EPSG:26912", name="utm.gpkg"))
    assert land.crs.to_epsg() == 4326
    site = gpd.GeoDataFrame(geometry=[shapely.Point(-110.5, 33.5)], crs="EPSG:4326").to_crs("EPSG:3857")
    assert on_federal_land(site, land)["on_federal_land"].iloc[0]


def test_federal_area_within_radius(tmp_path):
    # A 1 x 1 degree block, listed twice (as PAD-US Fee and Designation layers overlap).
    block = shapely.box(-111.0, 33.0, -110.0, 34.0)
    land = read_federal_land(_padus_file(tmp_path, [block, block]))
    sites = gpd.GeoDataFrame(
        {"id": ["centre", "corner", "far"]},
        geometry=[shapely.Point(-110.5, 33.5), shapely.Point(-110.0, 34.0), shapely.Point(-100.0, 40.0)],
        crs="EPSG:4326",
    )
    area = federal_area_within(sites, land, 10_000)
    circle = np.pi * 10_000**2
    assert area.loc[0, "share"] == pytest.approx(1.0, abs=2e-3)
    assert area.loc[0, "area_m2"] == pytest.approx(circle, rel=2e-3)
    assert area.loc[1, "share"] == pytest.approx(0.25, abs=0.01)  # corner of the block
    assert area.loc[2, "area_m2"] == 0.0
    assert federal_area_within(sites, land, 10_000, agency="NPS")["area_m2"].sum() == 0.0


@pytest.mark.filterwarnings("ignore:organizePolygons")
def test_padus_file_geodatabase_in_a_zip(tmp_path):
    """PAD-US ships state file geodatabases (zipped) with Fee, Designation and Combined
    layers; the Combined layer is read by default, any other on request."""
    import zipfile

    import pyogrio

    nm = gpd.read_file(PADUS / "PADUS3_0Combined_StateNM.geojson").head(12)
    full = gpd.GeoDataFrame({
        "FeatClass": ["Proclamation"] + ["Fee"] * (len(nm) - 1),
        "Mang_Name": nm["MANNAME"], "Mang_Type": nm["MANTYPE"], "Own_Name": nm["OWNNAME"],
        "Own_Type": nm["OWNTYPE"], "Unit_Nm": nm["NAME"], "Des_Tp": "NF", "GAP_Sts": "3",
    }, geometry=nm.geometry.buffer(0).values, crs="EPSG:4326").to_crs("ESRI:102039")
    gdb = tmp_path / "PADUS4_0_StateNM.gdb"
    pyogrio.write_dataframe(full.head(3), gdb, layer="PADUS4_0Fee_State_NM", driver="OpenFileGDB",
                            promote_to_multi=True)
    pyogrio.write_dataframe(full, gdb, layer="PADUS4_0Combined_State_NM", driver="OpenFileGDB", append=True,
                            promote_to_multi=True)
    archive = tmp_path / "PADUS4_0_State_NM_GDB.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in gdb.iterdir():
            zf.write(f, f"PADUS4_0_StateNM.gdb/{f.name}")
    land = read_federal_land(archive)
    fee_fed = (full["Mang_Type"] == "FED") & (full["FeatClass"] == "Fee")
    # The proclamation boundary (first row, federal) is left out: it encloses inholdings.
    assert full["Mang_Type"].iloc[0] == "FED" and len(land) == fee_fed.sum()
    assert len(read_federal_land(archive, include_proclamation=True)) == (full["Mang_Type"] == "FED").sum()
    assert land.crs.to_epsg() == 4326 and land["designation"].eq("NF").all()
    fee = read_federal_land(archive, layer="PADUS4_0Fee_State_NM")
    assert len(fee) == ((full.head(3)["Mang_Type"] == "FED") & (full.head(3)["FeatClass"] == "Fee")).sum()


def test_blm_sma_and_usfs_schemas(tmp_path):
    """BLM SMA (ADMIN_AGENCY_CODE / ADMIN_UNIT_NAME; FS, PVT, ST...) and the USFS
    administrative-forest shapefile (FORESTNAME) normalise to the same schema."""
    boxes = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    sma = gpd.GeoDataFrame({"ADMIN_AGENCY_CODE": ["BLM", "FS", "PVT", "ST"],
                            "ADMIN_UNIT_NAME": ["Tucson Field Office", "Coronado NF", None, None],
                            "ADMIN_DEPT_CODE": ["DOI", "USDA", "PVT", "ST"]}, geometry=boxes, crs="EPSG:4269")
    sma.to_file(tmp_path / "sma.gpkg")
    land = read_federal_land(tmp_path / "sma.gpkg")
    assert land["agency"].tolist() == ["BLM", "USFS"] and land["source_row"].tolist() == [1, 2]
    forests = gpd.GeoDataFrame({"ADMINFORES": ["99030500010343"], "REGION": ["03"],
                                "FORESTNAME": ["Tonto National Forest"]}, geometry=boxes[:1], crs="EPSG:4269")
    forests.to_file(tmp_path / "S_USA.AdministrativeForest.shp")
    usfs = read_federal_land(tmp_path / "S_USA.AdministrativeForest.shp")
    assert usfs.loc[0, "agency"] == "USFS" and usfs.loc[0, "unit_name"] == "Tonto National Forest"


# distance_to_land searches boundaries as runs of arcs (geo.spatial._land_distance);
# the reference is the arc index over every arc (FeatureIndex), same arc maths.


def _arc_index(land, lon, lat, max_distance_m=None):
    pts = shapely.points(lon, lat)
    res = FeatureIndex(land.geometry.values).query(pts, k=1, max_distance_m=max_distance_m)
    dist, feature = np.full(len(lon), np.nan), np.full(len(lon), -1)
    dist[res.point], feature[res.point] = res.distance_m, res.feature
    return dist, feature


def _runs(land, lon, lat, max_distance_m=None, **kw):
    point, feature, d = BoundaryRuns(land.geometry.values, **kw).nearest(lon, lat, max_distance_m)
    dist, feat = np.full(len(lon), np.nan), np.full(len(lon), -1)
    dist[point], feat[point] = d, feature
    return dist, feat


def _same_answer(land, lon, lat, dist, feature, ref_dist, ref_feature):
    assert np.array_equal(np.isnan(dist), np.isnan(ref_dist))
    ok = ~np.isnan(dist)
    # Never farther than the arc index but for where on an arc the closest point is taken
    # (the arc index cuts its longest arcs into pieces, whose feet on the sphere come a
    # little nearer the ellipsoidal optimum: at most 2 m in 256 km here; each measures
    # real points of the boundary, so the nearer is the better), and the same to 0.01 %
    # or 0.5 m.
    assert np.all(dist[ok] <= ref_dist[ok] * (1 + 1e-5) + 1e-6)
    assert np.allclose(dist[ok], ref_dist[ok], rtol=1e-4, atol=0.5)
    # The same unit, or one whose boundary is as near (overlapping units share edges).
    other = ok & (feature != ref_feature)
    for i in np.flatnonzero(other):
        d = boundary_distance(lon[i], lat[i], land.geometry.values[feature[i]], step=0.0005)
        assert d == pytest.approx(dist[i], rel=1e-3, abs=2.0)


@pytest.mark.parametrize(
    ("radius_m", "chunk", "start_k"), [(3_000.0, None, 16), (200.0, 700, 1), (80_000.0, None, 2)]
)
def test_runs_match_the_arc_index_on_padus(nm, nv, radius_m, chunk, start_k, monkeypatch):
    """Real PAD-US (multi-polygons, holes, overlapping units), points near and far; the
    run size, the chunking and the first fetch size change the work, not the answer."""
    if chunk:
        monkeypatch.setattr(_land_distance, "CHUNK_ARCS", chunk)
    monkeypatch.setattr(BoundaryRuns._candidate_runs, "__defaults__", (start_k,))
    land = gpd.GeoDataFrame(pd.concat([nm, nv], ignore_index=True), crs="EPSG:4326")
    rng = np.random.default_rng(11)
    lon = np.r_[rng.uniform(-121, -102, 400), -75.0, 2.35, 151.2, 0.0, -110.0]
    lat = np.r_[rng.uniform(30, 43, 400), 40.0, 48.85, -33.9, 89.9, -89.0]
    off = ~on_federal_land(gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs=4326), land)[
        "on_federal_land"
    ].to_numpy()
    lon, lat = lon[off], lat[off]
    assert off.sum() > 300
    dist, feature = _runs(land, lon, lat, radius_m=radius_m)
    ref_dist, ref_feature = _arc_index(land, lon, lat)
    _same_answer(land, lon, lat, dist, feature, ref_dist, ref_feature)
    assert dist.max() > 10_000_000  # Sydney and the South Pole are a long way off
    for i in rng.choice(len(lon), 4, replace=False):
        ref = boundary_distance(lon[i], lat[i], land.geometry.values[feature[i]])
        assert dist[i] == pytest.approx(ref, rel=1e-3, abs=2.0)


def test_runs_holes_antimeridian_poles_and_cutoff():
    ring = shapely.box(-111.0, 33.0, -110.0, 34.0)
    holed = ring.difference(shapely.box(-110.6, 33.4, -110.4, 33.6))
    fiji = shapely.MultiPolygon(
        [shapely.box(178.0, -18.0, 179.5, -17.0), shapely.box(-179.5, -18.0, -178.0, -17.0)]
    )
    polar = shapely.box(-180.0, 88.0, 180.0, 89.0)  # a band round the pole, edges drawn in lon/lat
    long_edges = shapely.Polygon([(-100.0, 30.0), (-90.0, 30.0), (-95.0, 35.0)])  # densified
    land = gpd.GeoDataFrame(
        {"agency": ["BLM", "NPS", "FWS", "DOD", "BLM"],
         "unit_name": ["holed", "fiji", "polar", "long", "none"]},
        geometry=[holed, fiji, polar, long_edges, shapely.Polygon()],  # an empty one last
        crs="EPSG:4326",
    )
    lon = np.array([-110.5, -110.55, 179.8, -179.7, 179.99, 170.0, 30.0, -95.0, -95.0, 0.0, -80.0])
    lat = np.array([33.5, 33.45, -17.5, -17.5, -16.9, -17.5, 87.5, 29.9, 35.5, 0.0, 25.0])
    dist, feature = _runs(land, lon, lat, radius_m=2_000.0)
    ref_dist, ref_feature = _arc_index(land, lon, lat)
    _same_answer(land, lon, lat, dist, feature, ref_dist, ref_feature)
    # In the hole: 0.1 degree of longitude to its edge; across the antimeridian.
    assert feature[:2].tolist() == [0, 0]
    assert dist[0] == pytest.approx(GEOD.inv(-110.5, 33.5, -110.4, 33.5)[2], rel=1e-4)
    assert feature[2:6].tolist() == [1, 1, 1, 1] and dist[3] < dist[2]
    assert feature[6] == 2 and dist[6] == pytest.approx(55_800, rel=3e-3)
    for i in range(len(lon)):
        ref = boundary_distance(lon[i], lat[i], land.geometry.values[feature[i]])
        assert dist[i] == pytest.approx(ref, rel=1e-3, abs=2.0)
    # A cut-off: NaN beyond it, the same metres within it, as the arc index.
    cut_dist, cut_feature = _runs(land, lon, lat, max_distance_m=60_000.0)
    ref_dist, ref_feature = _arc_index(land, lon, lat, max_distance_m=60_000.0)
    _same_answer(land, lon, lat, cut_dist, cut_feature, ref_dist, ref_feature)
    assert np.isnan(cut_dist[9]) and (np.isnan(cut_dist) == (dist > 60_000.0)).all()
    sites = gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs=4326)
    near = distance_to_land(sites, land, max_distance_m=60_000.0)
    assert np.allclose(near["distance_m"].to_numpy(), cut_dist, equal_nan=True)
    assert near["unit"].iloc[2] == "fiji" and near["unit"].iloc[9] is None


def test_runs_on_generated_land_match_the_arc_index():
    """The benchmark's PAD-US-like layer (smaller): overlapping 48-gons."""
    import importlib.util

    path = Path(__file__).parents[1] / "benchmarks" / "bench_federal.py"
    spec = importlib.util.spec_from_file_location("bench_federal", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    land = bench.synthetic_land(3_000, 5)
    rng = np.random.default_rng(6)
    lon, lat = rng.uniform(-126, -66, 1500), rng.uniform(24, 50, 1500)
    sites = gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs=4326)
    near = distance_to_land(sites, land)
    on = on_federal_land(sites, land)["on_federal_land"].to_numpy()
    assert on.any() and (near["distance_m"].to_numpy()[on] == 0).all()
    ref_dist, ref_feature = _arc_index(land, lon[~on], lat[~on])
    feature = np.array([int(u.split()[1]) for u in near["unit"].to_numpy()[~on]])  # "unit {i}"
    _same_answer(land, lon[~on], lat[~on], near["distance_m"].to_numpy()[~on], feature, ref_dist, ref_feature)

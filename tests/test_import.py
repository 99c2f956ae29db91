"""`minetrack import` and any file everywhere: presets on real files (or files built
from the publisher's field list), mappings, rejects, any CRS and format."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geo.cli import main
from geo.core.errors import DataError
from geo.core.tables import ROW
from geo.facts.importing import import_sites
from geo.facts.importing.mapping import load_mapping, load_preset, preset_names

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
AFRICA = REAL / "usgs-africa-mineral-industries" / "AFR_Mineral_Facilities.geojson"
EXPLORATION = REAL / "usgs-africa-mineral-industries" / "AFR_Mineral_Exploration.geojson"
PORCU = REAL / "usgs-porphyry-copper-2008" / "PorCuEX2008.csv"
LITHIUM = REAL / "usgs-lithium-deposits-us-2019"
OUT_OF_SCOPE = ("Oil and Gas Fields", "Oil and Gas Refineries and (or) Petrochemical Complexes")


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in r.output
    return r


@pytest.fixture(scope="module")
def africa():
    return import_sites(AFRICA, preset="usgs-facilities", skip_invalid=True)


@pytest.fixture(scope="module")
def africa_raw():
    return gpd.read_file(AFRICA)


def test_presets_are_all_there_and_parse():
    assert set(preset_names()) >= {
        "usgs-facilities",
        "usgs-porcu",
        "usgs-lithium",
        "mrds",
        "gem",
        "fineprint",
    }
    for name in preset_names():
        m = load_preset(name)
        assert m.source.get("publisher") and m.source.get("title"), name
        assert "name" in m.columns


# USGS mineral facilities (real file) ----------------------------------------------


def test_usgs_facilities_rejects_exactly_the_out_of_scope_rows(africa, africa_raw):
    oil = africa_raw.index[africa_raw["FeatureTyp"].isin(OUT_OF_SCOPE)] + 1  # feature numbers
    scope = africa.rejects[africa.rejects["reason"].str.contains("outside minetrack's scope")]
    assert sorted(scope["row"]) == sorted(oil)
    # Every reject row carries the feature's own values.
    first = scope.iloc[0]
    assert first["FeatureNam"] == africa_raw.loc[first["row"] - 1, "FeatureNam"]


def test_usgs_facilities_rows_of_one_facility_become_one_site(africa, africa_raw):
    # The layer has one row per commodity of a facility (same FeatureUID and point).
    sites = africa.sites.set_index("id")
    impala = africa_raw[africa_raw["FeatureUID"] == "ZAF071"]
    assert len(impala) > 5
    commodities = set(sites.loc["zaf071", "commodities"].split(";"))
    assert commodities == {v.lower() for v in impala["DsgAttr02"]}
    assert sites.loc["zaf071", "name"] == "Impala Platinum Mines"
    assert sites.loc["zaf071", "country"] == "ZAF" and sites.loc["zaf071", "country_rule"] == "stated"
    # Kept + rejected facilities account for every (id, point) group of the file.
    groups = africa_raw.assign(
        k=africa_raw["FeatureUID"].str.lower()
        + "@"
        + africa_raw["Latitude"].round(6).astype(str)
        + ","
        + africa_raw["Longitude"].round(6).astype(str)
    )["k"]
    rejected_rows = set(africa.rejects["row"])
    rejected_groups = set(groups[groups.index.isin([r - 1 for r in rejected_rows])])
    assert len(africa.sites) + len(rejected_groups) == groups.nunique()
    assert sites.index.is_unique


def test_usgs_facilities_values_translated(africa, africa_raw):
    s = africa.sites
    assert set(s["stage"]) <= {"production", "care-and-maintenance", "closed", "construction"}
    assert set(s["location_accuracy"]) == {"exact", "approximate"}
    assert s["citation"].str.startswith("U.S. Geological Survey").all()
    owned = s[s["owners"] != ""]
    assert len(owned) > 100
    assert owned["owners"].str.contains(r" \d+(?:\.\d+)?%").any()  # "Name 100%", the bundled form
    mines = africa_raw[africa_raw["FeatureTyp"].isin(["Mines and Quarries", "Brine"])][
        "FeatureUID"
    ].str.lower()
    assert set(s[s["type"] == "mine"]["id"]) <= set(mines)


def test_usgs_flipped_latitude_is_named(africa, africa_raw):
    # The oracle from the raw file: South African rows north of the equator.
    flipped = africa_raw[(africa_raw["Country"] == "South Africa") & (africa_raw["Latitude"] > 0)]
    assert len(flipped)
    # A facility's rows are one site: its problem is named on its first row.
    first_rows = africa_raw.reset_index().groupby(["FeatureUID", "Latitude"])["index"].min() + 1
    wanted = {int(first_rows[(r.FeatureUID, r.Latitude)]) for r in flipped.itertuples()}
    named = set(africa.rejects[africa.rejects["reason"].str.contains("latitude sign looks flipped")]["row"])
    assert named == wanted


def test_usgs_exploration_layer_with_the_same_preset():
    r = import_sites(EXPLORATION, preset="usgs-facilities", skip_invalid=True)
    raw = gpd.read_file(EXPLORATION)
    assert set(r.sites["type"]) == {"project"}
    expected = {
        "Exploration": "exploration",
        "Feasibility Study": "feasibility",
        "Reserves Development": "advanced-exploration",
    }
    by_id = r.sites.set_index("id")["stage"]
    for status, stage in expected.items():
        ids = raw[raw["LocOpStat"] == status]["FeatureUID"].str.lower()
        ids = [i for i in ids if i in by_id.index]
        assert ids and (by_id.loc[ids] == stage).all()


def test_zipped_shapefile_any_member(tmp_path, africa_raw):
    pts = africa_raw.drop(columns=["id"]).head(300)
    pts = pts.set_geometry(shapely.force_2d(pts.geometry.values)).set_crs(4326, allow_override=True)
    for n in ("facilities", "other"):
        pts.to_file(tmp_path / f"{n}.shp", engine="pyogrio")
    zpath = tmp_path / "afr.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in tmp_path.glob("*"):
            if p.stem in ("facilities", "other"):
                zf.write(p, f"AFR/{p.name}")
    r = run("import", zpath, "--preset", "usgs-facilities", "--output", tmp_path / "o.gpkg")
    assert r.exit_code == 1
    assert "afr.zip" in r.output and "AFR/facilities.shp" in r.output and "--layer" in r.output
    r = run(
        "import",
        zpath,
        "--preset",
        "usgs-facilities",
        "--layer",
        "facilities",
        "--skip-invalid",
        "--output",
        tmp_path / "o.gpkg",
    )
    assert r.exit_code == 0, r.output
    from_zip = gpd.read_file(tmp_path / "o.gpkg")
    direct = import_sites(AFRICA, preset="usgs-facilities", skip_invalid=True)
    head_ids = set(africa_raw.head(300)["FeatureUID"].str.lower())
    assert set(from_zip["id"]) == set(direct.sites["id"]) & head_ids


# Porphyry copper and lithium (real files) ---------------------------------------


def test_usgs_porcu_real_file_and_csv_record_lines():
    r = import_sites(PORCU, preset="usgs-porcu", skip_invalid=True)
    raw = pd.read_csv(PORCU)
    dup = raw["DepositID"].astype(str).duplicated()
    assert len(r.sites) == len(raw) - dup.sum()
    assert len(r.rejects) == dup.sum() and (r.rejects["field"] == "id").all()
    # The reject's row is the line its record starts on (records span several lines).
    lines = PORCU.read_text(encoding="utf-8").splitlines()
    for _, rej in r.rejects.iterrows():
        assert lines[rej["row"] - 1].startswith(rej["NameDeposit"].split(",")[0])
    assert (r.sites["type"] == "project").all() and (r.sites["commodities"] == "copper").all()
    assert r.sites["country"].str.fullmatch(r"[A-Z]{3}").all()


def test_usgs_lithium_states_from_the_join_match_the_publishers_own():
    r = import_sites(LITHIUM / "Site.csv", preset="usgs-lithium")
    assert len(r.sites) == len(pd.read_csv(LITHIUM / "Site.csv"))
    # An independent answer: the state the release's own point table gives each site.
    pts = pd.read_csv(LITHIUM / "Loc_Pt.csv", encoding="utf-8")
    state = pts.groupby("Site_ID *")["State"].first()
    by_id = r.sites.assign(key=r.sites["id"].str.upper()).set_index("key")["admin1"]
    common = by_id.index.intersection(state.index)
    assert len(common) >= 10
    assert (by_id.loc[common] == state.loc[common]).mean() >= 0.9
    assert (r.sites["aliases"].str.contains(";")).any()


# Presets on files built from the publishers' field lists -------------------------

MRDS_COLUMNS = [
    "dep_id",
    "url",
    "mrds_id",
    "mas_id",
    "site_name",
    "latitude",
    "longitude",
    "region",
    "country",
    "state",
    "county",
    "com_type",
    "commod1",
    "commod2",
    "commod3",
    "oper_type",
    "dep_type",
    "prod_size",
    "dev_stat",
    "ore",
    "gangue",
    "other_matl",
    "orebody_fm",
    "work_type",
    "model",
    "alteration",
    "conc_proc",
    "names",
    "ore_ctrl",
    "reporter",
    "hrock_unit",
    "hrock_type",
    "arock_unit",
    "arock_type",
    "structure",
    "tectonic",
    "ref",
    "yfp_ba",
    "yr_fst_prd",
    "ylp_ba",
    "yr_lst_prd",
    "dy_ba",
    "disc_yr",
    "prod_yrs",
    "discr",
]


def _mrds(tmp_path, rows):
    path = tmp_path / "mrds.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, MRDS_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in MRDS_COLUMNS})
    return path


def test_mrds_preset(tmp_path):
    path = _mrds(
        tmp_path,
        [
            dict(
                dep_id="10001",
                site_name="Ray",
                latitude="33.16",
                longitude="-110.98",
                country="United States",
                state="Arizona",
                commod1="Copper",
                commod2="Molybdenum",
                commod3="Gold, Silver",
                dev_stat="Producer",
                yr_fst_prd="1911",
            ),
            dict(
                dep_id="10002",
                site_name="Old Dick",
                latitude="34.56",
                longitude="-113.28",
                country="United States",
                state="Arizona",
                commod1="Zinc",
                dev_stat="Past Producer",
            ),
            dict(
                dep_id="10003",
                site_name="A prospect",
                latitude="-23.5",
                longitude="-69.9",
                country="Chile",
                commod1="Copper",
                dev_stat="Prospect",
            ),
            dict(
                dep_id="10004",
                site_name="Plant",
                latitude="-23.6",
                longitude="-70.3",
                country="Chile",
                commod1="Copper",
                dev_stat="Plant",
            ),
            dict(
                dep_id="10005",
                site_name="Odd",
                latitude="40",
                longitude="-112",
                country="United States",
                commod1="Copper",
                dev_stat="Rumoured",
            ),
        ],
    )
    r = import_sites(path, preset="mrds", skip_invalid=True)
    s = r.sites.set_index("id")
    assert s.loc["10001", ["type", "stage", "admin1", "country"]].tolist() == [
        "mine",
        "production",
        "AZ",
        "USA",
    ]
    assert s.loc["10001", "commodities"] == "copper;molybdenum;gold;silver"
    assert s.loc["10001", "start_year"] == 1911
    assert s.loc["10002", ["type", "stage"]].tolist() == ["mine", "closed"]
    assert s.loc["10003", ["type", "stage"]].tolist() == ["project", "exploration"]
    assert s.loc["10004", ["type", "stage"]].tolist() == ["", ""]
    assert "10005" not in s.index
    rej = r.rejects[r.rejects["dep_id"] == "10005"]
    assert set(rej["field"]) == {"type", "stage"} and (rej["row"] == 6).all()
    assert rej["reason"].str.contains("'Rumoured'").all()


def test_gem_preset_from_an_xlsx_with_bracketed_owners(tmp_path):
    frame = pd.DataFrame(
        {
            "GEM Mine ID": ["M0001", "M0002"],
            "Mine Name": ["Goonyella Riverside", "Hail Creek"],
            "Status": ["Operating", "Proposed"],
            "Status Detail": ["", "Pre-Permit"],
            "Owners": ["BHP Billiton Mitsubishi Alliance Pty Ltd [100%]", "Glencore [82%]; Marubeni [18%]"],
            "Parent Company": ["BHP [50%]; Mitsubishi Corporation [50%]", "Glencore [82%]"],
            "Latitude": [-21.79, -21.48],
            "Longitude": [147.97, 148.38],
            "Coordinate Accuracy": ["exact", "approximate"],
            "Country / Area": ["Australia", "Australia"],
            "Subnational unit": ["Queensland", "Queensland"],
            "GEM Wiki Page (ENG)": ["https://www.gem.wiki/Goonyella", "https://www.gem.wiki/Hail_Creek"],
        }
    )
    path = tmp_path / "gem.xlsx"
    frame.to_excel(path, index=False, sheet_name="Non-closed mines")
    r = import_sites(path, preset="gem")
    s = r.sites.set_index("id")
    assert s.loc["m0002", "stage"] == "permitting"  # Status Detail, in GEM's detail vocabulary
    assert s.loc["m0001", "stage"] == "production"  # no detail: Status, in GEM's status vocabulary
    assert s.loc["m0002", "owners"] == "Glencore 82%;Marubeni 18%"
    assert s.loc["m0001", "citation"].endswith("https://www.gem.wiki/Goonyella")
    assert set(s["country"]) == {"AUS"} and set(s["location_accuracy"]) == {"exact", "approximate"}
    # One vocabulary only: "Operating" is not a status detail, and the row says so.
    r2 = import_sites(path, preset="gem", stage_vocabulary="gem-status-detail", skip_invalid=True)
    assert list(r2.rejects["row"]) == [2] and "'Operating'" in r2.rejects["reason"].iloc[0]


def test_fineprint_multipoints_in_a_projected_geopackage(tmp_path):
    parts = shapely.MultiPoint([(-70.39, -23.36), (-70.40, -23.38), (-70.37, -23.35)])
    frame = gpd.GeoDataFrame(
        {
            "facility_id": ["CHL00001.00", "CHL00002.00", "CHL00003.00"],
            "facility_name": ["Pit group", "Single", "Unknown status"],
            "facility_other_names": ["", "Alt one;Alt two", ""],
            "facility_type": ["Mine", "Mine", "Mine"],
            "primary_commodity": ["Copper", "Gold", "Copper"],
            "commodities_products": ["Copper, Molybdenum", "Gold", "Cu"],
            "activity_status": ["active", "active", "inactive"],
            "country": ["Chile", "CHL", "Chile"],
        },
        geometry=[parts, shapely.Point(-69.07, -24.27), shapely.Point(-69.5, -22.3)],
        crs=4326,
    ).to_crs(3857)
    path = tmp_path / "facilities.gpkg"
    frame.to_file(path, layer="facilities", engine="pyogrio")
    r = import_sites(path, preset="fineprint", skip_invalid=True)
    s = r.sites.set_index("id")
    group = s.loc["chl00001-00"]
    kept = shapely.from_wkt(group["parts"])
    assert shapely.get_num_geometries(kept) == 3
    assert any(shapely.equals_exact(group.geometry, p, 1e-6) for p in kept.geoms)  # one of its points
    assert group["commodities"] == "copper;molybdenum"
    assert s.loc["chl00002-00", "aliases"] == "Alt one;Alt two" and s.loc["chl00002-00", "parts"] == ""
    assert abs(s.loc["chl00002-00"].geometry.x + 69.07) < 1e-6
    rej = r.rejects
    assert list(rej["field"]) == ["stage"] and "'inactive'" in rej["reason"].iloc[0]
    assert rej["row"].iloc[0] == 3 and rej["facility_name"].iloc[0] == "Unknown status"


# Mapping files -------------------------------------------------------------------


def test_print_mapping_then_import_round_trip(tmp_path):
    src = tmp_path / "mines.csv"
    src.write_text(
        "Site Name;Lat;Lon;Nation;Status\nMorenci;33.08;-109.36;United States;Operating\n"
        "Escondida;-24.27;-69.07;Chile;Operating\n",
        encoding="utf-8",
    )
    r = run("import", src, "--print-mapping")
    assert r.exit_code == 0
    text = r.output
    assert 'name = "Site Name"' in text and 'latitude = "Lat"' in text and 'country = "Nation"' in text
    text = (
        text.replace("[defaults]\n", '[defaults]\ntype = "mine"\n')
        .replace('# publisher = "..."', 'publisher = "Me"')
        .replace('# title = "..."', 'title = "My list"')
    )
    text += '\n[values.stage]\nOperating = "production"\n'
    text = text.replace("[options]\n", "").replace('# null_values = ["<null>"]', "")
    # Sections must not repeat: the appended [values.stage] goes before [defaults] in TOML terms.
    mapping = tmp_path / "mines.toml"
    mapping.write_text(text)
    m = load_mapping(mapping)
    assert m.defaults["type"] == "mine" and m.values["stage"]["Operating"] == "production"
    out = tmp_path / "mines.gpkg"
    r = run("import", src, "--mapping", mapping, "--output", out)
    assert r.exit_code == 0, r.output
    got = gpd.read_file(out).set_index("id")
    assert set(got.index) == {"morenci-usa", "escondida-chl"}
    assert got.loc["morenci-usa", "citation"] == "Me, My list"
    assert got.loc["morenci-usa", ["type", "stage", "admin1"]].tolist() == ["mine", "production", "AZ"]
    # What import writes reads back with no mapping at all, unchanged.
    csv_out = tmp_path / "mines.csv.out.csv"
    run("import", out, "--output", tmp_path / "again.csv")
    again = import_sites(tmp_path / "again.csv").sites.set_index("id")
    for col in ("name", "country", "type", "stage", "citation"):
        assert (again.loc[got.index, col] == got[col]).all(), col
    assert np.allclose(again.loc[got.index].geometry.x, got.geometry.x)
    assert not csv_out.exists()


def test_mapping_unknown_keys_and_missing_columns_are_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nname = "n"\ncolour = "c"\n[optionz]\nx = 1\n[source]\nyear = 2020\n')
    with pytest.raises(DataError) as e:
        load_mapping(bad)
    text = "\n".join(map(str, e.value.problems))
    assert "columns.colour" in text and "optionz" in text and "publisher and title" in text
    src = tmp_path / "a.csv"
    src.write_text("n,lat,lon\nA,1,1\n")
    ok = tmp_path / "ok.toml"
    ok.write_text('[columns]\nname = "site"\nlatitude = "lat"\nlongitude = "lon"\n')
    r = run("import", src, "--mapping", ok, "--output", tmp_path / "o.csv")
    assert r.exit_code == 1 and "'site', which the file does not have" in r.output
    assert not (tmp_path / "o.csv").exists()


# Geometry, CRS and countries -------------------------------------------------------


def test_utm_geopackage_with_only_names_gets_country_and_state(tmp_path):
    wgs = gpd.GeoSeries(gpd.points_from_xy([-109.36, -110.98], [33.08, 33.16]), crs=4326)
    utm = gpd.GeoDataFrame({"name": ["Morenci", "Ray"]}, geometry=wgs.to_crs(32612).values, crs=32612)
    path = tmp_path / "utm.gpkg"
    utm.to_file(path, engine="pyogrio")
    r = import_sites(path)
    s = r.sites
    assert list(s["country"]) == ["USA", "USA"] and list(s["country_rule"]) == ["within", "within"]
    assert list(s["admin1"]) == ["AZ", "AZ"]
    assert np.allclose(s.geometry.x, wgs.x, atol=1e-6) and np.allclose(s.geometry.y, wgs.y, atol=1e-6)
    assert list(s["id"]) == ["morenci-usa", "ray-usa"]


def test_formats_give_the_same_sites(tmp_path):
    base = pd.DataFrame(
        {
            "name": ["Morenci", "Escondida", "Kamoa-Kakula"],
            "latitude": [33.08, -24.27, -10.77],
            "longitude": [-109.36, -69.07, 25.26],
        }
    )
    gdf = gpd.GeoDataFrame(
        base[["name"]], geometry=gpd.points_from_xy(base.longitude, base.latitude), crs=4326
    )
    base.to_csv(tmp_path / "a.csv", sep="\t", index=False)
    base.to_excel(tmp_path / "a.xlsx", index=False)
    gdf.to_file(tmp_path / "a.fgb", engine="pyogrio")
    gdf.to_file(tmp_path / "a.geojson", engine="pyogrio")
    gdf.to_parquet(tmp_path / "a.parquet")
    answers = {}
    for suffix in ("csv", "xlsx", "fgb", "geojson", "parquet"):
        s = import_sites(tmp_path / f"a.{suffix}").sites
        answers[suffix] = sorted(zip(s["id"], s["country"], s.geometry.x.round(5), strict=True))
    assert len(set(map(tuple, answers.values()))) == 1
    assert [a[1] for a in answers["csv"]] == ["CHL", "COD", "USA"]  # sorted by id


def test_sea_points_flipped_signs_and_wrong_countries(tmp_path):
    src = tmp_path / "pts.csv"
    src.write_text(
        "name,lat,lon,country\nAt sea,0,-30,\nFlip,25.9,27.6,South Africa\n"
        "Wrong,-24.27,-69.07,Peru\nFine,-24.27,-69.07,Chile\nOff,10,-140,\n"
    )
    r = run("import", src, "--output", tmp_path / "o.csv")
    assert r.exit_code == 1
    err = r.output.splitlines()
    assert any("pts.csv:2 [latitude/longitude]: point lies in no country (at sea?)" in e for e in err)
    assert any(
        "pts.csv:3 [latitude/longitude]: latitude sign looks flipped: the point lands in EGY, "
        "the row says ZAF" in e
        for e in err
    )
    assert any("pts.csv:4" in e and "not in stated country PER" in e for e in err)
    assert not any("nan" in e for e in err)
    assert not (tmp_path / "o.csv").exists()
    r = run(
        "import",
        src,
        "--skip-invalid",
        "--rejects",
        tmp_path / "rej.csv",
        "--keep-offshore",
        "--output",
        tmp_path / "o.csv",
    )
    assert r.exit_code == 0, r.output
    kept = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)
    assert list(kept["name"]) == ["At sea", "Fine", "Off"]
    assert list(kept["country_rule"]) == ["none", "stated", "none"]
    rej = pd.read_csv(tmp_path / "rej.csv", keep_default_na=False)
    assert list(rej["row"]) == [3, 4] and list(rej["name"]) == ["Flip", "Wrong"]
    assert list(rej["lat"]) == [25.9, -24.27] and set(rej["field"]) == {"latitude/longitude"}


def test_natural_earth_codes_map_to_iso(tmp_path):
    # Points in Northern Cyprus and Somaliland: Natural Earth's CYN and SOL polygons.
    src = tmp_path / "p.csv"
    src.write_text("name,lat,lon,country\nA,35.3,33.6,\nB,9.56,44.06,\nC,35.3,33.6,Cyprus\n")
    s = import_sites(src).sites
    assert list(s["country"]) == ["CYP", "SOM", "CYP"]


def test_empty_geometries_and_broken_features_name_the_feature(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[-110.9,32.2]}},'
        '{"type":"Feature","properties":{"name":"B"},"geometry":{"type":"Point","coordinates":["x","y"]}},'
        '{"type":"Feature","properties":{"name":"C"},"geometry":null}]}'
    )
    r = import_sites(path, skip_invalid=True)
    assert list(r.sites["name"]) == ["A"]
    assert list(r.rejects["row"]) == [2, 3] and set(r.rejects["field"]) == {"geometry"}


def test_record_by_record_fallback_when_gdal_refuses_the_layer(tmp_path, monkeypatch):
    path = tmp_path / "b.geojson"
    gpd.GeoDataFrame(
        {"name": ["A", "B"]}, geometry=gpd.points_from_xy([-110.9, -111.9], [32.2, 33.4]), crs=4326
    ).to_file(path, engine="pyogrio")

    def refuse(*a, **k):
        raise RuntimeError("GDAL cannot read this layer in bulk")

    monkeypatch.setattr(gpd, "read_file", refuse)
    from geo.io.foreign import read_foreign

    f = read_foreign(path)
    assert list(f.frame["name"]) == ["A", "B"] and list(f.frame[ROW]) == [1, 2]
    assert np.allclose(f.geometry.x, [-110.9, -111.9])


# Any file everywhere -----------------------------------------------------------


@pytest.fixture
def mixed(tmp_path):
    src = tmp_path / "mine_list.csv"
    src.write_text(
        "name,lat,lon,country\nMorenci,33.08,-109.36,USA\nBad,95,10,\nEscondida,-24.27,-69.07,CHL\n"
    )
    return src


def test_validate_join_query_take_skip_invalid(mixed, tmp_path):
    r = run("validate", mixed)
    assert r.exit_code == 1 and "mine_list.csv:3 [latitude]" in r.output
    r = run("validate", mixed, "--skip-invalid", "--rejects", tmp_path / "r.csv")
    assert r.exit_code == 0 and "warning:" in r.output
    assert list(pd.read_csv(tmp_path / "r.csv")["row"]) == [3]
    r = run("join", mixed)
    assert r.exit_code == 1
    r = run("join", mixed, "--skip-invalid", "--format", "csv")
    assert r.exit_code == 0
    assert "morenci-usa" in r.output and "escondida-chl" in r.output and "bad" not in r.output.lower()
    r = run("query", "--sites", mixed, "--skip-invalid", "--country", "CHL", "--format", "csv")
    assert r.exit_code == 0 and "escondida-chl" in r.output and "morenci" not in r.output


def test_bbox_and_within(tmp_path, mixed):
    r = run("sites", "--bbox", "-115,31,-109,37", "--format", "csv")
    got = pd.read_csv(pd.io.common.StringIO(r.output))
    assert len(got) and got["latitude"].between(31, 37).all() and got["longitude"].between(-115, -109).all()
    from geo import list_sites

    every = list_sites()
    expected = every[every.latitude.between(31, 37) & every.longitude.between(-115, -109)]
    assert set(got["id"]) == set(expected["id"])
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(-111, 32, -108, 34)], crs=4326).to_crs(3857).to_file(area)
    r = run("import", mixed, "--skip-invalid", "--within", area, "--output", tmp_path / "in.csv")
    assert list(pd.read_csv(tmp_path / "in.csv")["name"]) == ["Morenci"]


def test_spheres_of_a_users_file(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text(
        "name,lat,lon,country,type,capacity,capacity_unit,owners\n"
        "A,-24.27,-69.07,CHL,mine,1000,kt Cu,BHP 57.5%;Rio Tinto 30%\n"
        "B,-10.77,25.26,COD,mine,500,kt Cu,Unknown Co 100%\n"
    )
    r = run("spheres", "--sites", src, "--format", "csv")
    assert r.exit_code == 0, r.output
    t = pd.read_csv(pd.io.common.StringIO(r.output)).set_index("sphere")
    from geo.facts.bundle import Facts

    spheres = Facts.from_dir().spheres.set_index("iso_a3")["sphere"]
    assert t.loc[spheres["CHL"], "value_kt"] >= 1000 and t["value_kt"].sum() == 1500
    r = run("spheres", "--sites", src, "--rule", "owner", "--format", "csv")
    t = pd.read_csv(pd.io.common.StringIO(r.output)).set_index("sphere")
    assert t.loc["unattributed", "value_kt"] == 500  # an owner minetrack does not know


def test_query_outputs_are_typed_and_csv_neutralised(tmp_path):
    out = tmp_path / "q.gpkg"
    assert run("query", "--stage", "permitting", "--output", out).exit_code == 0
    import sqlite3

    sql = sqlite3.connect(out).execute("select sql from sqlite_master where name='sites'").fetchone()[0]
    assert '"stage_since" DATE' in sql and '"days_in_stage" INTEGER' in sql
    src = tmp_path / "h.csv"
    src.write_text('name,lat,lon,country\n"=HYPERLINK(""http://x"")",33.08,-109.36,USA\n')
    run("import", src, "--output", tmp_path / "h_out.csv")
    text = (tmp_path / "h_out.csv").read_text()
    assert "'=HYPERLINK" in text
    run("import", src, "--raw", "--output", tmp_path / "raw.csv")
    assert '"=HYPERLINK' in (tmp_path / "raw.csv").read_text()
    run("import", src, "--csv-geometry", "wkt", "--output", tmp_path / "w.csv")
    assert "POINT (-109.36 33.08)" in (tmp_path / "w.csv").read_text()


def test_coverage_warning_and_columns(tmp_path):
    nm = REAL / "padus3-state-subsets-potamap" / "PADUS3_0Combined_StateNM.geojson"
    out = tmp_path / "q.csv"
    r = run("query", "--off-federal-land", "--federal-land", nm, "--country", "USA", "--output", out)
    assert r.exit_code == 0, r.output
    assert "warning:" in r.output and "outside the area the federal-land layer covers" in r.output
    q = pd.read_csv(out)
    assert not q.loc[q["admin1"] == "NM", "federal_land_outside_coverage"].any()
    assert q.loc[q["admin1"] == "AK", "federal_land_outside_coverage"].all()


def test_recipe_draws_a_users_file(tmp_path, mixed):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "mine.toml").write_text(
        'title = "Mine"\n[[layers]]\nlayer = "sites"\nsource = "../mine_list.csv"\n'
    )
    r = run("build", "--map", tmp_path / "maps" / "mine.toml", "--out", tmp_path / "out")
    assert r.exit_code == 1 and "mine_list.csv:3" in r.output  # the bad row, not a silent drop
    mixed.write_text("name,lat,lon,country\nMorenci,33.08,-109.36,USA\nEscondida,-24.27,-69.07,CHL\n")
    r = run("build", "--map", tmp_path / "maps" / "mine.toml", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert '"n":2' in (tmp_path / "out" / "mine.html").read_text()


@pytest.mark.parametrize(
    "table", ["country_names", "commodity_names", "site_type_vocab", "ne_codes", "stage_vocab"]
)
def test_translation_tables_cite_known_sources(table):
    from geo.core.paths import data_dir

    known = set(pd.read_csv(data_dir() / "sources.csv")["id"])
    t = pd.read_csv(data_dir() / f"{table}.csv", dtype=str, keep_default_na=False)
    cited = {s for cell in t["sources"] for s in cell.split(";")}
    assert cited and cited <= known, cited - known


def test_every_preset_value_table_entry_is_a_minetrack_value():
    from geo.core.vocab import SITE_TYPES, STAGES
    from geo.facts.importing.translate import OUT_OF_SCOPE, stage_table, type_table

    for name in preset_names():
        m = load_preset(name)
        if m.type_vocabulary:
            assert set(type_table(m.type_vocabulary).values()) <= {*SITE_TYPES, "", OUT_OF_SCOPE}
        for vocab in (
            (m.stage_vocabulary,) if isinstance(m.stage_vocabulary, str) else m.stage_vocabulary or ()
        ):
            assert set(stage_table(vocab).values()) <= {*STAGES, ""}


def test_join_and_query_csv_outputs_neutralise_formulas(tmp_path):
    src = tmp_path / "h.csv"
    src.write_text('name,lat,lon,country\n"=HYPERLINK(""http://x"",""y"")",33.08,-109.36,USA\n'
                   '"+cmd|calc",-24.27,-69.07,CHL\n')
    for args in (["join", src, "--output", tmp_path / "j.csv"],
                 ["query", "--sites", src, "--output", tmp_path / "q.csv"]):
        assert run(*args).exit_code == 0
    for out in ("j.csv", "q.csv"):
        names = pd.read_csv(tmp_path / out, keep_default_na=False)["name"].tolist()
        assert names == ["'=HYPERLINK(\"http://x\",\"y\")", "'+cmd|calc"]

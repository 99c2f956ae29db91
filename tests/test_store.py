"""The tracker store on both backends (GeoPackage and PostGIS): round trips, each change
kind, history, refusals that write nothing, kill -9 and two writers, and the store as GIS
programs read it."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import fiona
import pandas as pd
import pyogrio
import pytest

from geo.cli import main
from geo.core.columns import OWNERSHIP_COLUMNS, SITE_COLUMNS, SOURCE_COLUMNS
from geo.core.errors import ArgumentError, DataError
from geo.core.paths import data_dir
from geo.core.tables import read_table
from geo.facts.permits import EVENT_COLUMNS
from geo.facts.production import PRODUCTION_COLUMNS, load_production
from geo.facts.store import Store
from geo.facts.store.diff import diff_html, diff_releases

SOURCE = "Rio Tinto, Annual report 2026, 2027, https://www.riotinto.com/invest/reports"
TABLES = {"sites": SITE_COLUMNS, "sources": SOURCE_COLUMNS, "ownership": OWNERSHIP_COLUMNS,
          "stage_events": EVENT_COLUMNS, "production": PRODUCTION_COLUMNS}
MINETRACK = [sys.executable, "-c", "from geo.cli import main; main()"]


@pytest.fixture(scope="module")
def bundled_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "tracker.gpkg"
    Store.init(path, from_bundled=True)
    return path


@pytest.fixture
def gpkg_store(bundled_store, tmp_path) -> Store:
    copy = tmp_path / "tracker.gpkg"
    copy.write_bytes(bundled_store.read_bytes())
    return Store(copy)


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path) -> Store:
    """The bundled data in a store of each backend."""
    if request.param == "gpkg":
        return request.getfixturevalue("gpkg_store")
    return Store(request.getfixturevalue("pg_bundled_url"))


def _sql(store: Store, query: str) -> tuple:
    """One row of a query run on the store's database directly (not through minetrack)."""
    if store.url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            return conn.execute(query).fetchone()
    with sqlite3.connect(store.url) as conn:
        return conn.execute(query).fetchone()


def _state(store: Store) -> list:
    """Everything a change could touch, to compare before and after."""
    tables = [store.sites(), store.log(), store.releases()]
    tables += [store.table(t) for t in ("sources", "owners", "ownership", "stage_events",
                                         "production")]
    return [t.to_csv(index=False) for t in tables]


def _parsed(path: Path, columns) -> pd.DataFrame:
    frame, problems = read_table(path, columns)
    assert not problems
    return frame[[c.name for c in columns]].reset_index(drop=True)


def _changes(store: Store) -> int:
    return _sql(store, "SELECT count(*) FROM changes")[0]


def test_bundled_data_round_trips_through_the_store(store, tmp_path):
    out = tmp_path / "export"
    store.export(out)
    for name, columns in TABLES.items():
        pd.testing.assert_frame_equal(_parsed(out / f"{name}.csv", columns),
                                      _parsed(data_dir() / f"{name}.csv", columns), check_dtype=False)
    # The exported folder passes the checks of the bundled data.
    assert main(["validate", str(out)], standalone_mode=False) is None


def test_each_change_kind_shows_in_the_diff(store):
    store.release("2025")
    old = store.sites().set_index("id")
    store.edit("resolution", {"stage": "construction", "capacity": "500", "capacity_unit": "kt Cu",
                              "stake:bhp": "40"}, source=SOURCE, note="test", on="2026-06-01")
    lat = float(old.at["morenci", "latitude"]) + 0.01  # about 1.1 km north
    store.edit("morenci", {"latitude": str(lat)}, source="Freeport-McMoRan, Form 10-K 2025, 2026")
    store.release("2026")
    diff = store.diff("2025", "2026").set_index(["site_id", "kind", "field"])
    assert diff.loc[("resolution", "stage", "stage"), "new"] == "construction"
    assert diff.loc[("resolution", "stage", "stage"), "old"] == old.at["resolution", "stage"]
    assert diff.loc[("resolution", "capacity", "capacity"), "new"] == "500.0"
    assert diff.loc[("resolution", "owner", "stake:bhp"), ["old", "new"]].tolist() == ["45.0", "40.0"]
    assert 1000 < diff.loc[("morenci", "moved", "location"), "moved_m"] < 1200
    # Under a larger threshold the move is not reported; no other site changed.
    assert "moved" not in set(store.diff("2025", "2026", moved_over_m=2000)["kind"])
    assert set(diff.index.get_level_values("site_id")) == {"resolution", "morenci"}
    # The stage change is a dated event of the site's history, kept in the release.
    with store.folder("2026") as folder:
        events = pd.read_csv(folder / "stage_events.csv", dtype=str)
    last = events[events["site_id"] == "resolution"].iloc[-1]
    assert (last["date"], last["stage"]) == ("2026-06-01", "construction")


def test_production_and_capacity_by_year_are_edited_and_diffed(store, tmp_path):
    """Output figures of a year are facts of their own: added, restated, removed, each
    logged with its source and shown by the diff (a capacity row as ``capacity``)."""
    bundled = load_production()
    kk = bundled[(bundled["site"] == "kamoa-kakula") & (bundled["year"] == 2024)].iloc[0]
    field = f"production:2024:copper:{kk['basis']}"
    store.release("a")
    store.edit("kamoa-kakula", {field: "450 kt", "production:2025:copper:capacity": "600 kt"},
               source=SOURCE, note="restated")
    # The same figure in another unit is no change to the facts: nothing logged.
    assert store.edit("kamoa-kakula", {field: "450000 t"}, source=SOURCE) == 1
    store.edit("las-bambas", {"production:2022:copper:concentrate": ""}, source=SOURCE)
    store.release("b")
    diff = store.diff("a", "b").set_index(["site_id", "field"])
    assert diff.loc[("kamoa-kakula", field), ["kind", "old", "new"]].tolist() == [
        "production", f"{float(kk['quantity'])!r} {kk['unit']}", "450000.0 t"]
    assert diff.loc[("kamoa-kakula", "production:2025:copper:capacity"), ["kind", "old", "new"]
                    ].tolist() == ["capacity", "", "600.0 kt"]
    assert diff.loc[("las-bambas", "production:2022:copper:concentrate"), "new"] == ""
    assert len(diff) == 3
    log = store.log("kamoa-kakula")
    assert log["field"].tolist() == [field, "production:2025:copper:capacity", field]
    assert log["new_value"].tolist() == ["450.0 kt", "600.0 kt", "450000.0 t"]
    # The exported folder keeps the figures, which pass the bundled table's checks.
    out = tmp_path / "export"
    store.export(out)
    exported = load_production(out / "production.csv")
    row = exported[(exported["site"] == "kamoa-kakula") & (exported["year"] == 2024)
                   & (exported["basis"] == kk["basis"])]
    assert row["tonnes"].tolist() == [450_000.0]
    assert len(exported) == len(bundled)  # one added (capacity), one removed
    assert main(["validate", str(out)], standalone_mode=False) is None


def test_a_store_of_schema_1_gains_the_production_table(store):
    # Make the store what a store made before production existed holds (schema 1).
    steps = ["DROP TABLE production", "DROP TABLE release_production",
             "UPDATE minetrack_meta SET value = '1' WHERE key = 'schema_version'"]
    if store.url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            for sql in steps:
                conn.execute(sql)
    else:
        steps.append("DELETE FROM gpkg_contents WHERE table_name = 'production'")
        with sqlite3.connect(store.url) as conn:
            for sql in steps:
                conn.execute(sql)
    migrated = Store(store.url)
    assert migrated.table("production").empty
    assert _sql(migrated, "SELECT value FROM minetrack_meta WHERE key = 'schema_version'") == ("2",)
    migrated.edit("kamoa-kakula", {"production:2024:copper:payable": "430 kt"}, source=SOURCE)
    migrated.release("after-migration")
    assert migrated.table("production", "after-migration")["quantity"].tolist() == ["430.0"]
    if not store.url.startswith("postgresql"):
        assert "production" in {name for name, _ in pyogrio.list_layers(store.url)}


def test_added_and_removed_sites(store, tmp_path):
    sites = store.sites()
    a, b = sites.iloc[:-1], sites.iloc[1:]
    own = store.table("ownership")
    diff = diff_releases(a, b, own, own)
    assert diff.loc[diff["kind"] == "added", "site_id"].tolist() == [sites["id"].iloc[-1]]
    assert diff.loc[diff["kind"] == "removed", "site_id"].tolist() == [sites["id"].iloc[0]]


def test_import_adds_sites_with_their_citation(store, tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("id,name,lat,lon,country,citation\n"
                   "new-pit,New Pit,33.2,-110.9,USA,\"Example Survey (test fixture), Mines 2024, 2024, "
                   "https://example.org/reports/mines-2023.pdf\"\n")
    store.release("before")
    assert store.import_file(csv) == 1
    store.release("after")
    diff = store.diff("before", "after")
    assert diff.loc[diff["kind"] == "added", "site_id"].tolist() == ["new-pit"]
    log = store.log("new-pit")
    assert log["citation"].iloc[0].startswith("Example Survey")
    with pytest.raises(DataError, match="already in the store"):
        store.import_file(csv)


def test_history_per_site(store):
    store.edit("pebble", {"stage": "closed"}, source="US Army Corps of Engineers, Pebble Mine appeal, "
               "2021, https://www.pod.usace.army.mil/Media/News-Releases/Tag/198425/pebble-mine-appeal/",
               author="analyst-a", on="2020-11-25")
    store.edit("pebble", {"notes": "ROD denied the permit"}, source=SOURCE, author="analyst-b")
    log = store.log("pebble")
    assert log[["author", "field"]].values.tolist() == [["analyst-a", "stage"], ["analyst-b", "notes"]]
    assert log["new_value"].iloc[0] == "closed" and log["old_value"].iloc[0] == "permitting"
    assert store.log("resolution").empty
    with pytest.raises(ArgumentError, match="unknown site"):
        store.log("no-such-site")


@pytest.mark.parametrize(("site", "sets", "message"), [
    ("no-such-site", ["stage=production"], "unknown site id 'no-such-site'"),
    ("resolution", ["colour=red"], "unknown field 'colour'"),
    ("resolution", ["stage=flying"], "unknown stage 'flying'"),
    ("resolution", ["latitude=95"], "latitude 95.0 is outside"),
    ("resolution", ["latitude=-33.1"], "latitude"),  # flipped sign: lands outside the USA
    ("resolution", ["capacity=12"], "capacity is given without a unit"),
    ("resolution", ["stake:bhp=90"], "sum to 145%"),
    ("resolution", ["stake:nobody=10"], "unknown owner id 'nobody'"),
    ("kamoa-kakula", ["production:2024:copper=5 kt"], "give production:YEAR:COMMODITY:BASIS"),
    ("kamoa-kakula", ["production:2024:copper:smelted=5 kt"], "unknown basis 'smelted'"),
    ("kamoa-kakula", ["production:2024:copper:payable=lots"], "give QUANTITY UNIT"),
    ("kamoa-kakula", ["production:2024:copper:payable=5 bushels"], "give QUANTITY UNIT"),
    ("kamoa-kakula", ["production:1850:copper:payable=5 kt"], "year 1850 is outside"),
])
def test_rejected_edits_write_nothing(store, capsys, site, sets, message):
    before = _state(store)
    raw = store.path.read_bytes() if not store.url.startswith("postgresql") else None
    argv = ["store", "edit", store.url, site, "--source", SOURCE]
    for s in sets:
        argv += ["--set", s]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert _state(store) == before
    if raw is not None:
        assert store.path.read_bytes() == raw


def test_a_batch_is_all_or_nothing(store, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(f"site,field,value,source,note\nresolution,stage,construction,\"{SOURCE}\",a\n"
                    f"pebble,capacity_unit,kt Cu,\"{SOURCE}\",b\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"site,field,value,source,note\nresolution,notes,fine,\"{SOURCE}\",a\n"
                   f"pebble,stage,nope,\"{SOURCE}\",b\n")
    with pytest.raises(DataError, match=r"bad.csv:3 \[stage\]"):
        store.apply(bad)
    assert _changes(store) == 0
    assert store.apply(good) == 2 and _changes(store) == 2
    assert set(store.log()["site_id"]) == {"resolution", "pebble"}


def test_the_log_is_append_only(store):
    store.edit("pebble", {"notes": "x"}, source=SOURCE)
    for sql in ("DELETE FROM changes", "UPDATE changes SET note = 'x'"):
        with pytest.raises(Exception, match="append-only"):
            _sql(store, sql)
    assert _changes(store) == 1


def test_read_only_store_refuses_writes(store):
    ro = Store(store.url, readonly=True)
    assert len(ro.sites()) == len(store.sites())
    with pytest.raises(ArgumentError, match="read-only"):
        ro.edit("pebble", {"notes": "x"}, source=SOURCE)


def test_geopackage_opens_as_gis_layers(gpkg_store):
    store = gpkg_store
    store.release("v1")
    layers = dict(pyogrio.list_layers(store.path))
    assert layers["sites"] == "Point" and layers["release_v1"] == "Point"
    assert {"changes", "releases", "ownership"} <= set(layers)
    assert pyogrio.read_info(store.path, layer="sites")["crs"] == "EPSG:4326"
    # The R-tree answers a box: exactly the sites whose coordinates lie in it.
    box = (-111.5, 32.5, -110.5, 33.5)
    got = set(pyogrio.read_dataframe(store.path, layer="sites", bbox=box)["id"])
    sites = store.sites()
    lon, lat = pd.to_numeric(sites["longitude"]), pd.to_numeric(sites["latitude"])
    inside = set(sites["id"][lon.between(box[0], box[2]) & lat.between(box[1], box[3])])
    assert got == inside and got
    with fiona.open(store.path, layer="release_v1") as layer:
        assert len(layer) == len(sites)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM rtree_sites_geom").fetchone()[0] == len(sites)


def test_commands_read_a_store_release(store, tmp_path, capsys):
    store.release("a")
    store.edit("pebble", {"stage": "closed"}, source=SOURCE)
    store.release("b")
    for tag, expected in (("a", False), ("b", True)):
        main(["query", "--store", f"{store.url}@{tag}", "--stage", "closed", "--format", "csv"],
             standalone_mode=False)
        assert ("pebble," in capsys.readouterr().out) is expected
    out = tmp_path / "site"
    main(["build", "--store", f"{store.url}@b", "--out", str(out), "--map", "us_copper"],
         standalone_mode=False)
    assert (out / "us-copper.html").exists()


def test_diff_html_escapes_names(store):
    store.release("a")
    store.edit("pebble", {"name": "<script>alert(1)</script>"}, source=SOURCE)
    store.release("b")
    page = diff_html(store.diff("a", "b"), "a → b")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_writers_killed_at_random_leave_the_last_commit(store, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(
        "import sys\nfrom geo.facts.store import Store\n"
        "s = Store(sys.argv[1])\n"
        "for i in range(1, 400):\n"
        "    s.edit('pebble', {'notes': f'edit {i}'}, source='P, T, 2024')\n"
        "    print(i, flush=True)\n")
    rng = random.Random(11)
    for attempt in range(5):
        before = _changes(store)
        proc = subprocess.Popen([sys.executable, str(script), store.url], stdout=subprocess.PIPE,
                                text=True, cwd=Path(__file__).parents[1])
        time.sleep(rng.uniform(1.5, 3.5))
        os.kill(proc.pid, signal.SIGKILL)
        printed = proc.stdout.read().split()
        proc.wait()
        done = int(printed[-1]) if printed else 0
        if not store.url.startswith("postgresql"):
            assert _sql(store, "PRAGMA integrity_check")[0] == "ok"
        n = _changes(store) - before
        notes = _sql(store, "SELECT notes FROM sites WHERE id = 'pebble'")[0]
        # Committed but not yet printed: at most one more than printed.
        assert n in (done, done + 1)
        if n:
            assert notes == f"edit {n}"
        # The store still takes writes and its sites still pass the bundled checks.
        assert store.edit("pebble", {"notes": f"after {attempt}"}, source=SOURCE) == 1


def test_two_writers_at_once_both_land(store, tmp_path):
    files = []
    for who, site in (("a", "pebble"), ("b", "resolution")):
        f = tmp_path / f"{who}.csv"
        rows = "".join(f"{site},notes,{who} {i},\"P, T, 2024\",\n" for i in range(300))
        f.write_text("site,field,value,source,note\n" + rows)
        files.append(f)
    procs = [subprocess.Popen([*MINETRACK, "store", "apply", store.url, str(f)], stderr=subprocess.PIPE,
                              text=True, cwd=Path(__file__).parents[1]) for f in files]
    errs = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    # Each batch logs only the value changes that differ from the one before: 300 each.
    assert tuple(_sql(store, "SELECT count(DISTINCT batch), count(*) FROM changes")) == (2, 600)


def test_postgis_layers_have_spatial_indexes(pg_url):
    import psycopg

    store = Store.init(pg_url, from_bundled=True)
    store.release("v1")
    with psycopg.connect(pg_url) as conn:
        cols = dict(conn.execute("SELECT f_table_name, type || ':' || srid FROM geometry_columns"))
        gist = {r[0] for r in conn.execute("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%gist%'")}
        # The GiST index answers a box: exactly the sites whose coordinates lie in it.
        box = (-111.5, 32.5, -110.5, 33.5)
        got = {r[0] for r in conn.execute(
            "SELECT id FROM sites WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", box)}
    assert cols["sites"] == "POINT:4326" and cols["release_v1"] == "POINT:4326"
    assert {"sites", "release_sites"} <= gist
    sites = store.sites()
    lon, lat = pd.to_numeric(sites["longitude"]), pd.to_numeric(sites["latitude"])
    assert got == set(sites["id"][lon.between(box[0], box[2]) & lat.between(box[1], box[3])]) and got


def test_postgis_reader_role_reads_and_cannot_write(pg_url, capsys):
    import uuid

    import psycopg
    from pg import database_url

    Store.init(pg_url, from_bundled=True).release("v1")
    alice = "alice_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {alice} LOGIN IN ROLE minetrack_reader")
    as_alice = pg_url.replace("user=postgres", f"user={alice}")
    assert as_alice != pg_url and database_url(as_alice, "x") != as_alice
    reader = Store(as_alice)
    assert len(reader.sites("v1")) == len(reader.sites()) > 100
    with pytest.raises(SystemExit) as exit_:
        main(["store", "edit", as_alice, "pebble", "--set", "notes=x", "--source", SOURCE])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "permission denied" in err and "Traceback" not in err
    with psycopg.connect(as_alice) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE sites SET notes = 'x'")
    assert Store(pg_url).log().empty


def test_store_url_keeps_its_at_sign():
    from geo.cli._store_input import split_store

    assert split_store("t.gpkg@v1") == ("t.gpkg", "v1")
    assert split_store("postgresql://ann@db.example/tracker") == ("postgresql://ann@db.example/tracker", None)
    assert split_store("postgresql://ann@db.example/tracker@2026-q4") == (
        "postgresql://ann@db.example/tracker", "2026-q4")
    assert split_store("postgresql://ann@db.example") == ("postgresql://ann@db.example", None)


def test_remove_a_site_keeps_it_in_the_log_and_earlier_releases(store, tmp_path, capsys):
    store.release("before")
    main(["store", "remove", store.url, "pebble", "--source", SOURCE, "--note", "duplicate"],
         standalone_mode=False)
    assert "pebble" not in set(store.sites()["id"])
    assert "pebble" not in set(store.table("ownership")["site_id"])
    assert "pebble" not in set(store.table("stage_events")["site_id"])
    store.release("after")
    diff = store.diff("before", "after")
    assert diff.loc[diff["kind"] == "removed", "site_id"].tolist() == ["pebble"]
    assert "pebble" in set(store.sites("before")["id"])
    log = store.log("pebble")
    assert log[["field", "new_value", "note"]].values.tolist()[-1] == ["*", "removed", "duplicate"]
    # What is left still passes the bundled checks.
    out = tmp_path / "folder"
    store.export(out)
    assert main(["validate", str(out)], standalone_mode=False) is None
    with pytest.raises(SystemExit):
        main(["store", "remove", store.url, "pebble", "--source", SOURCE])
    assert "unknown site id 'pebble'" in capsys.readouterr().err


def test_import_records_stakes_of_known_owners(store, tmp_path, capsys):
    csv = tmp_path / "owned.csv"
    csv.write_text("id,name,lat,lon,country,admin1,owners,citation\n"
                   "owned-pit,Owned Pit,33.21,-110.95,USA,AZ,\"BHP 45%; Nobody Mining 10%\","
                   "\"Example Survey (test fixture), Mines 2023, 2023, https://example.org/reports/mines-2023.pdf\"\n")
    main(["store", "import", store.url, str(csv)], standalone_mode=False)
    assert "Nobody Mining" in capsys.readouterr().err
    own = store.table("ownership")
    row = own[own["site_id"] == "owned-pit"]
    assert row[["owner_id", "equity_pct", "as_of"]].values.tolist() == [["bhp", "45.0", "2023"]]

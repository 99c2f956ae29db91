"""The GeoPackage backend: one SQLite file that QGIS opens as it is.

GDAL creates the ``sites`` layer (so its R-tree, triggers and registrations are GDAL's
own); every other table is plain SQL, registered in ``gpkg_contents`` so GIS programs
list it. Writers take the file's write lock up front (``BEGIN IMMEDIATE``) and wait for
each other up to the busy timeout.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.columns import SITE_COLUMNS
from geo.core.errors import ArgumentError, FileError, display_path
from geo.facts.store.schema import BUSY_TIMEOUT_S, TABLES, columns_sql

_APPLICATION_ID = 0x47504B47  # "GPKG"

_DDL = (
    "CREATE TABLE minetrack_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE changes (
        change_id INTEGER PRIMARY KEY AUTOINCREMENT, batch INTEGER NOT NULL, at TEXT NOT NULL,
        author TEXT NOT NULL, site_id TEXT NOT NULL, field TEXT NOT NULL, old_value TEXT,
        new_value TEXT, source TEXT NOT NULL, note TEXT)""",
    "CREATE INDEX changes_site ON changes (site_id)",
    # The log is append-only: what was recorded stays recorded.
    """CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes
       BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END""",
    """CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
       BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END""",
    """CREATE TABLE releases (
        tag TEXT PRIMARY KEY, at TEXT NOT NULL, note TEXT, last_change INTEGER NOT NULL)""",
    "CREATE UNIQUE INDEX sites_id ON sites (id)",
    f"""CREATE TABLE release_sites (fid INTEGER PRIMARY KEY AUTOINCREMENT,
        release TEXT NOT NULL, {columns_sql(SITE_COLUMNS)}, geom BLOB)""",
    "CREATE INDEX release_sites_tag ON release_sites (release)",
)


def point_blobs(lon: np.ndarray, lat: np.ndarray) -> list[bytes]:
    """GeoPackage binary points (EPSG:4326, little-endian, no envelope), vectorised."""
    rec = np.zeros(len(lon), dtype=[("magic", "S2"), ("version", "u1"), ("flags", "u1"),
                                    ("srs", "<i4"), ("order", "u1"), ("kind", "<u4"),
                                    ("x", "<f8"), ("y", "<f8")])
    rec["magic"], rec["flags"], rec["srs"], rec["order"], rec["kind"] = b"GP", 1, 4326, 1, 1
    rec["x"], rec["y"] = lon, lat
    raw = rec.tobytes()
    size = rec.dtype.itemsize
    return [raw[i:i + size] for i in range(0, len(raw), size)]


def _blob_xy(blob: bytes | None) -> tuple[float, float] | None:
    if not blob or blob[:2] != b"GP" or blob[3] & 0x10:
        return None
    skip = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 7]
    return struct.unpack_from("<dd" if blob[8 + skip] == 1 else ">dd", blob, 8 + skip + 5)


def register_gpkg_functions(conn: sqlite3.Connection) -> None:
    # GDAL's R-tree triggers call these GeoPackage SQL functions; plain SQLite lacks them.
    conn.create_function("ST_IsEmpty", 1, lambda b: int(_blob_xy(b) is None), deterministic=True)
    for name, k in (("ST_MinX", 0), ("ST_MaxX", 0), ("ST_MinY", 1), ("ST_MaxY", 1)):
        conn.create_function(name, 1, lambda b, k=k: (_blob_xy(b) or (None, None))[k],
                             deterministic=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class GpkgBackend:
    """A store in one GeoPackage file."""

    order_key = "rowid"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.name = display_path(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def create(self) -> Iterator[sqlite3.Connection]:
        import geopandas as gpd
        import pyogrio

        from geo.io.write import atomic_path

        if self.path.suffix.lower() != ".gpkg":
            raise ArgumentError(f"{self.name}: a store is a GeoPackage (.gpkg) file "
                                "or a postgresql:// URL")
        dtypes = {"float": "float64", "int": "int64"}
        empty = gpd.GeoDataFrame({c.name: pd.Series([], dtype=dtypes.get(c.kind, object))
                                  for c in SITE_COLUMNS},
                                 geometry=gpd.GeoSeries([], crs="EPSG:4326"))
        # Built in a temporary file and moved into place: a failed init leaves nothing.
        with atomic_path(self.path) as tmp:
            pyogrio.write_dataframe(empty, tmp, layer="sites", driver="GPKG", geometry_type="Point",
                                    layer_options={"FID": "fid", "GEOMETRY_NAME": "geom",
                                                   "SPATIAL_INDEX": "YES"})
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                register_gpkg_functions(conn)
                conn.execute("BEGIN")
                yield conn
                conn.execute("COMMIT")
            finally:
                conn.close()

    @contextmanager
    def connect(self, readonly: bool) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            raise FileError(f"{self.name}: no such store (create it with minetrack store init)")
        uri = f"{self.path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise FileError(f"{self.name}: cannot open the store ({exc})") from None
        try:
            register_gpkg_functions(conn)
            conn.execute("PRAGMA synchronous = FULL")
            yield conn
        except sqlite3.DatabaseError as exc:
            raise FileError(f"{self.name}: {exc}") from None
        finally:
            conn.close()

    @contextmanager
    def transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise FileError(f"{self.name}: another writer holds the store "
                            f"(waited {BUSY_TIMEOUT_S:g} s: {exc})") from None
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def create_tables(self, conn: sqlite3.Connection) -> None:
        for sql in _DDL:
            conn.execute(sql)
        for table in TABLES:
            self.create_fact_table(conn, table)
        for table in ("changes", "releases"):
            self._register(conn, table)

    def create_fact_table(self, conn: sqlite3.Connection, table: str) -> None:
        columns = columns_sql(TABLES[table])
        conn.execute(f'CREATE TABLE "{table}" ({columns})')
        conn.execute(f'CREATE TABLE "release_{table}" (release TEXT NOT NULL, {columns})')
        conn.execute(f'CREATE INDEX "release_{table}_tag" ON "release_{table}" (release)')
        self._register(conn, table)

    @staticmethod
    def _register(conn: sqlite3.Connection, table: str) -> None:
        # GIS programs list a GeoPackage's non-spatial tables from gpkg_contents.
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                     "VALUES (?, 'attributes', ?, ?)", (table, table, _now()))

    def point_sql(self) -> str:
        return "?"

    def point_params(self, lon: np.ndarray, lat: np.ndarray) -> list[tuple]:
        return [(b,) for b in point_blobs(lon, lat)]

    def relation_exists(self, conn: sqlite3.Connection, name: str) -> bool:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None

    def create_release_view(self, conn: sqlite3.Connection, view: str, tag: str, columns: str) -> None:
        conn.execute(f'CREATE VIEW "{view}" AS SELECT fid, {columns}, geom FROM release_sites '
                     f"WHERE release = '{tag}'")
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id, "
                     "last_change) VALUES (?, 'features', ?, 4326, ?)", (view, view, _now()))
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)",
                     (view,))

    # -- layers beside the sites (federal land) ----------------------------------------------

    def write_land(self, land, table: str) -> int:
        import pyogrio

        # GDAL writes the layer (with its R-tree) in one transaction of its own.
        pyogrio.write_dataframe(land, self.path, layer=table, driver="GPKG", promote_to_multi=True,
                                layer_options={"OVERWRITE": "YES", "SPATIAL_INDEX": "YES"})
        return len(land)

    def read_land(self, table: str):
        import pyogrio

        if table not in {name for name, _ in pyogrio.list_layers(self.path)}:
            return None
        land = pyogrio.read_dataframe(self.path, layer=table)
        land["federal"] = land["federal"].astype(bool)
        return land
